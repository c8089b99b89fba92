//! Read-only, cloud-optimized HDF5 for ATL03 granules, in pure Rust (no libhdf5).
//!
//! firn-h5 reads the HDF5 subset that NASA's ICESat-2 ATL03 granules use: superblocks v0–v3,
//! object headers v1 and v2, old-style (symbol table) and new-style (link message, dense fractal
//! heap) groups, little-endian integers and floats, fixed-length strings, and compact, contiguous
//! or chunked storage (version-1 B-tree index) with the deflate and shuffle filters. Anything else
//! fails with [`Error::Unsupported`] naming the feature and the object path — never wrong numbers,
//! never a panic.
//!
//! Objects are parsed lazily along the path asked for. Metadata is read through an aligned block
//! cache (the first 2 MiB in one request); a row read walks only the chunk B-tree nodes its rows
//! need (the nodes of one level of every dataset of a batch in one round of coalesced requests),
//! coalesces neighbouring chunks into few large requests and inflates them in parallel, straight
//! into the output where a chunk needs no clipping. The same code path serves local files (mapped
//! into memory, [`source::FileSource`]), S3 objects ([`source::ObjectStoreSource`]) and memory.
//!
//! # Open a file and read a dataset
//!
//! ```
//! # fn main() -> firn_h5::Result<()> {
//! # let path = "/work/shared/fixtures/atl03/ATL03_gt1l_subset.h5";
//! # if !std::path::Path::new(path).exists() { return Ok(()); }
//! use firn_h5::File;
//!
//! let file = File::open(path)?;
//! let h_ph = file.dataset("/gt1l/heights/h_ph")?;
//! assert_eq!(h_ph.dtype().to_string(), "f32");
//! let heights: Vec<f32> = h_ph.read()?;
//! assert_eq!(heights.len() as u64, h_ph.len());
//! # Ok(())
//! # }
//! ```
//!
//! # Read a row range, or several datasets at once
//!
//! Reads go along the first dimension. A batch read plans every dataset's chunks together, so
//! chunks that sit next to each other in the file are fetched in one request.
//!
//! ```
//! # fn main() -> firn_h5::Result<()> {
//! # let path = "/work/shared/fixtures/atl03/ATL03_gt1l_subset.h5";
//! # if !std::path::Path::new(path).exists() { return Ok(()); }
//! use firn_h5::{Array, File};
//!
//! let file = File::open(path)?;
//! let lat = file.dataset("/gt1l/heights/lat_ph")?;
//! let conf = file.dataset("/gt1l/heights/signal_conf_ph")?;
//! assert_eq!(conf.shape()[1], 5);
//!
//! let first_hundred: Vec<f64> = lat.read_rows(0..100)?;
//! let arrays = file.read_batch(&[(&lat, 0..100), (&conf, 0..100)])?;
//! assert_eq!(arrays[0], Array::F64(first_hundred));
//! let conf: Vec<i8> = arrays[1].clone().into_vec().expect("signal_conf_ph is i8");
//! assert_eq!(conf.len(), 500);
//! # Ok(())
//! # }
//! ```
//!
//! # Read window by window into reused buffers
//!
//! [`File::read_batch_into`] and [`Dataset::read_rows_into`] decode into buffers the caller owns
//! ([`ArrayMut`], made from `&mut [T]` or `&mut Vec<T>`): a stream of windows allocates nothing
//! and touches the same memory again and again.
//!
//! ```
//! # fn main() -> firn_h5::Result<()> {
//! # let path = "/work/shared/fixtures/atl03/ATL03_gt1l_subset.h5";
//! # if !std::path::Path::new(path).exists() { return Ok(()); }
//! use firn_h5::File;
//!
//! let file = File::open(path)?;
//! let h_ph = file.dataset("/gt1l/heights/h_ph")?;
//! let conf = file.dataset("/gt1l/heights/signal_conf_ph")?;
//! const WINDOW: u64 = 1000;
//! let (mut heights, mut confidence) = (vec![0f32; WINDOW as usize], vec![0i8; 5 * WINDOW as usize]);
//! let mut start = 0;
//! while start < h_ph.len() {
//!     let rows = start..(start + WINDOW).min(h_ph.len());
//!     let n = (rows.end - rows.start) as usize;
//!     file.read_batch_into(
//!         &[(&h_ph, rows.clone()), (&conf, rows.clone())],
//!         &mut [(&mut heights[..n]).into(), (&mut confidence[..5 * n]).into()],
//!     )?;
//!     assert_eq!(heights[..n], h_ph.read_rows::<f32>(rows.clone())?[..]);
//!     start = rows.end;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # List a file
//!
//! [`File::walk`] visits every object; objects it cannot read are listed with their error.
//!
//! ```
//! # fn main() -> firn_h5::Result<()> {
//! # let path = "/work/shared/fixtures/atl03/ATL03_gt1l_subset.h5";
//! # if !std::path::Path::new(path).exists() { return Ok(()); }
//! use firn_h5::{EntryKind, File};
//!
//! let file = File::open(path)?;
//! for entry in file.walk() {
//!     match (&entry.kind, &entry.dataset, &entry.error) {
//!         (_, _, Some(error)) => println!("{}: cannot read: {error}", entry.path),
//!         (EntryKind::Dataset, Some(d), None) => println!("{} {:?} {}", entry.path, d.shape(), d.dtype()),
//!         (kind, _, None) => println!("{} {kind:?}", entry.path),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Read from S3 or memory
//!
//! [`File::from_source`] takes any [`ByteSource`]; wrap one in [`source::CountingSource`] to see
//! how many requests a read makes.
//!
//! ```
//! # fn main() -> firn_h5::Result<()> {
//! # let path = "/work/shared/fixtures/atl03/ATL03_gt1l_subset.h5";
//! # if !std::path::Path::new(path).exists() { return Ok(()); }
//! use std::sync::Arc;
//! use firn_h5::File;
//! use firn_h5::source::{CountingSource, MemorySource};
//!
//! let bytes = std::fs::read(path).expect("fixture");
//! let counting = Arc::new(CountingSource::new(Arc::new(MemorySource::new(bytes, "granule"))));
//! let file = File::from_source(counting.clone())?;
//! let segment_id: Vec<i32> = file.dataset("/gt1l/geolocation/segment_id")?.read()?;
//! assert_eq!(segment_id.len(), 40);
//! assert!(counting.stats().requests <= 3);
//! # Ok(())
//! # }
//! ```
//!
//! # Limits
//!
//! A read allocates its output up front. Beyond 64 MiB it must be backed by stored bytes (at most
//! 1100 decoded bytes per stored byte, more than deflate can expand), so a corrupt dataspace cannot
//! make the reader allocate terabytes; a larger never-written (fill-value only) chunked dataset is
//! refused as implausible.
#![deny(missing_docs)]

mod array;
mod cursor;
mod dataset;
mod decode;
mod dtype;
mod error;
mod file;
mod filters;
mod format;
mod group;
mod meta;
mod plan;
pub mod source;
mod storage;

pub use array::{Array, ArrayMut};
pub use dataset::{Dataset, FilterInfo};
pub use dtype::{Datatype, H5Type, StringPadding};
pub use error::{Error, Result};
pub use file::File;
pub use group::{Entry, EntryKind, Group};
pub use plan::ReadOptions;
pub use source::{ByteSource, SharedSource};
