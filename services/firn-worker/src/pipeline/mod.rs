//! The ATL06-SR pipeline: granules → beams → extents → fits → output rows.

mod fit;
mod run;
mod source;

pub(crate) use run::{GranuleOutcome, RunPlan, RunReport, in_output_order, run};
pub(crate) use source::GranuleSource;
