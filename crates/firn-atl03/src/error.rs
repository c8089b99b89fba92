//! The crate's public error: every variant names the granule, and the beam and dataset when known.

use crate::extents::GridError;

/// A specialised `Result` for firn-atl03.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong reading and subsetting an ATL03 granule.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The granule could not be opened or is not readable HDF5.
    #[error("{granule}: cannot open: {source}")]
    Open {
        /// The granule's location.
        granule: String,
        /// The reader's error.
        #[source]
        source: firn_h5::Error,
    },

    /// The file is HDF5 but not an ATL03 granule.
    #[error("{granule}: not an ATL03 granule: {detail}")]
    NotAtl03 {
        /// The granule's location.
        granule: String,
        /// What is missing.
        detail: String,
    },

    /// A dataset is missing or cannot be read.
    #[error("{granule}: {dataset}: {source}")]
    Dataset {
        /// The granule's location.
        granule: String,
        /// The dataset path.
        dataset: String,
        /// The reader's error.
        #[source]
        source: firn_h5::Error,
    },

    /// Datasets disagree with each other (lengths, photon indices, counts).
    #[error("{granule}: {dataset}: {detail}")]
    Inconsistent {
        /// The granule's location.
        granule: String,
        /// The dataset (or datasets) at fault.
        dataset: String,
        /// What disagrees.
        detail: String,
    },

    /// The extent grid could not be laid over a beam.
    #[error("{granule}: {beam}: {source}")]
    Grid {
        /// The granule's location.
        granule: String,
        /// The beam.
        beam: String,
        /// What went wrong.
        #[source]
        source: GridError,
    },

    /// The region test failed (e.g. arrays of different lengths).
    #[error("{granule}: {beam}: region test failed: {source}")]
    Region {
        /// The granule's location.
        granule: String,
        /// The beam.
        beam: String,
        /// The region crate's error.
        #[source]
        source: firn_region::RegionError,
    },
}
