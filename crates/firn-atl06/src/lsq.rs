//! Closed-form least squares of h = m0 + m1·x (G = [1, x]) and the residual pass.

use crate::reduce::min_max;

/// A least-squares line and the first row of (GᵀG)⁻¹.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Line {
    /// Intercept at x = 0 (the extent centre).
    pub(crate) m0: f64,
    /// Slope.
    pub(crate) m1: f64,
    /// [(GᵀG)⁻¹]₀₀.
    pub(crate) inv00: f64,
    /// [(GᵀG)⁻¹]₀₁.
    pub(crate) inv01: f64,
}

/// What the residual pass learns besides the residuals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ResidualRange {
    /// The smallest residual (+∞ when there is none or all are NaN).
    pub(crate) min: f64,
    /// The largest residual.
    pub(crate) max: f64,
    /// Σ|r|, in no particular order (it only sizes the σ_r bins).
    pub(crate) sum_abs: f64,
}

/// Lanes of the residual pass: independent accumulators in one vector register.
const LANES: usize = 2;

impl Line {
    /// Fits the photons at `x` with heights `h` (equal lengths), or `None` when GᵀG is singular:
    /// fewer than two distinct x (including fewer than two photons), or a determinant that
    /// rounds to zero or below.
    ///
    /// The sums Σx, Σx², Σh, Σxh run in photon order, even and odd positions in two accumulators
    /// that are added at the end (this order fixes the result's last bits).
    pub(crate) fn fit(x: &[f64], h: &[f64]) -> Option<Line> {
        debug_assert_eq!(x.len(), h.len());
        let first = *x.first()?;
        // Lane 0 sums the even positions, lane 1 the odd ones.
        let (mut sx, mut sxx, mut sh, mut sxh) = ([0.0_f64; 2], [0.0_f64; 2], [0.0; 2], [0.0; 2]);
        let (pairs, x_rest) = x.as_chunks::<2>();
        let (h_pairs, h_rest) = h.as_chunks::<2>();
        for (&[x0, x1], &[h0, h1]) in pairs.iter().zip(h_pairs) {
            sx = [sx[0] + x0, sx[1] + x1];
            sxx = [sxx[0] + x0 * x0, sxx[1] + x1 * x1];
            sh = [sh[0] + h0, sh[1] + h1];
            sxh = [sxh[0] + x0 * h0, sxh[1] + x1 * h1];
        }
        if let (&[x], &[h]) = (x_rest, h_rest) {
            sx[0] += x;
            sxx[0] += x * x;
            sh[0] += h;
            sxh[0] += x * h;
        }
        let [sx, sxx, sh, sxh] = [sx, sxx, sh, sxh].map(|s| s[0] + s[1]);
        // Usually settled by the second photon.
        let distinct = x.iter().any(|&v| v != first);
        let n = x.len() as f64;
        let det = n * sxx - sx * sx;
        if !(distinct && det > 0.0 && det.is_finite()) {
            return None;
        }
        let inv00 = sxx / det;
        let inv01 = -sx / det;
        let inv11 = n / det;
        Some(Line {
            m0: inv00 * sh + inv01 * sxh,
            m1: inv01 * sh + inv11 * sxh,
            inv00,
            inv01,
        })
    }

    /// The intercept weight g(x) of a photon at `x`: Σ g(x_p)·v_p is the fitted value of v at the
    /// centre.
    #[inline]
    pub(crate) fn weight(&self, x: f64) -> f64 {
        self.inv00 + self.inv01 * x
    }

    /// Writes every photon's residual h - (m0 + m1·x) to `r` (all three of one length) and
    /// returns their range and Σ|r|. NaN residuals (only from overflowing inputs) take no part in
    /// the range.
    pub(crate) fn residuals(&self, x: &[f64], h: &[f64], r: &mut [f64]) -> ResidualRange {
        debug_assert!(x.len() == h.len() && h.len() == r.len());
        let (m0, m1) = (self.m0, self.m1);
        let mut abs = [0.0_f64; LANES];
        let (xc, xr) = x.as_chunks::<LANES>();
        let (hc, hr) = h.as_chunks::<LANES>();
        let (rc, rr) = r.as_chunks_mut::<LANES>();
        for ((xs, hs), rs) in xc.iter().zip(hc).zip(rc) {
            for j in 0..LANES {
                rs[j] = hs[j] - (m0 + m1 * xs[j]);
                abs[j] += rs[j].abs();
            }
        }
        for ((&x, &h), r) in xr.iter().zip(hr).zip(rr) {
            *r = h - (m0 + m1 * x);
            abs[0] += r.abs();
        }
        // The range in a second pass over r (still in L1): apart, both loops vectorise well.
        let (min, max) = min_max(r);
        ResidualRange {
            min,
            max,
            sum_abs: abs.iter().sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residual_range_of_any_length() {
        let line = Line {
            m0: 1.0,
            m1: 0.5,
            inv00: 0.0,
            inv01: 0.0,
        };
        for n in 0..11 {
            let x: Vec<f64> = (0..n).map(|i| f64::from(i) - 3.0).collect();
            let h: Vec<f64> = (0..n).map(|i| f64::from((i * 7) % 5)).collect();
            let mut r = vec![0.0; x.len()];
            let got = line.residuals(&x, &h, &mut r);
            let want: Vec<f64> = x.iter().zip(&h).map(|(x, h)| h - (1.0 + 0.5 * x)).collect();
            assert_eq!(r, want);
            let min = want.iter().copied().fold(f64::INFINITY, f64::min);
            let max = want.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            assert_eq!((got.min, got.max), (min, max), "n = {n}");
            let abs: f64 = want.iter().map(|v| v.abs()).sum();
            assert!((got.sum_abs - abs).abs() < 1e-12);
        }
    }
}
