//! A directory or an S3 key prefix, and the small whole-object requests that part mode makes
//! under it: list, test, read, replace, create-if-absent, and fetch a part for reading.
//!
//! Existence is tested by listing the exact key, never by a HEAD or GET that may answer 403 for
//! a missing object: with a least-privilege role (`s3:ListBucket` restricted to the run's prefix)
//! S3 may refuse to say that a key is absent, but it always lists what is there.

use std::fs::File;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3;
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::error::{Error, Result};
use crate::secret::Scrubber;
use crate::sink::store::{S3Options, s3_client, store_error};
use crate::spec::{Destination, OutputSpec};

/// Object reads kept in flight at once by [`PrefixStore::read_many`].
const CONCURRENT_READS: usize = 16;

/// The objects under one prefix, reached through one store (and one I/O runtime).
pub(crate) struct PrefixStore {
    root: Root,
    url: String,
}

enum Root {
    Local(PathBuf),
    S3(S3Prefix),
}

struct S3Prefix {
    store: Arc<AmazonS3>,
    scrubber: Scrubber,
    bucket: String,
    /// The key prefix, without a trailing `/`.
    prefix: String,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for PrefixStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrefixStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl PrefixStore {
    /// The prefix `spec.destination`, with the credentials, region and endpoint of `spec`.
    pub(crate) fn open(spec: &OutputSpec, options: &S3Options) -> Result<Self> {
        let url = spec.destination.display();
        let root = match &spec.destination {
            Destination::Local(path) => Root::Local(path.clone()),
            Destination::S3 { bucket, key } => {
                let (store, scrubber) = s3_client(spec, bucket, options, &url)?;
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("firn-output-prefix")
                    .enable_all()
                    .build()
                    .map_err(|e| Error::io(&url, e))?;
                Root::S3(S3Prefix {
                    store: Arc::new(store),
                    scrubber,
                    bucket: bucket.clone(),
                    prefix: key.trim_end_matches('/').to_owned(),
                    runtime,
                })
            }
        };
        Ok(Self { root, url })
    }

    /// The prefix as text: the directory or `s3://bucket/prefix`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The location of `name` (a `/`-separated name relative to the prefix), as text.
    pub(crate) fn url_of(&self, name: &str) -> String {
        match &self.root {
            Root::Local(dir) => dir.join(name).display().to_string(),
            Root::S3(s3) => format!("s3://{}/{}", s3.bucket, s3.key(name)),
        }
    }

    /// Every object under the prefix (recursively), as names relative to it; empty when the
    /// prefix does not exist yet.
    pub(crate) fn list(&self) -> Result<Vec<String>> {
        match &self.root {
            Root::Local(dir) => {
                let mut names = Vec::new();
                list_dir(dir, "", &mut names)?;
                Ok(names)
            }
            Root::S3(s3) => {
                let store = Arc::clone(&s3.store);
                let prefix = ObjectPath::from(s3.prefix.as_str());
                let objects = s3.run(
                    async move { store.list(Some(&prefix)).try_collect::<Vec<_>>().await },
                    &self.url,
                )?;
                let base = format!("{}/", s3.prefix);
                Ok(objects
                    .into_iter()
                    .filter_map(|meta| {
                        meta.location
                            .as_ref()
                            .strip_prefix(&base)
                            .map(str::to_owned)
                    })
                    .collect())
            }
        }
    }

    /// Whether `name` exists (by listing its exact key on S3).
    pub(crate) fn exists(&self, name: &str) -> Result<bool> {
        match &self.root {
            Root::Local(dir) => Ok(dir.join(name).is_file()),
            Root::S3(s3) => {
                let store = Arc::clone(&s3.store);
                let key = s3.key(name);
                let wanted = key.clone();
                let listed = s3.run(
                    async move {
                        let options = PaginatedListOptions {
                            max_keys: Some(1),
                            ..PaginatedListOptions::default()
                        };
                        store.list_paginated(Some(&key), options).await
                    },
                    &self.url_of(name),
                )?;
                Ok(listed
                    .result
                    .objects
                    .iter()
                    .any(|meta| meta.location.as_ref() == wanted))
            }
        }
    }

    /// The whole content of `name`, or `None` when it does not exist.
    pub(crate) fn read(&self, name: &str) -> Result<Option<Vec<u8>>> {
        match &self.root {
            Root::Local(dir) => {
                let path = dir.join(name);
                match std::fs::read(&path) {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(Error::io(path.display(), e)),
                }
            }
            Root::S3(_) if !self.exists(name)? => Ok(None),
            Root::S3(s3) => {
                let store = Arc::clone(&s3.store);
                let key = ObjectPath::from(s3.key(name));
                let got = s3.run(
                    async move {
                        match store.get(&key).await {
                            Ok(got) => got.bytes().await.map(Some),
                            Err(object_store::Error::NotFound { .. }) => Ok(None),
                            Err(e) => Err(e),
                        }
                    },
                    &self.url_of(name),
                )?;
                Ok(got.map(|bytes| bytes.to_vec()))
            }
        }
    }

    /// The contents of `names` (which must exist), in the same order, read concurrently.
    pub(crate) fn read_many(&self, names: &[String]) -> Result<Vec<Vec<u8>>> {
        match &self.root {
            Root::Local(dir) => names
                .iter()
                .map(|name| {
                    let path = dir.join(name);
                    std::fs::read(&path).map_err(|e| Error::io(path.display(), e))
                })
                .collect(),
            Root::S3(s3) => {
                let store = Arc::clone(&s3.store);
                let keys: Vec<ObjectPath> =
                    names.iter().map(|n| ObjectPath::from(s3.key(n))).collect();
                let read = async move {
                    futures::stream::iter(keys)
                        .map(|key| {
                            let store = Arc::clone(&store);
                            async move { store.get(&key).await?.bytes().await }
                        })
                        .buffered(CONCURRENT_READS)
                        .try_collect::<Vec<Bytes>>()
                        .await
                };
                let all = s3.run(read, &self.url)?;
                Ok(all.into_iter().map(|b| b.to_vec()).collect())
            }
        }
    }

    /// Replaces `name` with `bytes` atomically (temporary file and rename, or one PUT).
    pub(crate) fn put(&self, name: &str, bytes: Vec<u8>) -> Result<()> {
        match &self.root {
            Root::Local(dir) => {
                let path = dir.join(name);
                let temp = temp_beside(&path, &bytes)?;
                temp.persist(&path)
                    .map_err(|e| Error::io(path.display(), e.error))?;
                Ok(())
            }
            Root::S3(s3) => {
                let store = Arc::clone(&s3.store);
                let key = ObjectPath::from(s3.key(name));
                let payload = PutPayload::from(Bytes::from(bytes));
                s3.run(
                    async move { store.put(&key, payload).await.map(drop) },
                    &self.url_of(name),
                )
            }
        }
    }

    /// Writes `name` only if it does not exist yet, atomically: `true` when this call created it,
    /// `false` when it was already there (it is left as it was). Local files are linked into place
    /// without replacing (`persist_noclobber`); S3 objects are put with `If-None-Match: *`.
    pub(crate) fn create(&self, name: &str, bytes: Vec<u8>) -> Result<bool> {
        match &self.root {
            Root::Local(dir) => {
                let path = dir.join(name);
                let temp = temp_beside(&path, &bytes)?;
                match temp.persist_noclobber(&path) {
                    Ok(_) => Ok(true),
                    Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                    Err(e) => Err(Error::io(path.display(), e.error)),
                }
            }
            Root::S3(s3) => {
                let store = Arc::clone(&s3.store);
                let key = ObjectPath::from(s3.key(name));
                let payload = PutPayload::from(Bytes::from(bytes));
                let options = PutOptions::from(PutMode::Create);
                s3.run(
                    async move {
                        match store.put_opts(&key, payload, options).await {
                            Ok(_) => Ok(true),
                            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
                            Err(e) => Err(e),
                        }
                    },
                    &self.url_of(name),
                )
            }
        }
    }

    /// `name` as a local file to read: the file itself, or the object streamed into an anonymous
    /// temporary file (memory stays bounded whatever the object's size).
    pub(crate) fn open_file(&self, name: &str) -> Result<File> {
        match &self.root {
            Root::Local(dir) => {
                let path = dir.join(name);
                File::open(&path).map_err(|e| Error::io(path.display(), e))
            }
            Root::S3(s3) => {
                let url = self.url_of(name);
                let mut file = tempfile::tempfile().map_err(|e| Error::io(&url, e))?;
                let store = Arc::clone(&s3.store);
                let key = ObjectPath::from(s3.key(name));
                let (sender, receiver) = std::sync::mpsc::sync_channel::<Bytes>(4);
                let fetch = s3.runtime.spawn(async move {
                    let mut stream = store.get(&key).await?.into_stream();
                    while let Some(chunk) = stream.next().await {
                        if sender.send(chunk?).is_err() {
                            break;
                        }
                    }
                    Ok::<(), object_store::Error>(())
                });
                for chunk in receiver {
                    file.write_all(&chunk).map_err(|e| Error::io(&url, e))?;
                }
                futures::executor::block_on(fetch)
                    .map_err(|e| Error::io(&url, std::io::Error::other(e)))?
                    .map_err(|e| store_error(&e, &url, &s3.scrubber))?;
                file.rewind().map_err(|e| Error::io(&url, e))?;
                Ok(file)
            }
        }
    }

    /// Removes what credentials would show from a message about this prefix.
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.root {
            Root::Local(_) => text.to_owned(),
            Root::S3(s3) => s3.scrubber.scrub(text),
        }
    }
}

