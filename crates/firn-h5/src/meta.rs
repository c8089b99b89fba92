//! The metadata reader: an aligned block cache in front of the byte source.
//!
//! HDF5 metadata (superblock, object headers, B-tree nodes, heaps) is made of many small structures.
//! Reading each with its own request would cost one round trip per structure on S3, so metadata is
//! read in aligned blocks: the first [`OPEN_PREFETCH`] bytes of the file when it is opened (where
//! writers put most metadata), then one block at a time as the parser follows addresses elsewhere.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::source::SharedSource;

/// Size of one cached block.
const BLOCK_SIZE: u64 = 64 * 1024;
/// Bytes read at open, from the start of the file.
pub(crate) const OPEN_PREFETCH: u64 = 2 * 1024 * 1024;
/// Most blocks kept; past this the cache starts over (metadata of one granule is far smaller).
const MAX_BLOCKS: usize = 4096;

/// Reads metadata through an aligned block cache.
#[derive(Debug)]
pub(crate) struct MetaReader {
    source: SharedSource,
    len: u64,
    blocks: Mutex<HashMap<u64, Bytes>>,
}

impl MetaReader {
    /// Wraps `source` and reads its first [`OPEN_PREFETCH`] bytes in one request.
    pub(crate) fn new(source: SharedSource) -> Result<Self> {
        let reader = Self {
            len: source.len(),
            source,
            blocks: Mutex::new(HashMap::new()),
        };
        let first = reader.len.min(OPEN_PREFETCH).div_ceil(BLOCK_SIZE);
        reader.fetch_blocks(0, first)?;
        Ok(reader)
    }

    /// The byte source behind the cache.
    pub(crate) fn source(&self) -> &SharedSource {
        &self.source
    }

    /// The file length.
    pub(crate) fn file_len(&self) -> u64 {
        self.len
    }

    /// Reads `len` bytes at `offset`; `context` names what is read, for the error if the range is
    /// outside the file.
    pub(crate) fn read(&self, offset: u64, len: u64, context: &str) -> Result<Bytes> {
        let end = offset.checked_add(len).filter(|&end| end <= self.len);
        let Some(end) = end else {
            return Err(Error::OutOfBounds {
                offset,
                len,
                file_len: self.len,
                context: context.to_owned(),
            });
        };
        if len == 0 {
            return Ok(Bytes::new());
        }
        let first = offset / BLOCK_SIZE;
        let last = (end - 1) / BLOCK_SIZE;
        self.ensure_blocks(first, last)?;
        let blocks = self
            .blocks
            .lock()
            .expect("block cache lock is never poisoned");
        if first == last {
            let block = &blocks[&first];
            let start = (offset - first * BLOCK_SIZE) as usize;
            return Ok(block.slice(start..start + len as usize));
        }
        let mut out = BytesMut::with_capacity(len as usize);
        for index in first..=last {
            let block = &blocks[&index];
            let block_start = index * BLOCK_SIZE;
            let from = offset.max(block_start) - block_start;
            let to = end.min(block_start + block.len() as u64) - block_start;
            out.extend_from_slice(&block[from as usize..to as usize]);
        }
        Ok(out.freeze())
    }

    /// Makes sure blocks `first..=last` are cached, fetching each missing run in one request.
    fn ensure_blocks(&self, first: u64, last: u64) -> Result<()> {
        let missing: Vec<u64> = {
            let blocks = self
                .blocks
                .lock()
                .expect("block cache lock is never poisoned");
            (first..=last).filter(|i| !blocks.contains_key(i)).collect()
        };
        let Some(&run_start) = missing.first() else {
            return Ok(());
        };
        let run_end = *missing.last().expect("missing is not empty") + 1;
        self.fetch_blocks(run_start, run_end)
    }

    /// Fetches blocks `first..end` in one request and caches them.
    fn fetch_blocks(&self, first: u64, end: u64) -> Result<()> {
        if first >= end {
            return Ok(());
        }
        let start = first * BLOCK_SIZE;
        let stop = (end * BLOCK_SIZE).min(self.len);
        let bytes = self
            .source
            .read_ranges(std::slice::from_ref(&(start..stop)))?
            .pop()
            .unwrap_or_default();
        let mut blocks = self
            .blocks
            .lock()
            .expect("block cache lock is never poisoned");
        if blocks.len() + (end - first) as usize > MAX_BLOCKS {
            blocks.clear();
        }
        for index in first..end {
            let from = ((index - first) * BLOCK_SIZE) as usize;
            let to = (from + BLOCK_SIZE as usize).min(bytes.len());
            blocks.insert(index, bytes.slice(from..to));
        }
        Ok(())
    }
}
