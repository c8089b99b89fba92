//! Reads the datasets of an ATL06-SR run from all six beams of a ~1 GB synthetic granule with the
//! raw-inflate floor, firn-h5 on 1 and 2 threads (as the pipeline reads: photon windows into reused
//! buffers) and libhdf5, prints the wall and CPU times and ratios, and checks that firn-h5 (both
//! read paths), libhdf5 and the floor return the same bytes.
//!
//! ```text
//! cargo run --release -p firn-benches --bin h5_read -- [--granule PATH] [--length-km N] [--repeat K]
//!     [--window ROWS]
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
    WINDOW_ROWS, WindowedReader, firn_read, firn_read_granule, libhdf5_read, libhdf5_read_granule,
    same_bytes,
};
use firn_benches::report::{Row, table};
use firn_benches::{Error, Floor, Result, chunks};
use firn_h5::source::FileSource;

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
    /// Photon rows per window of the firn-h5 contender (firn-atl03's default window).
    #[arg(long, default_value_t = WINDOW_ROWS)]
    window: u64,
    /// Time only the contenders whose names contain one of these (the 1-thread floor always runs,
    /// as the baseline); for profiling one read path.
    #[arg(long)]
    only: Vec<String>,
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
    let mut cpu = Vec::new();
    let wanted = |name: &str| args.only.is_empty() || args.only.iter().any(|o| name.contains(o));
    let mut record = |name: &str, run: &mut dyn FnMut() -> Result<(f64, f64, u64)>| -> Result<()> {
        if !wanted(name) && !rows.is_empty() {
            return Ok(());
        }
        let (seconds, cpu_s, bytes) = run()?;
        check_total(name, bytes, decoded)?;
        rows.push(row(name, seconds, bytes));
        cpu.push(cpu_s);
        Ok(())
    };
    let repeat = args.repeat;
    record("raw-inflate floor, 1 thread", &mut || {
        timed(repeat, || floor.inflate().map(|()| decoded))
    })?;
    record("raw-inflate floor, 2 threads", &mut || {
        two.install(|| timed(repeat, || floor.inflate_parallel().map(|()| decoded)))
    })?;
    let windowed = |mapped: bool| firn_windows(&path, &per_beam, args.window, mapped);
    for (name, pool) in [("firn-h5, 1 thread", &one), ("firn-h5, 2 threads", &two)] {
        record(name, &mut || {
            pool.install(|| timed(repeat, || windowed(true)))
        })?;
    }
    record("diagnostic: floor into fresh buffers, 1 t", &mut || {
        timed(repeat, || floor.inflate_fresh().map(|()| decoded))
    })?;
    for (name, pool) in [
        ("diagnostic: firn-h5 read_batch, new arrays, 1 t", &one),
        ("diagnostic: firn-h5 read_batch, new arrays, 2 t", &two),
    ] {
        record(name, &mut || {
            pool.install(|| timed(repeat, || firn_read_granule(&path, &per_beam)))
        })?;
    }
    for (name, pool) in [
        ("diagnostic: firn-h5 windows, pread source, 1 t", &one),
        ("diagnostic: firn-h5 windows, pread source, 2 t", &two),
    ] {
        record(name, &mut || {
            pool.install(|| timed(repeat, || windowed(false)))
        })?;
    }
    record("libhdf5 (hdf5-metno), 1 thread", &mut || {
        timed(repeat, || libhdf5_read_granule(&path, &per_beam))
    })?;
    let floor_s = rows[0].seconds;
    print!("{}", table(&rows, floor_s));
    println!("\nCPU time (user + system of the whole process), least of the runs:");
    for (row, cpu_s) in rows.iter().zip(&cpu) {
        println!(
            "{:<48}  {cpu_s:>7.3} s  {:>5.2} × floor CPU",
            row.name,
            cpu_s / cpu[0]
        );
    }

    let checked = two.install(|| check_bytes(&path, &per_beam, &floor, args.window))?;
    println!(
        "\nchecked: firn-h5 (windows into reused buffers, and read_batch), libhdf5 and the floor return identical bytes for all {checked} datasets"
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

/// The firn-h5 contender: opens `path` (mapped, or for positional reads) and reads every beam as
/// the pipeline does, photon windows of `window` rows into buffers reused across windows and beams;
/// returns the decoded bytes.
fn firn_windows(path: &Path, per_beam: &[Vec<String>], window: u64, mapped: bool) -> Result<u64> {
    let source = if mapped {
        FileSource::open(path)?
    } else {
        FileSource::open_unmapped(path)?
    };
    let file = firn_h5::File::from_source(Arc::new(source))?;
    WindowedReader::new(window).read_beams(&file, per_beam)
}

/// Runs `work` `repeat` times (at least once); returns the best wall time, the least CPU time of
/// the process (user + system, all threads) and the last run's decoded bytes.
fn timed(repeat: usize, mut work: impl FnMut() -> Result<u64>) -> Result<(f64, f64, u64)> {
    let mut best = (f64::INFINITY, f64::INFINITY, 0);
    for _ in 0..repeat.max(1) {
        let (cpu_start, start) = (process_cpu_seconds(), Instant::now());
        let bytes = work()?;
        let wall = start.elapsed().as_secs_f64();
        let cpu = process_cpu_seconds() - cpu_start;
        best = (best.0.min(wall), best.1.min(cpu), bytes);
    }
    Ok(best)
}

/// User + system CPU seconds of this process so far (all threads).
fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage writes one plain struct, which is zero-initialised before the call.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
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

/// Compares firn-h5's (windows into reused buffers of `window` rows, and `read_batch`),
/// libhdf5's and the floor's bytes for every dataset, one beam at a time; returns how many
/// datasets were compared.
fn check_bytes(path: &Path, per_beam: &[Vec<String>], floor: &Floor, window: u64) -> Result<usize> {
    let firn = firn_h5::File::open(path)?;
    let libhdf5 = hdf5::File::open(path).map_err(|source| Error::Hdf5 {
        path: path.display().to_string(),
        source,
    })?;
    let mut windowed = WindowedReader::new(window);
    let mut floor_outputs = floor.outputs();
    let mut checked = 0;
    for paths in per_beam {
        let arrays = firn_read(&firn, paths)?;
        let mut theirs = Vec::with_capacity(paths.len());
        for (dataset, array) in paths.iter().zip(&arrays) {
            let expected = libhdf5_read(&libhdf5, dataset)?;
            let bytes = expected.as_bytes();
            same_bytes(dataset, ("firn-h5", array.as_bytes()), ("libhdf5", bytes))?;
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
            same_bytes(dataset, ("floor", floor_bytes), ("libhdf5", bytes))?;
            let rows = firn.dataset(dataset)?.len().max(1) as usize;
            let row_bytes = bytes.len() / rows;
            theirs.push((expected, row_bytes));
            checked += 1;
        }
        let mut mismatch = Ok(());
        windowed.read_beam(&firn, paths, |i, rows, buffer| {
            let (expected, row_bytes) = &theirs[i];
            let want =
                &expected.as_bytes()[rows.start as usize * row_bytes..][..buffer.as_bytes().len()];
            if mismatch.is_ok() {
                mismatch = same_bytes(
                    &paths[i],
                    ("windowed firn-h5", buffer.as_bytes()),
                    ("libhdf5", want),
                );
            }
        })?;
        mismatch?;
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
