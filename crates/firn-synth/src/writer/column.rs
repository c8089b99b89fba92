//! Resizable chunked datasets filled by direct chunk writes.

use std::path::{Path, PathBuf};

use hdf5::{Dataset, Extent, Group, H5Type, SimpleExtents};
use hdf5_sys::h5::hsize_t;
use hdf5_sys::h5d::H5Dwrite_chunk;
use hdf5_sys::h5p::H5P_DEFAULT;
use rayon::prelude::*;

use super::codec::{DEFLATE_LEVEL, compressor, shuffle, zlib};
use crate::{Error, Result};

/// A scalar type stored in a dataset, serialised little-endian.
pub(crate) trait Element: H5Type + Copy {
    /// Integers get the shuffle filter before deflate; floats deflate only.
    const INTEGER: bool;
    /// Appends the little-endian bytes of `self`.
    fn put(self, out: &mut Vec<u8>);
}

macro_rules! element {
    ($($t:ty => $int:expr),*) => {$(
        impl Element for $t {
            const INTEGER: bool = $int;
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
element!(f32 => false, f64 => false, i8 => true, u8 => true, i32 => true, i64 => true);

/// One dataset being written: rows accumulate until a chunk is full.
pub(crate) struct Column {
    ds: Dataset,
    object: String,
    width: usize,
    elem_size: usize,
    shuffle: bool,
    chunk_rows: usize,
    pending: Vec<u8>,
    /// Rows already handed out in chunks.
    rows_taken: u64,
    /// Rows covered by the dataset's current extent.
    extent_rows: u64,
}

/// An uncompressed chunk taken from a column.
struct RawChunk {
    column: usize,
    row: u64,
    bytes: Vec<u8>,
}

impl Column {
    /// Creates `group/name` (`object` is its full path, for messages): `width` values per row
    /// (1 → 1-D), unlimited rows, chunks of `chunk_rows` rows, shuffle (integers) + deflate 6.
    pub(crate) fn create<T: Element>(
        group: &Group,
        object: String,
        name: &str,
        width: usize,
        chunk_rows: usize,
        file: &Path,
    ) -> Result<Self> {
        let mut extents = vec![Extent::from(0..)];
        let mut chunk = vec![chunk_rows];
        if width > 1 {
            extents.push(Extent::from(width));
            chunk.push(width);
        }
        let mut builder = group
            .new_dataset::<T>()
            .shape(SimpleExtents::from(extents))
            .chunk(chunk)
            .obj_track_times(false);
        if T::INTEGER {
            builder = builder.shuffle();
        }
        // DEFLATE_LEVEL is 6.
        let ds = builder
            .deflate(DEFLATE_LEVEL as u8)
            .create(name)
            .map_err(|source| Error::Hdf5 {
                path: file.to_path_buf(),
                object: object.clone(),
                source,
            })?;
        Ok(Self {
            ds,
            object,
            width,
            elem_size: std::mem::size_of::<T>(),
            shuffle: T::INTEGER,
            chunk_rows,
            pending: Vec::new(),
            rows_taken: 0,
            extent_rows: 0,
        })
    }

    /// Appends 1-D values.
    pub(crate) fn push<T: Element>(&mut self, values: &[T]) {
        self.pending.reserve(std::mem::size_of_val(values));
        for &v in values {
            v.put(&mut self.pending);
        }
    }

    /// Appends rows of `W` values.
    pub(crate) fn push_rows<T: Element, const W: usize>(&mut self, rows: &[[T; W]]) {
        for row in rows {
            for &v in row {
                v.put(&mut self.pending);
            }
        }
    }

    fn chunk_bytes(&self) -> usize {
        self.chunk_rows * self.width * self.elem_size
    }

    /// Takes every full chunk, and with `finish` the last partial one padded with zeros (HDF5
    /// stores edge chunks full size).
    fn take_chunks(&mut self, index: usize, finish: bool) -> Vec<RawChunk> {
        let size = self.chunk_bytes();
        let row_bytes = self.width * self.elem_size;
        let full = self.pending.len() / size;
        let mut out = Vec::with_capacity(full + 1);
        for c in 0..full {
            out.push(RawChunk {
                column: index,
                row: self.rows_taken + (c * self.chunk_rows) as u64,
                bytes: self.pending[c * size..(c + 1) * size].to_vec(),
            });
        }
        self.pending.drain(..full * size);
        self.rows_taken += (full * self.chunk_rows) as u64;
        if finish && !self.pending.is_empty() {
            let rows = self.pending.len() / row_bytes;
            let mut bytes = std::mem::take(&mut self.pending);
            bytes.resize(size, 0);
            out.push(RawChunk {
                column: index,
                row: self.rows_taken,
                bytes,
            });
            self.rows_taken += rows as u64;
        }
        out
    }

    fn resize(&mut self, file: &Path) -> Result<()> {
        if self.rows_taken == self.extent_rows {
            return Ok(());
        }
        let rows = self.rows_taken as usize;
        let shape = if self.width > 1 {
            vec![rows, self.width]
        } else {
            vec![rows]
        };
        self.ds.resize(shape).map_err(|source| Error::Hdf5 {
            path: file.to_path_buf(),
            object: self.object.clone(),
            source,
        })?;
        self.extent_rows = self.rows_taken;
        Ok(())
    }

    fn write_chunk(&self, row: u64, data: &[u8]) -> Result<()> {
        let offset: [hsize_t; 2] = [row, 0];
        let status = {
            let _guard = hdf5_sys::LOCK.lock();
            // SAFETY: `self.ds` is an open dataset of rank 1 or 2, so libhdf5 reads at most two
            // offsets; `data` is a live buffer of `data.len()` bytes for the whole call; the
            // library lock serialises this call with every other libhdf5 call of the process.
            unsafe {
                H5Dwrite_chunk(
                    self.ds.id(),
                    H5P_DEFAULT,
                    0,
                    offset.as_ptr(),
                    data.len(),
                    data.as_ptr().cast(),
                )
            }
        };
        if status < 0 {
            return Err(Error::ChunkWrite {
                dataset: self.object.clone(),
                row,
                bytes: data.len(),
                status,
            });
        }
        Ok(())
    }
}

/// The datasets of one group written together, so all their chunks compress in one parallel pass.
pub(crate) struct ColumnSet {
    pub(crate) columns: Vec<Column>,
    file: PathBuf,
}

impl ColumnSet {
    /// An empty set writing into `file` (for error messages).
    pub(crate) fn new(file: &Path) -> Self {
        Self {
            columns: Vec::new(),
            file: file.to_path_buf(),
        }
    }

    /// Compresses the complete chunks of every column in parallel and writes them; with `finish`
    /// also the last partial chunks, leaving every dataset at its exact row count.
    pub(crate) fn flush(&mut self, finish: bool) -> Result<()> {
        let raw: Vec<RawChunk> = self
            .columns
            .iter_mut()
            .enumerate()
            .flat_map(|(i, c)| c.take_chunks(i, finish))
            .collect();
        let columns = &self.columns;
        let compressed: Vec<(usize, u64, Vec<u8>)> = raw
            .into_par_iter()
            .map_init(compressor, |z, chunk| {
                let column = &columns[chunk.column];
                let data = if column.shuffle {
                    shuffle(&chunk.bytes, column.elem_size)
                } else {
                    chunk.bytes
                };
                zlib(z, &data)
                    .map(|bytes| (chunk.column, chunk.row, bytes))
                    .map_err(|reason| Error::Compress {
                        dataset: column.object.clone(),
                        row: chunk.row,
                        reason,
                    })
            })
            .collect::<Result<_>>()?;
        for c in &mut self.columns {
            c.resize(&self.file)?;
        }
        for (column, row, bytes) in compressed {
            self.columns[column].write_chunk(row, &bytes)?;
        }
        Ok(())
    }
}
