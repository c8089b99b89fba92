//! Encoders: Arrow record batches in, file bytes out to a [`SharedSink`].
//!
//! Each encoder streams: a batch is encoded as it arrives and its bytes leave once the format
//! allows (a Parquet row group, a CSV buffer, an IPC record batch).

mod csv;
mod feather;
mod parquet;

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::sink::Sink;

pub(crate) use self::csv::CsvEncoder;
pub(crate) use self::feather::FeatherEncoder;
pub(crate) use self::parquet::{ParquetEncoder, ParquetSettings};

/// The sink, shared between the encoder (which writes) and the output writer (which commits,
/// aborts or asks for the upload's failure).
#[derive(Clone)]
pub(crate) struct SharedSink(Arc<Mutex<Sink>>);

impl SharedSink {
    pub(crate) fn new(sink: Sink) -> Self {
        Self(Arc::new(Mutex::new(sink)))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Sink> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The sink itself, once the encoder holding the other handle is gone.
    pub(crate) fn into_inner(self) -> Option<Sink> {
        Arc::into_inner(self.0).map(|m| {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        })
    }
}

impl Write for SharedSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.lock().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.lock().flush()
    }
}

/// One of the three encoders.
pub(crate) enum Encoder {
    Parquet(ParquetEncoder),
    Csv(CsvEncoder),
    Feather(FeatherEncoder),
}

impl Encoder {
    /// Encodes one batch.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        match self {
            Self::Parquet(e) => e.write(batch),
            Self::Csv(e) => e.write(batch),
            Self::Feather(e) => e.write(batch),
        }
    }

    /// Writes the file's end (footer, metadata) with `metadata` (key, value) pairs added where
    /// the format keeps file metadata at the end (Parquet).
    pub(crate) fn finish(self, metadata: Vec<(String, String)>) -> Result<(), String> {
        match self {
            Self::Parquet(e) => e.finish(metadata),
            Self::Csv(e) => e.finish(),
            Self::Feather(e) => e.finish(),
        }
    }
}

/// The schema with `metadata` attached (for formats that write metadata up front).
pub(crate) fn with_metadata(schema: &SchemaRef, metadata: Vec<(String, String)>) -> SchemaRef {
    Arc::new(
        schema.as_ref().clone().with_metadata(
            metadata
                .into_iter()
                .collect::<std::collections::HashMap<_, _>>(),
        ),
    )
}
