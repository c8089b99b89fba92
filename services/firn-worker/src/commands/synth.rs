//! `firn synth`: write synthetic ATL03 granules with truth sidecars.

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use firn_synth::{GranuleSpec, Layout, ScOrient, Terrain, WriteOptions, write_granule_with};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::CommandError;
use crate::cli::SynthArgs;

/// Base height (m) of the command-line terrains: about Grand Mesa's.
const BASE_HEIGHT: f64 = 3_000.0;

/// A terrain as the command line names it: `flat[:h]`, `slope:s`, `rough:sigma`,
/// `canopy:height:fraction`, `step:height:every_m`, `curvature:amplitude:wavelength_m`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TerrainArg(pub(crate) Terrain);

impl FromStr for TerrainArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split(':');
        let kind = parts.next().unwrap_or_default();
        let numbers: Vec<f64> = parts
            .map(|p| {
                p.parse::<f64>()
                    .map_err(|_| format!("{p:?} is not a number in terrain {s:?}"))
            })
            .collect::<Result<_, _>>()?;
        let arg = |i: usize, default: f64| numbers.get(i).copied().unwrap_or(default);
        let h = BASE_HEIGHT;
        let terrain = match kind {
            "flat" => Terrain::Flat { h: arg(0, h) },
            "slope" => Terrain::Slope {
                h0: h,
                slope: arg(0, 0.2),
            },
            "rough" => Terrain::Rough {
                h,
                sigma: arg(0, 0.5),
            },
            "canopy" => Terrain::Canopy {
                ground: h,
                canopy_height: arg(0, 15.0),
                canopy_fraction: arg(1, 0.3),
            },
            "step" => Terrain::Step {
                h,
                step_height: arg(0, 5.0),
                every_m: arg(1, 30.0),
            },
            "curvature" => Terrain::Curvature {
                h,
                amplitude: arg(0, 50.0),
                wavelength_m: arg(1, 2_000.0),
            },
            _ => {
                return Err(format!(
                    "unknown terrain {kind:?}: flat, slope, rough, canopy, step or curvature"
                ));
            }
        };
        Ok(Self(terrain))
    }
}

pub(crate) fn run(args: SynthArgs) -> Result<(), CommandError> {
    let base = GranuleSpec::default();
    let start: DateTime<Utc> = match &args.start {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|e| CommandError::Usage(format!("--start {text:?}: {e}")))?
            .with_timezone(&Utc),
        None => base.start_time,
    };
    let spec = GranuleSpec {
        seed: args.seed,
        start_time: start,
        rgt: args.rgt,
        cycle: args.cycle,
        region: args.region,
        length_km: args.length_km,
        layout: match args.layout.as_str() {
            "old" => Layout::Old,
            "new" => Layout::New,
            other => {
                return Err(CommandError::Usage(format!(
                    "--layout {other:?}: expected old or new"
                )));
            }
        },
        chunk_rows: args.chunk_rows,
        terrain: args.terrain.0,
        signal_per_shot: args.signal,
        background_mhz: args.background_mhz,
        sc_orient: match args.sc_orient {
            0 => ScOrient::Backward,
            1 => ScOrient::Forward,
            _ => ScOrient::Transition,
        },
        ..base
    };
    let specs = if args.demo_set {
        firn_synth::demo_specs(&spec)
    } else {
        vec![spec]
    };
    for spec in &specs {
        let output = write_with_progress(spec, &args.out, !args.no_photon_truth)?;
        println!(
            "{}  {} photons in {} beams",
            output.h5_path.display(),
            output.total_photons(),
            output.beams.len()
        );
    }
    Ok(())
}

/// Writes one granule, with a progress bar on a terminal.
pub(crate) fn write_with_progress(
    spec: &GranuleSpec,
    out: &Path,
    photon_truth: bool,
) -> Result<firn_synth::GranuleOutput, CommandError> {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:40} {percent:>3}% eta {eta}")
            .expect("the template is valid"),
    );
    bar.set_message(spec.file_name());
    let options = WriteOptions {
        photon_truth,
        progress: Some(bar.clone()),
    };
    let output = write_granule_with(spec, out, &options)
        .map_err(|e| CommandError::Failed(format!("synthesizing {}: {e}", spec.file_name())))?;
    bar.finish_and_clear();
    Ok(output)
}
