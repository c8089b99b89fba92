//! The ATL06-SR pipeline: granules → beams → extents → fits → output rows; and around it, the
//! discovery of granules and the sharding of a run.

mod control;
mod discover;
mod fit;
mod open;
mod resolve;
mod run;
mod shard;
mod sink;
mod source;

pub(crate) use control::{Cancel, CancelReason, Progress, RunControl, RunObserver};
pub(crate) use open::{OpenError, open_granule};
pub(crate) use resolve::{GranuleResolver, ResolveError, SourceResolver, SourceSpec};
pub(crate) use run::{GranuleOutcome, RunError, RunPlan, RunReport, run, run_into, run_metadata};
pub(crate) use shard::Shard;
pub(crate) use sink::{OutputSink, RowSink, SinkError};
pub(crate) use source::GranuleSource;
