//! Counts the S3 GETs and bytes firn-h5 needs, against a moto S3 server on 127.0.0.1:
//! (a) open the granule and read one strong beam's photon datasets for a 1 % row range in the
//! middle, (b) the same datasets for the whole beam, compared with the stored chunk bytes they
//! need (from libhdf5's chunk query); and, for (a), the bytes decoded against the whole granule.
//!
//! ```text
//! cargo run --release -p firn-benches --bin h5_s3 -- [--granule PATH] [--length-km N]
//!     [--beam gt1l] [--percent 1] [--coalesce-gap BYTES] [--max-request BYTES] [--verbose]
//!     [--range-only]
//! ```

use std::ops::Range;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use firn_benches::chunks::{self, ChunkTable};
use firn_benches::datasets::{atl06_datasets, first_strong_beam, photon_datasets};
use firn_benches::granule::{DEFAULT_LENGTH_KM, cached_granule};
use firn_benches::readers::same_bytes;
use firn_benches::s3::{RecordingSource, upload};
use firn_benches::{Error, Result};
use firn_h5::source::{CountingSource, ObjectStoreSource, ReadStats};
use firn_h5::{Array, File, ReadOptions};
use firn_tests::MotoServer;
use object_store::path::Path as ObjectPath;

/// Count firn-h5's S3 requests on moto.
#[derive(Debug, Parser)]
struct Args {
    /// An existing granule to upload instead of the cached synthetic one.
    #[arg(long)]
    granule: Option<PathBuf>,
    /// Along-track length of the synthetic granule (km); 1300 gives about 1 GB.
    #[arg(long, default_value_t = DEFAULT_LENGTH_KM)]
    length_km: f64,
    /// Beam to read; default: the strong beam of the first pair.
    #[arg(long)]
    beam: Option<String>,
    /// Size of the row range of (a), in percent of the beam's photons.
    #[arg(long, default_value_t = 1.0)]
    percent: f64,
    /// ReadOptions::coalesce_gap (bytes); default: firn-h5's.
    #[arg(long)]
    coalesce_gap: Option<u64>,
    /// ReadOptions::max_request (bytes); default: firn-h5's.
    #[arg(long)]
    max_request: Option<u64>,
    /// List every GET (offset and length).
    #[arg(long)]
    verbose: bool,
    /// Measure only (a), the 1 % range (moto serves each GET of a large object slowly).
    #[arg(long)]
    range_only: bool,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("h5_s3: {error}");
            ExitCode::FAILURE
        }
    }
}

const BUCKET: &str = "firn-bench";

fn run(args: &Args) -> Result<()> {
    if !(args.percent > 0.0 && args.percent <= 100.0) {
        return Err(Error::Invalid {
            parameter: "--percent",
            detail: format!("{} is not within (0, 100]", args.percent),
        });
    }
    let path = match &args.granule {
        Some(path) => path.clone(),
        None => cached_granule(args.length_km)?.0,
    };
    let local = File::open(&path)?;
    let beam = match &args.beam {
        Some(beam) => beam.clone(),
        None => first_strong_beam(
            local
                .dataset("/orbit_info/sc_orient")?
                .read_scalar::<i8>()?,
        )
        .to_owned(),
    };
    let photons = photon_datasets(&beam);
    let tables = chunks::query_all(&path, &photons)?;
    let mut options = ReadOptions::default();
    if let Some(gap) = args.coalesce_gap {
        options.coalesce_gap = gap;
    }
    if let Some(max) = args.max_request {
        options.max_request = max;
    }

    let server = MotoServer::start();
    server.create_bucket(BUCKET);
    let store = server.store(BUCKET);
    let key = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "granule.h5".to_owned());
    let start = Instant::now();
    let size = upload(&store, &key, &path)?;
    println!(
        "uploaded {} ({:.2} GB) to moto as s3://{BUCKET}/{key} in {:.1} s (multipart)",
        path.display(),
        size as f64 / 1e9,
        start.elapsed().as_secs_f64()
    );
    let s3 = ObjectStoreSource::open(
        store,
        ObjectPath::from(key.as_str()),
        format!("s3://{BUCKET}/{key}"),
    )?;
    let recording = Arc::new(RecordingSource::new(Arc::new(s3)));
    let counting = Arc::new(CountingSource::new(recording.clone()));
    println!(
        "beam {beam}, photon datasets {:?}; {options:?}\n",
        photons
            .iter()
            .map(|p| p.rsplit('/').next().unwrap_or(p))
            .collect::<Vec<_>>()
    );

    // (a) a 1 % row range in the middle of the beam.
    let rows_total = tables.first().map_or(0, ChunkTable::rows);
    let span =
        ((rows_total as f64 * args.percent / 100.0).round() as u64).clamp(1, rows_total.max(1));
    let first = rows_total.saturating_sub(span) / 2;
    let rows = first..first + span;
    let part = measure(
        &counting,
        &recording,
        options,
        &photons,
        &rows,
        args.verbose,
    )?;
    check_against_local(&local, &photons, &rows, &part.arrays)?;
    print_read(
        &format!(
            "(a) open + {}% of {beam}'s photons, rows {rows:?}",
            args.percent
        ),
        &part,
    );
    let touched: Vec<_> = tables.iter().flat_map(|t| t.overlapping(&rows)).collect();
    let needed: u64 = touched.iter().map(|c| c.size).sum();
    let decoded: u64 = tables
        .iter()
        .map(|t| t.overlapping(&rows).count() as u64 * t.chunk_bytes())
        .sum();
    let (granule_decoded, workload_decoded) = decoded_sizes(&local)?;
    println!(
        "    chunks of the range: {} ({:.2} MB stored); fetched {:.2} MB = {:.2} × those chunks (the rest is metadata and coalescing gaps)",
        touched.len(),
        needed as f64 / 1e6,
        part.stats.bytes as f64 / 1e6,
        part.stats.bytes as f64 / needed as f64
    );
    println!(
        "    decoded {:.2} MB (only those chunks) = {:.3} % of the whole granule's {:.1} MB ({:.3} % of the ATL06 datasets of all beams, {:.1} MB)",
        decoded as f64 / 1e6,
        100.0 * decoded as f64 / granule_decoded as f64,
        granule_decoded as f64 / 1e6,
        100.0 * decoded as f64 / workload_decoded as f64,
        workload_decoded as f64 / 1e6
    );
    println!(
        "    target ≤ 25 GETs: {} ({})\n",
        part.stats.requests,
        if part.stats.requests <= 25 {
            "met"
        } else {
            "MISSED"
        }
    );
    drop(part);
    if args.range_only {
        return Ok(());
    }

    // (b) the whole beam.
    let whole = 0..rows_total;
    let part = measure(
        &counting,
        &recording,
        options,
        &photons,
        &whole,
        args.verbose,
    )?;
    check_against_local(&local, &photons, &whole, &part.arrays)?;
    print_read(
        &format!("(b) open + all of {beam}'s photons, rows {whole:?}"),
        &part,
    );
    let needed: u64 = tables.iter().map(ChunkTable::stored_len).sum();
    let ratio = part.stats.bytes as f64 / needed as f64;
    println!(
        "    stored chunk bytes needed {:.1} MB; fetched / needed = {ratio:.3} (target ≤ 1.1: {})",
        needed as f64 / 1e6,
        if ratio <= 1.1 { "met" } else { "MISSED" }
    );
    Ok(())
}

