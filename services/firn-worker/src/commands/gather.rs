//! `firn gather`: what became of every granule of a part-mode run, the run manifest, `_SUCCESS`
//! once the run is complete, and optionally one merged GeoParquet file.

use firn_output::{Destination, Format, OutputSpec, PLAN, RunPrefix, WriterOptions};

use super::CommandError;
use super::atl06p::print_gathered;
use crate::cli::GatherArgs;

/// Granules named in the error of an incomplete run (the manifest lists them all).
const NAMED: usize = 10;

pub(crate) fn run(args: GatherArgs) -> Result<(), CommandError> {
    let usage = |e: firn_output::Error| CommandError::Usage(e.to_string());
    let destination = Destination::parse(&args.output, "--output").map_err(usage)?;
    let target = args
        .merge
        .as_deref()
        .map(|m| Destination::parse(m, "--merge"))
        .transpose()
        .map_err(usage)?;
    // The format only names parts, and gather reads their names from the records.
    let spec = OutputSpec::new(destination, Format::GeoParquet);
    let prefix = RunPrefix::open(&spec, &WriterOptions::default())?;
    if prefix.read_plan()?.is_none() {
        return Err(CommandError::Usage(format!(
            "no plan at {}: no part-mode run was planned under {} (run firn atl06p with this output first)",
            prefix.url_of(PLAN),
            prefix.url()
        )));
    }
    let manifest = prefix.gather()?;
    print_gathered(&prefix, &manifest);
    if !manifest.complete {
        let not_done: Vec<&str> = manifest.not_done().collect();
        let more = not_done.len().saturating_sub(NAMED);
        return Err(CommandError::Failed(format!(
            "{} of {} planned granules are not done: {}{}; rerun their shards, then gather again",
            not_done.len(),
            manifest.planned,
            not_done[..not_done.len().min(NAMED)].join(", "),
            if more > 0 {
                format!(" and {more} more (see the manifest)")
            } else {
                String::new()
            }
        )));
    }
    if let Some(target) = target {
        let merged = prefix.merge(&manifest, &target)?;
        println!(
            "merged: {} segments from {} parts into {}",
            merged.rows,
            manifest.granules.len(),
            merged.url
        );
    }
    Ok(())
}
