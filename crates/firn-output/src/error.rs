//! The crate's public error. Every variant names what it is about (a request key, a column, a
//! path or an `s3://` URL); none ever carries a credential or a signed URL.

/// A specialised `Result` for firn-output.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong describing, encoding or delivering an output.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key of the request's `output` block is missing, of the wrong type or out of range.
    #[error("{key}: {message}")]
    Spec {
        /// The key, e.g. `output.format`.
        key: String,
        /// What is wrong with it.
        message: String,
    },

    /// A [`SegmentBatch`](crate::SegmentBatch) column does not match the others.
    #[error("segment batch: column {column}: {message}")]
    Batch {
        /// The column name.
        column: &'static str,
        /// What is wrong.
        message: String,
    },

    /// A local file could not be created, written or renamed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// The Parquet, CSV or IPC encoder failed.
    #[error("{target}: cannot encode {format}: {message}")]
    Encode {
        /// Where the output was going.
        target: String,
        /// The format being written.
        format: &'static str,
        /// The encoder's message.
        message: String,
    },

    /// The store refused the credentials (wrong key or secret, expired token, missing permission).
    #[error(
        "{url}: access denied ({message}); check output.credentials and output.region; nothing was written"
    )]
    Denied {
        /// The destination, `s3://bucket/key`.
        url: String,
        /// The store's message, credentials removed.
        message: String,
    },

    /// The upload failed; it was aborted so that no partial object is visible.
    #[error("{url}: upload failed: {message}; {abort}")]
    Upload {
        /// The destination, `s3://bucket/key`.
        url: String,
        /// The store's message, credentials removed.
        message: String,
        /// What happened to the partial upload.
        abort: AbortOutcome,
    },

    /// The object store could not be configured, or a store request other than the upload failed.
    #[error("{url}: {message}")]
    Store {
        /// The destination, `s3://bucket/key` or a prefix.
        url: String,
        /// The store's message, credentials removed.
        message: String,
    },

    /// A file or object being read (a part being merged) is unreadable or not what it should be.
    #[error("{path}: cannot read: {message}")]
    Read {
        /// The file or `s3://` URL.
        path: String,
        /// What is wrong.
        message: String,
    },

    /// A part-mode plan, record or manifest could not be read or written.
    #[error("{path}: manifest: {message}")]
    Manifest {
        /// The manifest's location.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// What became of a failed upload's partial state.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AbortOutcome {
    /// Nothing had been sent as a multipart upload, so nothing can be visible.
    NothingStarted,
    /// The multipart upload was aborted; its parts are gone.
    Aborted,
    /// Aborting failed too (for example the server is down); the object was never completed, so
    /// it is not visible, but the store may keep orphaned parts until its lifecycle rule runs.
    AbortFailed(String),
    /// Completing the multipart upload failed; object_store aborts it in that case, but could
    /// not report whether the abort succeeded. The object was never completed.
    Unconfirmed,
}

impl std::fmt::Display for AbortOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NothingStarted => f.write_str("no multipart upload had started; no object"),
            Self::Aborted => f.write_str("multipart upload aborted; no object"),
            Self::Unconfirmed => {
                f.write_str("completion failed; the client aborted the multipart upload; no object")
            }
            Self::AbortFailed(why) => write!(
                f,
                "abort attempted but failed ({why}); the object was never completed"
            ),
        }
    }
}

impl Error {
    pub(crate) fn spec(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Spec {
            key: key.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_string(),
            source,
        }
    }
}
