//! S3 objects: the encoder's bytes go, in chunks through a bounded channel, to an uploader
//! thread that feeds `object_store::buffered::BufWriter` (a single PUT for small files, a
//! multipart upload for large ones). Any failure, and any end without a commit, aborts the
//! upload, so the object only appears when the upload completes.

use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use bytes::Bytes;
use object_store::ObjectStore;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use tokio::io::AsyncWriteExt;

use crate::error::{AbortOutcome, Error, Result};
use crate::secret::Scrubber;
use crate::sink::store::{S3Options, store_error};

/// Bytes gathered before a chunk is handed to the uploader.
const CHUNK: usize = 1 << 20;
/// Chunks in flight between the encoder and the uploader: bounds the memory at ~4 MiB plus the
/// uploader's parts.
const CHANNEL_CHUNKS: usize = 4;

enum Message {
    Data(Bytes),
    Commit,
}

pub(crate) struct S3Sink {
    pending: Vec<u8>,
    sender: Option<SyncSender<Message>>,
    uploader: Option<JoinHandle<Result<()>>>,
    /// A send failed: the uploader has stopped and `join` returns its error promptly.
    broken: bool,
}

impl S3Sink {
    /// Starts the uploader thread for `key` in `store`.
    pub(crate) fn start(
        store: Arc<dyn ObjectStore>,
        key: &str,
        url: String,
        scrubber: Scrubber,
        options: S3Options,
    ) -> Result<Self> {
        let (sender, receiver) = sync_channel(CHANNEL_CHUNKS);
        let path = Path::from(key);
        let thread_url = url.clone();
        let uploader = std::thread::Builder::new()
            .name("firn-output-upload".into())
            .spawn(move || upload(store, path, receiver, &thread_url, &scrubber, options))
            .map_err(|e| Error::io(&url, e))?;
        Ok(Self {
            pending: Vec::with_capacity(CHUNK),
            sender: Some(sender),
            uploader: Some(uploader),
            broken: false,
        })
    }

    /// Sends what is left and completes the upload; the object is visible once this returns Ok.
    pub(crate) fn commit(mut self) -> Result<()> {
        self.send_pending()
            .and_then(|()| self.send(Message::Commit))
            .ok();
        self.sender = None;
        self.join()
    }

    /// Stops the upload and aborts it; returns the upload's own failure if it had one.
    pub(crate) fn abort(mut self) -> Result<()> {
        self.sender = None;
        self.join()
    }

    /// The uploader's failure, if it has stopped: the true cause behind a broken `write`.
    pub(crate) fn failure(&mut self) -> Option<Error> {
        if self.broken || self.uploader.as_ref().is_some_and(JoinHandle::is_finished) {
            self.join().err()
        } else {
            None
        }
    }

    fn join(&mut self) -> Result<()> {
        match self.uploader.take() {
            Some(handle) => handle.join().unwrap_or_else(|_| {
                Err(Error::Store {
                    url: String::new(),
                    message: "upload thread panicked".into(),
                })
            }),
            None => Ok(()),
        }
    }

    fn send_pending(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK));
        self.send(Message::Data(Bytes::from(chunk)))
    }

    fn send(&mut self, message: Message) -> std::io::Result<()> {
        let sent = match &self.sender {
            Some(sender) => sender.send(message).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            // The uploader has stopped (it drops the receiver when it returns).
            self.broken = true;
            Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "upload stopped",
            ))
        }
    }
}

impl Write for S3Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= CHUNK {
            self.send_pending()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for S3Sink {
    fn drop(&mut self) {
        // Without a commit message the uploader aborts; wait so nothing outlives the writer.
        self.sender = None;
        if let Err(e) = self.join() {
            tracing::warn!(error = %e, "abandoned upload");
        }
    }
}

/// The uploader thread: a runtime with one worker (which drives the part uploads while this
/// thread waits on the channel).
fn upload(
    store: Arc<dyn ObjectStore>,
    path: Path,
    receiver: Receiver<Message>,
    url: &str,
    scrubber: &Scrubber,
    options: S3Options,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| Error::io(url, e))?;
    runtime.block_on(async {
        let mut writer = BufWriter::with_capacity(store, path, options.part_size)
            .with_max_concurrency(options.max_concurrency);
        let mut sent = 0usize;
        loop {
            match receiver.recv() {
                Ok(Message::Data(bytes)) => {
                    sent += bytes.len();
                    if let Err(e) = writer.put(bytes).await {
                        let abort = abort(&mut writer, sent, &options, scrubber).await;
                        return Err(upload_error(&e, url, scrubber, abort));
                    }
                }
                Ok(Message::Commit) => {
                    let multipart = sent >= options.part_size;
                    return match writer.shutdown().await {
                        Ok(()) => {
                            tracing::debug!(url, bytes = sent, "upload complete");
                            Ok(())
                        }
                        Err(e) => {
                            // A failed multipart completion is aborted by object_store itself.
                            let abort = if multipart {
                                AbortOutcome::Unconfirmed
                            } else {
                                AbortOutcome::NothingStarted
                            };
                            Err(upload_error(&from_io(e), url, scrubber, abort))
                        }
                    };
                }
                Err(_) => {
                    let outcome = abort(&mut writer, sent, &options, scrubber).await;
                    tracing::debug!(url, %outcome, "upload abandoned before commit");
                    return match outcome {
                        AbortOutcome::AbortFailed(_) => Err(Error::Upload {
                            url: url.to_owned(),
                            message: "the writer stopped before finishing".into(),
                            abort: outcome,
                        }),
                        _ => Ok(()),
                    };
                }
            }
        }
    })
}

async fn abort(
    writer: &mut BufWriter,
    sent: usize,
    options: &S3Options,
    scrubber: &Scrubber,
) -> AbortOutcome {
    if sent < options.part_size {
        return AbortOutcome::NothingStarted;
    }
    match writer.abort().await {
        Ok(()) => AbortOutcome::Aborted,
        Err(e) => AbortOutcome::AbortFailed(scrubber.scrub(&e.to_string())),
    }
}

fn upload_error(
    e: &object_store::Error,
    url: &str,
    scrubber: &Scrubber,
    abort: AbortOutcome,
) -> Error {
    match store_error(e, url, scrubber) {
        Error::Store { message, .. } => Error::Upload {
            url: url.to_owned(),
            message,
            abort,
        },
        other => other,
    }
}

/// The store error inside an I/O error from `BufWriter`'s shutdown, so that a refused
/// credential is still reported as [`Error::Denied`].
fn from_io(e: std::io::Error) -> object_store::Error {
    match e.into_inner() {
        Some(inner) => match inner.downcast::<object_store::Error>() {
            Ok(store) => *store,
            Err(other) => object_store::Error::Generic {
                store: "S3",
                source: other,
            },
        },
        None => object_store::Error::Generic {
            store: "S3",
            source: "upload failed".into(),
        },
    }
}
