//! σ_r without a full sort: residuals bucketed by value, bins sorted only where a walk reads them.
//!
//! The robust-spread walks (SPEC §7 step 3) read the sorted residuals from each end until a
//! count condition fails, near the quartiles. A counting sort over equal-width value bins (one
//! pass to count, one to place) groups the residuals by bin in bin order. A walk then passes a
//! run of bins at once when the condition holds for the run's highest rank and a bound on its
//! residuals (the condition is monotone in rank and residual, so it then holds for every photon
//! inside): first runs of [`GROUP`] bins, then single bins, and only the bins it stops in are
//! sorted. Results are identical to the walk over fully sorted residuals
//! ([`spread_by`](crate::sigma::spread_by)); only the work differs.

use crate::sigma::{RobustSpread, SpreadInputs, continue_high, continue_low, low_signal, resolve};

/// Average photons per bin.
const PHOTONS_PER_BIN: usize = 1;
/// Upper bound on the bin count, so the per-pass bin arrays stay small.
const MAX_BINS: usize = 1 << 14;
/// The bins cover ± this many mean absolute residuals (clamped to the residuals' range); the end
/// bins take whatever lies beyond, so background far from the surface does not dilute the bins.
const CORE_MEAN_ABS: f64 = 4.0;
/// Bins a walk tries to pass at once before it goes bin by bin.
const GROUP: usize = 16;
/// 2⁵²: adding it to a t in [0, 2³¹) leaves round(t) in the low bits of the mantissa.
const ROUND_BIAS: f64 = 4_503_599_627_370_496.0;

/// Where the bins lie for one set of residuals.
#[derive(Debug, Clone, Copy, Default)]
struct Layout {
    /// Lower end of the core range: bin k ≥ 1 starts at `lo + k·width` (bin 0 also holds
    /// everything below).
    lo: f64,
    /// Bin width.
    width: f64,
    /// Bins per metre (0 with a single bin).
    scale: f64,
    /// Number of bins.
    nb: usize,
    /// The smallest and largest residual: the outer bounds of the end bins.
    min: f64,
    max: f64,
    /// The bin edges bound the residuals inside (false when the width is too close to the
    /// residuals' rounding; then there is one bin and nothing is skipped).
    edges_ok: bool,
}

impl Layout {
    /// About `n / PHOTONS_PER_BIN` equal-width bins over ±`CORE_MEAN_ABS` mean |r|, clamped to
    /// the residuals' range [min, max].
    fn new(n: usize, (min, max): (f64, f64), mean_abs: f64) -> Layout {
        let d = CORE_MEAN_ABS * mean_abs;
        let (lo, hi) = if d.is_finite() && d > 0.0 {
            (min.max(-d), max.min(d))
        } else {
            (min, max)
        };
        let nb = (n / PHOTONS_PER_BIN).clamp(1, MAX_BINS);
        let width = (hi - lo) / nb as f64;
        // The edges bound a bin's residuals when the width dwarfs their rounding error.
        let edges_ok = width.is_finite() && width > 1e-12 * lo.abs().max(hi.abs());
        Layout {
            lo,
            width,
            scale: if edges_ok { nb as f64 / (hi - lo) } else { 0.0 },
            nb: if edges_ok { nb } else { 1 },
            min,
            max,
            edges_ok,
        }
    }

    /// The bin of residual `v`: monotone in `v`, so bins are in value order. Values beyond the
    /// core range (and NaN) go to the end bins.
    #[inline]
    fn bin(&self, v: f64) -> u32 {
        let last = (self.nb - 1) as f64;
        // t is measured from the centre of bin 0, so rounding it gives the bin.
        let t = (v - self.lo) * self.scale - 0.5;
        let t = if t < last { t } else { last };
        let t = if t > 0.0 { t } else { 0.0 };
        // t is now in [0, MAX_BINS): round without the range checks of `as`.
        (t + ROUND_BIAS).to_bits() as u32
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
        if k + 1 == self.nb {
            self.max
        } else {
            self.lo + (k as f64 + 1.5) * self.width
        }
    }
}

/// Reusable counting-sort arrays.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bins {
    layout: Layout,
    /// Each residual's bin.
    bin: Vec<u32>,
    /// Bin k holds ranks `start[k]..start[k + 1]` (one spare entry at the end, see `fill`).
    start: Vec<u32>,
    /// The residuals grouped by bin, bins in value order; a bin's slice is sorted once a walk
    /// reads it.
    ranked: Vec<f64>,
}

impl Bins {
    /// σ_r over the residuals `r` (any order) whose smallest and largest are `range` and whose
    /// mean magnitude is `mean_abs`, exactly as the reference walk over the sorted residuals
    /// would compute it.
    pub(crate) fn spread(
        &mut self,
        r: &[f64],
        range: (f64, f64),
        mean_abs: f64,
        s: SpreadInputs,
    ) -> RobustSpread {
        let n = r.len();
        if s.n_sig <= 1.0 {
            return low_signal(n, s);
        }
        self.fill(r, Layout::new(n, range, mean_abs));
        let i0 = self.walk_low(s);
        let i1_plus = self.walk_high(s);
        resolve(n, i0, i1_plus, s, |i| self.value_at(i))
    }

