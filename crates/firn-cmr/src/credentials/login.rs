//! One trip to the s3credentials endpoint: with a bearer token, or through Earthdata Login's
//! redirects with a login and password, and the JSON credential at the end.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde::Deserialize;
use url::Url;

use crate::Secret;
use crate::error::{Error, Result, shown};
use crate::http::{self, Reply, RetryPolicy};

/// Redirects followed before giving up (the login dance takes three).
const MAX_REDIRECTS: usize = 10;

/// How to prove who we are.
#[derive(Clone)]
pub(crate) enum Auth {
    /// `Authorization: Bearer`, sent to the endpoint's origin only.
    Bearer(Secret),
    /// HTTP basic auth, sent to the login (URS) origin only, as a netrc-reading client does.
    Login {
        /// Earthdata user name.
        user: String,
        /// Earthdata password.
        password: Secret,
    },
}

impl Auth {
    /// What kind of authentication this is, for `Debug` output.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Bearer(_) => "bearer token",
            Self::Login { .. } => "Earthdata login",
        }
    }

    /// The secret values, to scrub from server messages.
    fn secrets(&self) -> Vec<&str> {
        match self {
            Self::Bearer(token) => vec![token.expose()],
            Self::Login { password, .. } => vec![password.expose()],
        }
    }
}

/// A temporary S3 credential as the endpoint serves it.
pub(crate) struct TemporaryCredential {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: Secret,
    pub(crate) session_token: Secret,
    pub(crate) expiration: DateTime<Utc>,
}

/// Where and how to fetch.
pub(crate) struct Fetcher {
    pub(crate) http: reqwest::Client,
    pub(crate) endpoint: Url,
    pub(crate) login_url: Url,
    pub(crate) auth: Auth,
    pub(crate) retry: RetryPolicy,
}

