//! CSV through `arrow::csv`: a header row, times as ISO 8601 UTC with nanoseconds
//! (`2019-11-13T02:33:50.123456789Z`).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, TimestampNanosecondArray};
use arrow::csv::{Writer, WriterBuilder};
use arrow::datatypes::{DataType, Field, Schema};

use super::SharedSink;

/// The `time` format. The column is UTC; it is handed to the CSV writer without its zone (the
/// writer would need chrono-tz to format a named zone), so the `Z` suffix is literal.
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.9fZ";

pub(crate) struct CsvEncoder {
    writer: Writer<SharedSink>,
}

impl CsvEncoder {
    pub(crate) fn new(sink: SharedSink) -> Self {
        let writer = WriterBuilder::new()
            .with_header(true)
            .with_timestamp_format(TIME_FORMAT.to_owned())
            .build(sink);
        Self { writer }
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        let batch = without_zone(batch).map_err(|e| e.to_string())?;
        self.writer.write(&batch).map_err(|e| e.to_string())
    }

    pub(crate) fn finish(self) -> Result<(), String> {
        let mut sink = self.writer.into_inner();
        std::io::Write::flush(&mut sink).map_err(|e| e.to_string())
    }
}

/// The batch with its UTC timestamp columns relabelled as zone-less (same values).
fn without_zone(batch: &RecordBatch) -> Result<RecordBatch, arrow::error::ArrowError> {
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        match column.as_any().downcast_ref::<TimestampNanosecondArray>() {
            Some(times) if times.timezone().is_some() => {
                let naive = times.clone().with_timezone_opt(None::<String>);
                fields.push(Field::new(
                    field.name(),
                    naive.data_type().clone(),
                    field.is_nullable(),
                ));
                columns.push(Arc::new(naive));
            }
            _ => {
                fields.push(field.as_ref().clone());
                columns.push(Arc::clone(column));
            }
        }
    }
    debug_assert!(
        fields
            .iter()
            .all(|f| !matches!(f.data_type(), DataType::Timestamp(_, Some(_))))
    );
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}
