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
//!
//! Often the fit needs less: σ_r only enters the window through `max(H_min_win, 6·σ_exp,
//! 6·min(σ_r, sigma_r_max))`, so a small enough upper bound settles the window as exactly as σ_r
//! itself. The counts alone bound both walks (each stops at or after the first bin it cannot
//! pass whole, and at or before the first bin where it must stop), hence σ_r from above; when
//! the bound is small enough and the walks cannot cross (no fallback, so no 0x8), the values are
//! never placed or sorted.

use crate::sigma::{
    IQR_TO_SIGMA, RobustSpread, SpreadInputs, continue_high, continue_low, low_signal, resolve,
};

/// Average photons per bin (measured: 2 beats 1, 3 and 4 on both benchmark beams).
const PHOTONS_PER_BIN: usize = 2;
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

/// The outcome of [`Bins::spread`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Spread {
    /// σ_r and its index rules, exactly as the reference walk gives them.
    Exact(RobustSpread),
    /// An upper bound on σ_r that the caller's test accepted. The walks cannot cross here, so
    /// there is no fallback and the indices are in bounds.
    AtMost(f64),
}

/// The bins' first ranks: bin k holds ranks `starts[k]..starts[k + 1]`, k < nb.
#[derive(Debug, Clone, Copy)]
struct Ranks<'a> {
    layout: &'a Layout,
    starts: &'a [u32],
    s: SpreadInputs,
    /// 0.25·N_sig and 0.75·N_sig.
    lower: f64,
    upper: f64,
    /// Whole bins may be judged by their bounds (monotone condition, bounding edges).
    skippable: bool,
}

impl<'a> Ranks<'a> {
    fn new(layout: &'a Layout, starts: &'a [u32], s: SpreadInputs) -> Self {
        Ranks {
            layout,
            starts,
            s,
            lower: 0.25 * s.n_sig,
            upper: 0.75 * s.n_sig,
            skippable: layout.edges_ok && s.bckgrd >= 0.0,
        }
    }

    fn range(&self, k: usize) -> (usize, usize) {
        (self.starts[k] as usize, self.starts[k + 1] as usize)
    }

    /// The lower walk passes every photon of bins k0..k1: the highest rank there passes at the
    /// lowest residual bound.
    fn low_passes(&self, k0: usize, k1: usize) -> bool {
        let (a, b) = (self.starts[k0], self.starts[k1]);
        a == b
            || (self.skippable
                && continue_low(
                    b as usize - 1,
                    self.layout.edge_below(k0),
                    self.lower,
                    self.s,
                ))
    }

    /// The upper walk passes every photon of bins k0..k1: the lowest rank there passes at the
    /// highest residual bound.
    fn high_passes(&self, k0: usize, k1: usize) -> bool {
        let (a, b) = (self.starts[k0], self.starts[k1]);
        a == b
            || (self.skippable
                && continue_high(
                    a as usize,
                    self.layout.edge_above(k1 - 1),
                    self.upper,
                    self.s,
                ))
    }

    /// The first bin from `from` up that the lower walk cannot pass whole.
    fn low_unpassed(&self, from: usize) -> Option<usize> {
        let nb = self.layout.nb;
        let mut k0 = from;
        while k0 < nb {
            let k1 = (k0 + GROUP).min(nb);
            if !self.low_passes(k0, k1)
                && let Some(k) = (k0..k1).find(|&k| !self.low_passes(k, k + 1))
            {
                return Some(k);
            }
            k0 = k1;
        }
        None
    }

    /// The first bin from `below - 1` down that the upper walk cannot pass whole.
    fn high_unpassed(&self, below: usize) -> Option<usize> {
        let mut k1 = below;
        while k1 > 0 {
            let k0 = k1.saturating_sub(GROUP);
            if !self.high_passes(k0, k1)
                && let Some(k) = (k0..k1).rev().find(|&k| !self.high_passes(k, k + 1))
            {
                return Some(k);
            }
            k1 = k0;
        }
        None
    }

    /// An upper bound on σ_r from the counts alone, if the walks certainly do not cross.
    fn sigma_bound(&self) -> Option<f64> {
        if !self.skippable {
            return None;
        }
        let (layout, s) = (self.layout, self.s);
        // The lower walk reaches bin a and stops at the lowest rank of the first bin whose
        // lowest rank fails even at that bin's highest residual bound, or before: i0 ≤ i0_max.
        let a = self.low_unpassed(0)?;
        let i0_max = (a..layout.nb).find_map(|k| {
            let (lo, hi) = self.range(k);
            (lo < hi && !continue_low(lo, layout.edge_above(k), self.lower, s)).then_some(lo)
        })?;
        // Likewise from the top: i1 ≥ i1_min.
        let b = self.high_unpassed(layout.nb)?;
        let i1_min = (0..=b).rev().find_map(|k| {
            let (lo, hi) = self.range(k);
            (lo < hi && !continue_high(hi - 1, layout.edge_below(k), self.upper, s))
                .then_some(hi - 1)
        })?;
        // r[i0] lies in bin a or above, r[i1] in bin b or below.
        (i1_min >= i0_max).then(|| (layout.edge_above(b) - layout.edge_below(a)) / IQR_TO_SIGMA)
    }
}

