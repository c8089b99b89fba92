//! Merging a finished part-mode run into one file: the parts in plan order, streamed a record
//! batch at a time into one [`OutputWriter`], so memory stays bounded by a row group whatever
//! the number of parts; the `geo` bbox is the union of the parts' rows.

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::metadata::FirnMetadata;
use crate::run::RunPrefix;
use crate::spec::{Destination, Format, OutputSpec};
use crate::writer::{OutputSummary, OutputWriter};

/// Rows per record batch read from a part (the writer regroups them into row groups).
const MERGE_BATCH_ROWS: usize = 16 * 1024;

impl RunPrefix {
    /// Merges the parts of a complete run (`manifest` from [`gather`](Self::gather)) into one
    /// file at `target`, in the parts' format (GeoParquet or Parquet), with the credentials,
    /// region and endpoint of this prefix. Rows keep the plan's granule order and each part's
    /// row order, which is SPEC §8's order. Nothing is visible at `target` unless every part was
    /// merged.
    pub fn merge(&self, manifest: &Manifest, target: &Destination) -> Result<OutputSummary> {
        if !manifest.complete {
            let not_done: Vec<&str> = manifest.not_done().collect();
            return Err(Error::spec(
                "merge",
                format!(
                    "the run is incomplete ({} of {} granules not done, e.g. {}): nothing merged",
                    not_done.len(),
                    manifest.planned,
                    not_done.first().unwrap_or(&"?")
                ),
            ));
        }
        let format = Format::from_name(&manifest.format).ok_or_else(|| {
            Error::spec(
                "merge",
                format!("unknown part format '{}' in the manifest", manifest.format),
            )
        })?;
        if !matches!(format, Format::GeoParquet | Format::Parquet) {
            return Err(Error::spec(
                "merge",
                format!("the parts are {}: merge reads Parquet parts", format.name()),
            ));
        }
        if self.contains(target) {
            return Err(Error::spec(
                "merge",
                format!(
                    "{} is under the run's prefix, where dataset readers would count its rows twice",
                    target.display()
                ),
            ));
        }
        let spec = OutputSpec {
            destination: target.clone(),
            format,
            ..self.spec.clone()
        };
        let metadata = FirnMetadata {
            request: manifest.request.clone(),
            granules: manifest.granules.iter().map(|e| e.name.clone()).collect(),
            version: manifest.version.clone(),
        };
        let mut writer = OutputWriter::open(target, &spec, &metadata, &self.options)?;
        for entry in &manifest.granules {
            let url = self.url_of(&entry.part);
            let read_error = |message: String| Error::Read {
                path: url.clone(),
                message,
            };
            let file = self.store.open_file(&entry.part)?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)
                .and_then(|b| b.with_batch_size(MERGE_BATCH_ROWS).build())
                .map_err(|e| read_error(e.to_string()))?;
            let mut rows = 0u64;
            for batch in reader {
                let batch = batch.map_err(|e| read_error(e.to_string()))?;
                rows += batch.num_rows() as u64;
                writer
                    .write_record(&batch)
                    .map_err(|e| read_error(e.to_string()))?;
            }
            if rows != entry.rows {
                return Err(read_error(format!(
                    "holds {rows} rows but its record says {}",
                    entry.rows
                )));
            }
        }
        writer.finish()
    }

    /// Whether `target` lies under this prefix.
    fn contains(&self, target: &Destination) -> bool {
        match (&self.spec.destination, target) {
            (Destination::Local(prefix), Destination::Local(path)) => path.starts_with(prefix),
            (
                Destination::S3 { bucket, key },
                Destination::S3 {
                    bucket: other,
                    key: other_key,
                },
            ) => {
                bucket == other && other_key.starts_with(&format!("{}/", key.trim_end_matches('/')))
            }
            _ => false,
        }
    }
}
