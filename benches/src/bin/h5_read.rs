//! Reads the datasets of an ATL06-SR run from all six beams of a ~1 GB synthetic granule with the
//! raw-inflate floor, firn-h5 on 1 and 2 threads and libhdf5, prints the times and ratios, and
//! checks that firn-h5, libhdf5 and the floor return the same bytes.
//!
//! ```text
//! cargo run --release -p firn-benches --bin h5_read -- [--granule PATH] [--length-km N] [--repeat K]
//! ```

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use firn_benches::datasets::{BEAMS, atl06_datasets};
use firn_benches::granule::{DEFAULT_LENGTH_KM, cached_granule};
use firn_benches::readers::{
    firn_read, firn_read_beams, firn_read_granule, libhdf5_read, libhdf5_read_granule, same_bytes,
};
use firn_benches::report::{Row, best_of, table};
use firn_benches::{Error, Floor, Result, chunks};
use firn_h5::source::MemorySource;

/// Benchmark firn-h5 against the raw-inflate floor and libhdf5.
#[derive(Debug, Parser)]
struct Args {
    /// An existing granule to read instead of the cached synthetic one.
    #[arg(long)]
    granule: Option<PathBuf>,
    /// Along-track length of the synthetic granule (km); 1300 gives about 1 GB.
    #[arg(long, default_value_t = DEFAULT_LENGTH_KM)]
    length_km: f64,
    /// Runs per contender; the best is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("h5_read: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let path = match &args.granule {
        Some(path) => path.clone(),
        None => {
            let start = Instant::now();
            let (path, generated) = cached_granule(args.length_km)?;
            if generated {
                println!(
                    "generated {} in {:.1} s",
                    path.display(),
                    start.elapsed().as_secs_f64()
                );
            }
            path
        }
    };
    let (size, warm_s) = warm_page_cache(&path)?;
    println!(
        "granule {} ({:.2} GB); page cache warmed by reading it once ({warm_s:.2} s), so every contender reads from memory",
        path.display(),
        size as f64 / 1e9
    );

    let per_beam = workload(&path)?;
    let all: Vec<String> = per_beam.iter().flatten().cloned().collect();
    let start = Instant::now();
    let tables = chunks::query_all(&path, &all)?;
    let chunk_count: usize = tables.iter().map(|t| t.chunks.len()).sum();
    println!(
        "workload: {} beams × {} datasets, {chunk_count} chunks (listed by libhdf5 in {:.1} s)",
        per_beam.len(),
        per_beam.first().map_or(0, Vec::len),
        start.elapsed().as_secs_f64()
    );
    let mut floor = Floor::load(&path, tables)?;
    let decoded = floor.decoded_bytes();
    println!(
        "stored {:.1} MB, decoded {:.1} MB; best of {} runs each\n",
        floor.stored_bytes() as f64 / 1e6,
        decoded as f64 / 1e6,
        args.repeat.max(1)
    );

    let pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Invalid {
                parameter: "threads",
                detail: format!("cannot start a rayon pool of {threads}: {e}"),
            })
    };
    let one = pool(1)?;
    let two = pool(2)?;
    let mut rows = Vec::new();
    let (floor_s, ()) = best_of(args.repeat, || floor.inflate())?;
    rows.push(row("raw-inflate floor, 1 thread", floor_s, decoded));
    let (seconds, ()) = two.install(|| best_of(args.repeat, || floor.inflate_parallel()))?;
    rows.push(row("raw-inflate floor, 2 threads", seconds, decoded));
    for (name, pool) in [("firn-h5, 1 thread", &one), ("firn-h5, 2 threads", &two)] {
        let (seconds, bytes) =
            pool.install(|| best_of(args.repeat, || firn_read_granule(&path, &per_beam)))?;
        check_total(name, bytes, decoded)?;
        rows.push(row(name, seconds, bytes));
    }
    let (seconds, ()) = best_of(args.repeat, || floor.inflate_fresh())?;
    rows.push(row(
        "diagnostic: floor into fresh buffers, 1 t",
        seconds,
        decoded,
    ));
    let in_memory = file_in_memory(&path)?;
    for (name, pool) in [
        ("diagnostic: firn-h5 on MemorySource, 1 t", &one),
        ("diagnostic: firn-h5 on MemorySource, 2 t", &two),
    ] {
        let (seconds, bytes) = pool.install(|| {
            best_of(args.repeat, || {
                let file = firn_h5::File::from_source(Arc::new(MemorySource::new(
                    in_memory.clone(),
                    "granule in memory",
                )))?;
                firn_read_beams(&file, &per_beam)
            })
        })?;
        check_total(name, bytes, decoded)?;
        rows.push(row(name, seconds, bytes));
    }
    drop(in_memory);
    let (seconds, bytes) = best_of(args.repeat, || libhdf5_read_granule(&path, &per_beam))?;
    check_total("libhdf5", bytes, decoded)?;
    rows.push(row("libhdf5 (hdf5-metno), 1 thread", seconds, bytes));
    print!("{}", table(&rows, floor_s));

    let checked = two.install(|| check_bytes(&path, &per_beam, &floor))?;
    println!(
        "\nchecked: firn-h5, libhdf5 and the floor return identical bytes for all {checked} datasets"
    );
    targets(&rows);
    Ok(())
}

