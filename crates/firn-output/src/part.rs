//! Part mode: one file per granule under a prefix, for regions too large for one file and for
//! runs split into shards, resumed or retried.
//!
//! A part becomes visible only when complete (local rename, S3 upload completion). Once it is,
//! its record (`_parts/<stem>.json`: name, part, rows, bbox) is written: a granule counts as done
//! when both exist, so a part written but not yet recorded (the writer was killed in between) is
//! simply written again, under the same name, replacing it. No two writers ever share a file:
//! each part and each record has a name of its own, so shards never race on a manifest.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::batch::Bbox;
use crate::error::{Error, Result};
use crate::layout::{MANIFEST, granule_file, granule_stem, record_name};
use crate::manifest::Manifest;
use crate::metadata::FirnMetadata;
use crate::sink::prefix::PrefixStore;
use crate::spec::redacted_request;
use crate::spec::{Destination, OutputSpec};
use crate::writer::{OutputSummary, OutputWriter, WriterOptions};

/// One finished part, as its record and the run manifest state it.
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
    prefix: PrefixStore,
    /// Parts this writer recorded or found finished, in that order.
    known: Mutex<Vec<PartEntry>>,
}

impl PartWriter {
    /// Opens the prefix (nothing is read or written until a part is asked about).
    pub fn open(
        spec: &OutputSpec,
        metadata: &FirnMetadata,
        options: &WriterOptions,
    ) -> Result<Self> {
        let spec = OutputSpec {
            parts: false,
            ..spec.clone()
        };
        Ok(Self {
            prefix: PrefixStore::open(&spec, &options.s3)?,
            metadata: FirnMetadata {
                request: redacted_request(&metadata.request),
                ..metadata.clone()
            },
            spec,
            options: *options,
            known: Mutex::new(Vec::new()),
        })
    }

    /// The part's file name for `granule` (its stem plus the format's extension).
    pub fn part_name(&self, granule: &str) -> Result<String> {
        Ok(format!(
            "{}.{}",
            granule_stem(granule)?,
            self.spec.format.extension()
        ))
    }

    /// Whether `granule`'s part was finished by this or an earlier run: its record names this
    /// part and the part is present under the prefix.
    pub fn exists(&self, granule: &str) -> Result<bool> {
        let part = self.part_name(granule)?;
        let record = record_name(granule_stem(granule)?);
        let Some(bytes) = self.prefix.read(&record)? else {
            return Ok(false);
        };
        let entry: PartEntry = serde_json::from_slice(&bytes).map_err(|e| Error::Manifest {
            path: self.prefix.url_of(&record),
            message: format!("not a part record: {e}"),
        })?;
        if entry.part != part || !self.prefix.exists(&part)? {
            return Ok(false);
        }
        self.remember(entry);
        Ok(true)
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

    /// Records a finished part (its record replaces any earlier one of the same granule).
    pub fn record(&mut self, granule: &str, summary: &OutputSummary) -> Result<()> {
        let entry = PartEntry {
            name: granule_file(granule).to_owned(),
            part: self.part_name(granule)?,
            rows: summary.rows,
            bbox: summary.bbox,
        };
        let record = record_name(granule_stem(granule)?);
        let bytes = serde_json::to_vec_pretty(&entry).map_err(|e| Error::Manifest {
            path: self.prefix.url_of(&record),
            message: e.to_string(),
        })?;
        self.prefix.put(&record, bytes)?;
        self.remember(entry);
        Ok(())
    }

    /// The parts this writer recorded or found finished, with the request and version; the run
    /// manifest of every shard together is written by [`RunPrefix::gather`](crate::RunPrefix::gather).
    pub fn manifest(&self) -> Manifest {
        Manifest {
            granules: self.known().clone(),
            request: self.metadata.request.clone(),
            version: self.metadata.version.clone(),
            format: self.spec.format.name().to_owned(),
            ..Manifest::default()
        }
    }

    /// Where the run manifest lives.
    pub fn manifest_destination(&self) -> Destination {
        self.spec.destination.join(MANIFEST)
    }

    fn remember(&self, entry: PartEntry) {
        let mut known = self.known();
        match known.iter_mut().find(|e| e.part == entry.part) {
            Some(existing) => *existing = entry,
            None => known.push(entry),
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Vec<PartEntry>> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
