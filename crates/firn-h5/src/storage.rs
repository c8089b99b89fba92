//! How a dataset's bytes are stored: the description the object-header parser produces and the read
//! planner consumes.

use bytes::Bytes;

/// Where a dataset's raw data lives (HDF5 data layout message, version 3).
#[derive(Debug, Clone)]
pub(crate) enum StorageLayout {
    /// The data is inside the object header.
    Compact {
        /// The raw bytes.
        data: Bytes,
    },
    /// One contiguous block in the file.
    Contiguous {
        /// Address of the block; `None` when never written (all fill value).
        address: Option<u64>,
        /// Size of the block in bytes.
        size: u64,
    },
    /// Fixed-size chunks indexed by a version-1 B-tree.
    Chunked {
        /// Chunk shape in elements, one entry per dataset dimension (without the element-size
        /// dimension the layout message appends).
        chunk_shape: Vec<u64>,
        /// Address of the B-tree root; `None` when no chunk was ever written.
        index_address: Option<u64>,
    },
}

/// A filter of the pipeline, in the order it was applied when writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    /// zlib/deflate (filter id 1).
    Deflate,
    /// Byte shuffle (filter id 2) over elements of the dataset's element size.
    Shuffle,
}

/// One stored chunk, as listed by the chunk index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChunkRecord {
    /// Element coordinates of the chunk's first element, one per dataset dimension.
    pub(crate) coords: Vec<u64>,
    /// Byte address of the stored (filtered) chunk.
    pub(crate) address: u64,
    /// Stored size in bytes.
    pub(crate) size: u64,
    /// Filters skipped for this chunk (bit i set: filter i not applied). Only 0 is supported.
    pub(crate) filter_mask: u32,
}
