//! Any `object_store` store (S3, GCS, Azure, HTTP, local), read with byte-range GETs.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

use super::{ByteSource, check_range};
use crate::error::{Error, Result};

/// How many range GETs one batch keeps in flight.
const CONCURRENT_REQUESTS: usize = 16;

/// The runtime that drives object-store futures for synchronous callers.
///
/// The parser and decoder are synchronous (they run on rayon or blocking threads), so requests are
/// spawned here and waited for; this works the same whether or not the caller is inside another runtime.
fn io_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("firn-h5-io")
            .enable_all()
            .build()
            .expect("the I/O runtime must start: threads and timers are available")
    })
}

/// Runs `future` to completion on the I/O runtime and returns its output.
fn run<F>(future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handle = io_runtime().spawn(future);
    match futures::executor::block_on(handle) {
        Ok(output) => output,
        Err(join_error) => std::panic::resume_unwind(join_error.into_panic()),
    }
}

/// One object in an object store, read with concurrent byte-range GETs.
#[derive(Debug)]
pub struct ObjectStoreSource {
    store: Arc<dyn ObjectStore>,
    location: ObjectPath,
    len: u64,
    name: String,
}

impl ObjectStoreSource {
    /// Opens `location` in `store` (one HEAD request for its length); `name` appears in messages and
    /// must carry no credentials (e.g. `s3://bucket/key`).
    pub fn open(
        store: Arc<dyn ObjectStore>,
        location: ObjectPath,
        name: impl Into<String>,
    ) -> Result<Self> {
        let name = name.into();
        let head = {
            let store = Arc::clone(&store);
            let location = location.clone();
            run(async move { store.head(&location).await })
        };
        let meta = head.map_err(|source| Error::Store {
            source_name: name.clone(),
            range: 0..0,
            source: Box::new(source),
        })?;
        Ok(Self {
            store,
            location,
            len: meta.size,
            name,
        })
    }

    /// Wraps an object whose length is already known (no request is made).
    pub fn with_len(
        store: Arc<dyn ObjectStore>,
        location: ObjectPath,
        len: u64,
        name: impl Into<String>,
    ) -> Self {
        Self {
            store,
            location,
            len,
            name: name.into(),
        }
    }
}

impl ByteSource for ObjectStoreSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        for range in ranges {
            check_range(range, self.len, &self.name)?;
        }
        let store = Arc::clone(&self.store);
        let location = self.location.clone();
        let name = self.name.clone();
        let ranges = ranges.to_vec();
        run(async move {
            stream::iter(ranges)
                .map(|range| {
                    let store = Arc::clone(&store);
                    let location = location.clone();
                    let name = name.clone();
                    async move {
                        if range.is_empty() {
                            return Ok(Bytes::new());
                        }
                        store
                            .get_range(&location, range.clone())
                            .await
                            .map_err(|source| Error::Store {
                                source_name: name,
                                range,
                                source: Box::new(source),
                            })
                    }
                })
                .buffered(CONCURRENT_REQUESTS)
                .try_collect()
                .await
        })
    }

    fn name(&self) -> &str {
        &self.name
    }
}
