//! Where encoded bytes go: a local file or an S3 object, each all-or-nothing.
//!
//! A sink is a `std::io::Write` with two endings: `commit` makes the output visible,
//! `abort` (or dropping the sink) leaves nothing behind.

mod local;
pub(crate) mod prefix;
mod s3;
pub(crate) mod store;

use std::io::Write;

use crate::error::{Error, Result};
use crate::spec::{Destination, OutputSpec};

use local::LocalSink;
use s3::S3Sink;
use store::S3Options;

pub(crate) enum Target {
    Local(LocalSink),
    S3(S3Sink),
}

/// A byte sink that counts what it is given.
pub(crate) struct Sink {
    target: Target,
    bytes: u64,
}

impl Sink {
    /// Opens a sink for `destination` (credentials, region and endpoint come from `spec`).
    pub(crate) fn open(
        destination: &Destination,
        spec: &OutputSpec,
        options: &S3Options,
    ) -> Result<Self> {
        let url = destination.display();
        let target = match destination {
            Destination::Local(path) => Target::Local(LocalSink::create(path)?),
            Destination::S3 { bucket, key } => {
                let (store, scrubber) = store::s3_store(spec, bucket, options, &url)?;
                Target::S3(S3Sink::start(store, key, url.clone(), scrubber, *options)?)
            }
        };
        Ok(Self { target, bytes: 0 })
    }

    /// Bytes written so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Makes the output visible: renames the local file or completes the upload.
    pub(crate) fn commit(self) -> Result<u64> {
        match self.target {
            Target::Local(sink) => sink.commit()?,
            Target::S3(sink) => sink.commit()?,
        }
        Ok(self.bytes)
    }

    /// Discards the output: deletes the temporary file or aborts the upload.
    pub(crate) fn abort(self) -> Result<()> {
        match self.target {
            Target::Local(_) => Ok(()),
            Target::S3(sink) => sink.abort(),
        }
    }

    /// The real cause behind a failed write, when the upload stopped on its own.
    pub(crate) fn failure(&mut self) -> Option<Error> {
        match &mut self.target {
            Target::Local(_) => None,
            Target::S3(sink) => sink.failure(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = match &mut self.target {
            Target::Local(sink) => sink.write(buf)?,
            Target::S3(sink) => sink.write(buf)?,
        };
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.target {
            Target::Local(sink) => sink.flush(),
            Target::S3(sink) => sink.flush(),
        }
    }
}
