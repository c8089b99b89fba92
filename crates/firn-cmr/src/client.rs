//! The CMR client: configuration, paging with `CMR-Search-After`, the `max_resources` limit and
//! the polygon fallback.

use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use crate::config::{
    CmrConfigKey, ConfigValue, check_count, check_http_url, parse_count, parse_http_url,
    parse_seconds,
};
use crate::error::{Error, Result, shown};
use crate::granule::{CmrGranule, Feed};
use crate::http::{self, Reply, RetryPolicy};
use crate::polygon::{self, Rung};
use crate::query::GranuleQuery;

/// NASA's Common Metadata Repository.
pub const DEFAULT_CMR_URL: &str = "https://cmr.earthdata.nasa.gov";
/// Granules per page: CMR's largest page.
pub const DEFAULT_PAGE_SIZE: usize = 2000;
/// Granules a search may return: upstream's default `max_resources`.
pub const DEFAULT_MAX_RESOURCES: usize = 300;
/// Vertices a polygon may have before it is simplified.
pub const DEFAULT_MAX_POLYGON_VERTICES: usize = 1000;
/// The largest `max_resources` accepted.
const MAX_RESOURCES_LIMIT: u64 = 10_000_000;

/// Configures a [`CmrClient`]. Text settings are validated in [`build`](Self::build), with
/// errors naming the key.
///
/// ```
/// use std::time::Duration;
/// use firn_cmr::{CmrClient, CmrConfigKey};
/// let client = CmrClient::builder()
///     .with_max_resources(5000)
///     .with_config(CmrConfigKey::Timeout, "30")
///     .with_retry_delay(Duration::from_millis(200))
///     .build()
///     .unwrap();
/// let err = CmrClient::builder().with_config(CmrConfigKey::PageSize, "5000").build().unwrap_err();
/// assert_eq!(err.to_string(), "page_size: 5000 is outside 1..=2000");
/// ```
#[derive(Debug, Default, Clone)]
pub struct CmrClientBuilder {
    url: Option<ConfigValue<Url>>,
    page_size: Option<ConfigValue<u64>>,
    max_resources: Option<ConfigValue<u64>>,
    max_polygon_vertices: Option<ConfigValue<u64>>,
    max_attempts: Option<ConfigValue<u64>>,
    retry_delay: Option<ConfigValue<Duration>>,
    retry_max_delay: Option<ConfigValue<Duration>>,
    timeout: Option<ConfigValue<Duration>>,
    connect_timeout: Option<ConfigValue<Duration>>,
}

impl CmrClientBuilder {
    /// The defaults: NASA's CMR, pages of 2000, at most 300 granules, 5 attempts per request.
    pub fn new() -> Self {
        Self::default()
    }

    /// The defaults overridden by every [`CmrConfigKey::env_var`] that is set and not empty.
    pub fn from_env() -> Self {
        CmrConfigKey::ALL.iter().fold(Self::new(), |builder, key| {
            match std::env::var(key.env_var()) {
                Ok(value) if !value.trim().is_empty() => builder.with_config(*key, value),
                _ => builder,
            }
        })
    }

    /// Sets `key` from text (parsed in `build`).
    pub fn with_config(mut self, key: CmrConfigKey, value: impl Into<String>) -> Self {
        let value = value.into();
        match key {
            CmrConfigKey::Url => self.url = Some(ConfigValue::Deferred(value)),
            CmrConfigKey::PageSize => self.page_size = Some(ConfigValue::Deferred(value)),
            CmrConfigKey::MaxResources => self.max_resources = Some(ConfigValue::Deferred(value)),
            CmrConfigKey::MaxPolygonVertices => {
                self.max_polygon_vertices = Some(ConfigValue::Deferred(value))
            }
            CmrConfigKey::MaxAttempts => self.max_attempts = Some(ConfigValue::Deferred(value)),
            CmrConfigKey::RetryDelay => self.retry_delay = Some(ConfigValue::Deferred(value)),
            CmrConfigKey::RetryMaxDelay => {
                self.retry_max_delay = Some(ConfigValue::Deferred(value))
            }
            CmrConfigKey::Timeout => self.timeout = Some(ConfigValue::Deferred(value)),
            CmrConfigKey::ConnectTimeout => {
                self.connect_timeout = Some(ConfigValue::Deferred(value))
            }
        }
        self
    }

    /// CMR's base URL (default [`DEFAULT_CMR_URL`]); searches go to `{url}/search/granules.json`.
    pub fn with_url(mut self, url: Url) -> Self {
        self.url = Some(ConfigValue::Parsed(url));
        self
    }

