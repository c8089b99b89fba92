//! Earthdata temporary S3 credentials: fetched from the s3credentials endpoint, cached, refreshed
//! before they expire, and served to object_store as a [`CredentialProvider`].

mod login;
mod netrc;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use object_store::CredentialProvider;
use object_store::aws::{AmazonS3Builder, AwsCredential};
use tokio::sync::Mutex;
use url::Url;

use crate::Secret;
use crate::config::{
    ConfigValue, EarthdataConfigKey, check_count, check_http_url, parse_count, parse_http_url,
    parse_seconds,
};
use crate::error::{Error, Result};
use crate::granule::NSIDC_BUCKET;
use crate::http::RetryPolicy;
use login::{Auth, Fetcher, TemporaryCredential};

/// NSIDC's s3credentials endpoint.
pub const DEFAULT_S3CREDENTIALS_URL: &str =
    "https://data.nsidc.earthdatacloud.nasa.gov/s3credentials";
/// Earthdata Login (URS); its host is the netrc machine.
pub const DEFAULT_LOGIN_URL: &str = "https://urs.earthdata.nasa.gov";
/// The AWS region of NSIDC's bucket; the temporary credentials work only from inside it.
pub const NSIDC_REGION: &str = "us-west-2";

/// The time, as the credential cache sees it. Tests and simulations substitute their own.
pub trait Clock: std::fmt::Debug + Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug)]
struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Configures [`EarthdataCredentials`]. Text settings are validated in [`build`](Self::build).
///
/// Authentication, first found wins: [`with_token`](Self::with_token) (or `EARTHDATA_TOKEN`
/// via [`from_env`](Self::from_env)), [`with_login`](Self::with_login), then the netrc file
/// (`NETRC`, else `~/.netrc`) entry for the login URL's host (`urs.earthdata.nasa.gov`).
#[derive(Debug, Default, Clone)]
pub struct EarthdataCredentialsBuilder {
    endpoint: Option<ConfigValue<Url>>,
    login_url: Option<ConfigValue<Url>>,
    token: Option<Secret>,
    login: Option<(String, Secret)>,
    netrc: Option<PathBuf>,
    refresh_margin: Option<ConfigValue<Duration>>,
    max_attempts: Option<ConfigValue<u64>>,
    retry_delay: Option<ConfigValue<Duration>>,
    timeout: Option<ConfigValue<Duration>>,
    clock: Option<Arc<dyn Clock>>,
}

impl EarthdataCredentialsBuilder {
    /// Defaults: NSIDC's endpoint, Earthdata Login, netrc authentication.
    pub fn new() -> Self {
        Self::default()
    }

    /// The defaults overridden by every [`EarthdataConfigKey::env_var`] that is set and not
    /// empty (`EARTHDATA_TOKEN`, `NETRC`, `FIRN_S3CREDENTIALS_URL`, ...).
    pub fn from_env() -> Self {
        EarthdataConfigKey::ALL
            .iter()
            .fold(Self::new(), |builder, key| {
                match std::env::var(key.env_var()) {
                    Ok(value) if !value.trim().is_empty() => builder.with_config(*key, value),
                    _ => builder,
                }
            })
    }

    /// Sets `key` from text (parsed in `build`).
    pub fn with_config(mut self, key: EarthdataConfigKey, value: impl Into<String>) -> Self {
        let value = value.into();
        match key {
            EarthdataConfigKey::Endpoint => self.endpoint = Some(ConfigValue::Deferred(value)),
            EarthdataConfigKey::LoginUrl => self.login_url = Some(ConfigValue::Deferred(value)),
            EarthdataConfigKey::Token => self.token = Some(Secret::new(value.trim())),
            EarthdataConfigKey::Netrc => self.netrc = Some(PathBuf::from(value)),
            EarthdataConfigKey::RefreshMargin => {
                self.refresh_margin = Some(ConfigValue::Deferred(value))
            }
            EarthdataConfigKey::MaxAttempts => {
                self.max_attempts = Some(ConfigValue::Deferred(value))
            }
            EarthdataConfigKey::RetryDelay => self.retry_delay = Some(ConfigValue::Deferred(value)),
            EarthdataConfigKey::Timeout => self.timeout = Some(ConfigValue::Deferred(value)),
        }
        self
    }

    /// The s3credentials endpoint (default [`DEFAULT_S3CREDENTIALS_URL`]).
    pub fn with_endpoint(mut self, url: Url) -> Self {
        self.endpoint = Some(ConfigValue::Parsed(url));
        self
    }

    /// The Earthdata Login base URL (default [`DEFAULT_LOGIN_URL`]). Basic auth goes only to its
    /// origin, and its host is the netrc machine looked up.
    pub fn with_login_url(mut self, url: Url) -> Self {
        self.login_url = Some(ConfigValue::Parsed(url));
        self
    }

    /// Authenticate with this Earthdata bearer token.
    pub fn with_token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Authenticate with this Earthdata user name and password.
    pub fn with_login(mut self, user: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.login = Some((user.into(), password.into()));
        self
    }

