//! Parquet (and GeoParquet) through `parquet::arrow::ArrowWriter`: zstd, bounded row groups,
//! footer metadata appended at the end (the GeoParquet file bbox is known only then).

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::SharedSink;

/// Encoder settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParquetSettings {
    pub(crate) row_group_rows: usize,
    pub(crate) zstd_level: i32,
}

pub(crate) struct ParquetEncoder {
    writer: ArrowWriter<SharedSink>,
}

impl ParquetEncoder {
    pub(crate) fn new(
        sink: SharedSink,
        schema: SchemaRef,
        settings: ParquetSettings,
    ) -> Result<Self, String> {
        let level = ZstdLevel::try_new(settings.zstd_level).map_err(|e| e.to_string())?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(level))
            .set_max_row_group_row_count(Some(settings.row_group_rows.max(1)))
            .set_created_by(format!("firn-output {}", env!("CARGO_PKG_VERSION")))
            .build();
        // No embedded `ARROW:schema`: pyarrow would take the schema metadata from it alone and
        // hide the footer keys appended at the end (`geo`); the Parquet logical types already
        // give back every Arrow type written here (UTC timestamps, unsigned integers, structs).
        let options = ArrowWriterOptions::new()
            .with_properties(properties)
            .with_skip_arrow_metadata(true);
        let writer =
            ArrowWriter::try_new_with_options(sink, schema, options).map_err(|e| e.to_string())?;
        Ok(Self { writer })
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        self.writer.write(batch).map_err(|e| e.to_string())
    }

    pub(crate) fn finish(mut self, metadata: Vec<(String, String)>) -> Result<(), String> {
        for (key, value) in metadata {
            self.writer
                .append_key_value_metadata(KeyValue::new(key, value));
        }
        self.writer
            .into_inner()
            .map(drop)
            .map_err(|e| e.to_string())
    }
}
