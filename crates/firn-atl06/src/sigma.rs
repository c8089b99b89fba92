//! The robust spread σ_r of the residuals (SPEC §7 step 3), with its fallback and out-of-bounds
//! rule.
//!
//! The estimator walks in from both ends of the sorted residuals until the count of photons passed
//! matches the expected signal quartile plus the background expected below that residual.

/// The scale from the inter-quartile range of a unit Gaussian to its standard deviation.
pub const IQR_TO_SIGMA: f64 = 1.349;

/// The inputs of the estimate besides the sorted residuals (SPEC §7 step 2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpreadInputs {
    /// Lower window bound: the smallest residual on the first pass, -W/2 later.
    pub zmin: f64,
    /// Upper window bound: the largest residual on the first pass, W/2 later.
    pub zmax: f64,
    /// Background photons per metre of window, `N_BG / (zmax - zmin)`.
    pub bckgrd: f64,
    /// Expected signal photons, `n - N_BG`.
    pub n_sig: f64,
}

/// The result of [`robust_spread`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RobustSpread {
    /// σ_r (m); 0 when the indices are out of bounds.
    pub sigma_r: f64,
    /// The 0-based indices (i0, i1) finally used; `None` when `n_sig ≤ 1` (σ_r is then
    /// `(zmax - zmin) / n`).
    pub indices: Option<(i64, i64)>,
    /// The walks crossed (i1 < i0) and the central-value fallback was used.
    pub fallback: bool,
    /// The indices fell outside the residuals: the fit sets pflags 0x8 and is invalid.
    pub out_of_bounds: bool,
}

/// Computes σ_r over residuals sorted ascending (SPEC §7 step 3).
///
/// Within the fit (`bckgrd = N_BG / (zmax - zmin)` and `n_sig = n - N_BG` with `N_BG ≥ 0`) the
/// fallback indices stay in bounds whenever n ≥ 3, and with n = 2 the walks cannot cross, so
/// `out_of_bounds` needs inputs that the fit never builds; the rule is kept exactly as specified.
///
/// ```
/// use firn_atl06::{robust_spread, SpreadInputs};
/// // Eight residuals, no background: i0 = 1 (first i with i + 1.5 ≥ 2), i1 = 6 (first i from
/// // the top with i - 0.5 ≤ 6), so σ_r = (r[6] - r[1]) / 1.349.
/// let r = [-4.0, -2.0, -1.0, 0.0, 0.0, 1.0, 2.698, 4.0];
/// let s = robust_spread(&r, SpreadInputs { zmin: -4.0, zmax: 4.0, bckgrd: 0.0, n_sig: 8.0 });
/// assert_eq!(s.indices, Some((1, 6)));
/// assert!((s.sigma_r - 4.698 / 1.349).abs() < 1e-12);
/// ```
pub fn robust_spread(sorted: &[f64], inputs: SpreadInputs) -> RobustSpread {
    spread_by(sorted.len(), |i| sorted[i], inputs)
}

/// [`robust_spread`] over any indexable sorted sequence of `n` residuals: the reference walk,
/// one photon at a time.
#[inline]
pub(crate) fn spread_by(n: usize, r: impl Fn(usize) -> f64, s: SpreadInputs) -> RobustSpread {
    if s.n_sig <= 1.0 {
        return low_signal(n, s);
    }
    let lower = 0.25 * s.n_sig;
    let upper = 0.75 * s.n_sig;
    let mut i0 = 0usize;
    while i0 < n && continue_low(i0, r(i0), lower, s) {
        i0 += 1;
    }
    // i1 counts down from n - 1 and may reach -1: keep it as "index + 1" to stay unsigned.
    let mut i1_plus = n;
    while i1_plus > 0 && continue_high(i1_plus - 1, r(i1_plus - 1), upper, s) {
        i1_plus -= 1;
    }
    resolve(n, i0, i1_plus, s, r)
}

/// σ_r when `n_sig ≤ 1`: the window spread over the photon count.
pub(crate) fn low_signal(n: usize, s: SpreadInputs) -> RobustSpread {
    RobustSpread {
        sigma_r: (s.zmax - s.zmin) / n as f64,
        indices: None,
        fallback: false,
        out_of_bounds: false,
    }
}

/// The lower walk goes on past the photon of rank `i` and residual `r`.
///
/// Monotone: true at (i, r) implies true at every (i' ≤ i, r' ≥ r) when `bckgrd ≥ 0`.
#[inline]
pub(crate) fn continue_low(i: usize, r: f64, lower: f64, s: SpreadInputs) -> bool {
    (i as f64) + 1.5 < lower + (r - s.zmin) * s.bckgrd
}

/// The upper walk goes on past the photon of rank `i` and residual `r`.
///
/// Monotone: true at (i, r) implies true at every (i' ≥ i, r' ≤ r) when `bckgrd ≥ 0`.
#[inline]
pub(crate) fn continue_high(i: usize, r: f64, upper: f64, s: SpreadInputs) -> bool {
    (i as f64) - 0.5 > upper + (r - s.zmin) * s.bckgrd
}

/// Applies the fallback and bounds rules to the walks' results (`i1_plus` = i1 + 1) and reads
/// the two order statistics through `r`.
pub(crate) fn resolve(
    n: usize,
    i0: usize,
    i1_plus: usize,
    s: SpreadInputs,
    mut r: impl FnMut(usize) -> f64,
) -> RobustSpread {
    let nf = n as f64;
    let (mut i0, mut i1) = (i0 as i64, i1_plus as i64 - 1);
    let fallback = i1 < i0;
    if fallback {
        // `as` truncates toward zero (and saturates), as the specification's trunc does.
        i0 = (nf / 2.0 - s.n_sig / 4.0 + 0.5) as i64 - 1;
        i1 = (nf / 2.0 + s.n_sig / 4.0 + 0.5) as i64;
    }
    let index = |i: i64| usize::try_from(i).ok().filter(|&i| i < n);
    match (index(i0), index(i1)) {
        (Some(lo), Some(hi)) => RobustSpread {
            sigma_r: (r(hi) - r(lo)) / IQR_TO_SIGMA,
            indices: Some((i0, i1)),
            fallback,
            out_of_bounds: false,
        },
        _ => RobustSpread {
            sigma_r: 0.0,
            indices: Some((i0, i1)),
            fallback,
            out_of_bounds: true,
        },
    }
}
