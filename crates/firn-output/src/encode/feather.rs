//! Feather v2 (the Arrow IPC file format) with zstd-compressed buffers, as
//! `pyarrow.feather.read_table` and `pandas.read_feather` read it.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::ipc::CompressionType;
use arrow::ipc::writer::{FileWriter, IpcWriteOptions};

use super::SharedSink;

pub(crate) struct FeatherEncoder {
    writer: FileWriter<SharedSink>,
}

impl FeatherEncoder {
    /// `schema` carries the file metadata (`pandas`, `firn`): IPC writes it up front.
    pub(crate) fn new(sink: SharedSink, schema: &SchemaRef) -> Result<Self, String> {
        let options = IpcWriteOptions::default()
            .try_with_compression(Some(CompressionType::ZSTD))
            .map_err(|e| e.to_string())?;
        let writer =
            FileWriter::try_new_with_options(sink, schema, options).map_err(|e| e.to_string())?;
        Ok(Self { writer })
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        self.writer.write(batch).map_err(|e| e.to_string())
    }

    pub(crate) fn finish(mut self) -> Result<(), String> {
        self.writer.finish().map_err(|e| e.to_string())?;
        self.writer
            .into_inner()
            .map(drop)
            .map_err(|e| e.to_string())
    }
}
