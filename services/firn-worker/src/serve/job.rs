//! One job on its own thread: the pipeline run into the sink its delivery asks for, with every
//! record sent through a bounded channel to the response (a full channel makes the job wait, a
//! closed one cancels it).

use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use firn_output::{Destination, SegmentBatch};
use serde_json::Value;
use tokio::sync::mpsc;

use super::protocol::{
    Code, FileName, Level, arrow_data, arrow_eof, arrow_meta, arrow_remote, elevations, exception,
};
use super::request::{Api, Delivery};
use super::state::{JobEnd, JobStatus, Metrics};
use crate::pipeline::{
    Cancel, CancelReason, GranuleOutcome, OutputSink, Progress, RowSink, RunControl, RunError,
    RunObserver, RunReport, SinkError, run_into, run_metadata,
};
use crate::request::Parameters;

/// Bytes of a returned file per `arrowrec.data` record.
const FILE_CHUNK_BYTES: usize = 1 << 20;

/// A validated job with its granules resolved.
#[derive(Debug)]
pub(crate) struct Job {
    /// The job number, in logs and records.
    pub(crate) id: u64,
    /// The endpoint asked.
    pub(crate) api: Api,
    /// Granule locations, in output order.
    pub(crate) granules: Vec<String>,
    /// The processing parameters.
    pub(crate) params: Parameters,
    /// How the rows go back.
    pub(crate) delivery: Delivery,
    /// The request as received, for the output's `firn` metadata (credentials removed there).
    pub(crate) request: Value,
}

/// The job's end of the response channel. Sending waits while the channel is full; a closed
/// channel means the client went away, which cancels the job.
#[derive(Clone)]
pub(crate) struct Outbox {
    tx: mpsc::Sender<Bytes>,
    cancel: Cancel,
}

/// The client went away: nobody reads the records any more.
#[derive(Debug)]
struct ClientGone;

impl From<ClientGone> for RunError {
    fn from(_: ClientGone) -> Self {
        RunError::Cancelled(CancelReason::ClientGone)
    }
}

impl Outbox {
    /// The outbox of a job cancelled through `cancel`.
    pub(crate) fn new(tx: mpsc::Sender<Bytes>, cancel: Cancel) -> Self {
        Self { tx, cancel }
    }

    fn send(&self, record: Bytes) -> Result<(), ClientGone> {
        self.tx.blocking_send(record).map_err(|_| {
            self.cancel.cancel(CancelReason::ClientGone);
            ClientGone
        })
    }
}

/// Runs `job` to its end on the calling (non-async) thread; `scratch` holds returned files.
pub(crate) fn run_job(
    job: Job,
    outbox: &Outbox,
    status: &JobStatus,
    metrics: &Metrics,
    scratch: &Path,
) -> JobEnd {
    let id = job.id;
    let observer = JobObserver {
        id,
        outbox,
        status,
        metrics,
    };
    let control = RunControl {
        cancel: &outbox.cancel,
        observer: &observer,
    };
    let result = deliver(job, outbox, control, scratch);
    match result {
        Ok(summary) => {
            // Each failed granule was reported as an error when it failed.
            let (level, code) = match summary.failed {
                0 => (Level::Info, Code::Info),
                _ => (Level::Warning, Code::Error),
            };
            let text = format!(
                "job {id} done: {} segments from {} granules ({} failed){}",
                summary.segments, summary.granules, summary.failed, summary.returned
            );
            tracing::info!(job = id, "{text}");
            // A client gone by now has all it asked for.
            let _ = outbox.send(exception(code, level, &text));
            JobEnd::Completed {
                failed: summary.failed,
            }
        }
        Err(RunError::Cancelled(reason)) => {
            tracing::info!(job = id, %reason, finished = status.finished(), "job cancelled");
            if reason == CancelReason::Shutdown {
                let _ = outbox.send(exception(
                    Code::DidNotComplete,
                    Level::Critical,
                    &format!("job {id} cancelled: {reason}; no output was written"),
                ));
            }
            JobEnd::Cancelled(reason.to_string())
        }
        Err(error) => {
            tracing::warn!(job = id, %error, "job failed");
            let _ = outbox.send(exception(
                Code::Error,
                Level::Error,
                &format!("job {id} failed: {error}"),
            ));
            JobEnd::Failed(error.to_string())
        }
    }
}

/// What a completed job reports in its last record.
struct Summary {
    granules: usize,
    failed: usize,
    segments: u64,
    returned: String,
}

impl Summary {
    fn of<O>(report: &RunReport<O>, segments: u64, returned: String) -> Self {
        Self {
            granules: report.granules.len(),
            failed: report.failures().count(),
            segments,
            returned,
        }
    }
}