/// Reusable counting-sort arrays.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bins {
    layout: Layout,
    /// Each residual's bin.
    bin: Vec<u32>,
    /// The bins' first ranks, one entry ahead while counting (see `count`), in place after
    /// `place`; one spare entry at the end.
    start: Vec<u32>,
    /// The residuals grouped by bin, bins in value order; a bin's slice is sorted once a walk
    /// reads it.
    ranked: Vec<f64>,
}

impl Bins {
    /// Pre-sized for up to `photons` residuals.
    pub(crate) fn with_capacity(photons: usize) -> Self {
        Bins {
            layout: Layout::default(),
            bin: Vec::with_capacity(photons),
            start: Vec::with_capacity((photons / PHOTONS_PER_BIN).clamp(1, MAX_BINS) + 2),
            ranked: Vec::with_capacity(photons),
        }
    }

    /// σ_r over the residuals `r` (any order) whose smallest and largest are `range` and whose
    /// mean magnitude is `mean_abs`: exactly as the reference walk over the sorted residuals
    /// would compute it, or an upper bound that `enough` accepts (see [`Spread::AtMost`]).
    pub(crate) fn spread(
        &mut self,
        r: &[f64],
        range: (f64, f64),
        mean_abs: f64,
        s: SpreadInputs,
        enough: impl Fn(f64) -> bool,
    ) -> Spread {
        let n = r.len();
        if s.n_sig <= 1.0 {
            return Spread::Exact(low_signal(n, s));
        }
        self.count(r, Layout::new(n, range, mean_abs));
        let nb = self.layout.nb;
        let counted = Ranks::new(&self.layout, &self.start[1..nb + 2], s);
        if let Some(bound) = counted.sigma_bound()
            && enough(bound)
        {
            return Spread::AtMost(bound);
        }
        self.place(r);
        let i0 = self.walk_low(s);
        let i1_plus = self.walk_high(s);
        Spread::Exact(resolve(n, i0, i1_plus, s, |i| self.value_at(i)))
    }

    /// Bins the residuals by `layout` and counts them: bin k's first rank ends up at
    /// `start[k + 1]`.
    fn count(&mut self, r: &[f64], layout: Layout) {
        self.layout = layout;
        self.bin.clear();
        self.bin.extend(r.iter().map(|&v| layout.bin(v)));
        // Bin k counted at start[k + 2]; the running sum then leaves its first rank at
        // start[k + 1].
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
    }

    /// Places the residuals in bin order; advancing each bin's cursor at `start[k + 1]` leaves
    /// it at bin k + 1's first rank, so bin k's first rank is then `start[k]`.
    fn place(&mut self, r: &[f64]) {
        if self.ranked.len() < r.len() {
            self.ranked.resize(r.len(), 0.0);
        }
        for (&v, &k) in r.iter().zip(&self.bin) {
            let at = &mut self.start[k as usize + 1];
            self.ranked[*at as usize] = v;
            *at += 1;
        }
    }

    /// The lower walk over the placed residuals: the first rank at which it stops, or n.
    fn walk_low(&mut self, s: SpreadInputs) -> usize {
        let nb = self.layout.nb;
        let ranks = Ranks::new(&self.layout, &self.start[..nb + 1], s);
        let mut from = 0;
        while let Some(k) = ranks.low_unpassed(from) {
            let (base, vals) = sorted_bin(ranks.starts, &mut self.ranked, k);
            if let Some(j) = (vals.iter().enumerate())
                .position(|(j, &v)| !continue_low(base + j, v, ranks.lower, s))
            {
                return base + j;
            }
            from = k + 1;
        }
        ranks.starts[nb] as usize
    }

    /// The upper walk over the placed residuals: one past the rank at which it stops, or 0
    /// (i1 = -1).
    fn walk_high(&mut self, s: SpreadInputs) -> usize {
        let nb = self.layout.nb;
        let ranks = Ranks::new(&self.layout, &self.start[..nb + 1], s);
        let mut below = nb;
        while let Some(k) = ranks.high_unpassed(below) {
            let (base, vals) = sorted_bin(ranks.starts, &mut self.ranked, k);
            if let Some(j) = (vals.iter().enumerate().rev())
                .find(|&(j, &v)| !continue_high(base + j, v, ranks.upper, s))
                .map(|(j, _)| j)
            {
                return base + j + 1;
            }
            below = k;
        }
        0
    }

    /// The residual of rank `i` (< n) in ascending order (after `place`).
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
        let (mut bounded, mut tight) = (0, 0);
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
            let range = (sorted[0], sorted[n - 1]);
            let got = bins.spread(&r, range, mean_abs, s, |_| false);
            assert_eq!(got, Spread::Exact(want), "case {case}: n {n} inputs {s:?}");
            // Any accepted bound holds, and only where the walks do not cross.
            if let Spread::AtMost(bound) = bins.spread(&r, range, mean_abs, s, |_| true) {
                bounded += 1;
                assert!(
                    !want.fallback && !want.out_of_bounds,
                    "case {case}: {want:?}"
                );
                assert!(want.sigma_r <= bound, "case {case}: {want:?} above {bound}");
                tight += usize::from(bound <= 1.5 * want.sigma_r + 0.05);
            }
        }
        // The bound path is taken often and is close to σ_r (the bins are fine).
        assert!(bounded >= 1000, "{bounded} bounded cases");
        assert!(
            10 * tight >= 9 * bounded,
            "{tight} of {bounded} bounds tight"
        );
    }
}
