//! Closed-form least squares of h = m0 + m1·x (G = [1, x]).

/// One photon of the working set: its current residual, x relative to the extent centre, height,
/// and row within the extent.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pt {
    pub(crate) r: f64,
    pub(crate) x: f64,
    pub(crate) h: f64,
    pub(crate) row: u32,
}

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

impl Line {
    /// Fits the photons, or `None` when GᵀG is singular: fewer than two distinct x (including
    /// fewer than two photons), or a determinant that rounds to zero or below.
    pub(crate) fn fit(p: &[Pt]) -> Option<Line> {
        let first = p.first()?.x;
        // Two interleaved sets of sums (Σx, Σx², Σh, Σxh) halve the add-latency chain.
        let mut acc = [[0.0_f64; 4]; 2];
        let mut distinct = false;
        let mut pairs = p.chunks_exact(2);
        for pair in &mut pairs {
            for (a, q) in acc.iter_mut().zip(pair) {
                a[0] += q.x;
                a[1] += q.x * q.x;
                a[2] += q.h;
                a[3] += q.x * q.h;
                distinct |= q.x != first;
            }
        }
        for q in pairs.remainder() {
            let a = &mut acc[0];
            a[0] += q.x;
            a[1] += q.x * q.x;
            a[2] += q.h;
            a[3] += q.x * q.h;
            distinct |= q.x != first;
        }
        let [sx, sxx, sh, sxh] = [0, 1, 2, 3].map(|k| acc[0][k] + acc[1][k]);
        let n = p.len() as f64;
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

    /// Stores every photon's residual h - (m0 + m1·x) and returns the smallest, the largest and
    /// the sum of their magnitudes.
    #[inline]
    pub(crate) fn residuals(&self, p: &mut [Pt]) -> (f64, f64, f64) {
        let (mut lo, mut hi, mut abs) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for q in p {
            q.r = q.h - (self.m0 + self.m1 * q.x);
            abs += q.r.abs();
            if q.r < lo {
                lo = q.r;
            }
            if q.r > hi {
                hi = q.r;
            }
        }
        (lo, hi, abs)
    }
}
