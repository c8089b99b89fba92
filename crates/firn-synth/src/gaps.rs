//! Along-track intervals where something is missing (clouds, telemetry gaps).

use rand::RngExt;

use crate::Gaps;
use crate::seeds::Rng;

/// Sorted, disjoint half-open intervals `[start, end)` along track (m from the granule start).
#[derive(Debug, Clone, Default)]
pub(crate) struct Intervals {
    starts: Vec<f64>,
    ends: Vec<f64>,
}

impl Intervals {
    /// Alternates clear stretches (exponential, with the mean that makes the expected gap
    /// fraction `gaps.fraction`) with gaps of uniform length in `[min_len_m, max_len_m]`.
    pub(crate) fn generate(gaps: &Gaps, length_m: f64, rng: &mut Rng) -> Self {
        let mut out = Self::default();
        if gaps.fraction <= 0.0 {
            return out;
        }
        let mean_gap = 0.5 * (gaps.min_len_m + gaps.max_len_m);
        let mean_clear = mean_gap * (1.0 - gaps.fraction) / gaps.fraction;
        let mut pos = 0.0;
        loop {
            // 1 - u lies in (0, 1], so the logarithm is finite.
            let u: f64 = rng.random();
            pos += -(1.0 - u).ln() * mean_clear;
            if pos >= length_m {
                return out;
            }
            let len = rng.random_range(gaps.min_len_m..=gaps.max_len_m);
            out.starts.push(pos);
            out.ends.push(pos + len);
            pos += len;
        }
    }

    /// True when `x` falls inside an interval.
    pub(crate) fn contains(&self, x: f64) -> bool {
        let i = self.starts.partition_point(|&s| s <= x);
        i > 0 && x < self.ends[i - 1]
    }

    /// Total covered length within `[0, length_m)`.
    #[cfg(test)]
    pub(crate) fn covered(&self, length_m: f64) -> f64 {
        self.starts
            .iter()
            .zip(&self.ends)
            .map(|(&s, &e)| e.min(length_m) - s)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds::{Stream, rng};

    #[test]
    fn gap_fraction_matches_the_request() {
        let gaps = Gaps {
            fraction: 0.2,
            min_len_m: 100.0,
            max_len_m: 500.0,
        };
        let length = 2_000_000.0;
        let iv = Intervals::generate(&gaps, length, &mut rng(7, Stream::Clouds, 0));
        let f = iv.covered(length) / length;
        assert!((f - 0.2).abs() < 0.02, "covered fraction {f}");
        for (&s, &e) in iv.starts.iter().zip(&iv.ends) {
            assert!((100.0..=500.0).contains(&(e - s)));
            assert!(iv.contains(s) && iv.contains(0.5 * (s + e)) && !iv.contains(e));
        }
    }

    #[test]
    fn zero_fraction_gives_no_gaps() {
        let iv = Intervals::generate(&Gaps::NONE, 1e6, &mut rng(7, Stream::Empty, 0));
        assert!(!iv.contains(0.0) && !iv.contains(5e5));
    }
}
