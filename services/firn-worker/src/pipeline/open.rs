//! Opening a granule by its location. Locations in NSIDC's bucket
//! (`s3://nsidc-cumulus-prod-protected/…`, where NASA's archive keeps ATL03) are read with
//! Earthdata's temporary S3 credentials — an `EARTHDATA_TOKEN` or the Earthdata login in
//! `~/.netrc` (`firn-cmr`), fetched once per process and refreshed before they expire — unless
//! AWS credentials are in the environment (`AWS_ACCESS_KEY_ID`: credentials exported from
//! NSIDC's s3credentials endpoint, or a test server). Every other location opens as
//! `firn_atl03::Granule::open` opens it.

use std::sync::{Arc, OnceLock};

use firn_atl03::Granule;
use firn_cmr::{EarthdataCredentialsBuilder, NSIDC_BUCKET};
use firn_h5::source::ObjectStoreSource;
use object_store::ObjectStore;
use object_store::aws::AmazonS3ConfigKey;
use object_store::path::Path as ObjectPath;

/// Why a granule could not be opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpenError {
    /// The granule could not be opened or is not ATL03.
    #[error(transparent)]
    Granule(#[from] firn_atl03::Error),
    /// NSIDC's bucket needs credentials that could not be set up.
    #[error(
        "{location}: reading NSIDC's bucket needs Earthdata credentials (EARTHDATA_TOKEN, or an \
         urs.earthdata.nasa.gov login in ~/.netrc) or AWS credentials in the environment: {reason}"
    )]
    Earthdata {
        /// The granule.
        location: String,
        /// What failed.
        reason: String,
    },
}

/// Opens the granule at `location` (a path, `file://` or `s3://` URL).
pub(crate) fn open_granule(location: &str) -> Result<Granule, OpenError> {
    let Some(key) = nsidc_key(location) else {
        return Ok(Granule::open(location)?);
    };
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        return Ok(Granule::open(location)?);
    }
    let store = nsidc_store().map_err(|reason| OpenError::Earthdata {
        location: location.to_owned(),
        reason,
    })?;
    let source =
        ObjectStoreSource::open(store, ObjectPath::from(key), location).map_err(|source| {
            firn_atl03::Error::Open {
                granule: location.to_owned(),
                source,
            }
        })?;
    Ok(Granule::from_source(Arc::new(source), location)?)
}

/// The key of a location in NSIDC's bucket.
fn nsidc_key(location: &str) -> Option<&str> {
    location
        .strip_prefix("s3://")?
        .strip_prefix(NSIDC_BUCKET)?
        .strip_prefix('/')
        .filter(|key| !key.is_empty())
}

/// The process's store for NSIDC's bucket, built on first use (the credentials are shared by
/// every granule and refreshed as they near expiry). `AWS_ENDPOINT_URL` and `AWS_ALLOW_HTTP`
/// redirect it, as they do every other S3 store.
fn nsidc_store() -> Result<Arc<dyn ObjectStore>, String> {
    static STORE: OnceLock<Result<Arc<dyn ObjectStore>, String>> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let credentials = Arc::new(
                EarthdataCredentialsBuilder::from_env()
                    .build()
                    .map_err(|e| e.to_string())?,
            );
            let mut builder = credentials.nsidc_store_builder();
            for (variable, key) in [
                ("AWS_ENDPOINT_URL", AmazonS3ConfigKey::Endpoint),
                (
                    "AWS_ALLOW_HTTP",
                    AmazonS3ConfigKey::Client(object_store::ClientConfigKey::AllowHttp),
                ),
            ] {
                if let Ok(value) = std::env::var(variable) {
                    builder = builder.with_config(key, value);
                }
            }
            let store = builder.build().map_err(|e| e.to_string())?;
            Ok(Arc::new(store) as Arc<dyn ObjectStore>)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_in_nsidc_bucket_are_read_with_earthdata_credentials() {
        assert_eq!(
            nsidc_key("s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2019/11/13/x.h5"),
            Some("ATLAS/ATL03/006/2019/11/13/x.h5")
        );
        for other in [
            "s3://nsidc-cumulus-prod-protected/",
            "s3://nsidc-cumulus-prod-protected-copy/a.h5",
            "s3://atl03/ATLAS/ATL03/006/a.h5",
            "/data/nsidc-cumulus-prod-protected/a.h5",
        ] {
            assert_eq!(nsidc_key(other), None, "{other}");
        }
    }
}
