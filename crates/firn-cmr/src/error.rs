//! The crate's public error. Every variant names what it is about (a parameter, a URL, a file);
//! URLs are shown without their query string or user info, and no variant ever carries a token,
//! a password, an OAuth code or an S3 secret.

use std::path::PathBuf;

use url::Url;

/// A specialised `Result` for firn-cmr.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong searching CMR or obtaining Earthdata S3 credentials.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A query parameter or builder setting is missing, malformed or out of range.
    #[error("{parameter}: {message}")]
    InvalidParameter {
        /// The parameter or configuration key, e.g. `rgt` or `max_resources`.
        parameter: String,
        /// What is wrong with it.
        message: String,
    },

    /// The server answered with an error status (after retries, for statuses that are retried).
    #[error("{url}: HTTP {status}: {message}")]
    Status {
        /// The URL, without its query string.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The server's message (CMR's `errors` list joined, or the start of the body).
        message: String,
    },

    /// The server could not be reached, or did not answer in time, on any attempt.
    #[error("{url}: {message} (gave up after {attempts} attempts)")]
    Transport {
        /// The URL, without its query string.
        url: String,
        /// How many attempts were made.
        attempts: u32,
        /// What happened on the last attempt.
        message: String,
        /// The HTTP client's error (its URL removed).
        #[source]
        source: reqwest::Error,
    },

    /// The server answered 2xx, but not with what its documented format promises.
    #[error("{url}: malformed response: {message}")]
    MalformedResponse {
        /// The URL, without its query string.
        url: String,
        /// What is wrong, e.g. the JSON parser's message with line and column.
        message: String,
    },

    /// The query matches more granules than the configured `max_resources`.
    #[error(
        "{url}: more granules than allowed ({hits} > {max}): narrow the query or raise max_resources"
    )]
    TooManyGranules {
        /// The URL, without its query string.
        url: String,
        /// Granules matching (CMR's `CMR-Hits`, or those received so far).
        hits: u64,
        /// The configured limit.
        max: usize,
    },

    /// CMR rejected the search polygon, and every simplification of it too.
    #[error(
        "{url}: CMR rejected the polygon and each simplification of it (last: {vertices} vertices, tolerance {tolerance}°): HTTP {status}: {message}"
    )]
    PolygonRejected {
        /// The URL, without its query string.
        url: String,
        /// Vertices of the last polygon tried.
        vertices: usize,
        /// Simplification tolerance of the last polygon tried, in degrees (0 = as given).
        tolerance: f64,
        /// The status of the last rejection.
        status: u16,
        /// CMR's message for the last rejection.
        message: String,
    },

    /// A netrc file could not be read.
    #[error("{}: {source}", path.display())]
    NetrcIo {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A netrc file is malformed (the message names the line, never a token's value).
    #[error("{}: line {line}: {message}", path.display())]
    NetrcSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },

    /// No way to log in to Earthdata was configured or found.
    #[error(
        "no Earthdata login: pass a token or a login, set EARTHDATA_TOKEN, or add `machine {machine}` with login and password to {netrc}"
    )]
    NoLogin {
        /// The netrc machine that was looked up, e.g. `urs.earthdata.nasa.gov`.
        machine: String,
        /// The netrc file that was looked at (or why none was).
        netrc: String,
    },

    /// Earthdata refused the token or the login, or the login redirects did not end.
    #[error("{url}: Earthdata login failed: {message}")]
    LoginRejected {
        /// The URL that refused, without its query string.
        url: String,
        /// What happened.
        message: String,
    },

    /// The HTTP client, or the runtime of a blocking call, could not be set up.
    #[error("{message}: {source}")]
    Setup {
        /// What was being set up.
        message: String,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A blocking method was called from inside an async runtime, where it would deadlock.
    #[error("{method} called inside an async runtime: use the async method instead")]
    BlockingInRuntime {
        /// The method called, e.g. `CmrClient::search_blocking`.
        method: &'static str,
    },
}

impl Error {
    /// An [`Error::InvalidParameter`].
    pub(crate) fn invalid(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidParameter {
            parameter: parameter.into(),
            message: message.into(),
        }
    }
}

/// A URL as errors and logs show it: scheme, host, port and path; no user info, query or fragment.
pub(crate) fn shown(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    // Both only fail for URLs that cannot have user info (no host), which then have none.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_url_drops_query_and_user_info() {
        let url = Url::parse("https://user:pw@example.org:8443/a/b?code=SECRET#frag").unwrap();
        assert_eq!(shown(&url), "https://example.org:8443/a/b");
    }
}
