//! Read-only, cloud-optimized HDF5 for ATL03 granules.
#![deny(missing_docs)]

mod decode;
mod dtype;
mod error;
mod filters;
mod meta;
mod plan;
pub mod source;
mod storage;

pub use dtype::{Datatype, H5Type, StringPadding};
pub use error::{Error, Result};
pub use plan::ReadOptions;
pub use source::{ByteSource, SharedSource};
