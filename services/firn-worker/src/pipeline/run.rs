//! A whole request: every granule in order into one output (or one part per granule), failures
//! collected per granule.

use chrono::{DateTime, Utc};
use firn_atl03::Granule;
use firn_atl03::name::GranuleName;
use firn_atl06::Fitter;
use firn_output::{
    FirnMetadata, Format, OutputSpec, OutputWriter, PartWriter, SegmentBatch, SegmentRow,
    WriterOptions,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::fit::{FittedGranule, fit_granule};
use crate::request::Parameters;

/// A validated request, ready to run.
#[derive(Debug)]
pub(crate) struct RunPlan {
    /// Granule locations, in output order (by the start time in their names).
    pub(crate) granules: Vec<String>,
    /// Processing parameters.
    pub(crate) params: Parameters,
    /// Where and how to write.
    pub(crate) output: OutputSpec,
    /// The request as received (credentials are removed before it is written anywhere).
    pub(crate) request: Value,
}

/// What happened to one granule.
#[derive(Debug)]
pub(crate) enum GranuleOutcome {
    /// Processed: rows written (possibly none, for a granule that misses the region).
    Done {
        /// The granule.
        location: String,
        /// Rows written.
        rows: u64,
    },
    /// Skipped: its part was written by an earlier run (part mode).
    Skipped {
        /// The granule.
        location: String,
    },
    /// Failed; the others went on.
    Failed {
        /// The granule.
        location: String,
        /// Why, in one message.
        reason: String,
    },
}

/// The outcome of a run.
#[derive(Debug)]
pub(crate) struct RunReport {
    /// One outcome per granule, in order.
    pub(crate) granules: Vec<GranuleOutcome>,
    /// The output written.
    pub(crate) output: Written,
    /// Time range of the rows written.
    pub(crate) time_range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Distinct rgts and cycles of the rows written.
    pub(crate) rgts: Vec<u16>,
    /// Distinct cycles.
    pub(crate) cycles: Vec<u8>,
}

impl RunReport {
    /// Granules that failed.
    pub(crate) fn failures(&self) -> impl Iterator<Item = (&str, &str)> {
        self.granules.iter().filter_map(|g| match g {
            GranuleOutcome::Failed { location, reason } => {
                Some((location.as_str(), reason.as_str()))
            }
            GranuleOutcome::Done { .. } | GranuleOutcome::Skipped { .. } => None,
        })
    }
}

/// What a run wrote: one file, or a prefix of parts with their manifest.
#[derive(Debug)]
pub(crate) struct Written {
    /// The file, or the prefix of the parts.
    pub(crate) url: String,
    /// The format.
    pub(crate) format: Format,
    /// Rows in the output (in part mode: in every recorded part, earlier runs' included).
    pub(crate) rows: u64,
}

/// Where rows go: one output file, or one part per granule (`output.parts`).
enum Sink {
    Single(Box<OutputWriter>),
    Parts(Box<PartWriter>),
}

/// A failure that stops the whole run (the output could not be written).
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    /// The fitting parameters are invalid.
    #[error("fit parameters: {0}")]
    Fit(#[from] firn_atl06::Error),
    /// The output could not be created, written or completed; nothing was left behind.
    #[error("output: {0}")]
    Output(#[from] firn_output::Error),
}

/// Sorts granule locations by the start time in their names (names without one go last).
pub(crate) fn in_output_order(mut locations: Vec<String>) -> Vec<String> {
    locations.sort_by_key(|l| (GranuleName::parse(l).map(|n| n.start), l.clone()));
    locations
}

/// Runs the plan: granules one after another (beams and extents in parallel inside each), rows
/// streamed to the output as each granule finishes.
pub(crate) fn run(plan: RunPlan, progress: &ProgressBar) -> Result<RunReport, RunError> {
    let fitter = Fitter::new(plan.params.fit.clone())?;
    let metadata = FirnMetadata {
        request: plan.request.clone(),
        granules: plan
            .granules
            .iter()
            .map(|l| l.rsplit('/').next().unwrap_or(l).to_owned())
            .collect(),
        version: format!("firn {}", env!("CARGO_PKG_VERSION")),
    };
    let mut sink = if plan.output.parts {
        Sink::Parts(Box::new(PartWriter::open(
            &plan.output,
            &metadata,
            &WriterOptions::default(),
        )?))
    } else {
        Sink::Single(Box::new(OutputWriter::create(&plan.output, &metadata)?))
    };
    progress.set_length(plan.granules.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} granules {msg}")
            .expect("the template is valid"),
    );
    let mut outcomes = Vec::with_capacity(plan.granules.len());
    let mut totals = Totals::default();
    for location in &plan.granules {
        let name = location.rsplit('/').next().unwrap_or(location);
        progress.set_message(name.to_owned());
        if let Sink::Parts(parts) = &sink
            && parts.exists(name)?
        {
            tracing::info!(granule = %location, "part exists: skipped");
            outcomes.push(GranuleOutcome::Skipped {
                location: location.clone(),
            });
            progress.inc(1);
            continue;
        }
        let fitted = Granule::open(location)
            .map_err(|e| e.to_string())
            .and_then(|granule| {
                fit_granule(&granule, &plan.params, &fitter)
                    .map(|fitted| (granule, fitted))
                    .map_err(|e| e.to_string())
            });
        let written = match fitted {
            Err(reason) => Err(reason),
            Ok((granule, fitted)) => {
                let batch = to_batch(&granule, &fitted);
                let result = match &mut sink {
                    // One file: a failed write spoils the whole output, so it ends the run.
                    Sink::Single(writer) => {
                        writer.write(&batch)?;
                        Ok(())
                    }
                    // Parts are independent: a failed part fails its granule alone.
                    Sink::Parts(parts) => {
                        write_part(parts, name, &batch).map_err(|e| e.to_string())
                    }
                };
                result.map(|()| {
                    totals.add(&granule, &fitted);
                    fitted.rows.len() as u64
                })
            }
        };
        match written {
            Ok(rows) => {
                tracing::info!(granule = %location, rows, "granule done");
                outcomes.push(GranuleOutcome::Done {
                    location: location.clone(),
                    rows,
                });
            }
            Err(reason) => {
                tracing::warn!(granule = %location, %reason, "granule failed");
                outcomes.push(GranuleOutcome::Failed {
                    location: location.clone(),
                    reason,
                });
            }
        }
        progress.inc(1);
        progress.set_message(format!(
            "{} photons, {} segments",
            totals.photons, totals.segments
        ));
    }
    let output = match sink {
        Sink::Single(writer) => {
            let summary = writer.finish()?;
            Written {
                url: summary.url,
                format: summary.format,
                rows: summary.rows,
            }
        }
        Sink::Parts(parts) => Written {
            url: plan.output.destination.display(),
            format: plan.output.format,
            rows: parts.manifest().granules.iter().map(|p| p.rows).sum(),
        },
    };
    progress.finish_and_clear();
    Ok(RunReport {
        granules: outcomes,
        output,
        time_range: totals.time_range(),
        rgts: totals.rgts,
        cycles: totals.cycles,
    })
}

/// Writes one granule's part and records it in the manifest.
fn write_part(
    parts: &mut PartWriter,
    granule: &str,
    batch: &SegmentBatch,
) -> Result<(), firn_output::Error> {
    let mut writer = parts.create_part(granule)?;
    writer.write(batch)?;
    let summary = writer.finish()?;
    parts.record(granule, &summary)
}

/// The output rows of a fitted granule.
fn to_batch(granule: &Granule, fitted: &FittedGranule) -> SegmentBatch {
    let identity = granule.identity();
    let mut batch = SegmentBatch::with_capacity(fitted.rows.len());
    for row in &fitted.rows {
        let f = &row.fit;
        batch.push(&SegmentRow {
            time_ns: f.time_ns,
            extent_id: row.extent_id,
            segment_id: row.segment_id,
            rgt: identity.rgt,
            cycle: identity.cycle,
            region: identity.region,
            spot: row.spot,
            gt: row.beam.gt(),
            x_atc: f.x_atc,
            y_atc: f.y_atc,
            h_mean: f.h_mean,
            dh_fit_dx: f.dh_fit_dx,
            dh_fit_dy: f.dh_fit_dy,
            n_fit_photons: f.n_fit_photons,
            w_surface_window_final: f.w_surface_window_final,
            rms_misfit: f.rms_misfit,
            h_sigma: f.h_sigma,
            pflags: f.pflags,
            latitude: f.latitude,
            longitude: f.longitude,
        });
    }
    batch
}

/// Running totals for the summary.
#[derive(Debug, Default)]
struct Totals {
    photons: u64,
    segments: u64,
    first_ns: Option<i64>,
    last_ns: Option<i64>,
    rgts: Vec<u16>,
    cycles: Vec<u8>,
}

impl Totals {
    fn add(&mut self, granule: &Granule, fitted: &FittedGranule) {
        self.photons += fitted
            .beams
            .iter()
            .map(|(_, s)| s.photons_read)
            .sum::<u64>();
        self.segments += fitted.rows.len() as u64;
        if fitted.rows.is_empty() {
            return;
        }
        for row in &fitted.rows {
            let t = row.fit.time_ns;
            self.first_ns = Some(self.first_ns.map_or(t, |f| f.min(t)));
            self.last_ns = Some(self.last_ns.map_or(t, |l| l.max(t)));
        }
        let identity = granule.identity();
        if !self.rgts.contains(&identity.rgt) {
            self.rgts.push(identity.rgt);
            self.rgts.sort_unstable();
        }
        if !self.cycles.contains(&identity.cycle) {
            self.cycles.push(identity.cycle);
            self.cycles.sort_unstable();
        }
    }

    fn time_range(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        Some((
            DateTime::from_timestamp_nanos(self.first_ns?),
            DateTime::from_timestamp_nanos(self.last_ns?),
        ))
    }
}
