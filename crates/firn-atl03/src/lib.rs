//! ATL03 granules for ATL06-SR: identity, beams, photon filters and the extent grid.
#![deny(missing_docs)]

pub mod beam;
mod error;
pub mod extents;
mod extract;
pub mod filters;
mod granule;
pub mod name;
mod segments;
mod subset;

pub use beam::{Beam, Orientation};
pub use error::{Error, Result};
pub use extract::{
    BeamExtractor, BeamStats, DEFAULT_WINDOW_PHOTONS, Extent, ExtentBatch, ExtractParams,
    FilteredPhotons, extent_id,
};
pub use firn_region::RunMode;
pub use granule::{DEFAULT_GPS_EPOCH, Granule, Identity, IdentitySource};
pub use segments::{Background, BeamSegments};
pub use subset::{RegionFilter, select_runs};
