//! Small whole-object operations (a manifest, an existence check) on either kind of destination.

use std::io::Write;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::error::{Error, Result};
use crate::sink::store::{S3Options, run_async, s3_store, store_error};
use crate::spec::{Destination, OutputSpec};

/// Whether the file or object exists.
pub(crate) fn exists(
    destination: &Destination,
    spec: &OutputSpec,
    options: &S3Options,
) -> Result<bool> {
    match destination {
        Destination::Local(path) => Ok(path.is_file()),
        Destination::S3 { bucket, key } => {
            let url = destination.display();
            let (store, scrubber) = s3_store(spec, bucket, options, &url)?;
            let path = Path::from(key.as_str());
            match run_async(async { store.head(&path).await }).map_err(|e| Error::io(&url, e))? {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(store_error(&e, &url, &scrubber)),
            }
        }
    }
}

/// The whole content, or `None` when there is no such file or object.
pub(crate) fn read(
    destination: &Destination,
    spec: &OutputSpec,
    options: &S3Options,
) -> Result<Option<Vec<u8>>> {
    match destination {
        Destination::Local(path) => match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path.display(), e)),
        },
        Destination::S3 { bucket, key } => {
            let url = destination.display();
            let (store, scrubber) = s3_store(spec, bucket, options, &url)?;
            let path = Path::from(key.as_str());
            let result = run_async(async {
                match store.get(&path).await {
                    Ok(got) => got.bytes().await.map(Some),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .map_err(|e| Error::io(&url, e))?;
            result
                .map(|bytes| bytes.map(|b| b.to_vec()))
                .map_err(|e| store_error(&e, &url, &scrubber))
        }
    }
}

/// Replaces the file or object with `bytes` atomically (temporary file + rename, or one PUT).
pub(crate) fn write(
    destination: &Destination,
    spec: &OutputSpec,
    options: &S3Options,
    bytes: Vec<u8>,
) -> Result<()> {
    match destination {
        Destination::Local(path) => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
            let mut temp =
                tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir.display(), e))?;
            temp.write_all(&bytes)
                .map_err(|e| Error::io(path.display(), e))?;
            temp.persist(path)
                .map_err(|e| Error::io(path.display(), e.error))?;
            Ok(())
        }
        Destination::S3 { bucket, key } => {
            let url = destination.display();
            let (store, scrubber) = s3_store(spec, bucket, options, &url)?;
            let store: &dyn ObjectStore = store.as_ref();
            let path = Path::from(key.as_str());
            let payload = PutPayload::from(Bytes::from(bytes));
            run_async(async { store.put(&path, payload).await })
                .map_err(|e| Error::io(&url, e))?
                .map(drop)
                .map_err(|e| store_error(&e, &url, &scrubber))
        }
    }
}
