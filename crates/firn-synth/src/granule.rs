//! Writing whole granules: the HDF5 file and its truth sidecars, block by block.

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::scene::{Block, Scene};
use crate::truth::TruthWriter;
use crate::writer::{BeamWriter, create_file, write_metadata};
use crate::{Beam, Error, GranuleSpec, Result};

/// Blocks generated in parallel between two flushes; bounds memory to roughly
/// `BATCH_BLOCKS × 256 segments × photons per segment`.
const BATCH_BLOCKS: usize = 16;

/// How to write a granule.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Write `<stem>_truth_photons.parquet` (one row per photon; large for full granules).
    pub photon_truth: bool,
    /// Advanced by one per block of 256 segments per beam; its length is set to the total.
    pub progress: Option<ProgressBar>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            photon_truth: true,
            progress: None,
        }
    }
}

/// What was written for one beam.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeamSummary {
    /// The beam.
    pub beam: Beam,
    /// Simulated as strong.
    pub strong: bool,
    /// Photons written.
    pub photons: u64,
    /// Of which signal.
    pub signal_photons: u64,
    /// Segments written.
    pub segments: u64,
    /// Segments with no photon.
    pub empty_segments: u64,
    /// Laser shots outside telemetry gaps.
    pub shots: u64,
}

/// The files of one written granule.
#[derive(Debug, Clone, PartialEq)]
pub struct GranuleOutput {
    /// The granule, `ATL03_…​.h5`.
    pub h5_path: PathBuf,
    /// `<stem>_truth_segments.parquet`.
    pub truth_segments_path: PathBuf,
    /// `<stem>_truth_photons.parquet`, when requested.
    pub truth_photons_path: Option<PathBuf>,
    /// Per beam, in file order.
    pub beams: Vec<BeamSummary>,
}

impl GranuleOutput {
    /// Photons written for `beam` (None when the beam was not written).
    pub fn photons(&self, beam: Beam) -> Option<u64> {
        self.beams
            .iter()
            .find(|b| b.beam == beam)
            .map(|b| b.photons)
    }

    /// Photons over all beams.
    pub fn total_photons(&self) -> u64 {
        self.beams.iter().map(|b| b.photons).sum()
    }
}

/// Writes the granule of `spec` into `out_dir` with default [`WriteOptions`].
pub fn write_granule(spec: &GranuleSpec, out_dir: &Path) -> Result<GranuleOutput> {
    write_granule_with(spec, out_dir, &WriteOptions::default())
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io { path, source }
}