    /// Granules per page, 1-2000 (default 2000).
    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = Some(ConfigValue::Parsed(page_size as u64));
        self
    }

    /// The most granules a search may return, 1-10,000,000 (default 300); more is an
    /// [`Error::TooManyGranules`].
    pub fn with_max_resources(mut self, max: usize) -> Self {
        self.max_resources = Some(ConfigValue::Parsed(max as u64));
        self
    }

    /// Polygons with more vertices are simplified before they are sent, at least 3 (default 1000).
    pub fn with_max_polygon_vertices(mut self, max: usize) -> Self {
        self.max_polygon_vertices = Some(ConfigValue::Parsed(max as u64));
        self
    }

    /// Attempts per request, the first included, 1-100 (default 5).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(ConfigValue::Parsed(u64::from(attempts)));
        self
    }

    /// Wait before the first retry, doubled for each further one (default 0.5 s).
    pub fn with_retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = Some(ConfigValue::Parsed(delay));
        self
    }

    /// The longest wait between attempts, `Retry-After` included (default 20 s).
    pub fn with_retry_max_delay(mut self, delay: Duration) -> Self {
        self.retry_max_delay = Some(ConfigValue::Parsed(delay));
        self
    }

    /// Time limit of one request, body included (default 60 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(ConfigValue::Parsed(timeout));
        self
    }

    /// Time limit of connecting (default 10 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(ConfigValue::Parsed(timeout));
        self
    }

    /// Validates the settings.
    pub fn build(self) -> Result<CmrClient> {
        let count = |value: Option<ConfigValue<u64>>,
                     key: CmrConfigKey,
                     default: u64,
                     min: u64,
                     max: u64| {
            let n = value.map_or(Ok(default), |v| {
                v.resolve(key.name(), parse_count(min, max))
            })?;
            check_count(n, min, max).map_err(|m| Error::invalid(key.name(), m))
        };
        let seconds =
            |value: Option<ConfigValue<Duration>>, key: CmrConfigKey, default: Duration| {
                value.map_or(Ok(default), |v| v.resolve(key.name(), parse_seconds))
            };
        let base = self
            .url
            .unwrap_or_else(|| ConfigValue::Deferred(DEFAULT_CMR_URL.to_owned()))
            .resolve(CmrConfigKey::Url.name(), parse_http_url)?;
        let base = check_http_url(base).map_err(|m| Error::invalid(CmrConfigKey::Url.name(), m))?;
        let search_url = granules_url(&base);
        let defaults = RetryPolicy::default();
        let retry = RetryPolicy {
            max_attempts: count(
                self.max_attempts,
                CmrConfigKey::MaxAttempts,
                u64::from(defaults.max_attempts),
                1,
                100,
            )? as u32,
            base_delay: seconds(
                self.retry_delay,
                CmrConfigKey::RetryDelay,
                defaults.base_delay,
            )?,
            max_delay: seconds(
                self.retry_max_delay,
                CmrConfigKey::RetryMaxDelay,
                defaults.max_delay,
            )?,
        };
        let positive = |value: Option<ConfigValue<Duration>>, key: CmrConfigKey, default| {
            let d = seconds(value, key, default)?;
            if d.is_zero() {
                return Err(Error::invalid(key.name(), "must be more than 0 seconds"));
            }
            Ok(d)
        };
        let http = HttpSettings {
            timeout: positive(self.timeout, CmrConfigKey::Timeout, Duration::from_secs(60))?,
            connect_timeout: positive(
                self.connect_timeout,
                CmrConfigKey::ConnectTimeout,
                Duration::from_secs(10),
            )?,
        };
        Ok(CmrClient {
            http: http.client()?,
            settings: http,
            search_url,
            page_size: count(
                self.page_size,
                CmrConfigKey::PageSize,
                DEFAULT_PAGE_SIZE as u64,
                1,
                2000,
            )?,
            max_resources: count(
                self.max_resources,
                CmrConfigKey::MaxResources,
                DEFAULT_MAX_RESOURCES as u64,
                1,
                MAX_RESOURCES_LIMIT,
            )? as usize,
            max_polygon_vertices: count(
                self.max_polygon_vertices,
                CmrConfigKey::MaxPolygonVertices,
                DEFAULT_MAX_POLYGON_VERTICES as u64,
                3,
                1_000_000,
            )? as usize,
            retry,
        })
    }
}

