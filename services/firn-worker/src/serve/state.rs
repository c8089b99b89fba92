//! What every request shares: the limits, the granule resolver, the worker slots (a semaphore:
//! jobs beyond them wait in a bounded queue), the optional bearer token, the metrics and the
//! shutdown signal.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use firn_output::Secret;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::pipeline::{Cancel, GranuleResolver, SourceSpec};

/// How `firn serve` runs, validated from the command line.
#[derive(Debug)]
pub(crate) struct ServeConfig {
    /// The address to listen on (port 0 picks a free port).
    pub(crate) bind: SocketAddr,
    /// Where granules come from.
    pub(crate) source: SourceSpec,
    /// Jobs running at once.
    pub(crate) max_concurrent: usize,
    /// Jobs waiting for a slot, at most; beyond that requests get 503.
    pub(crate) max_queued: usize,
    /// The bearer token every processing request must carry, if set.
    pub(crate) token: Option<Secret>,
    /// Bytes of a request body, at most.
    pub(crate) max_body: usize,
    /// A progress record is sent at least this often while a job waits or works.
    pub(crate) progress_every: Duration,
    /// After SIGINT/SIGTERM, running jobs get this long to finish before they are cancelled.
    pub(crate) shutdown_grace: Duration,
}

/// The state the handlers share.
pub(crate) struct AppState {
    /// Finds the granules of a request.
    pub(crate) resolver: Box<dyn GranuleResolver>,
    /// Worker slots: a job holds one while it runs.
    pub(crate) slots: Arc<Semaphore>,
    /// The limits, for the health report and the handlers.
    pub(crate) limits: Limits,
    /// The bearer token, if set.
    token: Option<Secret>,
    /// A directory for files on their way back to clients.
    pub(crate) scratch: PathBuf,
    /// Counters.
    pub(crate) metrics: Metrics,
    /// Fired when the shutdown grace period ends: running jobs are cancelled.
    pub(crate) stop_jobs: CancellationToken,
    next_job: AtomicU64,
    admitted: AtomicUsize,
}

/// A job's place among the admitted ones (running or queued); given back when dropped.
pub(crate) struct Admission(Arc<AppState>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The limits of a server.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Jobs running at once.
    pub(crate) max_concurrent: usize,
    /// Jobs waiting, at most.
    pub(crate) max_queued: usize,
    /// Bytes of a request body, at most.
    pub(crate) max_body: usize,
    /// The longest gap between progress records.
    pub(crate) progress_every: Duration,
}

impl AppState {
    /// The state for `config`, resolving granules with `resolver` and keeping returned files in
    /// `scratch`.
    pub(crate) fn new(
        config: &ServeConfig,
        resolver: Box<dyn GranuleResolver>,
        scratch: PathBuf,
    ) -> Self {
        Self {
            resolver,
            slots: Arc::new(Semaphore::new(config.max_concurrent)),
            limits: Limits {
                max_concurrent: config.max_concurrent,
                max_queued: config.max_queued,
                max_body: config.max_body,
                progress_every: config.progress_every,
            },
            token: config.token.clone(),
            scratch,
            metrics: Metrics::default(),
            stop_jobs: CancellationToken::new(),
            next_job: AtomicU64::new(1),
            admitted: AtomicUsize::new(0),
        }
    }

    /// Admits one more job if fewer than `max_concurrent + max_queued` are running or waiting.
    pub(crate) fn try_admit(self: &Arc<Self>) -> Option<Admission> {
        let most = self.limits.max_concurrent + self.limits.max_queued;
        self.admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < most).then_some(n + 1)
            })
            .ok()
            .map(|_| Admission(self.clone()))
    }

    /// A new job number.
    pub(crate) fn next_job_id(&self) -> u64 {
        self.next_job.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether an `Authorization` header value grants access (always, without a token).
    pub(crate) fn authorized(&self, header: Option<&[u8]>) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let Some(value) = header else {
            return false;
        };
        let Some(sent) = value
            .split_at_checked(7)
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case(b"bearer "))
            .map(|(_, rest)| rest)
        else {
            return false;
        };
        constant_time_eq(sent, token.expose().as_bytes())
    }
}

