//! Where a run's rows go, granule by granule: the [`RowSink`] seam, and [`OutputSink`], the sink
//! that writes an output file (or one part per granule) through firn-output.
//!
//! The command line writes files; `firn serve` writes files too, or streams the rows back to the
//! client as records (its own sink). One pipeline drives them all.

use firn_output::{
    FirnMetadata, Format, OutputSpec, OutputWriter, PartWriter, SegmentBatch, WriterOptions,
};

use super::run::RunError;

/// Why a sink could not take a granule's rows.
#[derive(Debug)]
pub(crate) enum SinkError {
    /// The whole output is spoiled: the run stops (and nothing is left behind).
    Fatal(RunError),
    /// Only this granule is lost (its part could not be written); the run goes on.
    Granule(String),
}

impl From<RunError> for SinkError {
    fn from(error: RunError) -> Self {
        Self::Fatal(error)
    }
}

/// Takes the rows of each granule as it finishes, in output order, then completes the output.
pub(crate) trait RowSink {
    /// What a completed output reports.
    type Output;

    /// Whether `granule` (a bare file name) was written by an earlier run, so the run skips it.
    fn is_done(&mut self, _granule: &str) -> Result<bool, RunError> {
        Ok(false)
    }

    /// Takes one granule's rows (possibly none).
    fn write(&mut self, granule: &str, batch: &SegmentBatch) -> Result<(), SinkError>;

    /// Completes the output. A sink dropped without `finish` leaves nothing behind.
    fn finish(self) -> Result<Self::Output, RunError>;
}

/// What a run wrote: one file, or a prefix of parts with their manifest.
#[derive(Debug)]
pub(crate) struct Written {
    /// The file, or the prefix of the parts.
    pub(crate) url: String,
    /// The format.
    pub(crate) format: Format,
    /// Rows in the output (in part mode: in every recorded part, earlier runs' included).
    pub(crate) rows: u64,
    /// Bytes of the file (`None` in part mode, where the parts are separate files).
    pub(crate) bytes: Option<u64>,
}

/// An output file, or one part per granule (`output.parts`), through firn-output.
pub(crate) enum OutputSink {
    /// One file for the whole run: a failed write spoils it, so it ends the run.
    Single(Box<OutputWriter>),
    /// A part per granule: parts are independent, a failed part fails its granule alone.
    Parts {
        /// The writer of the parts and their manifest.
        parts: Box<PartWriter>,
        /// The prefix, as text.
        url: String,
        /// The format of the parts.
        format: Format,
    },
}

impl OutputSink {
    /// Opens the output `spec` describes, with `metadata` for the `firn` key.
    pub(crate) fn open(spec: &OutputSpec, metadata: &FirnMetadata) -> Result<Self, RunError> {
        Ok(if spec.parts {
            Self::Parts {
                parts: Box::new(PartWriter::open(spec, metadata, &WriterOptions::default())?),
                url: spec.destination.display(),
                format: spec.format,
            }
        } else {
            Self::Single(Box::new(OutputWriter::create(spec, metadata)?))
        })
    }
}

impl RowSink for OutputSink {
    type Output = Written;

    fn is_done(&mut self, granule: &str) -> Result<bool, RunError> {
        match self {
            Self::Single(_) => Ok(false),
            Self::Parts { parts, .. } => Ok(parts.exists(granule)?),
        }
    }

    fn write(&mut self, granule: &str, batch: &SegmentBatch) -> Result<(), SinkError> {
        match self {
            Self::Single(writer) => writer.write(batch).map_err(|e| SinkError::Fatal(e.into())),
            Self::Parts { parts, .. } => {
                write_part(parts, granule, batch).map_err(|e| SinkError::Granule(e.to_string()))
            }
        }
    }

    fn finish(self) -> Result<Written, RunError> {
        Ok(match self {
            Self::Single(writer) => {
                let summary = writer.finish()?;
                Written {
                    url: summary.url,
                    format: summary.format,
                    rows: summary.rows,
                    bytes: Some(summary.bytes),
                }
            }
            Self::Parts { parts, url, format } => Written {
                url,
                format,
                rows: parts.manifest().granules.iter().map(|p| p.rows).sum(),
                bytes: None,
            },
        })
    }
}

/// Writes one granule's part and records it in the manifest.
fn write_part(
    parts: &mut PartWriter,
    granule: &str,
    batch: &SegmentBatch,
) -> Result<(), firn_output::Error> {
    let mut writer = parts.create_part(granule)?;
    writer.write(batch)?;
    let summary = writer.finish()?;
    parts.record(granule, &summary)
}
