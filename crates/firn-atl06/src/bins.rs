//! σ_r without a full sort: residuals bucketed by value, bins sorted only where a walk stops.
//!
//! The robust-spread walks (SPEC §7 step 3) read the sorted residuals from each end until a
//! count condition fails, near the quartiles. A histogram of the residuals over equal-width value
//! bins costs one pass; a walk then passes a whole bin at once when the condition holds for the
//! bin's highest rank and a bound on its residuals (the condition is monotone in rank and
//! residual, so it then holds for every photon inside), and only the few bins where it stops are
//! gathered and sorted. Results are identical to the walk over fully sorted residuals
//! ([`spread_by`](crate::sigma::spread_by)); only the work differs.

use crate::lsq::Pt;
use crate::sigma::{RobustSpread, SpreadInputs, continue_high, continue_low, low_signal, resolve};

/// Average photons per bin.
const PHOTONS_PER_BIN: usize = 1;
/// Upper bound on the bin count, so the per-pass bin arrays stay small.
const MAX_BINS: usize = 1 << 14;
/// The bins cover ± this many mean absolute residuals (clamped to the residuals' range); the end
/// bins take whatever lies beyond, so background far from the surface does not dilute the bins.
const CORE_MEAN_ABS: f64 = 4.0;
/// A walk gathers at least this many photons (whole bins) at a time.
const MIN_GATHER: u32 = 4;

/// Sorted residuals of the bins `k0..k1` (ranks `start[k0]..start[k1]`).
#[derive(Debug, Clone, Default)]
struct Gathered {
    k0: usize,
    k1: usize,
    vals: Vec<f64>,
}

/// Reusable histogram arrays.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bins {
    /// Each photon's bin.
    bin: Vec<u32>,
    /// Bin k holds ranks `start[k]..start[k + 1]`.
    start: Vec<u32>,
    /// Lower end of bin 1 (bin 0 also holds everything below).
    lo: f64,
    /// The smallest and largest residual: the outer bounds of the end bins.
    min: f64,
    max: f64,
    /// Bin width.
    width: f64,
    /// The bin edges bound the residuals inside (false when the width is too close to the
    /// residuals' rounding; then there is one bin and nothing is skipped).
    edges_ok: bool,
    low: Gathered,
    high: Gathered,
    other: Gathered,
}

impl Bins {
    /// σ_r over the residuals of `p` (any order) whose smallest and largest are `range` and
    /// whose mean magnitude is `mean_abs`, exactly as the reference walk over the sorted residuals
    /// would compute it.
    pub(crate) fn spread(
        &mut self,
        p: &[Pt],
        range: (f64, f64),
        mean_abs: f64,
        s: SpreadInputs,
    ) -> RobustSpread {
        let n = p.len();
        if s.n_sig <= 1.0 {
            return low_signal(n, s);
        }
        self.fill(p, range, mean_abs);
        let i0 = self.walk_low(p, s);
        let i1_plus = self.walk_high(p, s);
        resolve(n, i0, i1_plus, s, |i| self.value_at(p, i))
    }

    /// Histograms the residuals over `nb` equal-width bins on a core range within [min, max],
    /// values outside it clamped into the end bins. The bin index is monotone in the residual, so
    /// bins are in value order.
    fn fill(&mut self, p: &[Pt], (min, max): (f64, f64), mean_abs: f64) {
        let n = p.len();
        let d = CORE_MEAN_ABS * mean_abs;
        let (lo, hi) = if d.is_finite() && d > 0.0 {
            (min.max(-d), max.min(d))
        } else {
            (min, max)
        };
        self.min = min;
        self.max = max;
        let mut nb = (n / PHOTONS_PER_BIN).clamp(1, MAX_BINS);
        let width = (hi - lo) / nb as f64;
        // The edges below bound a bin's residuals when the width dwarfs their rounding error.
        self.edges_ok = width.is_finite() && width > 1e-12 * lo.abs().max(hi.abs());
        if !self.edges_ok {
            nb = 1;
        }
        let scale = if self.edges_ok {
            nb as f64 / (hi - lo)
        } else {
            0.0
        };
        let last = nb - 1;
        self.lo = lo;
        self.width = width;
        self.start.clear();
        self.start.resize(nb + 1, 0);
        self.bin.clear();
        for q in p {
            // `as` saturates (negative and NaN → 0), so any residual lands in a bin.
            let k = (((q.r - lo) * scale) as usize).min(last);
            self.bin.push(k as u32);
            self.start[k + 1] += 1;
        }
        for k in 0..nb {
            self.start[k + 1] += self.start[k];
        }
        for g in [&mut self.low, &mut self.high, &mut self.other] {
            g.k0 = 0;
            g.k1 = 0;
        }
    }

    fn nb(&self) -> usize {
        self.start.len() - 1
    }

    /// At most every residual of bin `k` (half a bin of margin against rounding; the first bin
    /// is bounded by the smallest residual).
    fn edge_below(&self, k: usize) -> f64 {
        if k == 0 {
            self.min
        } else {
            self.lo + (k as f64 - 0.5) * self.width
        }
    }

    /// At least every residual of bin `k` (the last bin is bounded by the largest residual).
    fn edge_above(&self, k: usize) -> f64 {
        if k + 1 == self.nb() {
            self.max
        } else {
            self.lo + (k as f64 + 1.5) * self.width
        }
    }

