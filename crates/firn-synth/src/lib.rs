//! firn-synth: realistic synthetic ICESat-2 ATL03 granules with truth, for tests and benchmarks.
//!
//! A [`GranuleSpec`] describes a pass: where the ground track crosses (by default Grand Mesa,
//! Colorado), its near-polar heading, the surface ([`Terrain`]), signal and background rates,
//! clouds and telemetry gaps, the spacecraft orientation and the HDF5 [`Layout`]. From it the crate
//! simulates every laser shot (SPEC §11) and
//!
//! - writes a granule laid out exactly like ATL03 release 006 (SPEC §2) with
//!   [`write_granule`] / [`write_granule_with`], plus Parquet truth sidecars
//!   (`<stem>_truth_segments.parquet`, optionally `<stem>_truth_photons.parquet`);
//! - or returns one beam in memory with [`generate_beam`], for other crates' tests.
//!
//! Output depends only on the spec: the track is cut into blocks of 256 segments, each with its own
//! seeded random stream, so the bytes are the same for any thread count.
//!
//! # Example
//!
//! ```
//! use firn_synth::{Beam, GranuleSpec, Terrain, generate_beam, write_granule};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let spec = GranuleSpec {
//!     seed: 7,
//!     length_km: 1.0,
//!     terrain: Terrain::Slope { h0: 3_000.0, slope: 0.05 },
//!     ..GranuleSpec::default()
//! };
//!
//! // In memory: photons, segments and truth of one beam.
//! let beam = generate_beam(&spec, Beam::Gt1l)?;
//! assert_eq!(beam.segments.len(), 49); // 1 km / 20.0057 m
//! assert!(beam.strong && beam.photons.len() > 0);
//!
//! // On disk: the HDF5 granule and its truth.
//! let dir = tempfile::tempdir()?;
//! let out = write_granule(&spec, dir.path())?;
//! assert!(out.h5_path.ends_with("ATL03_20191113010203_07370502_006_01.h5"));
//! assert_eq!(out.photons(Beam::Gt1l), Some(beam.photons.len() as u64));
//! # Ok(())
//! # }
//! ```
//!
//! # Memory and speed
//!
//! [`write_granule_with`] generates 16 blocks at a time in parallel, then compresses the
//! complete chunks of every dataset in parallel (hand-written shuffle + libdeflate zlib, the same
//! bytes HDF5's shuffle and deflate filters produce) and writes them with `H5Dwrite_chunk`, so
//! memory stays bounded whatever the length: a 2,900 km six-beam granule at 8 photons per shot
//! (120 million photons, 2.2 GB) peaks at about 240 MB resident and takes about 200 s on two
//! cores, most of it in deflate level 6.
#![deny(missing_docs)]

mod beam;
mod data;
mod error;
mod gaps;
mod granule;
pub mod physics;
mod scene;
mod seeds;
mod spec;
mod sun;
mod terrain;
mod truth;
mod writer;

pub use beam::{Beam, ScOrient};
pub use data::{Background, BeamData, Photons, Segments};
pub use error::{Error, Result};
pub use granule::{
    BeamSummary, GranuleOutput, WriteOptions, demo_specs, write_granule, write_granule_with,
    write_granules,
};
pub use spec::{GRAND_MESA_LAT, GRAND_MESA_LON, Gaps, GranuleSpec, Layout};
pub use terrain::Terrain;
pub use truth::{photon_truth_schema, segment_truth_schema};

/// Generates one beam of `spec` in memory: photons, segments, background and truth.
///
/// The arrays are exactly those [`write_granule`] stores for that beam (its `ph_index_beg` is
/// 1-based over the beam), so tests can compare a reader's output with them. Memory grows with
/// `length_km`: keep it to tens of kilometres.
pub fn generate_beam(spec: &GranuleSpec, beam: Beam) -> Result<BeamData> {
    scene::Scene::new(spec)?.beam(beam)
}
