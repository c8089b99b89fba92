//! Parquet truth sidecars: per photon (optional) and per segment.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, RecordBatch, StringArray, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::scene::Block;
use crate::{Beam, Error, Result};

/// Schema of `<stem>_truth_photons.parquet`.
pub fn photon_truth_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("beam", DataType::Utf8, false),
        Field::new("photon_index", DataType::UInt64, false),
        Field::new("is_signal", DataType::Boolean, false),
        Field::new("surface_height", DataType::Float64, false),
        Field::new("is_canopy", DataType::Boolean, false),
    ]))
}

/// Schema of `<stem>_truth_segments.parquet`.
pub fn segment_truth_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("beam", DataType::Utf8, false),
        Field::new("segment_id", DataType::Int32, false),
        Field::new("segment_dist_x", DataType::Float64, false),
        Field::new("centre_dist_x", DataType::Float64, false),
        Field::new("true_height", DataType::Float64, false),
        Field::new("true_slope", DataType::Float64, false),
        Field::new("latitude", DataType::Float64, false),
        Field::new("longitude", DataType::Float64, false),
    ]))
}

/// One Parquet file being written.
struct Sidecar {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    path: PathBuf,
}

impl Sidecar {
    fn create(path: &Path, schema: SchemaRef) -> Result<Self> {
        let file = File::create(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|source| {
            Error::Parquet {
                path: path.to_path_buf(),
                source,
            }
        })?;
        Ok(Self {
            writer,
            schema,
            path: path.to_path_buf(),
        })
    }

    fn write(&mut self, columns: Vec<ArrayRef>) -> Result<()> {
        let batch =
            RecordBatch::try_new(self.schema.clone(), columns).map_err(|source| Error::Arrow {
                path: self.path.clone(),
                source,
            })?;
        self.writer.write(&batch).map_err(|source| Error::Parquet {
            path: self.path.clone(),
            source,
        })
    }

    fn close(self) -> Result<()> {
        self.writer
            .close()
            .map(drop)
            .map_err(|source| Error::Parquet {
                path: self.path,
                source,
            })
    }
}

/// The truth sidecars of one granule.
pub(crate) struct TruthWriter {
    segments: Sidecar,
    photons: Option<Sidecar>,
}

impl TruthWriter {
    /// Creates the segment sidecar at `segments`, and the photon sidecar when `photons` is given.
    pub(crate) fn create(segments: &Path, photons: Option<&Path>) -> Result<Self> {
        Ok(Self {
            segments: Sidecar::create(segments, segment_truth_schema())?,
            photons: photons
                .map(|p| Sidecar::create(p, photon_truth_schema()))
                .transpose()?,
        })
    }

    /// Appends the truth of `block` of `beam`, whose first photon is row `first_photon`.
    pub(crate) fn append(&mut self, beam: Beam, block: &Block, first_photon: u64) -> Result<()> {
        let s = &block.segments;
        let names = |n: usize| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
                beam.name(),
                n,
            )))
        };
        self.segments.write(vec![
            names(s.len()),
            Arc::new(Int32Array::from(s.segment_id.clone())),
            Arc::new(Float64Array::from(s.segment_dist_x.clone())),
            Arc::new(Float64Array::from(s.centre_dist_x.clone())),
            Arc::new(Float64Array::from(s.true_height.clone())),
            Arc::new(Float64Array::from(s.true_slope.clone())),
            Arc::new(Float64Array::from(s.centre_lat.clone())),
            Arc::new(Float64Array::from(s.centre_lon.clone())),
        ])?;
        if let Some(sidecar) = &mut self.photons {
            let p = &block.photons;
            let n = p.len() as u64;
            sidecar.write(vec![
                names(p.len()),
                Arc::new(UInt64Array::from_iter_values(
                    first_photon..first_photon + n,
                )),
                Arc::new(BooleanArray::from(p.is_signal.clone())),
                Arc::new(Float64Array::from(p.surface_height.clone())),
                Arc::new(BooleanArray::from(p.is_canopy.clone())),
            ])?;
        }
        Ok(())
    }

    /// Writes the footers.
    pub(crate) fn close(self) -> Result<()> {
        self.segments.close()?;
        self.photons.map_or(Ok(()), Sidecar::close)
    }
}
