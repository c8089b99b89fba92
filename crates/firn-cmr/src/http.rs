//! One HTTP exchange with bounded retries and exponential backoff, shared by the CMR client and
//! the credential provider.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use url::Url;

use crate::error::{Error, Result, shown};

/// How often and how patiently a request is retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub(crate) max_attempts: u32,
    /// Wait before the first retry; doubled for each further one.
    pub(crate) base_delay: Duration,
    /// Upper bound on any wait, `Retry-After` included.
    pub(crate) max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 = the first retry).
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// A complete answer: status, headers and the whole body.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The request URL (what errors name, shown without its query).
    pub(crate) url: Url,
    /// The status.
    pub(crate) status: StatusCode,
    /// The headers.
    pub(crate) headers: HeaderMap,
    /// The body.
    pub(crate) body: Bytes,
}

impl Reply {
    /// The server's message: CMR's `{"errors": [...]}` joined with "; ", else the start of the
    /// body with runs of white space collapsed.
    pub(crate) fn message(&self) -> String {
        #[derive(serde::Deserialize)]
        struct Errors {
            errors: Vec<serde_json::Value>,
        }
        if let Ok(parsed) = serde_json::from_slice::<Errors>(&self.body) {
            let parts: Vec<String> = parsed
                .errors
                .iter()
                .map(|e| match e {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            return parts.join("; ");
        }
        let text = String::from_utf8_lossy(&self.body);
        let collapsed: Vec<&str> = text.split_whitespace().collect();
        let mut message = collapsed.join(" ");
        if message.chars().count() > 300 {
            message = message.chars().take(300).collect::<String>() + "…";
        }
        if message.is_empty() {
            message = self
                .status
                .canonical_reason()
                .unwrap_or("no message")
                .to_owned();
        }
        message
    }

    /// This reply as an [`Error::Status`].
    pub(crate) fn status_error(&self) -> Error {
        Error::Status {
            url: shown(&self.url),
            status: self.status.as_u16(),
            message: self.message(),
        }
    }

    /// A header's value as text, if present and visible ASCII.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Whether a status is worth another attempt: throttling and server errors.
fn retryable(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// Sends the request `build` makes (called once per attempt) and reads the whole body, retrying
/// connection failures, timeouts, broken bodies, 5xx and 429 up to `policy.max_attempts` in all.
///
/// After the last attempt a retryable status is returned as a [`Reply`] like any other, for the
/// caller to map; only a transport failure on every attempt is an error here.
pub(crate) async fn send(
    policy: &RetryPolicy,
    url: &Url,
    build: impl Fn() -> RequestBuilder,
) -> Result<Reply> {
    let attempts = policy.max_attempts.max(1);
    let mut attempt = 1;
    let outcome = loop {
        let outcome = exchange(build()).await;
        let wait = match &outcome {
            Ok(reply) if retryable(reply.status) && attempt < attempts => {
                let asked = reply
                    .header(RETRY_AFTER.as_str())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                tracing::warn!(url = %shown(url), status = reply.status.as_u16(), attempt, "retrying after an error status");
                asked.map_or_else(|| policy.backoff(attempt), |d| d.min(policy.max_delay))
            }
            Err(e) if attempt < attempts => {
                tracing::warn!(url = %shown(url), error = %e, attempt, "retrying after a transport error");
                policy.backoff(attempt)
            }
            _ => break outcome,
        };
        tokio::time::sleep(wait).await;
        attempt += 1;
    };
    outcome.map_err(|source| Error::Transport {
        url: shown(url),
        attempts: attempt,
        message: describe(&source),
        source,
    })
}

/// One attempt: send, then read the body to the end.
async fn exchange(request: RequestBuilder) -> Result<Reply, reqwest::Error> {
    let response = request.send().await.map_err(reqwest::Error::without_url)?;
    let url = response.url().clone();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(reqwest::Error::without_url)?;
    Ok(Reply {
        url,
        status,
        headers,
        body,
    })
}

/// A short description of a transport error, with the causes reqwest keeps in its chain.
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "broken response body"
    } else {
        "request failed"
    };
    let mut message = kind.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(750),
        };
        let waits: Vec<u128> = (1..=6).map(|r| policy.backoff(r).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 750, 750, 750]);
        assert_eq!(policy.backoff(200), Duration::from_millis(750));
    }

    #[test]
    fn message_joins_cmr_errors_or_trims_the_body() {
        let reply = |body: &'static [u8]| Reply {
            url: Url::parse("http://127.0.0.1/x").unwrap(),
            status: StatusCode::BAD_REQUEST,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body),
        };
        assert_eq!(
            reply(br#"{"errors": ["first", "second"]}"#).message(),
            "first; second"
        );
        assert_eq!(
            reply(b"<html>\n  <h1>Bad</h1>\n</html>").message(),
            "<html> <h1>Bad</h1> </html>"
        );
        assert_eq!(reply(b"").message(), "Bad Request");
    }
}
