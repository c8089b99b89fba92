//! Benchmarks of firn-h5 against its peers, on the datasets an ATL06-SR run reads.
//!
//! The binaries do the measuring (see the crate README for the commands and the figures):
//!
//! - `h5_read`: on a ~1 GB synthetic granule, the raw-inflate floor ([`Floor`]: the stored chunks
//!   in memory, inflated with libdeflate, no parsing), firn-h5 on 1 and 2 rayon threads, and
//!   libhdf5 through hdf5-metno, with a check that firn-h5 and libhdf5 return the same bytes;
//! - `h5_s3`: against moto S3, the GETs and bytes firn-h5 needs to open the granule and read one
//!   beam's photons for a 1 % row range and for the whole beam, against the chunk bytes needed.
//!
//! This library holds what they share: the workload ([`datasets`]), the cached granule
//! ([`granule`]), the chunk tables from libhdf5 ([`ChunkTable`]), the contenders' read paths
//! ([`readers`]) and the table ([`report`]).
//!
//! # Example: the floor and firn-h5 agree with libhdf5 on a small granule
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use firn_benches::{Floor, chunks, datasets, granule, readers};
//!
//! let dir = tempfile::tempdir()?;
//! let spec = firn_synth::GranuleSpec {
//!     length_km: 2.0,
//!     beams: vec![firn_synth::Beam::Gt1l],
//!     ..granule::bench_spec(2.0)
//! };
//! let (path, generated) = granule::ensure_granule(&spec, dir.path())?;
//! assert!(generated);
//!
//! let paths = datasets::atl06_datasets("gt1l");
//! let mut floor = Floor::load(&path, chunks::query_all(&path, &paths)?)?;
//! floor.inflate()?;
//!
//! let firn = readers::firn_read(&firn_h5::File::open(&path)?, &paths)?;
//! let libhdf5 = hdf5::File::open(&path)?;
//! for ((name, floor_bytes), firn_array) in floor.outputs().zip(&firn) {
//!     let theirs = readers::libhdf5_read(&libhdf5, name)?;
//!     let theirs = theirs.as_bytes();
//!     readers::same_bytes(name, ("floor", floor_bytes), ("libhdf5", theirs))?;
//!     let ours = firn_array.as_bytes();
//!     readers::same_bytes(name, ("firn-h5", ours), ("libhdf5", theirs))?;
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod chunks;
pub mod datasets;
mod error;
pub mod floor;
pub mod granule;
pub mod readers;
pub mod report;
pub mod s3;

pub use chunks::{ChunkTable, StoredChunk};
pub use error::{Error, Result};
pub use floor::Floor;
