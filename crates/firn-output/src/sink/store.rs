//! Building the S3 store from an [`OutputSpec`] and running its futures from synchronous code.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::{BackoffConfig, ObjectStore, RetryConfig};

use crate::Secret;
use crate::error::{Error, Result};
use crate::secret::Scrubber;
use crate::spec::OutputSpec;

/// Network behaviour of S3 uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct S3Options {
    /// Size of each multipart part, and the threshold above which an upload becomes multipart
    /// (at least 5 MiB, S3's minimum part size).
    pub part_size: usize,
    /// Parts uploaded concurrently per output.
    pub max_concurrency: usize,
    /// Retries of a failed request.
    pub max_retries: usize,
    /// Time after which a request is no longer retried.
    pub retry_timeout: Duration,
}

/// S3's minimum size of a multipart part (except the last).
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;

impl Default for S3Options {
    fn default() -> Self {
        Self {
            part_size: 16 * 1024 * 1024,
            max_concurrency: 4,
            max_retries: 10,
            retry_timeout: Duration::from_secs(180),
        }
    }
}

/// An S3 store for `bucket`, and the scrubber for its credentials.
///
/// With `spec.credentials`, only those credentials are used (plus `region`, else `AWS_REGION` /
/// `AWS_DEFAULT_REGION`); without them the builder reads the environment and falls back to the
/// standard chain (web identity, container role, instance metadata).
pub(crate) fn s3_store(
    spec: &OutputSpec,
    bucket: &str,
    options: &S3Options,
    url: &str,
) -> Result<(Arc<dyn ObjectStore>, Scrubber)> {
    let (store, scrubber) = s3_client(spec, bucket, options, url)?;
    Ok((Arc::new(store), scrubber))
}

/// The concrete S3 client behind [`s3_store`], for the requests only S3 has (raw-prefix listing).
pub(crate) fn s3_client(
    spec: &OutputSpec,
    bucket: &str,
    options: &S3Options,
    url: &str,
) -> Result<(AmazonS3, Scrubber)> {
    if options.part_size < MIN_PART_SIZE {
        return Err(Error::Store {
            url: url.to_owned(),
            message: format!(
                "part size {} is below S3's minimum of {MIN_PART_SIZE} bytes",
                options.part_size
            ),
        });
    }
    let (mut builder, scrubber) = match &spec.credentials {
        Some(creds) => {
            let mut builder = AmazonS3Builder::new()
                .with_access_key_id(creds.access_key_id.expose())
                .with_secret_access_key(creds.secret_access_key.expose());
            if let Some(token) = &creds.session_token {
                builder = builder.with_token(token.expose());
            }
            if spec.region.is_none()
                && let Some(region) = ["AWS_REGION", "AWS_DEFAULT_REGION"]
                    .iter()
                    .find_map(|name| std::env::var(name).ok())
            {
                builder = builder.with_region(region);
            }
            let secrets: Vec<&Secret> = [&creds.access_key_id, &creds.secret_access_key]
                .into_iter()
                .chain(creds.session_token.as_ref())
                .collect();
            (builder, Scrubber::new(secrets))
        }
        None => (AmazonS3Builder::from_env(), Scrubber::from_env()),
    };
    builder = builder.with_bucket_name(bucket).with_retry(RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: options.max_retries,
        retry_timeout: options.retry_timeout,
    });
    if let Some(region) = &spec.region {
        builder = builder.with_region(region);
    }
    if let Some(endpoint) = &spec.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    let store = builder.build().map_err(|e| Error::Store {
        url: url.to_owned(),
        message: scrubber.scrub(&e.to_string()),
    })?;
    Ok((store, scrubber))
}

/// S3 error codes that mean the credentials were refused, whatever the HTTP status (S3 answers
/// a malformed session token with 400, not 403).
const CREDENTIAL_CODES: [&str; 6] = [
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "TokenRefreshRequired",
];

/// Maps a store error into the crate's error, credentials removed; refused credentials become
/// [`Error::Denied`].
pub(crate) fn store_error(e: &object_store::Error, url: &str, scrubber: &Scrubber) -> Error {
    let message = scrubber.scrub(&e.to_string());
    let refused = matches!(
        e,
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }
    ) || CREDENTIAL_CODES
        .iter()
        .any(|code| message.contains(&format!("<Code>{code}</Code>")));
    if refused {
        Error::Denied {
            url: url.to_owned(),
            message,
        }
    } else {
        Error::Store {
            url: url.to_owned(),
            message,
        }
    }
}
