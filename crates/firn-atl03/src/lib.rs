//! ATL03 granules for ATL06-SR: open a granule from disk or S3, subset its beams by a region,
//! filter photons and lay the extent grid of SPEC §6, streamed along track.
//!
//! ```
//! use firn_atl03::{Beam, BeamExtractor, ExtractParams, Granule};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/atl03/ATL03_gt1l_subset.h5");
//! // The fixture's file name is not a granule name: state its identity.
//! let granule = Granule::open(path)?.with_identity(235, 1, 4);
//! let mut beam = BeamExtractor::new(&granule, Beam::Gt1l, ExtractParams::default())?;
//! let mut extents = 0;
//! while let Some(batch) = beam.next_batch()? {
//!     // Each extent is a row range over the batch's filtered photon columns.
//!     for extent in &batch.extents {
//!         assert!(extent.photons.end <= batch.photons.len());
//!     }
//!     extents += batch.extents.len();
//! }
//! assert_eq!(beam.stats().photons_read, 2909);
//! assert!(extents > 30);
//! # Ok::<(), firn_atl03::Error>(())
//! ```
//!
//! - [`Granule`]: identity from the file name (or `/orbit_info`, or the caller), orientation,
//!   beams present, validated segment arrays ([`BeamSegments`]) and background rates.
//! - [`select_runs`]: the runs of segments inside a region (every run, or upstream's first).
//! - [`filters::PhotonFilter`]: srt / cnf / quality_ph / YAPC as a mask.
//! - [`extents::Gridder`]: the extent grid, resumable so photons can stream in windows.
//! - [`BeamExtractor`]: all of it per beam, window by window, into [`ExtentBatch`]es whose columns
//!   the fitting core borrows without copying.
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