    /// Collects and sorts the residuals of bins `k0..k1` into `which`.
    fn gather(bin: &[u32], p: &[Pt], k0: usize, k1: usize, which: &mut Gathered) {
        which.vals.clear();
        let (k0u, span) = (k0 as u32, (k1 - k0) as u32);
        which.vals.extend(
            p.iter()
                .zip(bin)
                .filter(|&(_, &k)| k.wrapping_sub(k0u) < span)
                .map(|(q, _)| q.r),
        );
        which.vals.sort_unstable_by(f64::total_cmp);
        which.k0 = k0;
        which.k1 = k1;
    }

    /// The lower walk: the first rank at which it stops, or n.
    fn walk_low(&mut self, p: &[Pt], s: SpreadInputs) -> usize {
        let lower = 0.25 * s.n_sig;
        let skippable = self.edges_ok && s.bckgrd >= 0.0;
        let nb = self.nb();
        let mut k = 0;
        while k < nb {
            let (a, b) = (self.start[k], self.start[k + 1]);
            if a == b || (skippable && continue_low(b as usize - 1, self.edge_below(k), lower, s)) {
                k += 1;
                continue;
            }
            let mut k1 = k + 1;
            while k1 < nb && self.start[k1] - a < MIN_GATHER {
                k1 += 1;
            }
            Self::gather(&self.bin, p, k, k1, &mut self.low);
            let base = a as usize;
            if let Some(j) = (self.low.vals.iter().enumerate())
                .position(|(j, &v)| !continue_low(base + j, v, lower, s))
            {
                return base + j;
            }
            k = k1;
        }
        p.len()
    }

    /// The upper walk: one past the rank at which it stops, or 0 (i1 = -1).
    fn walk_high(&mut self, p: &[Pt], s: SpreadInputs) -> usize {
        let upper = 0.75 * s.n_sig;
        let skippable = self.edges_ok && s.bckgrd >= 0.0;
        let mut k1 = self.nb();
        while k1 > 0 {
            let k = k1 - 1;
            let (a, b) = (self.start[k], self.start[k1]);
            if a == b || (skippable && continue_high(a as usize, self.edge_above(k), upper, s)) {
                k1 = k;
                continue;
            }
            let mut k0 = k;
            while k0 > 0 && b - self.start[k0] < MIN_GATHER {
                k0 -= 1;
            }
            Self::gather(&self.bin, p, k0, k1, &mut self.high);
            let base = self.start[k0] as usize;
            if let Some(j) = (self.high.vals.iter().enumerate().rev())
                .find(|&(j, &v)| !continue_high(base + j, v, upper, s))
                .map(|(j, _)| j)
            {
                return base + j + 1;
            }
            k1 = k0;
        }
        0
    }

    /// The residual of rank `i` (< n) in ascending order.
    fn value_at(&mut self, p: &[Pt], i: usize) -> f64 {
        for g in [&self.low, &self.high, &self.other] {
            let (a, b) = (self.start[g.k0] as usize, self.start[g.k1] as usize);
            if (a..b).contains(&i) {
                return g.vals[i - a];
            }
        }
        let k = self.start.partition_point(|&s| s as usize <= i) - 1;
        Self::gather(&self.bin, p, k, k + 1, &mut self.other);
        self.other.vals[i - self.start[k] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigma::spread_by;

    /// A small xorshift stream, enough for test data.
    fn stream(mut s: u64) -> impl FnMut() -> f64 {
        move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// The binned walk matches the reference walk over fully sorted residuals, on clustered
    /// residuals with background, ties, and later-pass windows with residuals outside them.
    #[test]
    fn matches_the_reference_walk() {
        let mut u = stream(0x9e37_79b9_7f4a_7c15);
        let mut bins = Bins::default();
        for case in 0..4000 {
            let n = 2 + (u() * 300.0) as usize;
            let narrow = case % 7 == 0;
            let p: Vec<Pt> = (0..n)
                .map(|_| {
                    let r = match (u() * 5.0) as u32 {
                        // Bins narrower than the residuals' rounding: one bin, no skipping.
                        _ if narrow => 1e6 + u() * 1e-9,
                        0 => (u() - 0.5) * 20.0,
                        1 => ((u() - 0.5) * 8.0).round() * 0.25,
                        2 => (u() - 0.5) * 2e4,
                        _ => (u() + u() + u() - 1.5) * 0.2,
                    };
                    Pt { r, ..Pt::default() }
                })
                .collect();
            let mut sorted: Vec<f64> = p.iter().map(|q| q.r).collect();
            sorted.sort_by(f64::total_cmp);
            let density = u() * 5.0;
            let s = if case % 2 == 0 {
                let (zmin, zmax) = (sorted[0], sorted[n - 1]);
                let n_bg = density * (zmax - zmin);
                SpreadInputs {
                    zmin,
                    zmax,
                    bckgrd: if zmax > zmin {
                        n_bg / (zmax - zmin)
                    } else {
                        0.0
                    },
                    n_sig: n as f64 - n_bg,
                }
            } else {
                let w = 0.5 + u() * 4.0;
                SpreadInputs {
                    zmin: -w / 2.0,
                    zmax: w / 2.0,
                    bckgrd: density,
                    n_sig: n as f64 - density * w,
                }
            };
            let want = spread_by(n, |i| sorted[i], s);
            let mean_abs = sorted.iter().map(|r| r.abs()).sum::<f64>() / n as f64;
            let got = bins.spread(&p, (sorted[0], sorted[n - 1]), mean_abs, s);
            assert_eq!(got, want, "case {case}: n {n} inputs {s:?}");
        }
    }
}
