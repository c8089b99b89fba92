//! `firn demo`: the embedded default job. Synthesizes a handful of granules over Grand Mesa
//! (cached after the first run), runs atl06p with the seed notebook's parameters (srt land, cnf
//! high, len 40, res 20, maxi 6) to a local GeoParquet file, and prints a summary like the seed's.

use std::path::{Path, PathBuf};

use firn_region::to_region_from_geojson;
use firn_synth::GranuleSpec;
use serde_json::json;

use super::CommandError;
use super::atl06p::{execute, plan, print_summary};
use super::synth::write_with_progress;
use crate::cli::DemoArgs;
use crate::pipeline::{GranuleSource, SourceResolver};

/// The Grand Mesa polygon (SlideRule's test region, BSD-3-Clause; see data/README.md).
const GRAND_MESA: &str = include_str!("../../data/grandmesa.geojson");

/// Where the demo granules are cached: `FIRN_CACHE`, else `~/.cache/firn`, then `demo/`.
fn cache_dir() -> PathBuf {
    let base = std::env::var_os("FIRN_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/firn")))
        .unwrap_or_else(|| PathBuf::from(".firn-cache"));
    base.join("demo")
}

/// Writes the demo granules that are not cached yet; returns the directory.
fn ensure_granules(dir: &Path) -> Result<(), CommandError> {
    for spec in firn_synth::demo_specs(&GranuleSpec::default()) {
        if dir.join(spec.file_name()).exists() {
            continue;
        }
        eprintln!("synthesizing {} (cached for later runs)", spec.file_name());
        write_with_progress(&spec, dir, false)?;
    }
    Ok(())
}

pub(crate) fn run(args: DemoArgs) -> Result<(), CommandError> {
    let granules = cache_dir();
    ensure_granules(&granules)?;
    let poly = to_region_from_geojson(GRAND_MESA, None)
        .map_err(|e| CommandError::Failed(format!("the embedded Grand Mesa region: {e}")))?;
    let output = args.out.display().to_string();
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| CommandError::Io {
            context: format!("creating {}", parent.display()),
            source,
        })?;
    }
    let request = json!({
        "parms": {
            "poly": poly,
            "srt": "land",
            "cnf": "atl03_high",
            "len": 40.0,
            "res": 20.0,
            "maxi": 6,
            "output": {"path": output, "format": "parquet", "open_on_complete": false},
        }
    });
    let resolver = SourceResolver::new(GranuleSource::Directory(granules));
    let report = execute(plan(request, &resolver, None, None)?)?;
    print_summary(&report);
    println!("open it with: geopandas.read_parquet({output:?})");
    Ok(())
}
