//! A local file read with positional reads.

use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::Path;

use bytes::{Bytes, BytesMut};
use rayon::prelude::*;

use super::{ByteSource, check_range};
use crate::error::{Error, Result};

/// Ranges at least this large are read in parallel; smaller batches are read in order.
const PARALLEL_READ_BYTES: u64 = 4 << 20;

/// A local file, read with `pread` so that many threads can read at once without a shared cursor.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
    name: String,
}

impl FileSource {
    /// Opens the file at `path` for reading.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let io_error = |source| Error::Io {
            source_name: name.clone(),
            range: 0..0,
            source,
        };
        let file = File::open(path).map_err(io_error)?;
        let len = file.metadata().map_err(io_error)?.len();
        Ok(Self { file, len, name })
    }

    fn read_one(&self, range: &Range<u64>) -> Result<Bytes> {
        check_range(range, self.len, &self.name)?;
        let mut buf = BytesMut::zeroed((range.end - range.start) as usize);
        self.file
            .read_exact_at(&mut buf, range.start)
            .map_err(|source| Error::Io {
                source_name: self.name.clone(),
                range: range.clone(),
                source,
            })?;
        Ok(buf.freeze())
    }
}

impl ByteSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        let total: u64 = ranges.iter().map(|r| r.end.saturating_sub(r.start)).sum();
        if ranges.len() > 1 && total >= PARALLEL_READ_BYTES {
            ranges.par_iter().map(|r| self.read_one(r)).collect()
        } else {
            ranges.iter().map(|r| self.read_one(r)).collect()
        }
    }

    fn name(&self) -> &str {
        &self.name
    }
}
