//! The one error type of the benchmarks.

use std::path::PathBuf;

/// What can go wrong while preparing or running a benchmark; every message names the file,
/// dataset or byte offset involved.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// libhdf5 (through hdf5-metno) failed on a file or dataset.
    #[error("libhdf5 on {path}: {source}")]
    Hdf5 {
        /// File path, or file path and dataset.
        path: String,
        /// libhdf5's error.
        #[source]
        source: hdf5::Error,
    },
    /// firn-h5 failed.
    #[error("firn-h5: {0}")]
    FirnH5(#[from] firn_h5::Error),
    /// Generating the synthetic granule failed.
    #[error("generating the synthetic granule: {0}")]
    Synth(#[from] firn_synth::Error),
    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An object-store request (upload) failed.
    #[error("object store, {what}: {source}")]
    Store {
        /// What was being done.
        what: String,
        /// The store's error.
        #[source]
        source: object_store::Error,
    },
    /// A dataset uses something the raw-inflate floor does not model.
    #[error("{dataset}: {detail}")]
    Unsupported {
        /// Dataset path.
        dataset: String,
        /// What is not modelled.
        detail: String,
    },
    /// A stored chunk did not inflate to the chunk size.
    #[error("{dataset}: chunk at byte offset {offset}: {detail}")]
    Inflate {
        /// Dataset path.
        dataset: String,
        /// File offset of the stored chunk.
        offset: u64,
        /// What went wrong.
        detail: String,
    },
    /// Two readers returned different bytes for one dataset.
    #[error("{dataset}: {left} and {right} differ: {detail}")]
    Mismatch {
        /// Dataset path.
        dataset: String,
        /// One reader.
        left: &'static str,
        /// The other reader.
        right: &'static str,
        /// Where they first differ, or how their lengths differ.
        detail: String,
    },
    /// A command-line argument or environment value is unusable.
    #[error("invalid {parameter}: {detail}")]
    Invalid {
        /// The argument or variable.
        parameter: &'static str,
        /// Why.
        detail: String,
    },
}

/// The benchmarks' result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Wraps a libhdf5 error with the file or dataset it concerns.
pub(crate) fn hdf5_error(path: impl Into<String>) -> impl FnOnce(hdf5::Error) -> Error {
    let path = path.into();
    move |source| Error::Hdf5 { path, source }
}