/// Equal bytes, compared without an early exit (the time taken does not reveal a prefix).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Where a running job is: granules finished, the one being worked on.
#[derive(Debug)]
pub(crate) struct JobStatus {
    started: Instant,
    total: usize,
    finished: AtomicUsize,
    current: Mutex<String>,
}

impl JobStatus {
    /// A job of `total` granules, starting now.
    pub(crate) fn new(total: usize) -> Self {
        Self {
            started: Instant::now(),
            total,
            finished: AtomicUsize::new(0),
            current: Mutex::new(String::new()),
        }
    }

    /// Granules finished (done, skipped or failed).
    pub(crate) fn finished(&self) -> usize {
        self.finished.load(Ordering::Relaxed)
    }

    /// Records that `n` granules are finished.
    pub(crate) fn set_finished(&self, n: usize) {
        self.finished.store(n, Ordering::Relaxed);
    }

    /// Records the granule being worked on.
    pub(crate) fn set_current(&self, name: &str) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = name.to_owned();
    }

    /// The granule being worked on (empty before the first).
    pub(crate) fn current(&self) -> String {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// One line on where the job is, for progress records.
    pub(crate) fn describe(&self, id: u64) -> String {
        let current = self.current();
        format!(
            "job {id}: working on granule {} of {} ({}), {} s",
            (self.finished() + 1).min(self.total),
            self.total,
            current,
            self.started.elapsed().as_secs()
        )
    }
}

/// A running job, as the health report lists it.
#[derive(Debug)]
struct RunningJob {
    api: &'static str,
    status: Arc<JobStatus>,
    cancel: Cancel,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobEnd {
    /// It ran to the end; `failed` granules failed alone.
    Completed {
        /// Granules that failed.
        failed: usize,
    },
    /// It stopped on an error that spoiled its output.
    Failed(String),
    /// It was cancelled, for this reason.
    Cancelled(String),
}

/// One finished job, as the health report lists it.
#[derive(Debug, Clone)]
pub(crate) struct JobRecord {
    /// The job number.
    pub(crate) id: u64,
    /// The endpoint.
    pub(crate) api: &'static str,
    /// Granules the job was given.
    pub(crate) granules: usize,
    /// Granules it finished (done, skipped or failed).
    pub(crate) finished: usize,
    /// How it ended.
    pub(crate) end: JobEnd,
}

/// Jobs the health report remembers.
const RECENT_JOBS: usize = 64;

/// The server's counters.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// Requests to a processing endpoint.
    pub(crate) requests: AtomicU64,
    /// Requests refused before any work: bad parameters, no granules, unauthorized, too large.
    pub(crate) rejected: AtomicU64,
    /// Requests refused because the queue was full.
    pub(crate) busy: AtomicU64,
    /// Jobs waiting for a slot.
    pub(crate) queued: AtomicU64,
    /// Jobs running.
    pub(crate) running: AtomicU64,
    /// Granules finished, over all jobs.
    pub(crate) granules_finished: AtomicU64,
    /// Granules that failed, over all jobs.
    pub(crate) granules_failed: AtomicU64,
    running_jobs: Mutex<BTreeMap<u64, RunningJob>>,
    recent: Mutex<VecDeque<JobRecord>>,
    completed: AtomicU64,
    failed: AtomicU64,
    cancelled: AtomicU64,
}

impl Metrics {
    /// Adds one to a counter.
    pub(crate) fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes one from a gauge.
    pub(crate) fn dec(gauge: &AtomicU64) {
        gauge.fetch_sub(1, Ordering::Relaxed);
    }

    /// Records a job that starts running: its status and cancellation flag are reported until
    /// it ends.
    pub(crate) fn job_started(
        &self,
        id: u64,
        api: &'static str,
        status: Arc<JobStatus>,
        cancel: Cancel,
    ) {
        let mut running = self.running_jobs.lock().unwrap_or_else(|e| e.into_inner());
        running.insert(
            id,
            RunningJob {
                api,
                status,
                cancel,
            },
        );
    }