/// What one measured read fetched and returned.
struct Measured {
    /// Counts after opening the file (superblock and first metadata blocks).
    open: ReadStats,
    /// Counts after looking up the datasets (object headers).
    lookup: ReadStats,
    /// Counts at the end of the read.
    stats: ReadStats,
    /// Wall time of the whole (open + lookup + read), seconds.
    seconds: f64,
    /// The arrays read.
    arrays: Vec<Array>,
}

/// Opens the granule afresh through the counting source and reads `rows` of every dataset in one
/// batch.
fn measure(
    counting: &Arc<CountingSource>,
    recording: &RecordingSource,
    options: ReadOptions,
    paths: &[String],
    rows: &Range<u64>,
    verbose: bool,
) -> Result<Measured> {
    counting.reset();
    recording.take();
    let start = Instant::now();
    let file = File::from_source(counting.clone())?.with_read_options(options);
    let open = counting.stats();
    let datasets = paths
        .iter()
        .map(|p| file.dataset(p))
        .collect::<firn_h5::Result<Vec<_>>>()?;
    let lookup = counting.stats();
    let reads: Vec<_> = datasets.iter().map(|d| (d, rows.clone())).collect();
    let arrays = file.read_batch(&reads)?;
    let seconds = start.elapsed().as_secs_f64();
    let stats = counting.stats();
    let ranges = recording.take();
    if verbose {
        for range in &ranges {
            println!(
                "    GET {:>12} + {:>10}",
                range.start,
                range.end - range.start
            );
        }
    }
    Ok(Measured {
        open,
        lookup,
        stats,
        seconds,
        arrays,
    })
}

fn print_read(title: &str, m: &Measured) {
    println!("{title}");
    println!(
        "    GETs {} (open {}, dataset lookup {}, chunk index + data {}), {:.2} MB fetched, {:.2} s",
        m.stats.requests,
        m.open.requests,
        m.lookup.requests - m.open.requests,
        m.stats.requests - m.lookup.requests,
        m.stats.bytes as f64 / 1e6,
        m.seconds
    );
}

/// Checks the S3 read against the same read from the local file.
fn check_against_local(
    local: &File,
    paths: &[String],
    rows: &Range<u64>,
    arrays: &[Array],
) -> Result<()> {
    let datasets = paths
        .iter()
        .map(|p| local.dataset(p))
        .collect::<firn_h5::Result<Vec<_>>>()?;
    let reads: Vec<_> = datasets.iter().map(|d| (d, rows.clone())).collect();
    let expected = local.read_batch(&reads)?;
    for ((path, ours), theirs) in paths.iter().zip(arrays).zip(&expected) {
        same_bytes(
            path,
            ("firn-h5 via S3", ours.as_bytes()),
            ("firn-h5 local", theirs.as_bytes()),
        )?;
    }
    Ok(())
}

/// Decoded sizes of every dataset in the granule, and of the ATL06 datasets of every beam.
fn decoded_sizes(file: &File) -> Result<(u64, u64)> {
    let mut all = 0u64;
    let mut workload = 0u64;
    let wanted: Vec<String> = firn_benches::datasets::BEAMS
        .iter()
        .flat_map(|b| atl06_datasets(b))
        .collect();
    for entry in file.walk() {
        let Some(dataset) = entry.dataset else {
            continue;
        };
        let bytes = dataset.shape().iter().product::<u64>() * dataset.dtype().size() as u64;
        all += bytes;
        if wanted.contains(&entry.path) {
            workload += bytes;
        }
    }
    Ok((all, workload))
}
