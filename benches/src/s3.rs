//! The S3 side: uploading a granule, and a byte source that records every range it is asked for.

use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use firn_h5::Result as H5Result;
use firn_h5::source::{ByteSource, SharedSource};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};

use crate::error::{Error, Result};

/// Part size of the multipart upload.
const PART_BYTES: usize = 16 << 20;
/// Parts uploaded at once.
const PARTS_IN_FLIGHT: usize = 4;

/// Uploads the file at `path` to `key` in `store` as a multipart upload; returns its size.
pub fn upload(store: &Arc<dyn ObjectStore>, key: &str, path: &Path) -> Result<u64> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let store_error = |what: &str| {
        let what = format!("{what} {key}");
        move |source| Error::Store { what, source }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    let mut file = File::open(path).map_err(io)?;
    runtime.block_on(async {
        let location = ObjectPath::from(key);
        let upload = store
            .put_multipart(&location)
            .await
            .map_err(store_error("starting the upload of"))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buffer = vec![0u8; PART_BYTES];
        let mut total = 0u64;
        loop {
            let n = file.read(&mut buffer).map_err(io)?;
            if n == 0 {
                break;
            }
            writer
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(store_error("uploading a part of"))?;
            writer.write(&buffer[..n]);
            total += n as u64;
        }
        writer
            .finish()
            .await
            .map_err(store_error("finishing the upload of"))?;
        Ok(total)
    })
}

/// Wraps a source and records every range requested, in order, to show where GETs go.
#[derive(Debug)]
pub struct RecordingSource {
    inner: SharedSource,
    ranges: Mutex<Vec<Range<u64>>>,
}

impl RecordingSource {
    /// Wraps `inner`.
    pub fn new(inner: SharedSource) -> Self {
        Self {
            inner,
            ranges: Mutex::new(Vec::new()),
        }
    }

    /// The ranges requested so far, and forgets them.
    pub fn take(&self) -> Vec<Range<u64>> {
        std::mem::take(&mut *self.ranges.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl ByteSource for RecordingSource {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    fn read_ranges(&self, ranges: &[Range<u64>]) -> H5Result<Vec<Bytes>> {
        self.ranges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(ranges);
        self.inner.read_ranges(ranges)
    }

    fn name(&self) -> &str {
        self.inner.name()
    }
}
