//! Where the bytes come from.
//!
//! [`ByteSource`] is the seam between the parser and storage: a length and a method that reads several
//! ranges at once. Implementations: [`FileSource`] (positional reads on a local file),
//! [`ObjectStoreSource`] (byte-range GETs on any `object_store` store, S3 included), [`MemorySource`]
//! (bytes already in memory) and the wrapper [`CountingSource`] (counts requests and bytes, for tests and
//! benchmarks). The parser never touches a source directly: metadata goes through the block cache and
//! dataset chunks through the read planner, so every source sees few, large, aligned requests.

mod counting;
mod file;
mod location;
mod memory;
mod store;

use std::fmt::Debug;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;

pub use counting::{CountingSource, ReadStats};
pub use file::FileSource;
pub use location::open_location;
pub use memory::MemorySource;
pub use store::ObjectStoreSource;

use crate::error::Result;

/// Random-access, read-only bytes: a local file, an S3 object, a buffer.
///
/// Implementations must be cheap to share across threads; a read of several ranges may be served
/// concurrently. Every returned buffer has exactly the length of its range: a range past the end of
/// the source is an error, never a short read.
#[deny(clippy::missing_trait_methods)]
pub trait ByteSource: Send + Sync + Debug {
    /// The total length in bytes.
    fn len(&self) -> u64;

    /// Whether the source holds no bytes.
    fn is_empty(&self) -> bool;

    /// Reads every range and returns their bytes in the same order.
    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Bytes>>;

    /// A name for messages: the file path or the object URL (never carrying credentials).
    fn name(&self) -> &str;
}

/// A shared, type-erased byte source.
pub type SharedSource = Arc<dyn ByteSource>;

/// Checks that `range` lies inside a source of `len` bytes.
pub(crate) fn check_range(range: &Range<u64>, len: u64, context: &str) -> Result<()> {
    if range.start > range.end || range.end > len {
        return Err(crate::Error::OutOfBounds {
            offset: range.start,
            len: range.end.saturating_sub(range.start),
            file_len: len,
            context: context.to_owned(),
        });
    }
    Ok(())
}
