//! A whole request: every granule in order into a row sink (one output file, one part per
//! granule, or the records `firn serve` streams back), failures collected per granule, with
//! cancellation and progress.

use chrono::{DateTime, Utc};
use firn_atl03::Granule;
use firn_atl03::name::GranuleName;
use firn_atl06::Fitter;
use firn_output::{FirnMetadata, OutputSpec, SegmentBatch, SegmentRow};
use indicatif::ProgressBar;
use serde_json::Value;

use super::control::{Cancel, CancelReason, Progress, RunControl};
use super::fit::{FitError, FittedGranule, fit_granule};
use super::open::open_granule;
use super::sink::{OutputSink, RowSink, SinkError, Written};
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

/// The outcome of a run; `O` is what its sink reports (for an output file, [`Written`]).
#[derive(Debug)]
pub(crate) struct RunReport<O = Written> {
    /// One outcome per granule, in order.
    pub(crate) granules: Vec<GranuleOutcome>,
    /// What the sink reported.
    pub(crate) output: O,
    /// Time range of the rows written.
    pub(crate) time_range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Distinct rgts and cycles of the rows written.
    pub(crate) rgts: Vec<u16>,
    /// Distinct cycles.
    pub(crate) cycles: Vec<u8>,
}

impl<O> RunReport<O> {
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

/// A failure that stops the whole run (the output could not be written, or the run was
/// cancelled); nothing is left behind.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    /// The fitting parameters are invalid.
    #[error("fit parameters: {0}")]
    Fit(#[from] firn_atl06::Error),
    /// The output could not be created, written or completed; nothing was left behind.
    #[error("output: {0}")]
    Output(#[from] firn_output::Error),
    /// The run was cancelled before it finished; nothing was left behind.
    #[error("cancelled: {0}")]
    Cancelled(CancelReason),
}

/// Sorts granule locations by the start time in their names (names without one go last).
pub(crate) fn in_output_order(mut locations: Vec<String>) -> Vec<String> {
    locations.sort_by_key(|l| (GranuleName::parse(l).map(|n| n.start), l.clone()));
    locations
}

/// The `firn` metadata of a run's output: the request, the granules' names, the version.
pub(crate) fn run_metadata(request: &Value, granules: &[String]) -> FirnMetadata {
    FirnMetadata {
        request: request.clone(),
        granules: granules.iter().map(|l| file_name(l).to_owned()).collect(),
        version: format!("firn {}", env!("CARGO_PKG_VERSION")),
    }
}

/// Runs the plan into its output (one file or one part per granule), with a progress bar on a
/// terminal.
pub(crate) fn run(plan: RunPlan, progress: &ProgressBar) -> Result<RunReport, RunError> {
    let sink = OutputSink::open(&plan.output, &run_metadata(&plan.request, &plan.granules))?;
    let control = RunControl {
        cancel: &Cancel::new(),
        observer: progress,
    };
    run_into(&plan.granules, &plan.params, sink, control)
}

/// Runs `granules` in order (beams and extents in parallel inside each) into `sink`, each
/// granule's rows handed over as it finishes. A granule that fails is reported and the others go
/// on; a sink failure that spoils the output, or a set cancellation flag, ends the run.
pub(crate) fn run_into<S: RowSink>(
    granules: &[String],
    params: &Parameters,
    mut sink: S,
    control: RunControl<'_>,
) -> Result<RunReport<S::Output>, RunError> {
    let fitter = Fitter::new(params.fit.clone())?;
    let cancelled = || control.cancel.reason().map(RunError::Cancelled);
    control.observer.started(granules.len());
    let mut outcomes = Vec::with_capacity(granules.len());
    let mut totals = Totals::default();
    for (index, location) in granules.iter().enumerate() {
        if let Some(error) = cancelled() {
            return Err(error);
        }
        let name = file_name(location);
        control.observer.granule_started(index, location);
        let outcome = if sink.is_done(name)? {
            tracing::info!(granule = %location, "part exists: skipped");
            GranuleOutcome::Skipped {
                location: location.clone(),
            }
        } else {
            let written = match fit(location, params, &fitter, control.cancel) {
                Err(Fitted::Cancelled(reason)) => return Err(RunError::Cancelled(reason)),
                Err(Fitted::Failed(reason)) => Err(reason),
                Ok((granule, fitted)) => match sink.write(name, &to_batch(&granule, &fitted)) {
                    Ok(()) => {
                        totals.add(&granule, &fitted);
                        Ok(fitted.rows.len() as u64)
                    }
                    Err(SinkError::Granule(reason)) => Err(reason),
                    Err(SinkError::Fatal(error)) => return Err(error),
                },
            };
            match written {
                Ok(rows) => {
                    tracing::info!(granule = %location, rows, "granule done");
                    GranuleOutcome::Done {
                        location: location.clone(),
                        rows,
                    }
                }
                Err(reason) => {
                    tracing::warn!(granule = %location, %reason, "granule failed");
                    GranuleOutcome::Failed {
                        location: location.clone(),
                        reason,
                    }
                }
            }
        };
        control.observer.granule_finished(
            &outcome,
            Progress {
                finished: index + 1,
                total: granules.len(),
                photons: totals.photons,
                segments: totals.segments,
            },
        );
        outcomes.push(outcome);
    }
    if let Some(error) = cancelled() {
        return Err(error);
    }
    let output = sink.finish()?;
    control.observer.finished();
    Ok(RunReport {
        granules: outcomes,
        output,
        time_range: totals.time_range(),
        rgts: totals.rgts,
        cycles: totals.cycles,
    })
}

/// Why a granule gave no rows.
enum Fitted {
    /// Reading or fitting failed, for this reason.
    Failed(String),
    /// The cancellation flag was set while it was being fitted.
    Cancelled(CancelReason),
}

/// Opens and fits one granule.
fn fit(
    location: &str,
    params: &Parameters,
    fitter: &Fitter,
    cancel: &Cancel,
) -> Result<(Granule, FittedGranule), Fitted> {
    let granule = open_granule(location).map_err(|e| Fitted::Failed(e.to_string()))?;
    match fit_granule(&granule, params, fitter, cancel) {
        Ok(fitted) => Ok((granule, fitted)),
        Err(FitError::Cancelled(reason)) => Err(Fitted::Cancelled(reason)),
        Err(e) => Err(Fitted::Failed(e.to_string())),
    }
}

/// The bare file name of a granule location (a path or an `s3://` URL).
fn file_name(location: &str) -> &str {
    location.rsplit('/').next().unwrap_or(location)
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

#[cfg(test)]
mod tests;
