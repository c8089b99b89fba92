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
    /// Write realistic synthetic ATL03 granules (and truth sidecars) for tests and benchmarks.
    #[cfg(feature = "synth")]
    Synth(SynthArgs),
    /// Fit ATL06-SR segments over a region: a request (parameters and granules) → one output file,
    /// or one part per granule under a prefix (as one shard of many with --shard-index/--shard-count).
    Atl06p(Atl06pArgs),
    /// Gather a part-mode run: the run manifest, _SUCCESS once every planned granule is done, and
    /// with --merge one GeoParquet file of every part.
    Gather(GatherArgs),
    /// The embedded default job: synthetic granules over Grand Mesa → GeoParquet on local disk.
    #[cfg(feature = "synth")]
    Demo(DemoArgs),
    /// Serve the SlideRule web API (atl06p, atl03x with a fit block) to the SlideRule Python client.
    Serve(ServeArgs),
}

/// `firn serve …`
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed on stdout).
    #[arg(long, default_value = "127.0.0.1:9081")]
    pub(crate) bind: String,
    /// Where the granules are: a directory or s3://bucket/prefix (credentials and endpoint from
    /// the standard AWS environment), or `cmr` / `cmr:VVV` for NASA's archive (discovery by a CMR
    /// search, FIRN_CMR_* settings; granules read from NSIDC's bucket).
    #[arg(long)]
    pub(crate) source: String,
    /// Jobs running at once (each uses every core); more wait in the queue.
    #[arg(long, default_value_t = 2)]
    pub(crate) max_concurrent: usize,
    /// Jobs waiting for a slot, at most; beyond that requests are refused with 503.
    #[arg(long, default_value_t = 32)]
    pub(crate) max_queued: usize,
    /// A file holding the bearer token every processing request (atl06p, atl03x) must carry.
    #[arg(long)]
    pub(crate) token_file: Option<PathBuf>,
    /// Bytes of a request body, at most.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub(crate) max_body: usize,
    /// Seconds between progress records while a job waits or works (1-30; the client gives up
    /// after 120 s without a byte).
    #[arg(long, default_value_t = 10)]
    pub(crate) progress_secs: u64,
    /// Seconds running jobs get to finish after SIGINT/SIGTERM before they are cancelled.
    #[arg(long, default_value_t = 30)]
    pub(crate) shutdown_grace_secs: u64,
}

/// `firn atl06p …`
#[derive(Debug, clap::Args)]
pub(crate) struct Atl06pArgs {
    /// The request: a JSON file ("-" for stdin, or the JSON itself when it starts with "{")
    /// holding {"parms": {...}, "resources": [...]} or flat parameters (SPEC §4 names, "output"
    /// included). Default: FIRN_REQUEST (how a container's job definition passes it).
    #[arg(long, env = "FIRN_REQUEST", hide_env_values = true)]
    pub(crate) request: Option<String>,
    /// Where the granules are: a directory or s3://bucket/prefix. Without resources, every ATL03
    /// granule there that passes the request's granule filters (t0, t1, rgt, cycle, region) and
    /// whose track crosses the request's region (a footprint scan: no photon is read) is processed.
    /// `cmr` (release 006) or `cmr:VVV`: NASA's archive; without resources, a CMR search finds the
    /// granules (FIRN_CMR_URL and other FIRN_CMR_* settings), read from NSIDC's bucket.
    #[arg(long)]
    pub(crate) source: String,
    /// Output path (local, file:// or s3://), overriding the request's output.path.
    #[arg(long)]
    pub(crate) output: Option<String>,
    /// Output format: geoparquet (default), plain-parquet, csv or feather.
    #[arg(long)]
    pub(crate) format: Option<String>,
    /// Sharding and planning (part mode).
    #[command(flatten)]
    pub(crate) shard: ShardArgs,
}

/// Sharding options of `firn atl06p` (part mode: output.parts, or an output path ending in /).
#[derive(Debug, clap::Args)]
pub(crate) struct ShardArgs {
    /// This process's shard, 0-based: it processes granules i of the plan with i mod N = this.
    /// Default: JOB_COMPLETION_INDEX (Kubernetes Indexed Job), else AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long)]
    pub(crate) shard_index: Option<u32>,
    /// The number of shards N. Default: FIRN_SHARD_COUNT, else AWS_BATCH_JOB_ARRAY_SIZE.
    #[arg(long)]
    pub(crate) shard_count: Option<u32>,
    /// Write the plan under the output prefix (or check the one there) and stop.
    #[arg(long)]
    pub(crate) plan_only: bool,
}

/// `firn gather …`
#[derive(Debug, clap::Args)]
pub(crate) struct GatherArgs {
    /// The run's output prefix: a directory or s3://bucket/prefix (credentials and endpoint from
    /// the standard AWS environment).
    #[arg(long)]
    pub(crate) output: String,
    /// Also merge the parts into one GeoParquet file (a local path or s3://bucket/key outside the
    /// prefix), in SPEC §8 row order, once every planned granule is done.
    #[arg(long)]
    pub(crate) merge: Option<String>,
}

/// `firn demo …`
#[cfg(feature = "synth")]
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Where to write the GeoParquet file.
    #[arg(long, default_value = "out/grandmesa_atl06.parquet")]
    pub(crate) out: PathBuf,
}

/// `firn synth …`
#[cfg(feature = "synth")]
#[derive(Debug, clap::Args)]
pub(crate) struct SynthArgs {
    /// Output directory (created if missing).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Seed of every random draw: the same seed writes the same bytes.
    #[arg(long, default_value_t = 0x5EED)]
    pub(crate) seed: u64,
    /// Along-track length (km); a full granule is about 2,900.
    #[arg(long, default_value_t = 40.0)]
    pub(crate) length_km: f64,
    /// On-disk layout: old (superblock v0, symbol tables) or new (superblock v2, link messages).
    #[arg(long, default_value = "new")]
    pub(crate) layout: String,
    /// Surface: flat[:h], slope:s, rough:sigma, canopy:height:fraction, step:height:every_m,
    /// curvature:amplitude:wavelength_m.
    #[arg(long, default_value = "flat")]
    pub(crate) terrain: crate::commands::TerrainArg,
    /// Rows per chunk (10,000 as in release 006; 100,000 as in 007).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) chunk_rows: usize,
    /// Strong-beam signal photons per shot (weak beams get a quarter).
    #[arg(long, default_value_t = 8.0)]
    pub(crate) signal: f64,
    /// Strong-beam background rate (MHz; weak beams get a quarter).
    #[arg(long, default_value_t = 1.0)]
    pub(crate) background_mhz: f64,
    /// Reference ground track.
    #[arg(long, default_value_t = 737)]
    pub(crate) rgt: u16,
    /// Cycle.
    #[arg(long, default_value_t = 5)]
    pub(crate) cycle: u8,
    /// Region (granule within the orbit).
    #[arg(long, default_value_t = 2)]
    pub(crate) region: u8,
    /// Spacecraft orientation: 0 backward, 1 forward, 2 transition.
    #[arg(long, default_value_t = 0)]
    pub(crate) sc_orient: u8,
    /// Start time (RFC 3339), also in the file name.
    #[arg(long)]
    pub(crate) start: Option<String>,
    /// Write the four-granule demo set (two tracks, two cycles) instead of one granule.
    #[arg(long)]
    pub(crate) demo_set: bool,
    /// Skip the per-photon truth file (large for full-size granules).
    #[arg(long)]
    pub(crate) no_photon_truth: bool,
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
