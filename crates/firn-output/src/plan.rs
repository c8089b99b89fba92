//! The plan of a part-mode run: the granules to process, in output order, written once under the
//! prefix so that every shard partitions the same list.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The granules of a run and what they were chosen for (`_plan.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Granule locations (paths or `s3://` URLs), in output order (SPEC §8: by the start time in
    /// their names). Shards partition this list by position.
    pub granules: Vec<String>,
    /// Where the granules were found: a directory or an `s3://` prefix.
    pub source: String,
    /// The request the plan was made for, credentials removed.
    pub request: Value,
    /// The parts' format name (`geoparquet`, `parquet`, `csv`, `feather`).
    pub format: String,
    /// The software version that wrote the plan.
    pub version: String,
}

/// What [`RunPrefix::create_plan`](crate::RunPrefix::create_plan) found.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanOutcome {
    /// This call wrote the plan.
    Created(Plan),
    /// A plan was already there (another shard, or an earlier run, wrote it); it was left as it
    /// was and is returned.
    Existing(Plan),
}

impl PlanOutcome {
    /// The plan in force, whoever wrote it.
    pub fn plan(&self) -> &Plan {
        match self {
            Self::Created(plan) | Self::Existing(plan) => plan,
        }
    }
}