impl Fetcher {
    /// Fetches a fresh credential, following redirects by hand so that each secret goes only
    /// to its own origin; cookies the login sets stay in the client for the next fetch.
    pub(crate) async fn fetch(&self) -> Result<TemporaryCredential> {
        let mut url = self.endpoint.clone();
        for _ in 0..=MAX_REDIRECTS {
            let reply = http::send(&self.retry, &url, || self.request(&url)).await?;
            let status = reply.status;
            if status.is_redirection() {
                let next = self.redirect_target(&reply)?;
                if matches!(self.auth, Auth::Bearer(_)) && same_origin(&next, &self.login_url) {
                    return Err(Error::LoginRejected {
                        url: shown(&url),
                        message: "the bearer token was not accepted (the endpoint redirected to Earthdata Login)".into(),
                    });
                }
                url = next;
            } else if status.is_success() {
                return parse(&reply);
            } else if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(Error::LoginRejected {
                    url: shown(&url),
                    message: format!("HTTP {}: {}", status.as_u16(), self.scrub(reply.message())),
                });
            } else {
                return Err(Error::Status {
                    url: shown(&url),
                    status: status.as_u16(),
                    message: self.scrub(reply.message()),
                });
            }
        }
        Err(Error::LoginRejected {
            url: shown(&url),
            message: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// A GET of `url` with the credential that belongs to its origin, if any.
    fn request(&self, url: &Url) -> reqwest::RequestBuilder {
        let request = self.http.get(url.clone());
        match &self.auth {
            Auth::Bearer(token) if same_origin(url, &self.endpoint) => {
                request.bearer_auth(token.expose())
            }
            Auth::Login { user, password } if same_origin(url, &self.login_url) => {
                request.basic_auth(user, Some(password.expose()))
            }
            _ => request,
        }
    }

    /// The absolute URL a redirect points to.
    fn redirect_target(&self, reply: &Reply) -> Result<Url> {
        let malformed = |message: &str| Error::MalformedResponse {
            url: shown(&reply.url),
            message: message.to_owned(),
        };
        let location = reply
            .header("location")
            .ok_or_else(|| malformed("a redirect without a Location header"))?;
        let next = reply
            .url
            .join(location)
            .map_err(|_| malformed("a redirect to an unparsable Location"))?;
        if !matches!(next.scheme(), "http" | "https") {
            return Err(malformed("a redirect to a URL that is not http(s)"));
        }
        Ok(next)
    }

    /// `text` with every secret value replaced by `***`.
    fn scrub(&self, mut text: String) -> String {
        for secret in self.auth.secrets() {
            if !secret.is_empty() {
                text = text.replace(secret, "***");
            }
        }
        text
    }
}

/// Whether two URLs share scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

/// The endpoint's JSON body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: String,
}

/// Parses the credential. Messages never quote the body, which holds secrets.
fn parse(reply: &Reply) -> Result<TemporaryCredential> {
    let malformed = |message: String| Error::MalformedResponse {
        url: shown(&reply.url),
        message,
    };
    let body: Body = serde_json::from_slice(&reply.body).map_err(|e| {
        let what = if e.is_data() && e.to_string().starts_with("missing field") {
            // serde names the field, not a value: "missing field `sessionToken`".
            e.to_string().split(" at line").next().unwrap_or_default().to_owned()
        } else if e.is_data() {
            "a field is not a string".to_owned()
        } else {
            "not JSON".to_owned()
        };
        malformed(format!(
            "expected {{accessKeyId, secretAccessKey, sessionToken, expiration}}: {what} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let expiration = DateTime::parse_from_rfc3339(body.expiration.trim())
        .map_err(|e| malformed(format!("expiration {:?}: {e}", body.expiration)))?
        .with_timezone(&Utc);
    if body.access_key_id.is_empty() || body.secret_access_key.is_empty() {
        return Err(malformed("empty accessKeyId or secretAccessKey".into()));
    }
    Ok(TemporaryCredential {
        access_key_id: body.access_key_id,
        secret_access_key: Secret::new(body.secret_access_key),
        session_token: Secret::new(body.session_token),
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use reqwest::header::HeaderMap;

    use super::*;

    fn reply(body: &'static str) -> Reply {
        Reply {
            url: Url::parse("http://127.0.0.1:1/s3credentials").unwrap(),
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn parses_nsidc_s_format() {
        let c = parse(&reply(
            r#"{"accessKeyId": "ASIAX", "secretAccessKey": "S", "sessionToken": "T", "expiration": "2024-06-01 12:30:00+00:00"}"#,
        ))
        .unwrap();
        assert_eq!(c.access_key_id, "ASIAX");
        assert_eq!(c.secret_access_key.expose(), "S");
        assert_eq!(c.session_token.expose(), "T");
        assert_eq!(c.expiration.to_rfc3339(), "2024-06-01T12:30:00+00:00");
    }

    #[test]
    fn malformed_credentials_never_quote_the_body() {
        let cases = [
            (
                r#"{"accessKeyId": "ASIAX", "secretAccessKey": "TOPSECRET", "expiration": "2024-06-01T00:00:00Z"}"#,
                "http://127.0.0.1:1/s3credentials: malformed response: expected {accessKeyId, secretAccessKey, sessionToken, expiration}: missing field `sessionToken` (line 1, column 94)",
            ),
            (
                r#"{"accessKeyId": "ASIAX", "secretAccessKey": "TOPSECRET", "sessionToken": 7, "expiration": "x"}"#,
                "http://127.0.0.1:1/s3credentials: malformed response: expected {accessKeyId, secretAccessKey, sessionToken, expiration}: a field is not a string (line 1, column 74)",
            ),
            (
                r#"<html>TOPSECRET login page</html>"#,
                "http://127.0.0.1:1/s3credentials: malformed response: expected {accessKeyId, secretAccessKey, sessionToken, expiration}: not JSON (line 1, column 1)",
            ),
            (
                r#"{"accessKeyId": "A", "secretAccessKey": "TOPSECRET", "sessionToken": "T", "expiration": "soon"}"#,
                "http://127.0.0.1:1/s3credentials: malformed response: expiration \"soon\": premature end of input",
            ),
        ];
        for (body, expected) in cases {
            let err = parse(&reply(body)).err().unwrap().to_string();
            assert_eq!(err, expected);
            assert!(!err.contains("TOPSECRET"));
        }
    }
}
