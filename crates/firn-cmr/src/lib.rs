//! ICESat-2 granule discovery on NASA CMR, and Earthdata temporary S3 credentials (SPEC §9).
//!
//! # Find granules
//!
//! A [`GranuleQuery`] names the collection (NSIDC_CPRD, ATL03, release 006 or 007), the region
//! polygon, the time range and the rgt/cycle/region filters; a [`CmrClient`] runs it against
//! `{url}/search/granules.json`, page by page, and returns every [`CmrGranule`] sorted by
//! start time: its name, `s3://` and `https://` URLs, time span and [`Footprint`].
//!
//! ```no_run
//! # async fn example() -> Result<(), firn_cmr::Error> {
//! use chrono::{TimeZone, Utc};
//! use firn_cmr::{CmrClient, GranuleQuery, LatLon};
//!
//! let poly = [(-108.3, 38.9), (-107.8, 38.9), (-107.8, 39.15), (-108.3, 39.15), (-108.3, 38.9)]
//!     .map(|(lon, lat)| LatLon { lat, lon });
//! let query = GranuleQuery::new()
//!     .with_polygon(&poly)
//!     .with_t0(Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0).unwrap())
//!     .with_t1(Utc.with_ymd_and_hms(2019, 12, 31, 0, 0, 0).unwrap());
//! let client = CmrClient::builder().with_max_resources(1000).build()?;
//! let granules = client.search(&query).await?;
//! let touching: Vec<_> = granules.iter().filter(|g| g.footprint.may_intersect(&poly)).collect();
//! # Ok(()) }
//! ```
//!
//! Requests that fail with 5xx or 429, fail to connect or time out are retried with
//! exponential backoff, a bounded number of times. A search matching more than
//! `max_resources` granules fails with [`Error::TooManyGranules`] before paging on. A polygon
//! with too many vertices, or one CMR rejects, is replaced by ever simpler polygons that still
//! contain it (upstream's fallback; see the crate README).
//!
//! # Read NSIDC's bucket
//!
//! [`EarthdataCredentials`] fetches temporary S3 credentials from NSIDC's s3credentials
//! endpoint with an Earthdata bearer token or the Earthdata login in `~/.netrc`, caches them,
//! refreshes them before they expire and implements object_store's
//! [`CredentialProvider`](object_store::CredentialProvider):
//!
//! ```no_run
//! # fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use firn_cmr::EarthdataCredentials;
//! let credentials = Arc::new(EarthdataCredentials::builder().build()?);
//! let store = credentials.nsidc_store_builder().build()?; // s3://nsidc-cumulus-prod-protected, us-west-2
//! # Ok(()) }
//! ```
//!
//! # Configuration
//!
//! Both builders take typed setters, text through `with_config` with a key enum
//! ([`CmrConfigKey`], [`EarthdataConfigKey`]) whose names, aliases and environment variable
//! names all parse, and `from_env`. Text is validated in `build()`, and errors name the key.
//!
//! # Secrets
//!
//! Tokens, passwords and S3 secrets live in [`Secret`], whose `Debug` and `Display` print
//! `***`. Errors show URLs without query strings or user info and never quote a credential.
#![deny(missing_docs)]

mod client;
mod config;
mod credentials;
mod error;
mod footprint;
mod granule;
mod http;
mod polygon;
mod query;

pub use client::{
    CmrClient, CmrClientBuilder, DEFAULT_CMR_URL, DEFAULT_MAX_POLYGON_VERTICES,
    DEFAULT_MAX_RESOURCES, DEFAULT_PAGE_SIZE,
};
pub use config::{CmrConfigKey, EarthdataConfigKey};
pub use credentials::{
    Clock, DEFAULT_LOGIN_URL, DEFAULT_S3CREDENTIALS_URL, EarthdataCredentials,
    EarthdataCredentialsBuilder, NSIDC_REGION,
};
pub use error::{Error, Result};
pub use firn_region::LatLon;
pub use firn_secret::Secret;
pub use footprint::{BoundingBox, Footprint};
pub use granule::{CmrGranule, NSIDC_BUCKET, nsidc_s3_url};
pub use query::{DEFAULT_PROVIDER, DEFAULT_SHORT_NAME, DEFAULT_VERSION, GranuleQuery};

/// The README's examples, compiled as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