    /// Records a finished job.
    pub(crate) fn job_ended(&self, record: JobRecord) {
        self.running_jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&record.id);
        Self::inc(match record.end {
            JobEnd::Completed { .. } => &self.completed,
            JobEnd::Failed(_) => &self.failed,
            JobEnd::Cancelled(_) => &self.cancelled,
        });
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() == RECENT_JOBS {
            recent.pop_front();
        }
        recent.push_back(record);
    }

    /// The counters and the recent jobs as JSON.
    pub(crate) fn to_json(&self) -> Value {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let recent: Vec<Value> = self
            .recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|job| {
                let (end, detail) = match &job.end {
                    JobEnd::Completed { failed } => ("completed", json!({"failed": failed})),
                    JobEnd::Failed(reason) => ("failed", json!({"reason": reason})),
                    JobEnd::Cancelled(reason) => ("cancelled", json!({"reason": reason})),
                };
                json!({"id": job.id, "api": job.api, "granules": job.granules,
                       "finished": job.finished, "end": end, "detail": detail})
            })
            .collect();
        let running: Vec<Value> = self
            .running_jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(id, job)| {
                json!({"id": id, "api": job.api, "granules": job.status.total,
                       "finished": job.status.finished(), "current": job.status.current(),
                       "cancelling": job.cancel.reason().map(|r| r.to_string())})
            })
            .collect();
        json!({
            "requests": get(&self.requests),
            "rejected": get(&self.rejected),
            "busy": get(&self.busy),
            "jobs": {
                "queued": get(&self.queued),
                "running": get(&self.running),
                "completed": get(&self.completed),
                "failed": get(&self.failed),
                "cancelled": get(&self.cancelled),
            },
            "granules": {
                "finished": get(&self.granules_finished),
                "failed": get(&self.granules_failed),
            },
            "running_jobs": running,
            "recent_jobs": recent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::GranuleSource;

    fn state(token: Option<&str>) -> AppState {
        let config = ServeConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            source: SourceSpec::Granules(GranuleSource::Directory(".".into())),
            max_concurrent: 1,
            max_queued: 1,
            token: token.map(Secret::new),
            max_body: 1024,
            progress_every: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(1),
        };
        let resolver = config.source.resolver().unwrap();
        AppState::new(&config, resolver, ".".into())
    }

    #[test]
    fn a_token_must_be_sent_as_a_bearer_token() {
        let open = state(None);
        assert!(open.authorized(None));
        let closed = state(Some("s3cret-token"));
        assert!(!closed.authorized(None));
        assert!(closed.authorized(Some(b"Bearer s3cret-token")));
        assert!(closed.authorized(Some(b"bearer s3cret-token")));
        assert!(!closed.authorized(Some(b"Bearer s3cret-tokeN")));
        assert!(!closed.authorized(Some(b"Bearer s3cret")));
        assert!(!closed.authorized(Some(b"Basic s3cret-token")));
        assert!(!closed.authorized(Some(b"s3cret-token")));
    }

    #[test]
    fn admissions_are_bounded_by_slots_and_queue() {
        let state = Arc::new(state(None));
        let first = state.try_admit().expect("a slot");
        let second = state.try_admit().expect("a queue place");
        assert!(state.try_admit().is_none(), "one slot and one queue place");
        drop(first);
        let third = state.try_admit().expect("a place again");
        drop((second, third));
    }

    #[test]
    fn recent_jobs_are_bounded_and_counted() {
        let metrics = Metrics::default();
        for id in 0..(RECENT_JOBS as u64 + 5) {
            metrics.job_ended(JobRecord {
                id,
                api: "atl06p",
                granules: 3,
                finished: 1,
                end: JobEnd::Cancelled("the client disconnected".into()),
            });
        }
        let json = metrics.to_json();
        assert_eq!(json["jobs"]["cancelled"], RECENT_JOBS as u64 + 5);
        let recent = json["recent_jobs"].as_array().unwrap();
        assert_eq!(recent.len(), RECENT_JOBS);
        assert_eq!(recent[0]["id"], 5);
        assert_eq!(recent[0]["end"], "cancelled");
    }
}
