//! A local file: mapped into memory, or read with positional reads.

use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::Path;

use bytes::{Bytes, BytesMut};
use memmap2::MmapOptions;
use rayon::prelude::*;

use super::{ByteSource, check_range};
use crate::error::{Error, Result};

/// Ranges at least this large are read in parallel; smaller batches are read in order.
const PARALLEL_READ_BYTES: u64 = 4 << 20;

/// Ranges at least this large are mapped when the source maps; smaller ones (metadata blocks,
/// lone small chunks) cost less as one `pread` than as a mapping.
const MAP_MIN_BYTES: u64 = 64 << 10;

/// A local file, shared by many threads without a shared cursor.
///
/// [`FileSource::open`] maps what it reads: each requested range of 64 KiB or more is mapped on
/// its own (pages populated in one call), and the returned [`Bytes`] is a view of that mapping —
/// no copy, so chunks are inflated straight from the page cache — which is unmapped when the
/// last view is dropped. The process's resident memory therefore holds only the ranges being
/// decoded, never the whole file, however large the granule. Smaller ranges, and every range of a
/// source opened with [`FileSource::open_unmapped`], are read with `pread` into fresh buffers.
///
/// # Truncation
///
/// A mapped file must not shrink while it is read. Each read re-checks the file's length and
/// fails with [`Error::Io`] if it is shorter than when it was opened, but a file truncated between
/// that check and the decoding of its bytes makes the process receive `SIGBUS`. Granules are
/// written once and never modified in place; for files that other processes may truncate, use
/// [`FileSource::open_unmapped`].
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
    name: String,
    /// Whether large ranges are mapped rather than read.
    mapped: bool,
}

impl FileSource {
    /// Opens the file at `path` for reading, mapping large reads when the file can be mapped.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let mut source = Self::open_unmapped(path)?;
        // A file that cannot be mapped (empty, a special file) is read with pread: no error.
        source.mapped = source.len > 0 && source.map_range(&(0..1)).is_ok();
        Ok(source)
    }

    /// Opens the file at `path` for positional reads (`pread` into fresh buffers), never mapping it.
    pub fn open_unmapped(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let io_error = |source| Error::Io {
            source_name: name.clone(),
            range: 0..0,
            source,
        };
        let file = File::open(path).map_err(io_error)?;
        let len = file.metadata().map_err(io_error)?.len();
        Ok(Self {
            file,
            len,
            name,
            mapped: false,
        })
    }

    /// Whether large reads are served from memory maps of the file.
    pub fn is_mapped(&self) -> bool {
        self.mapped
    }

    /// A view of `range` in a mapping of its own, its pages read in (`MAP_POPULATE`).
    fn map_range(&self, range: &Range<u64>) -> std::io::Result<Bytes> {
        // SAFETY: the mapping is read-only and private to the returned bytes; this source never
        // writes to the file. The file's length is checked before every read (`check_not_shrunk`);
        // a concurrent truncation after that check is the documented SIGBUS caveat of the type.
        let map = unsafe {
            MmapOptions::new()
                .offset(range.start)
                .len((range.end - range.start) as usize)
                .populate()
                .map(&self.file)?
        };
        Ok(Bytes::from_owner(map))
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

    /// Fails if the file is now shorter than the mapping, whose lost pages would fault.
    fn check_not_shrunk(&self, ranges: &[Range<u64>]) -> Result<()> {
        let io_error = |source| Error::Io {
            source_name: self.name.clone(),
            range: ranges.first().cloned().unwrap_or(0..0),
            source,
        };
        let now = self.file.metadata().map_err(io_error)?.len();
        if now < self.len {
            return Err(io_error(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "the file shrank to {now} bytes while open (it had {})",
                    self.len
                ),
            )));
        }
        Ok(())
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
        if self.mapped {
            for range in ranges {
                check_range(range, self.len, &self.name)?;
            }
            self.check_not_shrunk(ranges)?;
            return ranges
                .iter()
                .map(|range| {
                    if range.end - range.start < MAP_MIN_BYTES {
                        return self.read_one(range);
                    }
                    self.map_range(range).map_err(|source| Error::Io {
                        source_name: self.name.clone(),
                        range: range.clone(),
                        source,
                    })
                })
                .collect();
        }
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn read_one(source: &FileSource, range: Range<u64>) -> Result<Bytes> {
        Ok(source.read_ranges(std::slice::from_ref(&range))?.remove(0))
    }

    #[test]
    fn mapped_and_positional_reads_agree_and_a_shrunk_file_is_an_error() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        file.write_all(&data).unwrap();
        file.flush().unwrap();
        let mapped = FileSource::open(file.path()).unwrap();
        let positional = FileSource::open_unmapped(file.path()).unwrap();
        assert!(mapped.is_mapped());
        assert!(!positional.is_mapped());
        let ranges = [0..10, 4095..4097, 123_456..299_999, 299_999..300_000, 7..7];
        let a = mapped.read_ranges(&ranges).unwrap();
        let b = positional.read_ranges(&ranges).unwrap();
        for (range, (a, b)) in ranges.iter().zip(a.iter().zip(&b)) {
            assert_eq!(&a[..], &data[range.start as usize..range.end as usize]);
            assert_eq!(a, b);
        }
        let past = read_one(&mapped, 299_000..300_001).unwrap_err();
        assert!(matches!(past, Error::OutOfBounds { .. }), "{past}");

        // Truncated while open: the mapped source refuses before touching the lost pages.
        file.as_file().set_len(100_000).unwrap();
        let err = read_one(&mapped, 0..10).unwrap_err();
        assert!(
            matches!(&err, Error::Io { .. }) && err.to_string().contains("shrank"),
            "{err}"
        );
        let err = read_one(&positional, 200_000..200_010).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
    }

    #[test]
    fn an_empty_file_is_read_without_a_mapping() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let source = FileSource::open(file.path()).unwrap();
        assert!(!source.is_mapped());
        assert!(source.is_empty());
        assert_eq!(read_one(&source, 0..0).unwrap(), Bytes::new());
    }
}