impl S3Prefix {
    fn key(&self, name: &str) -> String {
        format!("{}/{name}", self.prefix)
    }

    /// Runs a store request on this prefix's runtime and waits for it; works from plain threads
    /// and from inside another runtime alike.
    fn run<T, F>(&self, future: F, url: &str) -> Result<T>
    where
        F: Future<Output = object_store::Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let handle = self.runtime.spawn(future);
        futures::executor::block_on(handle)
            .map_err(|e| Error::io(url, std::io::Error::other(e)))?
            .map_err(|e| store_error(&e, url, &self.scrubber))
    }
}

/// Appends the files under `dir` (recursively) to `names`, relative to the prefix.
fn list_dir(dir: &Path, relative: &str, names: &mut Vec<String>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir.display(), e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir.display(), e))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let path = format!("{relative}{name}");
        let kind = entry
            .file_type()
            .map_err(|e| Error::io(entry.path().display(), e))?;
        if kind.is_dir() {
            list_dir(&entry.path(), &format!("{path}/"), names)?;
        } else if kind.is_file() {
            names.push(path);
        }
    }
    Ok(())
}

/// A synced temporary file holding `bytes` in `path`'s directory (created if needed).
fn temp_beside(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir.display(), e))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(path.display(), e))?;
    Ok(temp)
}
