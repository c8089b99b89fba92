//! Configuration keys of the two builders, and values given as text that are parsed and
//! validated only in `build()` (so `from_env` and `with_config` never fail on their own).

use std::str::FromStr;
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};

/// A setting given either typed (a builder method) or as text (`with_config`, the environment).
#[derive(Debug, Clone)]
pub(crate) enum ConfigValue<T> {
    /// A typed value.
    Parsed(T),
    /// Text to parse in `build()`.
    Deferred(String),
}

impl<T: Clone> ConfigValue<T> {
    /// The value, parsing deferred text with `parse`; errors name `key`.
    pub(crate) fn resolve(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T> {
        match self {
            Self::Parsed(value) => Ok(value.clone()),
            Self::Deferred(text) => {
                parse(text.trim()).map_err(|message| Error::invalid(key, message))
            }
        }
    }
}

/// Parses a whole number in `min..=max`.
pub(crate) fn parse_count(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> {
    move |text| {
        let value: u64 = text
            .parse()
            .map_err(|_| format!("{text:?} is not a whole number"))?;
        check_count(value, min, max)
    }
}

/// Checks that `value` is in `min..=max`.
pub(crate) fn check_count(value: u64, min: u64, max: u64) -> Result<u64, String> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is outside {min}..={max}"))
    }
}

/// Parses a duration in seconds, e.g. `30` or `0.25`.
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("{text:?} is not a non-negative, finite number of seconds"))
}

/// Parses an absolute `http` or `https` URL.
pub(crate) fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    check_http_url(url)
}

/// Checks that `url` is `http` or `https` with a host.
pub(crate) fn check_http_url(url: Url) -> Result<Url, String> {
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "{} is not an http(s) URL with a host",
            crate::error::shown(&url)
        ));
    }
    Ok(url)
}

