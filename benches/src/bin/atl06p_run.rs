//! The whole pipeline on one full-size synthetic granule, against the raw-inflate floor of the same
//! chunks in the same run: `firn atl06p` (whole granule, default parameters) as a child process,
//! its wall time, segments per second and peak RSS, then the floor on 1 and 2 threads.
//!
//! ```text
//! cargo build --release -p firn-worker -p firn-benches
//! target/release/atl06p_run [--granule PATH] [--length-km N] [--repeat K] [--firn PATH]
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use firn_benches::datasets::{BEAMS, atl06_datasets};
use firn_benches::granule::{DEFAULT_LENGTH_KM, cached_granule};
use firn_benches::report::best_of;
use firn_benches::{Error, Floor, Result, chunks};

/// Time `firn atl06p` on a whole granule against the raw-inflate floor.
#[derive(Debug, Parser)]
struct Args {
    /// An existing granule instead of the cached synthetic one.
    #[arg(long)]
    granule: Option<PathBuf>,
    /// Along-track length of the synthetic granule (km).
    #[arg(long, default_value_t = DEFAULT_LENGTH_KM)]
    length_km: f64,
    /// Runs per contender; the best time is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// The `firn` binary (default: beside this one).
    #[arg(long)]
    firn: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("atl06p_run: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let granule = match &args.granule {
        Some(path) => path.clone(),
        None => cached_granule(args.length_km)?.0,
    };
    let firn = match &args.firn {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .map_err(|source| Error::Io {
                path: PathBuf::from("current_exe"),
                source,
            })?
            .with_file_name("firn"),
    };
    let scratch = std::env::temp_dir().join(format!("firn-atl06p-run-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|source| Error::Io {
        path: scratch.clone(),
        source,
    })?;

    let (wall, segments) = best_of(args.repeat, || run_pipeline(&firn, &granule, &scratch))?;
    let peak_rss_mb = children_peak_rss_kb() as f64 / 1024.0;
    let _ = std::fs::remove_dir_all(&scratch);

    let datasets: Vec<String> = BEAMS.iter().flat_map(|b| atl06_datasets(b)).collect();
    let mut floor = Floor::load(&granule, chunks::query_all(&granule, &datasets)?)?;
    let (floor_1, ()) = best_of(args.repeat, || floor.inflate())?;
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .map_err(|e| Error::Invalid {
            parameter: "threads",
            detail: e.to_string(),
        })?;
    let (floor_2, ()) = two.install(|| best_of(args.repeat, || floor.inflate_parallel()))?;

    println!("granule: {}", granule.display());
    println!(
        "firn atl06p, whole granule, default parameters (best of {}):",
        args.repeat
    );
    println!(
        "  wall {wall:.2} s, {segments} segments, {:.0} segments/s",
        segments as f64 / wall
    );
    println!("  peak RSS {peak_rss_mb:.0} MB");
    println!(
        "raw-inflate floor of the same chunks ({:.0} MB stored, {:.0} MB decoded):",
        floor.stored_bytes() as f64 / 1e6,
        floor.decoded_bytes() as f64 / 1e6
    );
    println!("  1 thread {floor_1:.2} s, 2 threads {floor_2:.2} s");
    println!(
        "wall / floor: {:.2}× (1-thread floor), {:.2}× (2-thread floor)",
        wall / floor_1,
        wall / floor_2
    );
    Ok(())
}

/// Runs `firn atl06p` on the granule once; returns the segments it wrote.
fn run_pipeline(firn: &Path, granule: &Path, scratch: &Path) -> Result<u64> {
    let invalid = |detail: String| Error::Invalid {
        parameter: "--firn",
        detail,
    };
    let name = granule
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| invalid(format!("{} has no file name", granule.display())))?;
    let source = granule.parent().unwrap_or(Path::new("."));
    let request = scratch.join("request.json");
    let output = scratch.join("segments.parquet");
    let text = format!(
        r#"{{"parms": {{"output": {{"path": {:?}, "format": "parquet"}}}}, "resources": [{name:?}]}}"#,
        output.display().to_string()
    );
    std::fs::write(&request, text).map_err(|source| Error::Io {
        path: request.clone(),
        source,
    })?;
    let result = Command::new(firn)
        .arg("atl06p")
        .arg("--source")
        .arg(source)
        .arg("--request")
        .arg(&request)
        .output()
        .map_err(|source| Error::Io {
            path: firn.to_path_buf(),
            source,
        })?;
    let stdout = String::from_utf8_lossy(&result.stdout);
    if !result.status.success() {
        return Err(invalid(format!(
            "firn atl06p failed ({}): {}",
            result.status,
            String::from_utf8_lossy(&result.stderr)
        )));
    }
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("segments: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| invalid(format!("no segment count in the summary:\n{stdout}")))
}

/// The largest peak resident set size (KiB) of the children waited for so far.
fn children_peak_rss_kb() -> i64 {
    // SAFETY: getrusage writes one plain struct, which is zero-initialised before the call.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    usage.ru_maxrss
}
