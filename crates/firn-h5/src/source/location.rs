//! Opening a byte source from a location string: a local path, a `file://` URL or an `s3://` URL.

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;

use super::{FileSource, ObjectStoreSource, SharedSource};
use crate::error::{Error, Result};

/// Opens `location` as a byte source.
///
/// - a local path or `file:///abs/path` → [`FileSource`];
/// - `s3://bucket/key` → [`ObjectStoreSource`] over S3, configured from the standard AWS environment
///   variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
///   `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`, web identity, container and instance credentials).
pub fn open_location(location: &str) -> Result<SharedSource> {
    if let Some(rest) = location.strip_prefix("s3://") {
        let (bucket, key) = rest.split_once('/').ok_or_else(|| Error::Location {
            location: location.to_owned(),
            detail: "an S3 URL needs a bucket and a key: s3://bucket/key".to_owned(),
        })?;
        if bucket.is_empty() || key.is_empty() {
            return Err(Error::Location {
                location: location.to_owned(),
                detail: "an S3 URL needs a bucket and a key: s3://bucket/key".to_owned(),
            });
        }
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| Error::Location {
                location: location.to_owned(),
                detail: e.to_string(),
            })?;
        let source = ObjectStoreSource::open(Arc::new(store), ObjectPath::from(key), location)?;
        return Ok(Arc::new(source));
    }
    let path = match location.strip_prefix("file://") {
        Some(path) => path,
        None if location.contains("://") => {
            return Err(Error::Location {
                location: location.to_owned(),
                detail: "unsupported scheme: use a local path, file:// or s3://".to_owned(),
            });
        }
        None => location,
    };
    Ok(Arc::new(FileSource::open(path)?))
}
