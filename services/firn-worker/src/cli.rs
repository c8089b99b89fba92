//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// ICESat-2 ATL03 photons to ATL06-SR elevation segments.
#[derive(Debug, Parser)]
#[command(name = "firn", version, about)]
pub(crate) struct Cli {
    /// Log progress (info level) on stderr; RUST_LOG overrides.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Inspect HDF5 files (local paths or s3:// URLs).
    #[command(subcommand)]
    H5(H5Command),
    /// Inspect and subset ATL03 granules.
    #[command(subcommand)]
    Atl03(Atl03Command),
}

/// `firn h5 …`
#[derive(Debug, Subcommand)]
pub(crate) enum H5Command {
    /// List every object: shape, dtype, chunk shape and filters of datasets.
    Ls {
        /// A local path or s3://bucket/key (endpoint and credentials from the AWS environment).
        path: String,
    },
    /// Print a dataset's values, one row per line (2-D rows comma-separated).
    Cat {
        /// A local path or s3://bucket/key.
        path: String,
        /// The dataset's path in the file, e.g. /gt1l/heights/h_ph.
        dataset: String,
        /// First row.
        #[arg(long, default_value_t = 0)]
        start: u64,
        /// Number of rows (default: to the end).
        #[arg(long)]
        count: Option<u64>,
    },
}

/// `firn atl03 …`
#[derive(Debug, Subcommand)]
pub(crate) enum Atl03Command {
    /// Print a granule's identity, beams, counts, time span and bounding box as JSON.
    Info {
        /// A local path or s3://bucket/key.
        path: String,
    },
    /// Subset a granule by a region and print per-beam counts of segments, photons and extents.
    Subset {
        /// A local path or s3://bucket/key.
        path: String,
        /// A GeoJSON file with the region (Polygon, MultiPolygon, Feature or FeatureCollection).
        #[arg(long)]
        region: Option<PathBuf>,
        /// Request parameters as a JSON object (SPEC §4 names), e.g. '{"srt": 0, "cnf": 4}'.
        parameters: Option<String>,
    },
}