/// Defines a `#[non_exhaustive]` key enum with canonical names, aliases and environment names.
macro_rules! config_keys {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $canonical:literal, env $env:literal $(, alias $alias:literal)* ; )+
        }
    ) => {
        $(#[$meta])*
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every key, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The canonical name, as errors show it.
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $canonical,)+ }
            }

            /// The environment variable `from_env` reads for this key.
            pub fn env_var(self) -> &'static str {
                match self { $(Self::$variant => $env,)+ }
            }
        }

        impl FromStr for $name {
            type Err = Error;

            /// Accepts the canonical name, an alias or the environment variable's name, in any case.
            fn from_str(s: &str) -> Result<Self> {
                let lower = s.trim().to_ascii_lowercase();
                $(
                    if lower == $canonical || lower == $env.to_ascii_lowercase() $(|| lower == $alias)* {
                        return Ok(Self::$variant);
                    }
                )+
                let known: Vec<&str> = Self::ALL.iter().map(|k| k.name()).collect();
                Err(Error::invalid(s, format!("unknown key; expected one of {}", known.join(", "))))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

config_keys! {
    /// A [`CmrClientBuilder`](crate::CmrClientBuilder) setting, for
    /// [`with_config`](crate::CmrClientBuilder::with_config) and
    /// [`from_env`](crate::CmrClientBuilder::from_env).
    ///
    /// ```
    /// use firn_cmr::CmrConfigKey;
    /// let key: CmrConfigKey = "FIRN_CMR_MAX_RESOURCES".parse().unwrap();
    /// assert_eq!(key, CmrConfigKey::MaxResources);
    /// assert_eq!(key.name(), "max_resources");
    /// ```
    CmrConfigKey {
        /// CMR's base URL (default `https://cmr.earthdata.nasa.gov`).
        Url => "url", env "FIRN_CMR_URL", alias "cmr_url", alias "base_url";
        /// Granules per page, 1-2000 (default 2000).
        PageSize => "page_size", env "FIRN_CMR_PAGE_SIZE";
        /// The most granules a search may return (default 300, upstream's).
        MaxResources => "max_resources", env "FIRN_CMR_MAX_RESOURCES";
        /// Polygons with more vertices are simplified before they are sent (default 1000).
        MaxPolygonVertices => "max_polygon_vertices", env "FIRN_CMR_MAX_POLYGON_VERTICES";
        /// Attempts per request, the first included (default 5).
        MaxAttempts => "max_attempts", env "FIRN_CMR_MAX_ATTEMPTS";
        /// Seconds before the first retry, doubled for each further one (default 0.5).
        RetryDelay => "retry_delay", env "FIRN_CMR_RETRY_DELAY";
        /// Seconds the longest wait between attempts may last (default 20).
        RetryMaxDelay => "retry_max_delay", env "FIRN_CMR_RETRY_MAX_DELAY";
        /// Seconds a whole request may take (default 60).
        Timeout => "timeout", env "FIRN_CMR_TIMEOUT";
        /// Seconds connecting may take (default 10).
        ConnectTimeout => "connect_timeout", env "FIRN_CMR_CONNECT_TIMEOUT";
    }
}

config_keys! {
    /// An [`EarthdataCredentialsBuilder`](crate::EarthdataCredentialsBuilder) setting, for
    /// [`with_config`](crate::EarthdataCredentialsBuilder::with_config) and
    /// [`from_env`](crate::EarthdataCredentialsBuilder::from_env).
    ///
    /// ```
    /// use firn_cmr::EarthdataConfigKey;
    /// assert_eq!("EARTHDATA_TOKEN".parse::<EarthdataConfigKey>().unwrap(), EarthdataConfigKey::Token);
    /// assert_eq!(EarthdataConfigKey::Netrc.env_var(), "NETRC");
    /// ```
    EarthdataConfigKey {
        /// The s3credentials endpoint (default NSIDC's).
        Endpoint => "s3credentials_url", env "FIRN_S3CREDENTIALS_URL", alias "endpoint";
        /// The Earthdata Login (URS) base URL; its host is the netrc machine (default
        /// `https://urs.earthdata.nasa.gov`).
        LoginUrl => "login_url", env "FIRN_EARTHDATA_LOGIN_URL", alias "urs_url";
        /// An Earthdata bearer token.
        Token => "token", env "EARTHDATA_TOKEN", alias "earthdata_token";
        /// The netrc file (default `~/.netrc`).
        Netrc => "netrc", env "NETRC";
        /// Seconds before expiry at which a credential is refreshed (default 300).
        RefreshMargin => "refresh_margin", env "FIRN_S3CREDENTIALS_REFRESH_MARGIN";
        /// Attempts per request, the first included (default 5).
        MaxAttempts => "max_attempts", env "FIRN_S3CREDENTIALS_MAX_ATTEMPTS";
        /// Seconds before the first retry, doubled for each further one (default 0.5).
        RetryDelay => "retry_delay", env "FIRN_S3CREDENTIALS_RETRY_DELAY";
        /// Seconds a whole request may take (default 60).
        Timeout => "timeout", env "FIRN_S3CREDENTIALS_TIMEOUT";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_names_aliases_and_env_vars() {
        for key in CmrConfigKey::ALL {
            assert_eq!(key.name().parse::<CmrConfigKey>().unwrap(), *key);
            assert_eq!(key.env_var().parse::<CmrConfigKey>().unwrap(), *key);
        }
        assert_eq!(
            "CMR_URL".parse::<CmrConfigKey>().unwrap(),
            CmrConfigKey::Url
        );
        let err = "page".parse::<CmrConfigKey>().unwrap_err().to_string();
        assert!(
            err.starts_with("page: unknown key; expected one of url, page_size"),
            "{err}"
        );
    }

    #[test]
    fn deferred_values_are_validated_with_the_key() {
        let v: ConfigValue<u64> = ConfigValue::Deferred("3000".into());
        let err = v.resolve("page_size", parse_count(1, 2000)).unwrap_err();
        assert_eq!(err.to_string(), "page_size: 3000 is outside 1..=2000");
        assert_eq!(parse_seconds("0.25").unwrap(), Duration::from_millis(250));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_http_url("ftp://x/").is_err());
    }
}