    /// Read the login from this netrc file instead of `NETRC` or `~/.netrc`.
    pub fn with_netrc(mut self, path: impl Into<PathBuf>) -> Self {
        self.netrc = Some(path.into());
        self
    }

    /// Refresh a credential this long before it expires (default 5 minutes).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(ConfigValue::Parsed(margin));
        self
    }

    /// Attempts per request, the first included, 1-100 (default 5).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(ConfigValue::Parsed(u64::from(attempts)));
        self
    }

    /// Wait before the first retry, doubled for each further one up to 20 s (default 0.5 s).
    pub fn with_retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = Some(ConfigValue::Parsed(delay));
        self
    }

    /// Time limit of one request (default 60 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(ConfigValue::Parsed(timeout));
        self
    }

    /// The clock expiry is judged by (default the system clock).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Validates the settings and finds the authentication (reading the netrc file if needed).
    pub fn build(self) -> Result<EarthdataCredentials> {
        let url = |value: Option<ConfigValue<Url>>, key: EarthdataConfigKey, default: &str| {
            let value = value.unwrap_or_else(|| ConfigValue::Deferred(default.to_owned()));
            let url = value.resolve(key.name(), parse_http_url)?;
            check_http_url(url).map_err(|m| Error::invalid(key.name(), m))
        };
        let endpoint = url(
            self.endpoint,
            EarthdataConfigKey::Endpoint,
            DEFAULT_S3CREDENTIALS_URL,
        )?;
        let login_url = url(
            self.login_url,
            EarthdataConfigKey::LoginUrl,
            DEFAULT_LOGIN_URL,
        )?;
        let seconds = |value: Option<ConfigValue<Duration>>, key: EarthdataConfigKey, default| {
            value.map_or(Ok(default), |v| v.resolve(key.name(), parse_seconds))
        };
        let refresh_margin = seconds(
            self.refresh_margin,
            EarthdataConfigKey::RefreshMargin,
            Duration::from_secs(300),
        )?;
        let timeout = seconds(
            self.timeout,
            EarthdataConfigKey::Timeout,
            Duration::from_secs(60),
        )?;
        if timeout.is_zero() {
            return Err(Error::invalid(
                EarthdataConfigKey::Timeout.name(),
                "must be more than 0 seconds",
            ));
        }
        let defaults = RetryPolicy::default();
        let retry = RetryPolicy {
            max_attempts: match self.max_attempts {
                None => defaults.max_attempts,
                Some(v) => {
                    let key = EarthdataConfigKey::MaxAttempts.name();
                    let n = v.resolve(key, parse_count(1, 100))?;
                    check_count(n, 1, 100).map_err(|m| Error::invalid(key, m))? as u32
                }
            },
            base_delay: seconds(
                self.retry_delay,
                EarthdataConfigKey::RetryDelay,
                defaults.base_delay,
            )?,
            max_delay: defaults.max_delay,
        };
        let auth = match (self.token, self.login) {
            (Some(token), _) if !token.expose().is_empty() => Auth::Bearer(token),
            (_, Some((user, password))) => Auth::Login { user, password },
            _ => netrc_login(self.netrc, &login_url)?,
        };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("firn-cmr/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Setup {
                message: "cannot set up the HTTP client".into(),
                source: Box::new(e),
            })?;
        Ok(EarthdataCredentials {
            fetcher: Fetcher {
                http,
                endpoint,
                login_url,
                auth,
                retry,
            },
            refresh_margin: chrono::Duration::from_std(refresh_margin).map_err(|_| {
                Error::invalid(EarthdataConfigKey::RefreshMargin.name(), "too long")
            })?,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            cache: Mutex::new(None),
        })
    }
}

/// The login for `login_url`'s host from the netrc file.
fn netrc_login(path: Option<PathBuf>, login_url: &Url) -> Result<Auth> {
    let machine = login_url.host_str().unwrap_or_default().to_owned();
    let path = path
        .or_else(|| std::env::var_os("NETRC").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".netrc")));
    let Some(path) = path else {
        return Err(Error::NoLogin {
            machine,
            netrc: "~/.netrc (HOME is not set)".into(),
        });
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NoLogin {
                machine,
                netrc: format!("{} (not found)", path.display()),
            });
        }
        Err(source) => return Err(Error::NetrcIo { path, source }),
    };
    let entry = netrc::lookup(&text, &machine).map_err(|e| Error::NetrcSyntax {
        path: path.clone(),
        line: e.line,
        message: e.message,
    })?;
    match entry {
        Some(netrc::NetrcEntry {
            login: Some(user),
            password: Some(password),
        }) => Ok(Auth::Login { user, password }),
        _ => Err(Error::NoLogin {
            machine,
            netrc: path.display().to_string(),
        }),
    }
}

/// A cached credential and when to replace it.
struct Cached {
    credential: Arc<AwsCredential>,
    refresh_at: DateTime<Utc>,
    expires: DateTime<Utc>,
}

