//! Bytes already in memory.

use std::ops::Range;

use bytes::Bytes;

use super::{ByteSource, check_range};
use crate::error::Result;

/// A byte source over an in-memory buffer (tests, fuzzing, small files fetched whole).
#[derive(Debug, Clone)]
pub struct MemorySource {
    bytes: Bytes,
    name: String,
}

impl MemorySource {
    /// Wraps `bytes`; `name` appears in error messages.
    pub fn new(bytes: impl Into<Bytes>, name: impl Into<String>) -> Self {
        Self {
            bytes: bytes.into(),
            name: name.into(),
        }
    }
}

impl ByteSource for MemorySource {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        ranges
            .iter()
            .map(|range| {
                check_range(range, self.len(), &self.name)?;
                Ok(self.bytes.slice(range.start as usize..range.end as usize))
            })
            .collect()
    }

    fn name(&self) -> &str {
        &self.name
    }
}