    /// Counting-sorts the residuals into the bins of `layout`.
    fn fill(&mut self, r: &[f64], layout: Layout) {
        self.layout = layout;
        self.bin.clear();
        self.bin.extend(r.iter().map(|&v| layout.bin(v)));
        // Count bin k at start[k + 2]; the running sum then leaves bin k's first rank at
        // start[k + 1], which the placing pass advances to bin k's end = bin k + 1's start.
        self.start.clear();
        self.start.resize(layout.nb + 2, 0);
        for &k in &self.bin {
            self.start[k as usize + 2] += 1;
        }
        let mut sum = 0;
        for c in &mut self.start {
            sum += *c;
            *c = sum;
        }
        if self.ranked.len() < r.len() {
            self.ranked.resize(r.len(), 0.0);
        }
        for (&v, &k) in r.iter().zip(&self.bin) {
            let at = &mut self.start[k as usize + 1];
            self.ranked[*at as usize] = v;
            *at += 1;
        }
    }

    /// The lower walk: the first rank at which it stops, or n.
    fn walk_low(&mut self, s: SpreadInputs) -> usize {
        let Bins {
            layout,
            start,
            ranked,
            ..
        } = self;
        let lower = 0.25 * s.n_sig;
        let skippable = layout.edges_ok && s.bckgrd >= 0.0;
        // Every photon of bins k0..k1 passes when the highest rank there passes at the lowest
        // residual bound.
        let passes = |k0: usize, k1: usize| {
            let (a, b) = (start[k0], start[k1]);
            a == b || (skippable && continue_low(b as usize - 1, layout.edge_below(k0), lower, s))
        };
        let nb = layout.nb;
        let mut k0 = 0;
        while k0 < nb {
            let k1 = (k0 + GROUP).min(nb);
            if !passes(k0, k1) {
                for k in k0..k1 {
                    if passes(k, k + 1) {
                        continue;
                    }
                    let (base, vals) = sorted_bin(start, ranked, k);
                    if let Some(j) = (vals.iter().enumerate())
                        .position(|(j, &v)| !continue_low(base + j, v, lower, s))
                    {
                        return base + j;
                    }
                }
            }
            k0 = k1;
        }
        start[nb] as usize
    }

    /// The upper walk: one past the rank at which it stops, or 0 (i1 = -1).
    fn walk_high(&mut self, s: SpreadInputs) -> usize {
        let Bins {
            layout,
            start,
            ranked,
            ..
        } = self;
        let upper = 0.75 * s.n_sig;
        let skippable = layout.edges_ok && s.bckgrd >= 0.0;
        // Every photon of bins k0..k1 passes when the lowest rank there passes at the highest
        // residual bound.
        let passes = |k0: usize, k1: usize| {
            let (a, b) = (start[k0], start[k1]);
            a == b || (skippable && continue_high(a as usize, layout.edge_above(k1 - 1), upper, s))
        };
        let mut k1 = layout.nb;
        while k1 > 0 {
            let k0 = k1.saturating_sub(GROUP);
            if !passes(k0, k1) {
                for k in (k0..k1).rev() {
                    if passes(k, k + 1) {
                        continue;
                    }
                    let (base, vals) = sorted_bin(start, ranked, k);
                    if let Some(j) = (vals.iter().enumerate().rev())
                        .find(|&(j, &v)| !continue_high(base + j, v, upper, s))
                        .map(|(j, _)| j)
                    {
                        return base + j + 1;
                    }
                }
            }
            k1 = k0;
        }
        0
    }

    /// The residual of rank `i` (< n) in ascending order.
    fn value_at(&mut self, i: usize) -> f64 {
        let nb = self.layout.nb;
        let k = self.start[..=nb].partition_point(|&s| s as usize <= i) - 1;
        let (base, vals) = sorted_bin(&self.start, &mut self.ranked, k);
        vals[i - base]
    }
}

/// Bin `k`'s first rank and its residuals, sorted (again, if a walk sorted them already).
fn sorted_bin<'a>(start: &[u32], ranked: &'a mut [f64], k: usize) -> (usize, &'a [f64]) {
    let (a, b) = (start[k] as usize, start[k + 1] as usize);
    let vals = &mut ranked[a..b];
    vals.sort_unstable_by(f64::total_cmp);
    (a, vals)
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
            let r: Vec<f64> = (0..n)
                .map(|_| {
                    match (u() * 5.0) as u32 {
                        // Bins narrower than the residuals' rounding: one bin, no skipping.
                        _ if narrow => 1e6 + u() * 1e-9,
                        0 => (u() - 0.5) * 20.0,
                        1 => ((u() - 0.5) * 8.0).round() * 0.25,
                        2 => (u() - 0.5) * 2e4,
                        _ => (u() + u() + u() - 1.5) * 0.2,
                    }
                })
                .collect();
            let mut sorted = r.clone();
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
            let got = bins.spread(&r, (sorted[0], sorted[n - 1]), mean_abs, s);
            assert_eq!(got, want, "case {case}: n {n} inputs {s:?}");
        }
    }
}
