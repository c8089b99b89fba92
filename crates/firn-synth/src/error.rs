//! The crate's one public error type.

use std::path::PathBuf;

/// Everything that can go wrong while generating or writing a synthetic granule.
///
/// Every variant names what failed: the parameter, the HDF5 object, the dataset row or the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A [`GranuleSpec`](crate::GranuleSpec) field is out of range or inconsistent.
    #[error("invalid synthetic granule parameter `{parameter}`: {reason}")]
    InvalidParameter {
        /// The field name, as spelled in `GranuleSpec`.
        parameter: &'static str,
        /// Why the value was rejected.
        reason: String,
    },
    /// libhdf5 refused an operation (create, resize, write) on an object of the granule.
    #[error("HDF5 error on `{object}` in {path}: {source}")]
    Hdf5 {
        /// The granule file being written.
        path: PathBuf,
        /// The HDF5 object path (`/gt1l/heights/h_ph`, `/orbit_info`, ...).
        object: String,
        /// The error reported by hdf5-metno.
        #[source]
        source: hdf5::Error,
    },
    /// `H5Dwrite_chunk` failed for one chunk.
    #[error(
        "direct chunk write of `{dataset}` at row {row} ({bytes} compressed bytes) failed with status {status}"
    )]
    ChunkWrite {
        /// The dataset path inside the granule.
        dataset: String,
        /// The first row of the chunk.
        row: u64,
        /// Size of the compressed chunk.
        bytes: usize,
        /// The negative status returned by libhdf5.
        status: i32,
    },
    /// A chunk could not be compressed (libdeflate reported an undersized output buffer).
    #[error("compressing the chunk of `{dataset}` at row {row} failed: {reason}")]
    Compress {
        /// The dataset path inside the granule.
        dataset: String,
        /// The first row of the chunk.
        row: u64,
        /// libdeflate's message.
        reason: String,
    },
    /// Writing a Parquet truth sidecar failed.
    #[error("writing truth file {path}: {source}")]
    Parquet {
        /// The sidecar being written.
        path: PathBuf,
        /// The parquet crate's error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Building an Arrow batch for a truth sidecar failed.
    #[error("building a record batch for truth file {path}: {source}")]
    Arrow {
        /// The sidecar being written.
        path: PathBuf,
        /// The arrow crate's error.
        #[source]
        source: arrow::error::ArrowError,
    },
    /// A file or directory could not be created.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn param(parameter: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidParameter {
            parameter,
            reason: reason.into(),
        }
    }
}