fn partial(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Writes the granule of `spec` into `out_dir` (created if missing). Files are written under a
/// `.partial` name and renamed at the end, so a failed run never leaves a granule-looking file.
pub fn write_granule_with(
    spec: &GranuleSpec,
    out_dir: &Path,
    options: &WriteOptions,
) -> Result<GranuleOutput> {
    let scene = Scene::new(spec)?;
    std::fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
    let stem = spec.granule_stem();
    let h5_path = out_dir.join(spec.file_name());
    let segments_path = out_dir.join(format!("{stem}_truth_segments.parquet"));
    let photons_path = options
        .photon_truth
        .then(|| out_dir.join(format!("{stem}_truth_photons.parquet")));
    let h5_tmp = partial(&h5_path);
    let seg_tmp = partial(&segments_path);
    let ph_tmp = photons_path.as_deref().map(partial);

    let beams = spec.beams_in_order();
    if let Some(bar) = &options.progress {
        bar.set_length((scene.n_blocks() * beams.len()) as u64);
    }
    let file = create_file(&h5_tmp, spec.layout)?;
    write_metadata(&file, spec, &h5_tmp)?;
    let mut truth = TruthWriter::create(&seg_tmp, ph_tmp.as_deref())?;
    let mut summaries = Vec::with_capacity(beams.len());
    for beam in beams {
        summaries.push(write_beam(
            &scene,
            &file,
            beam,
            spec.chunk_rows,
            &h5_tmp,
            &mut truth,
            options,
        )?);
    }
    file.close().map_err(|source| Error::Hdf5 {
        path: h5_tmp.clone(),
        object: "/".to_owned(),
        source,
    })?;
    truth.close()?;

    std::fs::rename(&h5_tmp, &h5_path).map_err(io_err(&h5_path))?;
    std::fs::rename(&seg_tmp, &segments_path).map_err(io_err(&segments_path))?;
    if let (Some(tmp), Some(done)) = (&ph_tmp, &photons_path) {
        std::fs::rename(tmp, done).map_err(io_err(done))?;
    }
    tracing::info!(granule = %h5_path.display(), photons = summaries.iter().map(|b| b.photons).sum::<u64>(), "synthetic granule written");
    Ok(GranuleOutput {
        h5_path,
        truth_segments_path: segments_path,
        truth_photons_path: photons_path,
        beams: summaries,
    })
}

fn write_beam(
    scene: &Scene,
    file: &hdf5::File,
    beam: Beam,
    chunk_rows: usize,
    path: &Path,
    truth: &mut TruthWriter,
    options: &WriteOptions,
) -> Result<BeamSummary> {
    let mut writer = BeamWriter::create(file, beam, chunk_rows, path)?;
    let mut summary = BeamSummary {
        beam,
        strong: beam.is_strong(scene.orient()),
        photons: 0,
        signal_photons: 0,
        segments: 0,
        empty_segments: 0,
        shots: 0,
    };
    let n_blocks = scene.n_blocks();
    for batch_start in (0..n_blocks).step_by(BATCH_BLOCKS) {
        let batch_end = (batch_start + BATCH_BLOCKS).min(n_blocks);
        let blocks: Vec<Block> = (batch_start..batch_end)
            .into_par_iter()
            .map(|i| scene.block(beam, i))
            .collect::<Result<_>>()?;
        for block in &blocks {
            truth.append(beam, block, writer.photons as u64)?;
            writer.append(block);
            summary.photons += block.photons.len() as u64;
            summary.signal_photons += block.photons.is_signal.iter().filter(|&&s| s).count() as u64;
            summary.segments += block.segments.len() as u64;
            summary.empty_segments += block
                .segments
                .segment_ph_cnt
                .iter()
                .filter(|&&c| c == 0)
                .count() as u64;
            summary.shots += block.shots;
        }
        writer.flush()?;
        if let Some(bar) = &options.progress {
            bar.inc(blocks.len() as u64);
        }
    }
    writer.finish(&scene.background(beam)?)?;
    Ok(summary)
}

/// Writes several granules one after another (each already uses every core).
pub fn write_granules(
    specs: &[GranuleSpec],
    out_dir: &Path,
    options: &WriteOptions,
) -> Result<Vec<GranuleOutput>> {
    specs
        .iter()
        .map(|s| write_granule_with(s, out_dir, options))
        .collect()
}

/// A small demo set derived from `base`: four granules over the same centre on two reference
/// ground tracks and two cycles, ascending and descending, on different dates, each with its own
/// seed.
pub fn demo_specs(base: &GranuleSpec) -> Vec<GranuleSpec> {
    let passes = [
        (0u64, base.rgt, base.cycle, true, 0i64),
        (1, base.rgt, base.cycle.saturating_add(1).min(99), true, 91),
        (2, (base.rgt % 1387) + 1, base.cycle, false, 3),
        (
            3,
            (base.rgt % 1387) + 1,
            base.cycle.saturating_add(1).min(99),
            false,
            94,
        ),
    ];
    passes
        .into_iter()
        .map(|(i, rgt, cycle, ascending, days)| GranuleSpec {
            seed: base.seed.wrapping_add(i),
            rgt,
            cycle,
            ascending,
            heading_deg: None,
            region: if ascending { base.region } else { 11 },
            start_time: base.start_time + chrono::Duration::days(days),
            ..base.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_specs_are_valid_distinct_granules() {
        let specs = demo_specs(&GranuleSpec::default());
        assert_eq!(specs.len(), 4);
        let mut names: Vec<String> = specs.iter().map(GranuleSpec::file_name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 4, "distinct file names");
        assert!(specs.iter().all(|s| s.validate().is_ok()));
        assert!(specs.iter().any(|s| !s.ascending) && specs.iter().any(|s| s.ascending));
    }
}
