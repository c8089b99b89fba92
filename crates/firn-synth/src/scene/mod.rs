//! The simulated scene of one granule and the photon generator (pure, no I/O).

mod block;
mod classify;
mod grid;
mod track;

use rand_distr::Poisson;

use crate::data::{Background, BeamData, Photons, Segments};
use crate::gaps::Intervals;
use crate::physics::{
    BACKGROUND_RECORD_HZ, SEGMENT_SPACING_M, SPEED_OF_LIGHT, UNIX_AT_DELTA_TIME_ZERO, WEAK_FRACTION,
};
use crate::seeds::{Stream, rng};
use crate::{Beam, Error, GranuleSpec, Result, ScOrient, Terrain};

pub(crate) use grid::Grid;
use track::{Track, icesat2_heading_deg};

/// Segments generated together from one random stream. Fixed, so output never depends on how
/// blocks are spread over threads.
pub(crate) const BLOCK_SEGMENTS: usize = 256;

/// Per-beam rates.
#[derive(Debug, Clone)]
struct BeamRates {
    signal: Option<Poisson<f64>>,
    noise: Option<Poisson<f64>>,
    background_hz: f64,
}

/// Everything needed to generate any block of any beam of a granule.
#[derive(Debug, Clone)]
pub(crate) struct Scene {
    seed: u64,
    track: Track,
    pub(crate) grid: Grid,
    terrain: Terrain,
    clouds: Intervals,
    empty: Intervals,
    window_half_m: f64,
    surface_types: [bool; 5],
    orient: ScOrient,
    signal_per_shot: f64,
    background_hz: f64,
}

fn poisson(mean: f64, parameter: &'static str) -> Result<Option<Poisson<f64>>> {
    if mean <= 0.0 {
        return Ok(None);
    }
    Poisson::new(mean)
        .map(Some)
        .map_err(|e| Error::param(parameter, format!("Poisson mean {mean}: {e}")))
}

impl Scene {
    /// Validates `spec` and lays out its track, segments and gaps.
    pub(crate) fn new(spec: &GranuleSpec) -> Result<Self> {
        spec.validate()?;
        let heading = spec
            .heading_deg
            .unwrap_or_else(|| icesat2_heading_deg(spec.centre_lat, spec.ascending));
        let track = Track::new(spec.centre_lat, spec.centre_lon, heading);
        let length_m = spec.length_km * 1000.0;
        // At least one segment; length_km is validated to at most 40,000 km, so this fits.
        let n_segments = ((length_m / SEGMENT_SPACING_M).floor() as usize).max(1);
        let t0 = delta_time_of(&spec.start_time);
        let grid = Grid::new(
            track.distance_from_ascending_node(),
            n_segments,
            t0,
            spec.seed,
        );
        let span = n_segments as f64 * SEGMENT_SPACING_M;
        let clouds =
            Intervals::generate(&spec.clouds, span, &mut rng(spec.seed, Stream::Clouds, 0));
        let empty = Intervals::generate(&spec.empty, span, &mut rng(spec.seed, Stream::Empty, 0));
        Ok(Self {
            seed: spec.seed,
            track,
            grid,
            terrain: spec.terrain,
            clouds,
            empty,
            window_half_m: spec.window_half_m,
            surface_types: spec.surface_types,
            orient: spec.sc_orient,
            signal_per_shot: spec.signal_per_shot,
            background_hz: spec.background_mhz * 1e6,
        })
    }

    /// The spacecraft orientation.
    pub(crate) fn orient(&self) -> ScOrient {
        self.orient
    }

    /// Number of blocks of [`BLOCK_SEGMENTS`] segments (the last may be shorter).
    pub(crate) fn n_blocks(&self) -> usize {
        self.grid.n_segments.div_ceil(BLOCK_SEGMENTS)
    }

    fn rates(&self, beam: Beam) -> Result<BeamRates> {
        let strong = beam.is_strong(self.orient);
        let k = if strong { 1.0 } else { WEAK_FRACTION };
        let background_hz = self.background_hz * k;
        Ok(BeamRates {
            signal: poisson(self.signal_per_shot * k, "signal_per_shot")?,
            noise: poisson(
                background_hz * 2.0 * self.window_half_m / SPEED_OF_LIGHT,
                "background_mhz",
            )?,
            background_hz,
        })
    }

    /// Generates block `index` of `beam`: its segments and their photons. `ph_index_beg` counts
    /// from the block's first photon.
    pub(crate) fn block(&self, beam: Beam, index: usize) -> Result<Block> {
        let rates = self.rates(beam)?;
        let first = index * BLOCK_SEGMENTS;
        let end = (first + BLOCK_SEGMENTS).min(self.grid.n_segments);
        let mut builder = block::BlockGen::new(
            self,
            beam,
            rates,
            rng(self.seed, Stream::Block(beam.index()), index as u64),
        );
        for k in first..end {
            builder.segment(k);
        }
        Ok(builder.finish())
    }

    /// The 50 Hz background records of `beam`, covering the granule's time span.
    pub(crate) fn background(&self, beam: Beam) -> Result<Background> {
        let rate = self.rates(beam)?.background_hz as f32;
        let (t0, t1) = self.grid.time_span();
        let n = ((t1 - t0) * BACKGROUND_RECORD_HZ).ceil() as usize + 1;
        let delta_time: Vec<f64> = (0..n)
            .map(|j| t0 + j as f64 / BACKGROUND_RECORD_HZ)
            .collect();
        Ok(Background {
            bckgrd_rate: vec![rate; delta_time.len()],
            delta_time,
        })
    }

    /// Generates a whole beam in memory, blocks in parallel.
    pub(crate) fn beam(&self, beam: Beam) -> Result<BeamData> {
        use rayon::prelude::*;
        let blocks: Vec<Block> = (0..self.n_blocks())
            .into_par_iter()
            .map(|i| self.block(beam, i))
            .collect::<Result<_>>()?;
        let mut photons = Photons::default();
        let mut segments = Segments::default();
        let mut shots = 0;
        for mut b in blocks {
            let before = photons.len() as i64;
            photons.append(&mut b.photons);
            segments.append(&mut b.segments, before);
            shots += b.shots;
        }
        Ok(BeamData {
            beam,
            strong: beam.is_strong(self.orient),
            shots,
            photons,
            segments,
            background: self.background(beam)?,
        })
    }
}

/// One block of one beam.
#[derive(Debug, Clone, Default)]
pub(crate) struct Block {
    pub(crate) photons: Photons,
    pub(crate) segments: Segments,
    pub(crate) shots: u64,
}

/// delta_time (s since 2018-01-01T00:00:00Z, SPEC §2) of a UTC instant.
pub(crate) fn delta_time_of(t: &chrono::DateTime<chrono::Utc>) -> f64 {
    (t.timestamp() - UNIX_AT_DELTA_TIME_ZERO) as f64 + f64::from(t.timestamp_subsec_nanos()) * 1e-9
}
