//! The ATL06-SR pipeline: granules → beams → extents → fits → output rows.

mod control;
mod fit;
mod resolve;
mod run;
mod sink;
mod source;

pub(crate) use control::{Cancel, CancelReason, Progress, RunControl, RunObserver};
pub(crate) use resolve::{GranuleResolver, ResolveError, SourceResolver};
pub(crate) use run::{
    GranuleOutcome, RunError, RunPlan, RunReport, in_output_order, run, run_into, run_metadata,
};
pub(crate) use sink::{OutputSink, RowSink, SinkError};
pub(crate) use source::GranuleSource;
