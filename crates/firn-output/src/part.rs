//! Part mode: one file per granule under a prefix plus `manifest.json`, for regions too large
//! for one file and for resuming a run (a granule whose part is recorded is skipped).
//!
//! The manifest is rewritten (atomically) after every part, so it always lists exactly the
//! parts that were completed; a part written but not yet recorded is simply written again.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::batch::Bbox;
use crate::error::{Error, Result};
use crate::metadata::FirnMetadata;
use crate::sink::object;
use crate::spec::redacted_request;
use crate::spec::{Destination, OutputSpec};
use crate::writer::{OutputSummary, OutputWriter, WriterOptions};

/// Name of the manifest under the prefix.
pub const MANIFEST: &str = "manifest.json";

/// The manifest of a part-mode output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// One entry per completed part, in the order they were recorded.
    pub granules: Vec<PartEntry>,
    /// The request, credentials removed.
    pub request: Value,
    /// The software version.
    pub version: String,
}

/// One completed part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartEntry {
    /// The granule's file name, e.g. `ATL03_20200101000000_00100610_006_01.h5`.
    pub name: String,
    /// The part's file name under the prefix, e.g. `ATL03_20200101000000_00100610_006_01.parquet`.
    pub part: String,
    /// Rows in the part.
    pub rows: u64,
    /// Bounding box of the part, `None` when it has no positions.
    pub bbox: Option<Bbox>,
}

/// Writes one part per granule under `spec.destination` (a directory or an S3 key prefix).
#[derive(Debug)]
pub struct PartWriter {
    spec: OutputSpec,
    metadata: FirnMetadata,
    options: WriterOptions,
    manifest: Manifest,
}

impl PartWriter {
    /// Opens the prefix, reading the manifest of an earlier run if there is one.
    pub fn open(
        spec: &OutputSpec,
        metadata: &FirnMetadata,
        options: &WriterOptions,
    ) -> Result<Self> {
        let manifest_at = spec.destination.join(MANIFEST);
        let mut manifest = match object::read(&manifest_at, spec, &options.s3)? {
            Some(bytes) => {
                serde_json::from_slice::<Manifest>(&bytes).map_err(|e| Error::Manifest {
                    path: manifest_at.display(),
                    message: e.to_string(),
                })?
            }
            None => Manifest::default(),
        };
        manifest.request = redacted_request(&metadata.request);
        manifest.version.clone_from(&metadata.version);
        Ok(Self {
            spec: OutputSpec {
                parts: false,
                ..spec.clone()
            },
            metadata: FirnMetadata {
                request: manifest.request.clone(),
                ..metadata.clone()
            },
            options: *options,
            manifest,
        })
    }

    /// The part's file name for `granule` (its stem plus the format's extension).
    pub fn part_name(&self, granule: &str) -> Result<String> {
        let file = granule.rsplit('/').next().unwrap_or(granule);
        let stem = file.strip_suffix(".h5").unwrap_or(file);
        if stem.is_empty() {
            return Err(Error::spec(
                "granule",
                format!("no file name in '{granule}'"),
            ));
        }
        Ok(format!("{stem}.{}", self.spec.format.extension()))
    }

    /// Whether `granule`'s part was completed by this or an earlier run: recorded in the
    /// manifest and present under the prefix.
    pub fn exists(&self, granule: &str) -> Result<bool> {
        let part = self.part_name(granule)?;
        if !self.manifest.granules.iter().any(|e| e.part == part) {
            return Ok(false);
        }
        object::exists(
            &self.spec.destination.join(&part),
            &self.spec,
            &self.options.s3,
        )
    }

    /// A writer for `granule`'s part; its `firn` metadata names that granule alone.
    pub fn create_part(&self, granule: &str) -> Result<OutputWriter> {
        let destination = self.spec.destination.join(&self.part_name(granule)?);
        let metadata = FirnMetadata {
            granules: vec![granule.to_owned()],
            ..self.metadata.clone()
        };
        OutputWriter::open(&destination, &self.spec, &metadata, &self.options)
    }

    /// Records a finished part and rewrites the manifest.
    pub fn record(&mut self, granule: &str, summary: &OutputSummary) -> Result<()> {
        let part = self.part_name(granule)?;
        let name = granule.rsplit('/').next().unwrap_or(granule).to_owned();
        let entry = PartEntry {
            name,
            part,
            rows: summary.rows,
            bbox: summary.bbox,
        };
        match self
            .manifest
            .granules
            .iter_mut()
            .find(|e| e.part == entry.part)
        {
            Some(existing) => *existing = entry,
            None => self.manifest.granules.push(entry),
        }
        let manifest_at = self.manifest_destination();
        let bytes = serde_json::to_vec_pretty(&self.manifest).map_err(|e| Error::Manifest {
            path: manifest_at.display(),
            message: e.to_string(),
        })?;
        object::write(&manifest_at, &self.spec, &self.options.s3, bytes)
    }

    /// The manifest as it stands.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Where the manifest lives.
    pub fn manifest_destination(&self) -> Destination {
        self.spec.destination.join(MANIFEST)
    }
}
