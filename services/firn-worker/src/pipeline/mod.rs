//! The ATL06-SR pipeline: granules → beams → extents → fits → output rows; and around it, the
//! discovery of granules and the sharding of a run.

mod discover;
mod fit;
mod run;
mod shard;
mod source;

pub(crate) use discover::{Discover, FootprintScan};
pub(crate) use run::{GranuleOutcome, RunPlan, RunReport, in_output_order, run};
pub(crate) use shard::Shard;
pub(crate) use source::GranuleSource;
