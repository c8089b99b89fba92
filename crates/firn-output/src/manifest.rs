//! The run manifest of a part-mode run: every planned granule, done, failed or missing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::batch::Bbox;
use crate::part::PartEntry;

/// The run manifest (`_manifest.json`), written by [`RunPrefix::gather`](crate::RunPrefix::gather).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// The finished parts, in plan (output) order.
    pub granules: Vec<PartEntry>,
    /// Planned granules whose last attempt failed, with the reason.
    #[serde(default)]
    pub failed: Vec<FailedGranule>,
    /// Planned granules with neither a finished part nor a failure record (never attempted, or
    /// their shard was stopped before it got to them).
    #[serde(default)]
    pub missing: Vec<String>,
    /// Granules in the plan.
    #[serde(default)]
    pub planned: usize,
    /// Rows in the finished parts.
    #[serde(default)]
    pub rows: u64,
    /// Union of the finished parts' bounding boxes.
    #[serde(default)]
    pub bbox: Option<Bbox>,
    /// Whether every planned granule is done (gather then writes `_SUCCESS`).
    #[serde(default)]
    pub complete: bool,
    /// The parts' format name (`geoparquet`, `parquet`, `csv`, `feather`).
    #[serde(default)]
    pub format: String,
    /// Where the granules were read from.
    #[serde(default)]
    pub source: String,
    /// The request, credentials removed.
    pub request: Value,
    /// The software version.
    pub version: String,
}

/// A planned granule whose last attempt failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedGranule {
    /// The granule's file name.
    pub name: String,
    /// Why, in one message (credentials removed).
    pub reason: String,
}

impl Manifest {
    /// The names of the planned granules that are not done: failed, then missing.
    pub fn not_done(&self) -> impl Iterator<Item = &str> {
        self.failed
            .iter()
            .map(|f| f.name.as_str())
            .chain(self.missing.iter().map(String::as_str))
    }
}
