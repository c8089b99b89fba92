//! Writes ATL06-SR segments (SPEC §8) as GeoParquet 1.1, Parquet, CSV or Feather, to a local
//! path or an S3 object, streaming, with nothing visible until the output is complete.
//!
//! # Writing a file
//!
//! Parse the request's `output` block into an [`OutputSpec`], open an [`OutputWriter`], write
//! [`SegmentBatch`]es as beams finish, and [`finish`](OutputWriter::finish):
//!
//! ```
//! use firn_output::{FirnMetadata, OutputSpec, OutputWriter, SegmentBatch, SegmentRow};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("segments.parquet");
//! let request = json!({"output": {"path": path.to_str(), "format": "parquet"}});
//! let spec = OutputSpec::from_json(&request["output"])?;
//! let metadata = FirnMetadata {
//!     request: firn_output::redacted_request(&request),
//!     granules: vec!["ATL03_20200101000000_00100610_006_01.h5".into()],
//!     version: "firn 0.1.0".into(),
//! };
//!
//! let mut writer = OutputWriter::create(&spec, &metadata)?;
//! let mut batch = SegmentBatch::default();
//! batch.push(&SegmentRow { time_ns: 1_577_836_800_000_000_000, latitude: 39.0,
//!                          longitude: -108.0, h_mean: 3050.2, ..SegmentRow::default() });
//! writer.write(&batch)?;
//! let summary = writer.finish()?;
//!
//! assert_eq!(summary.rows, 1);
//! assert_eq!(summary.bbox, Some([-108.0, 39.0, -108.0, 39.0]));
//! assert!(path.exists());
//! # Ok(())
//! # }
//! ```
//!
//! # Formats
//!
//! - **GeoParquet** (`format: "parquet"`, the default, or `"geoparquet"`): the SPEC §8 columns,
//!   then a WKB `geometry` point and a `bbox` struct covering column; footer keys `geo`
//!   (GeoParquet 1.1, no `crs`: OGC:CRS84), `pandas` (so `geopandas.read_parquet` gives a UTC
//!   `DatetimeIndex` named `time`) and `firn` (request without credentials, granules, version).
//!   Zstd, row groups of at most 100k rows.
//! - **Parquet** (`as_geo: false`): `latitude` and `longitude` columns instead of geometry;
//!   same footer keys except `geo`.
//! - **CSV**: header row, `latitude`/`longitude`, times as `2020-01-01T00:00:00.000000000Z`.
//! - **Feather**: Arrow IPC file with zstd-compressed buffers and the `pandas` and `firn` keys
//!   in the schema metadata.
//!
//! The column order is in [`schema`].
//!
//! # Destinations and failure
//!
//! Local outputs go to a temporary file beside the target, renamed on success. S3 outputs go
//! through `object_store::buffered::BufWriter` (multipart above the part size) with the
//! request's credentials or the standard AWS chain; any failure aborts the upload. Dropping a
//! writer without finishing it discards the output. [`Secret`] keeps credentials out of
//! `Debug`, and store messages are scrubbed before they reach an [`Error`].
//!
//! # Part mode, shards and gather
//!
//! [`PartWriter`] writes one file per granule under a prefix, each followed by a small record,
//! and skips granules whose part is recorded when a run is resumed or a shard retried. A
//! [`RunPrefix`] holds the run's [`Plan`] (created once, atomically, so that every shard
//! partitions the same list), failure records, and [`gather`](RunPrefix::gather)s the run
//! manifest and `_SUCCESS`; [`merge`](RunPrefix::merge) streams the parts into one file.
//! Everything under the prefix but the parts starts with `_` ([`PLAN`], [`MANIFEST`],
//! [`SUCCESS`], `_parts/`, `_failed/`), so dataset readers see the parts alone.
//!
//! ```
//! use firn_output::{Format, OutputSpec, PartWriter, Plan, RunPrefix, SegmentBatch, SegmentRow,
//!                   WriterOptions, FirnMetadata, Destination};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let spec = OutputSpec::from_json(&json!({"path": dir.path().join("run").to_str(), "parts": true}))?;
//! let options = WriterOptions::default();
//! let granule = "ATL03_20200101000000_00100610_006_01.h5";
//!
//! // Every shard: create the plan or read the one another shard created.
//! let prefix = RunPrefix::open(&spec, &options)?;
//! let plan = Plan { granules: vec![format!("/data/{granule}")], source: "/data".into(),
//!                   request: json!({}), format: Format::GeoParquet.name().into(),
//!                   version: "firn 0.1.0".into() };
//! let plan = prefix.create_plan(&plan)?.plan().clone();
//!
//! // Each shard writes the parts of its granules.
//! let metadata = FirnMetadata { request: json!({}), granules: plan.granules.clone(),
//!                               version: "firn 0.1.0".into() };
//! let mut parts = PartWriter::open(&spec, &metadata, &options)?;
//! for location in &plan.granules {
//!     if parts.exists(location)? { continue; }
//!     let mut writer = parts.create_part(location)?;
//!     let mut batch = SegmentBatch::default();
//!     batch.push(&SegmentRow { time_ns: 1_577_836_800_000_000_000, latitude: 39.0,
//!                              longitude: -108.0, ..SegmentRow::default() });
//!     writer.write(&batch)?;
//!     let summary = writer.finish()?;
//!     parts.record(location, &summary)?;
//! }
//!
//! // Once every shard has finished: the run manifest, _SUCCESS, and one merged file.
//! let manifest = prefix.gather()?;
//! assert!(manifest.complete && dir.path().join("run/_SUCCESS").exists());
//! let merged = prefix.merge(&manifest, &Destination::Local(dir.path().join("all.parquet")))?;
//! assert_eq!(merged.rows, 1);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod batch;
mod encode;
mod error;
mod geoparquet;
mod layout;
mod manifest;
mod merge;
mod metadata;
mod part;
mod plan;
mod run;
pub mod schema;
mod secret;
mod sink;
mod spec;
mod writer;

pub use batch::{Bbox, SegmentBatch, SegmentRow};
pub use error::{AbortOutcome, Error, Result};
pub use firn_secret::Secret;
pub use layout::{MANIFEST, PLAN, SUCCESS};
pub use manifest::{FailedGranule, Manifest};
pub use metadata::{FIRN_KEY, FirnMetadata, GEO_KEY, PANDAS_KEY};
pub use part::{PartEntry, PartWriter};
pub use plan::{Plan, PlanOutcome};
pub use run::RunPrefix;
pub use sink::store::{MIN_PART_SIZE, S3Options};
pub use spec::{Credentials, Destination, Format, OutputSpec, redacted_request};
pub use writer::{OutputSummary, OutputWriter, WriterOptions};