fn row(name: &str, seconds: f64, bytes: u64) -> Row {
    Row {
        name: name.to_owned(),
        seconds,
        bytes,
    }
}

/// Reads the whole file once so that every contender finds it in the page cache.
fn warm_page_cache(path: &Path) -> Result<(u64, f64)> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let start = Instant::now();
    let mut file = File::open(path).map_err(io)?;
    let mut buffer = vec![0u8; 8 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    Ok((total, start.elapsed().as_secs_f64()))
}

/// The whole file in memory, for firn-h5 without file I/O.
fn file_in_memory(path: &Path) -> Result<bytes::Bytes> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(bytes.into())
}

/// The ATL06-SR datasets of every beam group present in the file.
fn workload(path: &Path) -> Result<Vec<Vec<String>>> {
    let file = firn_h5::File::open(path)?;
    let mut per_beam = Vec::new();
    for beam in BEAMS {
        match file.group(&format!("/{beam}")) {
            Ok(_) => per_beam.push(atl06_datasets(beam)),
            Err(firn_h5::Error::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
    }
    if per_beam.is_empty() {
        return Err(Error::Invalid {
            parameter: "--granule",
            detail: format!("{} has none of the beam groups {BEAMS:?}", path.display()),
        });
    }
    Ok(per_beam)
}

fn check_total(name: &str, bytes: u64, expected: u64) -> Result<()> {
    if bytes == expected {
        return Ok(());
    }
    Err(Error::Invalid {
        parameter: "decoded bytes",
        detail: format!("{name} returned {bytes} bytes, the datasets hold {expected}"),
    })
}

/// Compares firn-h5's, libhdf5's and the floor's bytes for every dataset, one beam at a time;
/// returns how many datasets were compared.
fn check_bytes(path: &Path, per_beam: &[Vec<String>], floor: &Floor) -> Result<usize> {
    let firn = firn_h5::File::open(path)?;
    let libhdf5 = hdf5::File::open(path).map_err(|source| Error::Hdf5 {
        path: path.display().to_string(),
        source,
    })?;
    let mut floor_outputs = floor.outputs();
    let mut checked = 0;
    for paths in per_beam {
        let arrays = firn_read(&firn, paths)?;
        for (dataset, array) in paths.iter().zip(&arrays) {
            let theirs = libhdf5_read(&libhdf5, dataset)?;
            let theirs = theirs.as_bytes();
            same_bytes(dataset, ("firn-h5", array.as_bytes()), ("libhdf5", theirs))?;
            let (floor_name, floor_bytes) = floor_outputs.next().ok_or_else(|| Error::Invalid {
                parameter: "floor",
                detail: format!("holds no output for {dataset}"),
            })?;
            if floor_name != dataset {
                return Err(Error::Invalid {
                    parameter: "floor",
                    detail: format!("holds {floor_name} where {dataset} was expected"),
                });
            }
            same_bytes(dataset, ("floor", floor_bytes), ("libhdf5", theirs))?;
            checked += 1;
        }
    }
    Ok(checked)
}

/// Prints the issue's targets against the measured rows.
fn targets(rows: &[Row]) {
    let find = |name: &str| rows.iter().find(|r| r.name.starts_with(name));
    let (Some(floor), Some(one), Some(two), Some(libhdf5)) = (
        find("raw-inflate floor, 1"),
        find("firn-h5, 1"),
        find("firn-h5, 2"),
        find("libhdf5"),
    ) else {
        return;
    };
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let one_ratio = one.seconds / floor.seconds;
    let two_ratio = two.seconds / floor.seconds;
    println!(
        "target firn-h5 1 thread ≤ 1.15 × floor: {one_ratio:.2} × ({})",
        verdict(one_ratio <= 1.15)
    );
    println!(
        "target firn-h5 2 threads ≤ 0.60 × floor: {two_ratio:.2} × ({})",
        verdict(two_ratio <= 0.60)
    );
    println!(
        "libhdf5 / floor = {:.2}; firn-h5 speed-up over libhdf5: {:.2}× on 1 thread, {:.2}× on 2",
        libhdf5.seconds / floor.seconds,
        libhdf5.seconds / one.seconds,
        libhdf5.seconds / two.seconds
    );
}
