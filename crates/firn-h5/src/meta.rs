//! The metadata reader: an aligned block cache in front of the byte source.
//!
//! HDF5 metadata (superblock, object headers, B-tree nodes, heaps) is made of many small structures.
//! Reading each with its own request would cost one round trip per structure on S3, so metadata is
//! read in aligned blocks: the first [`OPEN_PREFETCH`] bytes of the file when it is opened (where
//! writers put most metadata), then one block at a time as the parser follows addresses elsewhere.
//! A caller that knows several structures it will need (the chunk B-tree nodes of one level of
//! several datasets) fetches them together with [`MetaReader::prefetch`]: exact extents, coalesced
//! into few requests, kept beside the blocks.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::Mutex;

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::plan::coalesce_ranges;
use crate::source::SharedSource;

/// Size of one cached block.
const BLOCK_SIZE: u64 = 64 * 1024;
/// Bytes read at open, from the start of the file.
pub(crate) const OPEN_PREFETCH: u64 = 2 * 1024 * 1024;
/// Most blocks kept; past this the cache starts over (metadata of one granule is far smaller).
const MAX_BLOCKS: usize = 4096;
/// Most prefetched extent bytes kept; past this the extents start over.
const MAX_EXTENT_BYTES: usize = 64 << 20;

/// Prefetched extents by start offset, and their total size.
#[derive(Debug, Default)]
struct Extents {
    by_start: BTreeMap<u64, Bytes>,
    bytes: usize,
}

impl Extents {
    /// The bytes `offset..end` if one extent holds them all.
    fn get(&self, offset: u64, end: u64) -> Option<Bytes> {
        let (&start, bytes) = self.by_start.range(..=offset).next_back()?;
        let stop = start + bytes.len() as u64;
        (end <= stop).then(|| bytes.slice((offset - start) as usize..(end - start) as usize))
    }

    fn insert(&mut self, start: u64, bytes: Bytes) {
        if self.bytes + bytes.len() > MAX_EXTENT_BYTES {
            self.by_start.clear();
            self.bytes = 0;
        }
        self.bytes += bytes.len();
        if let Some(old) = self.by_start.insert(start, bytes) {
            self.bytes -= old.len();
        }
    }
}

/// Reads metadata through an aligned block cache.
#[derive(Debug)]
pub(crate) struct MetaReader {
    source: SharedSource,
    len: u64,
    blocks: Mutex<HashMap<u64, Bytes>>,
    extents: Mutex<Extents>,
}

impl MetaReader {
    /// Wraps `source` and reads its first [`OPEN_PREFETCH`] bytes in one request.
    pub(crate) fn new(source: SharedSource) -> Result<Self> {
        let reader = Self {
            len: source.len(),
            source,
            blocks: Mutex::new(HashMap::new()),
            extents: Mutex::new(Extents::default()),
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
        if let Some(bytes) = self.extent(offset, end) {
            return Ok(bytes);
        }
        let first = offset / BLOCK_SIZE;
        let last = (end - 1) / BLOCK_SIZE;
        let blocks = self.blocks(first, last)?;
        if let [block] = blocks.as_slice() {
            let start = (offset - first * BLOCK_SIZE) as usize;
            return Ok(block.slice(start..start + len as usize));
        }
        let mut out = BytesMut::with_capacity(len as usize);
        for (index, block) in (first..=last).zip(&blocks) {
            let block_start = index * BLOCK_SIZE;
            let from = offset.max(block_start) - block_start;
            let to = end.min(block_start + block.len() as u64) - block_start;
            out.extend_from_slice(&block[from as usize..to as usize]);
        }
        Ok(out.freeze())
    }

    /// Fetches `ranges` (absolute offsets, clipped to the file) that the cache does not hold yet, in
    /// one batch of requests: ranges at most `gap` bytes apart share a request of at most
    /// `max_request` bytes. Later [`MetaReader::read`]s inside them are served from memory.
    pub(crate) fn prefetch(&self, ranges: &[Range<u64>], gap: u64, max_request: u64) -> Result<()> {
        let wanted: Vec<Range<u64>> = ranges
            .iter()
            .map(|r| r.start.min(self.len)..r.end.min(self.len))
            .filter(|r| !r.is_empty() && !self.holds(r))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let requests: Vec<Range<u64>> = coalesce_ranges(&wanted, gap, max_request)
            .into_iter()
            .map(|(range, _)| range)
            .collect();
        let fetched = self.source.read_ranges(&requests)?;
        let mut extents = self
            .extents
            .lock()
            .expect("extent cache lock is never poisoned");
        for (range, bytes) in requests.iter().zip(fetched) {
            extents.insert(range.start, bytes);
        }
        Ok(())
    }

    /// The bytes of `range` (absolute offsets) if the cache holds all of them, without fetching.
    pub(crate) fn cached(&self, range: &Range<u64>) -> Option<Bytes> {
        if range.is_empty() || range.end > self.len || !self.holds(range) {
            return None;
        }
        self.read(range.start, range.end - range.start, "cached bytes")
            .ok()
    }

    /// Whether the cache holds all of `range` (in one extent or in cached blocks).
    fn holds(&self, range: &Range<u64>) -> bool {
        if self.extent(range.start, range.end).is_some() {
            return true;
        }
        let blocks = self
            .blocks
            .lock()
            .expect("block cache lock is never poisoned");
        (range.start / BLOCK_SIZE..=(range.end - 1) / BLOCK_SIZE).all(|i| blocks.contains_key(&i))
    }

    /// The bytes `offset..end` from a prefetched extent.
    fn extent(&self, offset: u64, end: u64) -> Option<Bytes> {
        self.extents
            .lock()
            .expect("extent cache lock is never poisoned")
            .get(offset, end)
    }

    /// Blocks `first..=last`, from the cache or fetched (each missing run in one request).
    ///
    /// The blocks are handed out as shared handles, so another thread emptying the cache in the
    /// meantime cannot take them away.
    fn blocks(&self, first: u64, last: u64) -> Result<Vec<Bytes>> {
        let cached: Vec<Option<Bytes>> = {
            let blocks = self
                .blocks
                .lock()
                .expect("block cache lock is never poisoned");
            (first..=last).map(|i| blocks.get(&i).cloned()).collect()
        };
        let missing = cached.iter().position(Option::is_none);
        let Some(run_start) = missing else {
            return Ok(cached.into_iter().flatten().collect());
        };
        let run_end = cached
            .iter()
            .rposition(Option::is_none)
            .expect("one is missing")
            + 1;
        let fetched = self.fetch_blocks(first + run_start as u64, first + run_end as u64)?;
        Ok(cached
            .into_iter()
            .enumerate()
            .map(|(i, block)| match block {
                Some(block) if !(run_start..run_end).contains(&i) => block,
                _ => fetched[i - run_start].clone(),
            })
            .collect())
    }

    /// Fetches blocks `first..end` in one request, caches them and returns them.
    fn fetch_blocks(&self, first: u64, end: u64) -> Result<Vec<Bytes>> {
        if first >= end {
            return Ok(Vec::new());
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
        let mut fetched = Vec::with_capacity((end - first) as usize);
        for index in first..end {
            let from = ((index - first) * BLOCK_SIZE) as usize;
            let to = (from + BLOCK_SIZE as usize).min(bytes.len());
            let block = bytes.slice(from..to);
            blocks.insert(index, block.clone());
            fetched.push(block);
        }
        Ok(fetched)
    }
}
