//! Where granules live: a local directory or an `s3://bucket/prefix`.

use std::path::PathBuf;

use firn_atl03::name::GranuleName;
use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;

/// A place granule names are resolved in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GranuleSource {
    /// A local directory.
    Directory(PathBuf),
    /// An S3 prefix (credentials and endpoint from the standard AWS environment).
    S3 {
        /// The bucket.
        bucket: String,
        /// The key prefix, without leading or trailing `/`.
        prefix: String,
    },
}

/// Why granules could not be listed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SourceError {
    /// The source text is not a directory or an s3:// URL.
    #[error("granule source {0:?}: expected a directory, s3://bucket/prefix, cmr or cmr:VVV")]
    Invalid(String),
    /// Listing failed.
    #[error("listing granules in {source_name}: {detail}")]
    List {
        /// The source.
        source_name: String,
        /// What failed.
        detail: String,
    },
}

impl std::fmt::Display for GranuleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Directory(dir) => write!(f, "{}", dir.display()),
            Self::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Self::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

impl GranuleSource {
    /// Parses `DIR` or `s3://bucket/prefix`.
    pub(crate) fn parse(text: &str) -> Result<Self, SourceError> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(SourceError::Invalid(text.to_owned()));
            }
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
            });
        }
        if text.contains("://") {
            return Err(SourceError::Invalid(text.to_owned()));
        }
        Ok(Self::Directory(PathBuf::from(text)))
    }

    /// The location of the granule called `name` (a bare file name) in this source.
    pub(crate) fn locate(&self, name: &str) -> String {
        match self {
            Self::Directory(dir) => dir.join(name).display().to_string(),
            Self::S3 { bucket, prefix } if prefix.is_empty() => format!("s3://{bucket}/{name}"),
            Self::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}/{name}"),
        }
    }

    /// Every ATL03 granule (by file name) in the source, sorted by name.
    pub(crate) fn list(&self) -> Result<Vec<String>, SourceError> {
        let mut names = match self {
            Self::Directory(dir) => std::fs::read_dir(dir)
                .map_err(|e| SourceError::List {
                    source_name: dir.display().to_string(),
                    detail: e.to_string(),
                })?
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .collect::<Vec<_>>(),
            Self::S3 { bucket, prefix } => list_s3(bucket, prefix)?,
        };
        names.retain(|n| {
            n.ends_with(".h5") && GranuleName::parse(n).is_some_and(|g| g.product == "ATL03")
        });
        names.sort();
        Ok(names)
    }
}

/// Lists the file names directly under an S3 prefix.
fn list_s3(bucket: &str, prefix: &str) -> Result<Vec<String>, SourceError> {
    let source_name = format!("s3://{bucket}/{prefix}");
    let fail = |detail: String| SourceError::List {
        source_name: source_name.clone(),
        detail,
    };
    let store = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let prefix_path = (!prefix.is_empty()).then(|| ObjectPath::from(prefix));
    let objects: Vec<_> = runtime
        .block_on(store.list(prefix_path.as_ref()).try_collect())
        .map_err(|e: object_store::Error| fail(e.to_string()))?;
    Ok(objects
        .into_iter()
        .filter_map(|meta| meta.location.filename().map(str::to_owned))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_and_locate() {
        let s3 = GranuleSource::parse("s3://bucket/a/b/").unwrap();
        assert_eq!(s3.locate("x.h5"), "s3://bucket/a/b/x.h5");
        let root = GranuleSource::parse("s3://bucket").unwrap();
        assert_eq!(root.locate("x.h5"), "s3://bucket/x.h5");
        let dir = GranuleSource::parse("/data").unwrap();
        assert_eq!(dir.locate("x.h5"), "/data/x.h5");
        assert!(GranuleSource::parse("http://x/y").is_err());
        assert!(GranuleSource::parse("s3:///y").is_err());
    }

    #[test]
    fn listing_keeps_atl03_granules_only() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "ATL03_20200101000000_01230405_006_01.h5",
            "ATL03_20190101000000_01230405_006_01.h5",
            "ATL03_20190101000000_01230405_006_01_truth_segments.parquet",
            "ATL06_20190101000000_01230405_006_01.h5",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let source = GranuleSource::Directory(dir.path().to_path_buf());
        assert_eq!(
            source.list().unwrap(),
            vec![
                "ATL03_20190101000000_01230405_006_01.h5",
                "ATL03_20200101000000_01230405_006_01.h5"
            ]
        );
    }
}
