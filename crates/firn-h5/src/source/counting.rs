//! A wrapper that counts requests and bytes.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use super::{ByteSource, SharedSource};
use crate::error::Result;

/// Counts of what was asked of a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Ranges requested (one GET each on an object store).
    pub requests: u64,
    /// Calls to [`ByteSource::read_ranges`] (each a batch of concurrent requests).
    pub batches: u64,
    /// Bytes returned.
    pub bytes: u64,
}

/// Wraps any source and counts its requests and bytes, to prove how few and how large reads are.
#[derive(Debug)]
pub struct CountingSource {
    inner: SharedSource,
    requests: AtomicU64,
    batches: AtomicU64,
    bytes: AtomicU64,
}

impl CountingSource {
    /// Wraps `inner`.
    pub fn new(inner: SharedSource) -> Self {
        Self {
            inner,
            requests: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// The counts so far.
    pub fn stats(&self) -> ReadStats {
        ReadStats {
            requests: self.requests.load(Ordering::Relaxed),
            batches: self.batches.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    /// Sets the counts back to zero.
    pub fn reset(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.batches.store(0, Ordering::Relaxed);
        self.bytes.store(0, Ordering::Relaxed);
    }
}

impl ByteSource for CountingSource {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        let out = self.inner.read_ranges(ranges)?;
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.requests
            .fetch_add(ranges.len() as u64, Ordering::Relaxed);
        let bytes: usize = out.iter().map(Bytes::len).sum();
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        Ok(out)
    }

    fn name(&self) -> &str {
        self.inner.name()
    }
}
