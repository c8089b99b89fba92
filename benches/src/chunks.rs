//! A dataset's stored chunks as libhdf5 lists them (`H5Dget_chunk_info`), independent of firn-h5.

use std::ops::Range;

use hdf5::filters::Filter;

use crate::error::{Error, Result, hdf5_error};

/// One stored chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredChunk {
    /// First row (dimension 0) the chunk holds.
    pub row: u64,
    /// File offset of the stored (filtered) bytes.
    pub address: u64,
    /// Stored size in bytes.
    pub size: u64,
}

impl StoredChunk {
    /// The chunk's bytes in the file.
    pub fn range(&self) -> Range<u64> {
        self.address..self.address + self.size
    }
}

/// A chunked, deflated dataset whose chunks hold whole rows (every ATL03 photon, segment and
/// background dataset), with its chunks in row order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkTable {
    /// Absolute dataset path.
    pub path: String,
    /// Dataset shape.
    pub shape: Vec<u64>,
    /// Rows per chunk.
    pub chunk_rows: u64,
    /// Bytes per element.
    pub element_size: usize,
    /// Whether the shuffle filter runs before deflate.
    pub shuffle: bool,
    /// The stored chunks, sorted by row.
    pub chunks: Vec<StoredChunk>,
}

impl ChunkTable {
    /// Lists the chunks of `path` in `file`.
    ///
    /// Fails with [`Error::Unsupported`] unless the dataset is chunked along rows only, filtered
    /// by deflate or shuffle + deflate, and has no chunk that skips a filter.
    pub fn query(file: &hdf5::File, path: &str) -> Result<Self> {
        let unsupported = |detail: String| Error::Unsupported {
            dataset: path.to_owned(),
            detail,
        };
        let dataset = file.dataset(path).map_err(hdf5_error(path))?;
        let shape: Vec<u64> = dataset.shape().iter().map(|&d| d as u64).collect();
        let chunk_shape: Vec<u64> = dataset
            .chunk()
            .ok_or_else(|| unsupported("not chunked".to_owned()))?
            .iter()
            .map(|&d| d as u64)
            .collect();
        if chunk_shape.len() != shape.len()
            || shape.is_empty()
            || chunk_shape[1..] != shape[1..]
            || chunk_shape[0] == 0
        {
            return Err(unsupported(format!(
                "chunks {chunk_shape:?} do not hold whole rows of shape {shape:?}"
            )));
        }
        let shuffle = match dataset.filters().as_slice() {
            [Filter::Deflate(_)] => false,
            [Filter::Shuffle, Filter::Deflate(_)] => true,
            other => {
                return Err(unsupported(format!(
                    "filter pipeline {other:?} is not deflate or shuffle + deflate"
                )));
            }
        };
        let element_size = dataset.dtype().map_err(hdf5_error(path))?.size();
        let count = dataset
            .num_chunks()
            .ok_or_else(|| unsupported("libhdf5 cannot count its chunks".to_owned()))?;
        let mut chunks = Vec::with_capacity(count);
        for index in 0..count {
            let info = dataset.chunk_info(index).ok_or_else(|| {
                unsupported(format!("libhdf5 has no information on chunk {index}"))
            })?;
            if info.filter_mask != 0 {
                return Err(unsupported(format!(
                    "chunk at byte offset {} skips filters (mask {:#x})",
                    info.addr, info.filter_mask
                )));
            }
            chunks.push(StoredChunk {
                row: info.offset[0],
                address: info.addr,
                size: info.size,
            });
        }
        chunks.sort_by_key(|c| c.row);
        Ok(Self {
            path: path.to_owned(),
            shape,
            chunk_rows: chunk_shape[0],
            element_size,
            shuffle,
            chunks,
        })
    }

    /// Rows in the dataset.
    pub fn rows(&self) -> u64 {
        self.shape[0]
    }

    /// Bytes in one row.
    pub fn row_bytes(&self) -> u64 {
        self.shape[1..].iter().product::<u64>() * self.element_size as u64
    }

    /// Decoded bytes of one whole chunk (edge chunks are stored full size).
    pub fn chunk_bytes(&self) -> u64 {
        self.chunk_rows * self.row_bytes()
    }

    /// Decoded bytes of the whole dataset.
    pub fn decoded_len(&self) -> u64 {
        self.rows() * self.row_bytes()
    }

    /// Stored bytes of every chunk.
    pub fn stored_len(&self) -> u64 {
        self.chunks.iter().map(|c| c.size).sum()
    }

    /// The chunks holding any of `rows`.
    pub fn overlapping(&self, rows: &Range<u64>) -> impl Iterator<Item = &StoredChunk> {
        let (start, end, chunk_rows) = (rows.start, rows.end, self.chunk_rows);
        self.chunks
            .iter()
            .filter(move |c| c.row < end && c.row + chunk_rows > start)
    }
}

/// The chunk tables of `paths` in the HDF5 file at `file_path`.
pub fn query_all(file_path: &std::path::Path, paths: &[String]) -> Result<Vec<ChunkTable>> {
    let name = file_path.display().to_string();
    let file = hdf5::File::open(file_path).map_err(hdf5_error(name))?;
    paths.iter().map(|p| ChunkTable::query(&file, p)).collect()
}