/// Temporary S3 credentials for NSIDC's bucket, from Earthdata's s3credentials endpoint.
///
/// A credential is fetched on first use, cached, and refreshed `refresh_margin` before it
/// expires; callers that ask while a refresh is under way wait for it and share its result.
/// When a refresh fails while the cached credential is still valid, the cached one is served
/// (and the refresh tried again 30 s later).
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use firn_cmr::EarthdataCredentials;
/// use object_store::{ObjectStoreExt, path::Path};
///
/// let credentials = Arc::new(EarthdataCredentials::builder().build()?); // ~/.netrc
/// let store = credentials.nsidc_store_builder().build()?;               // us-west-2
/// let head = store.head(&Path::from("ATLAS/ATL03/006/2018/10/14/ATL03_20181014001049_02350102_006_02.h5")).await?;
/// println!("{} bytes", head.size);
/// # Ok(()) }
/// ```
pub struct EarthdataCredentials {
    fetcher: Fetcher,
    refresh_margin: chrono::Duration,
    clock: Arc<dyn Clock>,
    cache: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for EarthdataCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EarthdataCredentials")
            .field("endpoint", &crate::error::shown(&self.fetcher.endpoint))
            .field("login_url", &crate::error::shown(&self.fetcher.login_url))
            .field("auth", &self.fetcher.auth.kind())
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}

impl EarthdataCredentials {
    /// A builder with the defaults.
    pub fn builder() -> EarthdataCredentialsBuilder {
        EarthdataCredentialsBuilder::new()
    }

    /// The current credential: the cached one, or a fresh one when it is due for refresh.
    pub async fn credential(&self) -> Result<Arc<AwsCredential>> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && self.clock.now() < cached.refresh_at
        {
            return Ok(Arc::clone(&cached.credential));
        }
        match self.fetcher.fetch().await {
            Ok(fresh) => {
                let entry = self.entry(fresh)?;
                let credential = Arc::clone(&entry.credential);
                *cache = Some(entry);
                Ok(credential)
            }
            Err(error) => {
                let now = self.clock.now();
                match cache.as_mut() {
                    Some(cached) if now < cached.expires => {
                        tracing::warn!(%error, expires = %cached.expires, "refreshing the Earthdata S3 credential failed; using the cached one");
                        cached.refresh_at =
                            (now + chrono::Duration::seconds(30)).min(cached.expires);
                        Ok(Arc::clone(&cached.credential))
                    }
                    _ => Err(error),
                }
            }
        }
    }

    /// An `AmazonS3Builder` for NSIDC's bucket in us-west-2 using these credentials.
    pub fn nsidc_store_builder(self: &Arc<Self>) -> AmazonS3Builder {
        AmazonS3Builder::new()
            .with_bucket_name(NSIDC_BUCKET)
            .with_region(NSIDC_REGION)
            .with_credentials(Arc::clone(self) as _)
    }

    /// The cache entry for a fresh credential.
    fn entry(&self, fresh: TemporaryCredential) -> Result<Cached> {
        let now = self.clock.now();
        let expires = fresh.expiration;
        if expires <= now {
            return Err(Error::MalformedResponse {
                url: crate::error::shown(&self.fetcher.endpoint),
                message: format!(
                    "the credential expired at {expires}, before it arrived (now {now}; is the clock right?)"
                ),
            });
        }
        let early = expires - self.refresh_margin;
        // A credential shorter-lived than the margin is used for half its remaining life.
        let refresh_at = if early > now {
            early
        } else {
            now + (expires - now) / 2
        };
        tracing::debug!(%expires, %refresh_at, "fetched an Earthdata S3 credential");
        Ok(Cached {
            credential: Arc::new(AwsCredential {
                key_id: fresh.access_key_id,
                secret_key: fresh.secret_access_key.expose().to_owned(),
                token: Some(fresh.session_token.expose().to_owned()).filter(|t| !t.is_empty()),
            }),
            refresh_at,
            expires,
        })
    }
}

#[async_trait::async_trait]
impl CredentialProvider for EarthdataCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        self.credential()
            .await
            .map_err(|e| object_store::Error::Generic {
                store: "Earthdata",
                source: Box::new(e),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_errors_name_the_key() {
        let err = |b: EarthdataCredentialsBuilder| b.build().unwrap_err().to_string();
        let with_token =
            || EarthdataCredentials::builder().with_config(EarthdataConfigKey::Token, "tok");
        assert_eq!(
            err(with_token().with_config(EarthdataConfigKey::RefreshMargin, "soon")),
            "refresh_margin: \"soon\" is not a number of seconds"
        );
        assert_eq!(
            err(with_token().with_config(EarthdataConfigKey::Endpoint, "ftp://example.org/x")),
            "s3credentials_url: ftp://example.org/x is not an http(s) URL with a host"
        );
        assert_eq!(
            err(with_token().with_config(EarthdataConfigKey::MaxAttempts, "0")),
            "max_attempts: 0 is outside 1..=100"
        );
        assert_eq!(
            err(with_token().with_timeout(Duration::ZERO)),
            "timeout: must be more than 0 seconds"
        );
        let built = with_token().build().unwrap();
        let debug = format!("{built:?}");
        assert!(
            debug.contains("auth: \"bearer token\"") && !debug.contains("tok\""),
            "{debug}"
        );
        assert!(debug.contains("https://data.nsidc.earthdatacloud.nasa.gov/s3credentials"));
    }
}
