//! ATL03 granules for ATL06-SR: identity, beams, photon filters and the extent grid.
#![deny(missing_docs)]

pub mod beam;
mod error;
mod extract;
pub mod extents;
pub mod filters;
mod granule;
pub mod name;
mod segments;
mod subset;

pub use beam::{Beam, Orientation};
pub use error::{Error, Result};
pub use granule::{DEFAULT_GPS_EPOCH, Granule, Identity, IdentitySource};
pub use segments::{Background, BeamSegments};
pub use extract::{
    BeamExtractor, BeamStats, DEFAULT_WINDOW_PHOTONS, Extent, ExtentBatch, ExtractParams, FilteredPhotons,
    extent_id,
};
pub use firn_region::RunMode;
pub use subset::{RegionFilter, select_runs};
