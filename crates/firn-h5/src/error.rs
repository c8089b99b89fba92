//! The crate's one public error type.
//!
//! Every variant names where the problem is: the byte source, the byte offset in the file, and, once
//! the parser knows it, the path of the HDF5 object being read.

use std::ops::Range;

/// A specialised `Result` for firn-h5.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading an HDF5 file.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The byte source failed (local file system).
    #[error("{source_name}: I/O error reading bytes {}..{}: {source}", range.start, range.end)]
    Io {
        /// The file or URL being read.
        source_name: String,
        /// The byte range that was requested.
        range: Range<u64>,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The byte source failed (object store such as S3).
    #[error("{source_name}: object store error reading bytes {}..{}: {source}", range.start, range.end)]
    Store {
        /// The object URL being read (never a signed URL).
        source_name: String,
        /// The byte range that was requested.
        range: Range<u64>,
        /// The underlying error.
        #[source]
        source: Box<object_store::Error>,
    },

    /// A location (path or URL) that cannot be opened as a byte source: an unknown scheme, a
    /// malformed URL, or an object store that cannot be configured.
    #[error("cannot open {location}: {detail}")]
    Location {
        /// The location as given (credentials are never part of it).
        location: String,
        /// What is wrong.
        detail: String,
    },

    /// A read would go past the end of the file: the file is truncated or an address is corrupt.
    #[error(
        "read of {len} bytes at offset {offset} goes past the end of the file ({file_len} bytes){}",
        context_suffix(context)
    )]
    OutOfBounds {
        /// Byte offset of the read.
        offset: u64,
        /// Bytes requested.
        len: u64,
        /// Length of the file.
        file_len: u64,
        /// What was being read (structure or object path), if known.
        context: String,
    },

    /// The file's bytes do not form valid HDF5 structure.
    #[error(
        "corrupt HDF5 at byte offset {offset}{}: {detail}",
        context_suffix(context)
    )]
    Corrupt {
        /// Byte offset where the problem was found.
        offset: u64,
        /// What was being read (structure or object path).
        context: String,
        /// What is wrong.
        detail: String,
    },

    /// The file uses an HDF5 feature this reader does not implement.
    #[error(
        "unsupported HDF5 feature at byte offset {offset}{}: {feature}",
        context_suffix(path)
    )]
    Unsupported {
        /// The feature, e.g. "szip filter" or "layout version 4 (extensible array index)".
        feature: String,
        /// The object path where it was met.
        path: String,
        /// Byte offset where it was met.
        offset: u64,
    },

    /// No object at this path.
    #[error("{path}: no such object")]
    NotFound {
        /// The path that was looked up.
        path: String,
    },

    /// The object exists but is not of the kind asked for (group versus dataset).
    #[error("{path}: is not a {expected}")]
    WrongObjectKind {
        /// The object path.
        path: String,
        /// "group" or "dataset".
        expected: &'static str,
    },

    /// A typed read asked for a Rust type that does not match the stored datatype.
    #[error("{path}: dataset holds {stored}, not {requested}")]
    TypeMismatch {
        /// The dataset path.
        path: String,
        /// The stored datatype, described.
        stored: String,
        /// The Rust type requested.
        requested: &'static str,
    },

    /// A row range outside the dataset.
    #[error("{path}: rows {}..{} are outside the dataset's {rows} rows", requested.start, requested.end)]
    RowRange {
        /// The dataset path.
        path: String,
        /// The rows requested.
        requested: Range<u64>,
        /// The number of rows the dataset has.
        rows: u64,
    },

    /// A read-into buffer does not have room for exactly the elements of its read.
    #[error("{path}: rows {}..{} hold {expected} elements but the buffer has room for {found}", rows.start, rows.end)]
    BufferSize {
        /// The dataset path.
        path: String,
        /// The rows read.
        rows: Range<u64>,
        /// Elements the rows hold.
        expected: u64,
        /// Elements the buffer holds.
        found: u64,
    },

    /// A batch read into buffers was given a different number of buffers than reads.
    #[error("a batch of {reads} reads was given {buffers} buffers")]
    BufferCount {
        /// Reads in the batch.
        reads: usize,
        /// Buffers given.
        buffers: usize,
    },

    /// A chunk could not be decoded (bad deflate stream, wrong decoded size).
    #[error("{path}: chunk at byte offset {offset}: {detail}")]
    Decode {
        /// The dataset path.
        path: String,
        /// Byte offset of the chunk in the file.
        offset: u64,
        /// What went wrong.
        detail: String,
    },
}

fn context_suffix(context: &str) -> String {
    if context.is_empty() {
        String::new()
    } else {
        format!(" ({context})")
    }
}
