//! A streaming response: the job waits for a worker slot, runs on its own thread, and its
//! records flow through a bounded channel into the response body. While it waits or works, a
//! progress `exceptrec` goes out at least every `progress_every` (the client gives up after
//! 120 s without a byte). A client that goes away closes the channel, which cancels the job; the
//! end of the shutdown grace period cancels it too.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior, interval_at};

use super::job::{Job, Outbox, run_job};
use super::protocol::{Code, Level, exception};
use super::state::{Admission, AppState, JobEnd, JobRecord, JobStatus, Metrics};
use crate::pipeline::{Cancel, CancelReason};

/// The Content-Type of a record stream.
pub(crate) const OCTET_STREAM: &str = "application/octet-stream";

/// Records in flight between a job and its response, at most (then the job waits).
const CHANNEL_RECORDS: usize = 16;

/// The streaming response for `job`, which is queued at once; `admission` is held until it ends.
pub(crate) fn respond(state: Arc<AppState>, job: Job, admission: Admission) -> Response {
    let (tx, rx) = mpsc::channel::<Bytes>(CHANNEL_RECORDS);
    Metrics::inc(&state.metrics.queued);
    tokio::spawn(async move {
        drive(state, job, tx).await;
        drop(admission);
    });
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|record| (Ok::<_, Infallible>(record), rx))
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, OCTET_STREAM)],
        Body::from_stream(body),
    )
        .into_response()
}

/// Queues, runs and watches one job, until it ends.
async fn drive(state: Arc<AppState>, job: Job, tx: mpsc::Sender<Bytes>) {
    let (id, api, total) = (job.id, job.api.name(), job.granules.len());
    let every = state.limits.progress_every;
    let ended = |finished: usize, end: JobEnd| {
        state.metrics.job_ended(JobRecord {
            id,
            api,
            granules: total,
            finished,
            end,
        })
    };
    let _ = tx
        .send(exception(
            Code::Info,
            Level::Info,
            &format!("job {id}: {api} over {total} granules: queued"),
        ))
        .await;

    // Wait for a slot, saying so regularly; a client that leaves takes its place in the queue.
    let acquire = state.slots.clone().acquire_owned();
    tokio::pin!(acquire);
    let mut ticker = interval_at(Instant::now() + every, every);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let permit = loop {
        tokio::select! {
            permit = &mut acquire => break permit,
            () = tx.closed() => {
                Metrics::dec(&state.metrics.queued);
                tracing::info!(job = id, "job cancelled while queued: the client disconnected");
                ended(0, JobEnd::Cancelled(CancelReason::ClientGone.to_string()));
                return;
            }
            () = state.stop_jobs.cancelled() => {
                Metrics::dec(&state.metrics.queued);
                let _ = tx.send(exception(Code::DidNotComplete, Level::Critical,
                    &format!("job {id} cancelled: {}; no output was written",
                             CancelReason::Shutdown))).await;
                ended(0, JobEnd::Cancelled(CancelReason::Shutdown.to_string()));
                return;
            }
            _ = ticker.tick() => {
                let running = state.limits.max_concurrent - state.slots.available_permits();
                let _ = tx.try_send(exception(Code::Info, Level::Info,
                    &format!("job {id}: waiting for a worker slot ({running} jobs running)")));
            }
        }
    };
    Metrics::dec(&state.metrics.queued);
    let Ok(permit) = permit else {
        // The semaphore is never closed; treat it as a shutdown all the same.
        ended(0, JobEnd::Cancelled(CancelReason::Shutdown.to_string()));
        return;
    };

    // Run on a thread of its own (the pipeline is synchronous and uses rayon inside).
    Metrics::inc(&state.metrics.running);
    let cancel = Cancel::new();
    let status = Arc::new(JobStatus::new(total));
    let (done_tx, mut done_rx) = oneshot::channel::<JobEnd>();
    let spawned = std::thread::Builder::new()
        .name(format!("firn-job-{id}"))
        .spawn({
            let (state, status) = (state.clone(), status.clone());
            let outbox = Outbox::new(tx.clone(), cancel.clone());
            move || {
                let end = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_job(job, &outbox, &status, &state.metrics, &state.scratch)
                }))
                .unwrap_or_else(|_| JobEnd::Failed("internal error: the job panicked".to_owned()));
                drop(permit);
                let _ = done_tx.send(end);
            }
        });
    if let Err(e) = spawned {
        Metrics::dec(&state.metrics.running);
        let reason = format!("could not start the job's thread: {e}");
        let _ = tx
            .send(exception(
                Code::Error,
                Level::Error,
                &format!("job {id} failed: {reason}"),
            ))
            .await;
        ended(0, JobEnd::Failed(reason));
        return;
    }

    state
        .metrics
        .job_started(id, api, status.clone(), cancel.clone());
    ticker.reset();
    let end = loop {
        tokio::select! {
            end = &mut done_rx => {
                break end.unwrap_or_else(|_| JobEnd::Failed("the job's thread ended without a word".to_owned()));
            }
            () = tx.closed(), if !cancel.is_cancelled() => cancel.cancel(CancelReason::ClientGone),
            () = state.stop_jobs.cancelled(), if !cancel.is_cancelled() => {
                cancel.cancel(CancelReason::Shutdown);
            }
            _ = ticker.tick() => {
                let _ = tx.try_send(exception(Code::Info, Level::Info, &status.describe(id)));
            }
        }
    };
    Metrics::dec(&state.metrics.running);
    ended(status.finished(), end);
}
