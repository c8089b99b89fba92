//! [`OutputWriter`]: one output file, written batch by batch, visible only once finished.

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::batch::{Bbox, SegmentBatch, extend};
use crate::encode::{
    CsvEncoder, Encoder, FeatherEncoder, ParquetEncoder, ParquetSettings, SharedSink, with_metadata,
};
use crate::error::{Error, Result};
use crate::geoparquet;
use crate::metadata::{FIRN_KEY, FirnMetadata, GEO_KEY, PANDAS_KEY, pandas_metadata};
use crate::schema::{Layout, record_batch, record_bbox, schema};
use crate::sink::Sink;
use crate::sink::store::S3Options;
use crate::spec::{Destination, Format, OutputSpec};

/// Tuning knobs of a writer; the defaults suit production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// Maximum rows per Parquet row group (SPEC §8: about 100k).
    pub row_group_rows: usize,
    /// Zstd level for Parquet pages (1-22).
    pub zstd_level: i32,
    /// S3 upload behaviour.
    pub s3: S3Options,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            row_group_rows: 100_000,
            zstd_level: 3,
            s3: S3Options::default(),
        }
    }
}

/// What a finished output holds.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSummary {
    /// The local path or `s3://bucket/key` written.
    pub url: String,
    /// The format written.
    pub format: Format,
    /// Rows (segments) written.
    pub rows: u64,
    /// Bytes of the file.
    pub bytes: u64,
    /// Bounding box of the finite positions, `None` when there are none.
    pub bbox: Option<Bbox>,
}

/// Writes one output file: [`create`](Self::create), [`write`](Self::write) batches as beams
/// finish, then [`finish`](Self::finish).
///
/// # Memory
///
/// Bounded by one Parquet row group in progress (`row_group_rows` encoded rows), plus, for S3,
/// a few 1 MiB chunks in flight to the uploader and `max_concurrency` parts of `part_size`.
///
/// # Failure
///
/// Nothing is visible until `finish` succeeds. A failed `write` or `finish`, [`abort`](Self::abort)
/// or dropping the writer deletes the temporary local file or aborts the multipart upload.
pub struct OutputWriter {
    active: Option<Active>,
}

struct Active {
    encoder: Encoder,
    sink: SharedSink,
    schema: SchemaRef,
    layout: Layout,
    format: Format,
    url: String,
    rows: u64,
    bbox: Option<Bbox>,
    footer: Vec<(String, String)>,
}

impl std::fmt::Debug for OutputWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("OutputWriter");
        if let Some(active) = &self.active {
            s.field("url", &active.url)
                .field("format", &active.format)
                .field("rows", &active.rows);
        }
        s.finish_non_exhaustive()
    }
}

impl OutputWriter {
    /// Opens the output described by `spec` with default options.
    pub fn create(spec: &OutputSpec, metadata: &FirnMetadata) -> Result<Self> {
        Self::create_with(spec, metadata, &WriterOptions::default())
    }

    /// Opens the output described by `spec`. Fails for part mode (`spec.parts`): use
    /// [`PartWriter`](crate::PartWriter) there.
    pub fn create_with(
        spec: &OutputSpec,
        metadata: &FirnMetadata,
        options: &WriterOptions,
    ) -> Result<Self> {
        if spec.parts {
            return Err(Error::spec(
                "output.parts",
                "part mode writes one file per granule: use PartWriter",
            ));
        }
        Self::open(&spec.destination, spec, metadata, options)
    }

    /// Opens `destination` with the format, credentials and endpoint of `spec`.
    pub(crate) fn open(
        destination: &Destination,
        spec: &OutputSpec,
        metadata: &FirnMetadata,
        options: &WriterOptions,
    ) -> Result<Self> {
        let layout = match spec.format {
            Format::GeoParquet => Layout::Geo,
            _ => Layout::LatLon,
        };
        let plain: SchemaRef = Arc::new(schema(layout));
        let sink = SharedSink::new(Sink::open(destination, spec, &options.s3)?);
        let url = destination.display();
        let fail = |message: String| Error::Encode {
            target: url.clone(),
            format: spec.format.name(),
            message,
        };
        let header = vec![
            (PANDAS_KEY.to_owned(), pandas_metadata(&plain)),
            (FIRN_KEY.to_owned(), metadata.to_json()),
        ];
        let (encoder, schema, footer) = match spec.format {
            Format::GeoParquet | Format::Parquet => {
                let settings = ParquetSettings {
                    row_group_rows: options.row_group_rows,
                    zstd_level: options.zstd_level,
                };
                let encoder = ParquetEncoder::new(sink.clone(), Arc::clone(&plain), settings)
                    .map_err(fail)?;
                (Encoder::Parquet(encoder), plain, header)
            }
            Format::Csv => (
                Encoder::Csv(CsvEncoder::new(sink.clone())),
                plain,
                Vec::new(),
            ),
            Format::Feather => {
                let schema = with_metadata(&plain, header);
                let encoder = FeatherEncoder::new(sink.clone(), &schema).map_err(fail)?;
                (Encoder::Feather(encoder), schema, Vec::new())
            }
        };
        tracing::debug!(url = %url, format = spec.format.name(), "output opened");
        Ok(Self {
            active: Some(Active {
                encoder,
                sink,
                schema,
                layout,
                format: spec.format,
                url,
                rows: 0,
                bbox: None,
                footer,
            }),
        })
    }

