//! Along-track bookkeeping: segment starts, shot positions and times.

use crate::physics::{GROUND_SPEED_M_S, PRF_HZ, SEGMENT_JITTER_M, SEGMENT_SPACING_M};
use crate::seeds::unit;

/// Segment and shot grid of a granule. Along-track positions `s` are distances from the
/// ascending node (what `segment_dist_x` stores).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    /// `segment_id` of segment 0.
    pub(crate) first_id: i64,
    /// Number of segments.
    pub(crate) n_segments: usize,
    /// `s` of the granule centre (local along-track x = 0).
    pub(crate) s_centre: f64,
    /// `s` of shot 0.
    shot0: f64,
    /// delta_time of shot 0.
    t0: f64,
    seed: u64,
}

impl Grid {
    /// Shot spacing (m).
    pub(crate) const SHOT_SPACING_M: f64 = GROUND_SPEED_M_S / PRF_HZ;

    /// A grid of `n_segments` segments centred on `s_centre`, first shot at delta_time `t0`.
    pub(crate) fn new(s_centre: f64, n_segments: usize, t0: f64, seed: u64) -> Self {
        let half = n_segments as f64 * SEGMENT_SPACING_M / 2.0;
        let first_id = ((s_centre - half) / SEGMENT_SPACING_M).floor() as i64 + 1;
        let mut grid = Self {
            first_id,
            n_segments,
            s_centre,
            shot0: 0.0,
            t0,
            seed,
        };
        grid.shot0 = grid.segment_start(0) + Self::SHOT_SPACING_M / 2.0;
        grid
    }

    /// `segment_dist_x` of segment `k` (0 ≤ k ≤ n_segments; k = n_segments is the end).
    pub(crate) fn segment_start(&self, k: usize) -> f64 {
        let id = self.first_id + k as i64;
        let jitter = (2.0 * unit(self.seed, id as u64) - 1.0) * SEGMENT_JITTER_M;
        (id - 1) as f64 * SEGMENT_SPACING_M + jitter
    }

    /// Index of the first shot whose centre lies at or after the start of segment `k`.
    pub(crate) fn first_shot(&self, k: usize) -> u64 {
        ((self.segment_start(k) - self.shot0) / Self::SHOT_SPACING_M)
            .ceil()
            .max(0.0) as u64
    }

    /// `s` of shot `i`.
    pub(crate) fn shot_s(&self, i: u64) -> f64 {
        self.shot0 + i as f64 * Self::SHOT_SPACING_M
    }

    /// delta_time when the ground track passes `s`.
    pub(crate) fn time_at(&self, s: f64) -> f64 {
        self.t0 + (s - self.shot0) / GROUND_SPEED_M_S
    }

    /// delta_time of shot 0 and of the end of the last segment.
    pub(crate) fn time_span(&self) -> (f64, f64) {
        (self.t0, self.time_at(self.segment_start(self.n_segments)))
    }

    /// Local along-track coordinate (m from the granule centre) of `s`.
    pub(crate) fn local_x(&self, s: f64) -> f64 {
        s - self.s_centre
    }

    /// Distance of `s` from the start of segment 0 (where gap intervals are measured from).
    pub(crate) fn offset_in_granule(&self, s: f64) -> f64 {
        s - self.segment_start(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shots_partition_the_segments() {
        let g = Grid::new(4_000_000.0, 500, 100.0, 3);
        let mut total = 0;
        for k in 0..g.n_segments {
            let (a, b) = (g.first_shot(k), g.first_shot(k + 1));
            for i in a..b {
                let s = g.shot_s(i);
                assert!(s >= g.segment_start(k) && s < g.segment_start(k + 1));
            }
            let n = b - a;
            assert!((28..=29).contains(&n), "segment {k} has {n} shots");
            total += n;
        }
        assert_eq!(total, g.first_shot(g.n_segments));
    }

    #[test]
    fn segment_spacing_has_millimetre_jitter() {
        let g = Grid::new(1_000_000.0, 1_000, 0.0, 9);
        let d: Vec<f64> = (0..g.n_segments)
            .map(|k| g.segment_start(k + 1) - g.segment_start(k))
            .collect();
        assert!(
            d.iter()
                .all(|&v| (v - SEGMENT_SPACING_M).abs() <= 2.0 * SEGMENT_JITTER_M)
        );
        assert!(d.iter().any(|&v| (v - SEGMENT_SPACING_M).abs() > 1e-4));
    }
}