/// `{base}/search/granules.json`, keeping any path the base has.
fn granules_url(base: &Url) -> Url {
    let mut url = base.clone();
    let path = format!("{}/search/granules.json", base.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(None);
    url
}

/// What the HTTP client is built with (kept to build a fresh one for blocking calls).
#[derive(Debug, Clone, Copy)]
struct HttpSettings {
    timeout: Duration,
    connect_timeout: Duration,
}

impl HttpSettings {
    fn client(&self) -> Result<reqwest::Client> {
        reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("firn-cmr/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Setup {
                message: "cannot set up the HTTP client".into(),
                source: Box::new(e),
            })
    }
}

/// Searches NASA CMR for granules. Cheap to clone; clones share the connection pool.
///
/// ```no_run
/// # async fn example() -> Result<(), firn_cmr::Error> {
/// use firn_cmr::{CmrClient, GranuleQuery, LatLon};
/// let poly = [(-108.3, 38.9), (-107.8, 38.9), (-107.8, 39.15), (-108.3, 39.15), (-108.3, 38.9)]
///     .map(|(lon, lat)| LatLon { lat, lon });
/// let client = CmrClient::builder().build()?;
/// for granule in client.search(&GranuleQuery::new().with_polygon(&poly)).await? {
///     if granule.footprint.may_intersect(&poly) {
///         println!("{} {} {}", granule.time_start, granule.name, granule.s3_url);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CmrClient {
    http: reqwest::Client,
    settings: HttpSettings,
    search_url: Url,
    page_size: u64,
    max_resources: usize,
    max_polygon_vertices: usize,
    retry: RetryPolicy,
}

/// Why one polygon's search did not return granules.
enum Failure {
    /// CMR refused the polygon: try a simpler one.
    PolygonRejected(Reply),
    /// Anything else: give up.
    Fatal(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Fatal(error)
    }
}

impl CmrClient {
    /// A builder with the defaults.
    pub fn builder() -> CmrClientBuilder {
        CmrClientBuilder::new()
    }

    /// The URL searches go to, `{base}/search/granules.json`.
    pub fn search_url(&self) -> &Url {
        &self.search_url
    }