    /// Encodes `batch`; its bytes leave as soon as the format allows. After an error the
    /// output is aborted and every later call fails.
    pub fn write(&mut self, batch: &SegmentBatch) -> Result<()> {
        let rows = batch.rows()?;
        let active = self.active.as_mut().ok_or_else(closed)?;
        if rows == 0 {
            return Ok(());
        }
        match active.write(batch, rows) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.abort();
                Err(e)
            }
        }
    }

    /// Encodes a record batch that is already in this output's columns (a part being merged):
    /// the columns must have the output schema's types; metadata is this writer's own.
    pub(crate) fn write_record(&mut self, record: &RecordBatch) -> Result<()> {
        let active = self.active.as_mut().ok_or_else(closed)?;
        match active.write_record(record) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.abort();
                Err(e)
            }
        }
    }

    /// Writes the end of the file and makes it visible (rename or upload completion).
    pub fn finish(mut self) -> Result<OutputSummary> {
        let Active {
            encoder,
            sink,
            format,
            url,
            rows,
            bbox,
            mut footer,
            ..
        } = self.active.take().ok_or_else(closed)?;
        if format == Format::GeoParquet {
            footer.push((
                GEO_KEY.to_owned(),
                geoparquet::geo_metadata(bbox).to_string(),
            ));
        }
        if let Err(message) = encoder.finish(footer) {
            let cause = sink.lock().failure();
            return Err(cause.unwrap_or_else(|| Error::Encode {
                target: url.clone(),
                format: format.name(),
                message,
            }));
        }
        let sink = sink.into_inner().ok_or_else(|| Error::Encode {
            target: url.clone(),
            format: format.name(),
            message: "encoder kept its sink".into(),
        })?;
        let bytes = sink.commit()?;
        tracing::info!(url = %url, rows, bytes, "output written");
        Ok(OutputSummary {
            url,
            format,
            rows,
            bytes,
            bbox,
        })
    }

    /// Discards the output: the temporary file is deleted or the upload aborted. A failure to
    /// abort is logged (never with credentials); the object is not visible either way.
    pub fn abort(&mut self) {
        if let Some(Active {
            encoder, sink, url, ..
        }) = self.active.take()
        {
            drop(encoder);
            if let Some(sink) = sink.into_inner()
                && let Err(e) = sink.abort()
            {
                tracing::warn!(url = %url, error = %e, "abort failed");
            }
        }
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.active.as_ref().map_or(0, |a| a.rows)
    }

    /// Bytes handed to the destination so far (Parquet sends them a row group at a time).
    pub fn bytes_written(&self) -> u64 {
        self.active.as_ref().map_or(0, |a| a.sink.lock().bytes())
    }
}

impl Active {
    fn write(&mut self, batch: &SegmentBatch, rows: usize) -> Result<()> {
        let result = record_batch(batch, &self.schema, self.layout)
            .map_err(|e| e.to_string())
            .and_then(|record| self.encoder.write(&record));
        if let Err(message) = result {
            return Err(self.encode_error(message));
        }
        self.rows += rows as u64;
        if let Some(b) = batch.bbox() {
            self.bbox = Some(extend(self.bbox, b));
        }
        Ok(())
    }

    fn write_record(&mut self, record: &RecordBatch) -> Result<()> {
        let record = RecordBatch::try_new(Arc::clone(&self.schema), record.columns().to_vec())
            .map_err(|e| {
                self.encode_error(format!("columns do not match the output schema: {e}"))
            })?;
        if let Err(message) = self.encoder.write(&record) {
            return Err(self.encode_error(message));
        }
        self.rows += record.num_rows() as u64;
        if let Some(b) = record_bbox(&record, self.layout) {
            self.bbox = Some(extend(self.bbox, b));
        }
        Ok(())
    }

    fn encode_error(&self, message: String) -> Error {
        let cause = self.sink.lock().failure();
        cause.unwrap_or_else(|| Error::Encode {
            target: self.url.clone(),
            format: self.format.name(),
            message,
        })
    }
}

impl Drop for OutputWriter {
    fn drop(&mut self) {
        self.abort();
    }
}

fn closed() -> Error {
    Error::spec("output", "the writer was aborted after an earlier error")
}
