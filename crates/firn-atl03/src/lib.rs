//! ATL03 granules for ATL06-SR: identity, beams, photon filters and the extent grid.
#![deny(missing_docs)]

pub mod beam;
mod error;
pub mod extents;
pub mod filters;
mod granule;
pub mod name;
mod segments;

pub use beam::{Beam, Orientation};
pub use error::{Error, Result};
pub use granule::{DEFAULT_GPS_EPOCH, Granule, Identity, IdentitySource};
pub use segments::{Background, BeamSegments};
