//! Generation of one block of segments of one beam: shots, photons, segment records.

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

use super::classify::{confidence_row, noise_confidence, quality, signal_confidence, weight};
use super::{BeamRates, Block, Scene};
use crate::Beam;
use crate::physics::{SIGMA_BEAM_M, SIGMA_RANGE_M, UNIX_AT_DELTA_TIME_ZERO};
use crate::seeds::Rng;
use crate::sun::solar_elevation_deg;

/// A photon of the current shot before it is placed in the arrays.
#[derive(Debug, Clone, Copy)]
struct Draft {
    h: f64,
    dx: f64,
    dy: f64,
    signal: bool,
    canopy: bool,
    surface: f64,
    /// Height above the surface under the shot centre.
    dh: f64,
}

/// Fills one [`Block`] segment by segment from a single random stream.
pub(super) struct BlockGen<'a> {
    scene: &'a Scene,
    rates: BeamRates,
    rng: Rng,
    y_beam: f64,
    out: Block,
    shot: Vec<Draft>,
}

impl<'a> BlockGen<'a> {
    pub(super) fn new(scene: &'a Scene, beam: Beam, rates: BeamRates, rng: Rng) -> Self {
        Self {
            scene,
            rates,
            rng,
            y_beam: beam.across_track_m(),
            out: Block::default(),
            shot: Vec::with_capacity(32),
        }
    }

    pub(super) fn finish(self) -> Block {
        self.out
    }

    fn normal(&mut self) -> f64 {
        StandardNormal.sample(&mut self.rng)
    }

    /// Simulates segment `k` (global index) and appends it.
    pub(super) fn segment(&mut self, k: usize) {
        let grid = self.scene.grid;
        let s0 = grid.segment_start(k);
        let len = grid.segment_start(k + 1) - s0;
        let first = self.out.photons.len();
        if !self.scene.empty.contains(grid.offset_in_granule(s0)) {
            let shots = grid.first_shot(k)..grid.first_shot(k + 1);
            self.out.shots += shots.end - shots.start;
            for i in shots {
                self.simulate_shot(grid.shot_s(i), s0);
            }
        }
        let count = self.out.photons.len() - first;

        let s_mid = s0 + len / 2.0;
        let x_mid = grid.local_x(s_mid);
        let (lat_c, lon_c) = self.scene.track.lat_lon(x_mid, self.y_beam);
        let t_mid = grid.time_at(s_mid);
        let (ref_lat, ref_lon) = match self.reference_photon(first, len) {
            Some(i) => (self.out.photons.lat_ph[i], self.out.photons.lon_ph[i]),
            None => (lat_c, lon_c),
        };
        let v = self.scene.track.velocity(x_mid);
        let terrain = &self.scene.terrain;
        let seg = &mut self.out.segments;
        // Segment ids stay far below 2^31 (one orbit is ~2 million segments).
        seg.segment_id.push((grid.first_id + k as i64) as i32);
        seg.segment_dist_x.push(s0);
        seg.segment_length.push(len);
        seg.segment_ph_cnt.push(count as i32);
        seg.ph_index_beg
            .push(if count > 0 { first as i64 + 1 } else { 0 });
        seg.reference_photon_lat.push(ref_lat);
        seg.reference_photon_lon.push(ref_lon);
        seg.velocity_sc.push(v.map(|c| c as f32));
        seg.delta_time.push(t_mid);
        let unix = t_mid + UNIX_AT_DELTA_TIME_ZERO as f64;
        seg.solar_elevation
            .push(solar_elevation_deg(unix, lat_c, lon_c) as f32);
        seg.centre_dist_x.push(s_mid);
        seg.true_height.push(terrain.height(x_mid, self.y_beam));
        seg.true_slope.push(terrain.slope(x_mid, self.y_beam));
        seg.centre_lat.push(lat_c);
        seg.centre_lon.push(lon_c);
    }

    /// The photon (index into the block) whose shot is closest to the segment centre.
    fn reference_photon(&self, first: usize, len: f64) -> Option<usize> {
        let along = &self.out.photons.dist_ph_along[first..];
        let half = len / 2.0;
        along
            .iter()
            .enumerate()
            .min_by(|a, b| {
                (f64::from(*a.1) - half)
                    .abs()
                    .total_cmp(&(f64::from(*b.1) - half).abs())
            })
            .map(|(i, _)| first + i)
    }

    /// Draws the signal and noise photons of the shot at `s` in the segment starting at `s0`.
    fn simulate_shot(&mut self, s: f64, s0: f64) {
        let scene = self.scene;
        let grid = scene.grid;
        let x = grid.local_x(s);
        let y = self.y_beam;
        let surface_here = scene.terrain.height(x, y);
        let clear = !scene.clouds.contains(grid.offset_in_granule(s));
        let n_signal = match (&self.rates.signal, clear) {
            (Some(p), true) => p.sample(&mut self.rng) as u32,
            _ => 0,
        };
        let n_noise = match &self.rates.noise {
            Some(p) => p.sample(&mut self.rng) as u32,
            None => 0,
        };
        self.shot.clear();
        let roughness = scene.terrain.roughness();
        let canopy = scene.terrain.canopy();
        for _ in 0..n_signal {
            let dx = SIGMA_BEAM_M * self.normal();
            let dy = SIGMA_BEAM_M * self.normal();
            let ground = scene.terrain.height(x + dx, y + dy);
            let (is_canopy, top) = match canopy {
                Some((height, fraction)) if self.rng.random_bool(fraction) => {
                    (true, ground + height)
                }
                _ => (false, ground),
            };
            let mut h = top + SIGMA_RANGE_M * self.normal();
            if roughness > 0.0 {
                h += roughness * self.normal();
            }
            self.shot.push(Draft {
                h,
                dx,
                dy,
                signal: true,
                canopy: is_canopy,
                surface: ground,
                dh: h - surface_here,
            });
        }
        let half = scene.window_half_m;
        for _ in 0..n_noise {
            let dx = SIGMA_BEAM_M * self.normal();
            let dy = SIGMA_BEAM_M * self.normal();
            let dh = self.rng.random_range(-half..half);
            let surface = scene.terrain.height(x + dx, y + dy);
            self.shot.push(Draft {
                h: surface_here + dh,
                dx,
                dy,
                signal: false,
                canopy: false,
                surface,
                dh,
            });
        }
        // Earliest return (highest photon) first, as the time of flight orders them.
        self.shot.sort_by(|a, b| b.h.total_cmp(&a.h));

        let t = grid.time_at(s);
        let along = (s - s0) as f32;
        for i in 0..self.shot.len() {
            let d = self.shot[i];
            let (lat, lon) = scene.track.lat_lon(x + d.dx, y + d.dy);
            let conf = if d.signal {
                signal_confidence(&mut self.rng)
            } else {
                noise_confidence(d.dh, &mut self.rng)
            };
            let w = weight(d.signal, d.dh, &mut self.rng);
            let q = quality(&mut self.rng);
            let p = &mut self.out.photons;
            p.h_ph.push(d.h as f32);
            p.lat_ph.push(lat);
            p.lon_ph.push(lon);
            p.delta_time.push(t);
            p.dist_ph_along.push(along);
            p.dist_ph_across.push((y + d.dy) as f32);
            p.signal_conf_ph
                .push(confidence_row(conf, &scene.surface_types));
            p.quality_ph.push(q);
            p.weight_ph.push(w);
            p.is_signal.push(d.signal);
            p.surface_height.push(d.surface);
            p.is_canopy.push(d.canopy);
        }
    }
}