    /// Every granule matching `query`, sorted by start time (then name).
    ///
    /// Pages are fetched `page_size` at a time and chained with `CMR-Search-After`. More
    /// granules than `max_resources` (by `CMR-Hits`, or as they arrive) is an
    /// [`Error::TooManyGranules`]. When the polygon has too many vertices, or CMR rejects it
    /// (400 naming the polygon, 413, 414), the search is repeated with ever simpler polygons
    /// that still contain the region; a warning is logged for each.
    pub async fn search(&self, query: &GranuleQuery) -> Result<Vec<CmrGranule>> {
        query.validate()?;
        let Some(region) = query.polygon() else {
            return match self.search_pages(query, None).await {
                Ok(granules) => Ok(granules),
                Err(Failure::Fatal(e)) => Err(e),
                Err(Failure::PolygonRejected(reply)) => Err(reply.status_error()),
            };
        };
        let rungs = polygon::ladder(region, self.max_polygon_vertices)?;
        let mut rejected: Option<(&Rung, Reply)> = None;
        for rung in &rungs {
            if rung.tolerance > 0.0 {
                tracing::warn!(
                    vertices = rung.vertices(),
                    tolerance = rung.tolerance,
                    given = region.len(),
                    "searching CMR with a simplified polygon that contains the region"
                );
            }
            match self.search_pages(query, Some(rung)).await {
                Ok(granules) => return Ok(granules),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::PolygonRejected(reply)) => {
                    tracing::warn!(status = reply.status.as_u16(), message = %reply.message(), "CMR rejected the polygon");
                    rejected = Some((rung, reply));
                }
            }
        }
        Err(match rejected {
            Some((rung, reply)) => Error::PolygonRejected {
                url: shown(&self.search_url),
                vertices: rung.vertices(),
                tolerance: rung.tolerance,
                status: reply.status.as_u16(),
                message: reply.message(),
            },
            None => Error::invalid("polygon", "no polygon to send"),
        })
    }

    /// [`search`](Self::search) for callers without an async runtime (it starts its own; inside
    /// a runtime it refuses with [`Error::BlockingInRuntime`] rather than deadlock).
    pub fn search_blocking(&self, query: &GranuleQuery) -> Result<Vec<CmrGranule>> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::BlockingInRuntime {
                method: "CmrClient::search_blocking",
            });
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Setup {
                message: "cannot start a runtime for a blocking search".into(),
                source: Box::new(e),
            })?;
        // Pooled connections belong to the runtime that opened them: use a client of its own.
        let client = Self {
            http: self.settings.client()?,
            ..self.clone()
        };
        runtime.block_on(client.search(query))
    }

    /// All pages of one search with `rung` as the polygon.
    async fn search_pages(
        &self,
        query: &GranuleQuery,
        rung: Option<&Rung>,
    ) -> Result<Vec<CmrGranule>, Failure> {
        let mut params: Vec<(&str, String)> = query.parameters(self.page_size);
        if let Some(rung) = rung {
            params.push(("polygon", rung.parameter()));
        }
        let url = shown(&self.search_url);
        let malformed = |message: String| Error::MalformedResponse {
            url: url.clone(),
            message,
        };
        let mut granules: Vec<CmrGranule> = Vec::new();
        let mut search_after: Option<String> = None;
        let mut hits: Option<u64> = None;
        for page in 1.. {
            let reply = http::send(&self.retry, &self.search_url, || {
                let request = self
                    .http
                    .get(self.search_url.clone())
                    .header("Client-Id", "firn")
                    .query(&params);
                match &search_after {
                    Some(token) => request.header("CMR-Search-After", token),
                    None => request,
                }
            })
            .await?;
            if !reply.status.is_success() {
                return Err(if rung.is_some() && rejects_polygon(&reply) {
                    Failure::PolygonRejected(reply)
                } else {
                    Failure::Fatal(reply.status_error())
                });
            }
            if hits.is_none()
                && let Some(text) = reply.header("CMR-Hits")
            {
                let total: u64 = text
                    .trim()
                    .parse()
                    .map_err(|_| malformed(format!("CMR-Hits {text:?} is not a count")))?;
                if total > self.max_resources as u64 {
                    return Err(Error::TooManyGranules {
                        url: url.clone(),
                        hits: total,
                        max: self.max_resources,
                    }
                    .into());
                }
                hits = Some(total);
            }
            let feed =
                Feed::parse(&reply.body).map_err(|m| malformed(format!("page {page}: {m}")))?;
            let entries = feed.len();
            let found = feed
                .granules(query.short_name(), query.version())
                .map_err(|m| malformed(format!("page {page}: {m}")))?;
            granules.extend(found);
            if granules.len() > self.max_resources {
                return Err(Error::TooManyGranules {
                    url: url.clone(),
                    hits: hits.unwrap_or(0).max(granules.len() as u64),
                    max: self.max_resources,
                }
                .into());
            }
            let next = reply.header("CMR-Search-After").map(str::to_owned);
            let complete = hits.is_some_and(|h| granules.len() as u64 >= h);
            if entries == 0 || complete || next.is_none() {
                break;
            }
            if next == search_after {
                return Err(
                    malformed(format!("page {page}: CMR-Search-After did not change")).into(),
                );
            }
            search_after = next;
        }
        granules.sort_by(|a, b| {
            a.time_start
                .cmp(&b.time_start)
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(granules)
    }
}

/// Whether CMR refused the polygon (rather than the query): 400 naming the polygon or the
/// spatial parameters, or a request too large to take.
fn rejects_polygon(reply: &Reply) -> bool {
    match reply.status {
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::URI_TOO_LONG => true,
        StatusCode::BAD_REQUEST => {
            let message = reply.message().to_ascii_lowercase();
            ["polygon", "shape", "spatial"]
                .iter()
                .any(|w| message.contains(w))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granules_url_keeps_the_base_path() {
        let url = |s: &str| granules_url(&Url::parse(s).unwrap()).to_string();
        assert_eq!(
            url("https://cmr.earthdata.nasa.gov"),
            "https://cmr.earthdata.nasa.gov/search/granules.json"
        );
        assert_eq!(
            url("http://127.0.0.1:8080/cmr/?x=1"),
            "http://127.0.0.1:8080/cmr/search/granules.json"
        );
    }

    #[test]
    fn builder_errors_name_the_key() {
        let err = |b: CmrClientBuilder| b.build().unwrap_err().to_string();
        assert_eq!(
            err(CmrClient::builder().with_max_attempts(0)),
            "max_attempts: 0 is outside 1..=100"
        );
        assert_eq!(
            err(CmrClient::builder().with_config(CmrConfigKey::Url, "cmr")),
            "url: \"cmr\" is not a URL: relative URL without a base"
        );
        assert_eq!(
            err(CmrClient::builder().with_config(CmrConfigKey::Timeout, "soon")),
            "timeout: \"soon\" is not a number of seconds"
        );
        assert_eq!(
            err(CmrClient::builder().with_timeout(Duration::ZERO)),
            "timeout: must be more than 0 seconds"
        );
        assert_eq!(
            err(CmrClient::builder().with_max_polygon_vertices(2)),
            "max_polygon_vertices: 2 is outside 3..=1000000"
        );
        assert_eq!(
            err(CmrClient::builder().with_max_resources(0)),
            "max_resources: 0 is outside 1..=10000000"
        );
    }
}
