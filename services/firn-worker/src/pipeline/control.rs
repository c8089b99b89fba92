//! Steering a run from outside: a cancellation flag the pipeline checks between granules, beams
//! and windows, and an observer told about each granule as it starts and finishes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

use super::run::GranuleOutcome;

/// Why a run was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CancelReason {
    /// The client that asked for the run went away.
    ClientGone,
    /// The server is shutting down and the run did not finish within the grace period.
    Shutdown,
}

impl std::fmt::Display for CancelReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ClientGone => "the client disconnected",
            Self::Shutdown => "the server is shutting down",
        })
    }
}

/// A shared cancellation flag. Clones share the flag; the first reason given wins.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cancel(Arc<AtomicU8>);

impl Cancel {
    const NONE: u8 = 0;
    const CLIENT_GONE: u8 = 1;
    const SHUTDOWN: u8 = 2;

    /// A flag that is not set.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Sets the flag (a flag already set keeps its first reason).
    pub(crate) fn cancel(&self, reason: CancelReason) {
        let code = match reason {
            CancelReason::ClientGone => Self::CLIENT_GONE,
            CancelReason::Shutdown => Self::SHUTDOWN,
        };
        let _ = self
            .0
            .compare_exchange(Self::NONE, code, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Why the flag was set, if it was.
    pub(crate) fn reason(&self) -> Option<CancelReason> {
        match self.0.load(Ordering::Acquire) {
            Self::CLIENT_GONE => Some(CancelReason::ClientGone),
            Self::SHUTDOWN => Some(CancelReason::Shutdown),
            _ => None,
        }
    }

    /// Whether the flag is set.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.reason().is_some()
    }
}

/// Where a run is: granules finished and the running totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Progress {
    /// Granules finished (done, skipped or failed).
    pub(crate) finished: usize,
    /// Granules in the run.
    pub(crate) total: usize,
    /// Photons read so far.
    pub(crate) photons: u64,
    /// Segments written so far.
    pub(crate) segments: u64,
}

/// Told about a run as it goes; every method has a default that does nothing.
pub(crate) trait RunObserver {
    /// The run starts with `total` granules.
    fn started(&self, _total: usize) {}
    /// Work on granule number `index` (from 0) begins.
    fn granule_started(&self, _index: usize, _location: &str) {}
    /// A granule finished, with the totals so far.
    fn granule_finished(&self, _outcome: &GranuleOutcome, _progress: Progress) {}
    /// The run completed (not called when it fails or is cancelled).
    fn finished(&self) {}
}

/// How a caller steers a run.
#[derive(Clone, Copy)]
pub(crate) struct RunControl<'a> {
    /// Checked between granules, beams and windows; a set flag ends the run with
    /// [`RunError::Cancelled`](super::RunError::Cancelled) and no output.
    pub(crate) cancel: &'a Cancel,
    /// Told about each granule.
    pub(crate) observer: &'a dyn RunObserver,
}

/// The command line's progress bar (drawn only on a terminal).
impl RunObserver for ProgressBar {
    fn started(&self, total: usize) {
        self.set_length(total as u64);
        self.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} granules {msg}")
                .expect("the template is valid"),
        );
    }

    fn granule_started(&self, _index: usize, location: &str) {
        self.set_message(location.rsplit('/').next().unwrap_or(location).to_owned());
    }

    fn granule_finished(&self, _outcome: &GranuleOutcome, progress: Progress) {
        self.inc(1);
        self.set_message(format!(
            "{} photons, {} segments",
            progress.photons, progress.segments
        ));
    }

    fn finished(&self) {
        self.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_wins_and_clones_share_the_flag() {
        let cancel = Cancel::new();
        let clone = cancel.clone();
        assert!(!clone.is_cancelled());
        cancel.cancel(CancelReason::ClientGone);
        clone.cancel(CancelReason::Shutdown);
        assert_eq!(clone.reason(), Some(CancelReason::ClientGone));
        assert!(cancel.is_cancelled());
    }
}