/// Runs the pipeline into the sink the delivery asks for and sends the result back.
fn deliver(
    job: Job,
    outbox: &Outbox,
    control: RunControl<'_>,
    scratch: &Path,
) -> Result<Summary, RunError> {
    let Job {
        id,
        granules,
        params,
        delivery,
        request,
        ..
    } = job;
    let metadata = run_metadata(&request, &granules);
    match delivery {
        Delivery::Records => {
            let sink = RecordSink {
                outbox,
                segments: 0,
            };
            let report = run_into(&granules, &params, sink, control)?;
            Ok(Summary::of(&report, report.output, " in-band".to_owned()))
        }
        Delivery::Remote(spec) => {
            let sink = OutputSink::open(&spec, &metadata)?;
            let report = run_into(&granules, &params, sink, control)?;
            let written = &report.output;
            outbox.send(arrow_remote(&written.url, written.bytes.unwrap_or(0)))?;
            Ok(Summary::of(
                &report,
                written.rows,
                format!(" → {}", written.url),
            ))
        }
        Delivery::Returned { mut spec, name } => {
            let local = Scratch(scratch.join(format!("job-{id}.{}", spec.format.extension())));
            spec.destination = Destination::Local(local.0.clone());
            let sink = OutputSink::open(&spec, &metadata)?;
            let report = run_into(&granules, &params, sink, control)?;
            let bytes = send_file(&local.0, &name, outbox, control.cancel)?;
            Ok(Summary::of(
                &report,
                report.output.rows,
                format!(", {bytes} bytes returned"),
            ))
        }
    }
}

/// A file in the scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.0)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.0.display(), error = %e, "scratch file not removed");
        }
    }
}

/// Sends the file at `path` as `arrowrec.meta`, `arrowrec.data` records and `arrowrec.eof`;
/// returns its size.
fn send_file(
    path: &Path,
    name: &FileName,
    outbox: &Outbox,
    cancel: &Cancel,
) -> Result<u64, RunError> {
    let io = |e: std::io::Error| {
        RunError::Output(firn_output::Error::Io {
            path: path.display().to_string(),
            source: e,
        })
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    outbox.send(arrow_meta(name, size))?;
    let mut chunk = vec![0u8; FILE_CHUNK_BYTES];
    let mut checksum = 0u64;
    let mut sent = 0u64;
    loop {
        if let Some(reason) = cancel.reason() {
            return Err(RunError::Cancelled(reason));
        }
        let n = file.read(&mut chunk).map_err(io)?;
        if n == 0 && sent > 0 {
            break;
        }
        checksum = chunk[..n]
            .iter()
            .fold(checksum, |sum, &b| sum.wrapping_add(u64::from(b)));
        // An empty file still gets one (empty) data record: the client closes it on that.
        outbox.send(arrow_data(name, &chunk[..n]))?;
        sent += n as u64;
        if n == 0 {
            break;
        }
    }
    outbox.send(arrow_eof(name, checksum))?;
    Ok(size)
}

/// Rows back to the client as `atl06rec` records, granule by granule.
struct RecordSink<'a> {
    outbox: &'a Outbox,
    segments: u64,
}

impl RowSink for RecordSink<'_> {
    type Output = u64;

    fn write(&mut self, _granule: &str, batch: &SegmentBatch) -> Result<(), SinkError> {
        for record in elevations(batch).map_err(|e| SinkError::Fatal(e.into()))? {
            self.outbox
                .send(record)
                .map_err(|gone| SinkError::Fatal(gone.into()))?;
        }
        self.segments += batch.time_ns.len() as u64;
        Ok(())
    }

    fn finish(self) -> Result<u64, RunError> {
        Ok(self.segments)
    }
}

/// Reports each granule to the client as an `exceptrec` and keeps the job status and metrics.
struct JobObserver<'a> {
    id: u64,
    outbox: &'a Outbox,
    status: &'a JobStatus,
    metrics: &'a Metrics,
}

impl RunObserver for JobObserver<'_> {
    fn granule_started(&self, _index: usize, location: &str) {
        self.status.set_current(file_name(location));
    }

    fn granule_finished(&self, outcome: &GranuleOutcome, progress: Progress) {
        self.status.set_finished(progress.finished);
        Metrics::inc(&self.metrics.granules_finished);
        let of = format!(
            "job {}: granule {} of {}",
            self.id, progress.finished, progress.total
        );
        let record = match outcome {
            GranuleOutcome::Done { location, rows } => exception(
                Code::Info,
                Level::Info,
                &format!("{of} done: {}: {rows} segments", file_name(location)),
            ),
            GranuleOutcome::Skipped { location } => exception(
                Code::Info,
                Level::Info,
                &format!("{of} skipped: {}: its part exists", file_name(location)),
            ),
            GranuleOutcome::Failed { location, reason } => {
                Metrics::inc(&self.metrics.granules_failed);
                exception(
                    Code::Error,
                    Level::Error,
                    &format!("{of} failed: {}: {reason}", file_name(location)),
                )
            }
        };
        // A closed channel has already set the cancellation flag; the run stops before the next
        // granule.
        let _ = self.outbox.send(record);
    }
}

/// The bare file name of a granule location.
fn file_name(location: &str) -> &str {
    location.rsplit('/').next().unwrap_or(location)
}
