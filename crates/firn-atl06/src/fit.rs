//! The iterative ATL06-SR fit of one extent (SPEC §7).

use crate::bins::{Bins, Spread};
use crate::constants::{PRF, SIGMA_BEAM, SIGMA_XMIT, SPEED_OF_LIGHT};
use crate::error::{Error, Result};
use crate::extent::{ExtentPhotons, Real};
use crate::flags::{MAX_ITERATIONS, OUT_OF_BOUNDS, SPREAD_TOO_SHORT, TOO_FEW_PHOTONS};
use crate::intercept::intercepts;
use crate::lsq::Line;
use crate::params::FitParams;
use crate::record::{FitOutcome, Segment};
use crate::set::WorkingSet;
use crate::sigma::SpreadInputs;

/// Reusable working memory for [`Fitter::fit_extent`](crate::Fitter::fit_extent).
///
/// It grows to the largest extent seen and is then reused, so a loop over extents does not
/// allocate. One per thread ([`Fitter::fit_beam`](crate::Fitter::fit_beam) keeps one per rayon job).
#[derive(Debug, Clone, Default)]
pub struct FitScratch {
    set: WorkingSet,
    bins: Bins,
}

impl FitScratch {
    /// Empty scratch; it grows on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Scratch pre-sized for extents of up to `photons` photons: fitting them never allocates.
    pub fn with_capacity(photons: usize) -> Self {
        FitScratch {
            set: WorkingSet::with_capacity(photons),
            bins: Bins::with_capacity(photons),
        }
    }
}

/// Background photons per metre of window: N_pulses · rate / (c/2), N_pulses = len · PRF / speed.
pub(crate) fn background_density(len_m: f64, speed: f64, rate: f64) -> Result<f64> {
    let pulses = len_m * PRF / speed;
    let rho = pulses * rate / (SPEED_OF_LIGHT / 2.0);
    if rho.is_finite() {
        Ok(rho)
    } else {
        Err(Error::BackgroundDensity { speed, rate, len_m })
    }
}

/// SPEC §6 pre-checks on the filtered photons (file order): fewer than `cnt` → 0x2; with more
/// than one photon, x(last) - x(first) < `ats` → 0x1.
fn precheck(x: &[f64], params: &FitParams) -> u16 {
    let mut flags = 0;
    if x.len() < params.cnt as usize {
        flags |= TOO_FEW_PHOTONS;
    }
    if let [first, .., last] = x
        && last - first < params.ats
    {
        flags |= SPREAD_TOO_SHORT;
    }
    flags
}

/// σ_exp: the height spread expected from the pulse width and the slope across the footprint.
fn sigma_expected(slope: f64) -> f64 {
    let pulse = SPEED_OF_LIGHT / 2.0 * SIGMA_XMIT;
    let beam = SIGMA_BEAM * slope;
    (pulse * pulse + beam * beam).sqrt()
}

/// Fits one validated extent with a validated background density.
pub(crate) fn fit_core<F: Real>(
    params: &FitParams,
    ext: &ExtentPhotons<'_, F>,
    density: f64,
    scratch: &mut FitScratch,
) -> FitOutcome {
    let mut pflags = precheck(ext.x, params);
    if pflags != 0 && !params.pass_invalid {
        return FitOutcome::NotFitted { pflags };
    }
    let FitScratch { set, bins } = scratch;
    set.load(ext);
    let Some(mut line) = set.fit() else {
        return FitOutcome::NotFitted {
            pflags: pflags | SPREAD_TOO_SHORT,
        };
    };
    let mut w = 0.0_f64;
    let mut fits = 1_u32;
    loop {
        let range = set.residuals(&line);
        let n = set.len();

        // Step 2: window and background.
        let (zmin, zmax, n_bg) = if fits == 1 {
            (range.min, range.max, density * (range.max - range.min))
        } else {
            (-w / 2.0, w / 2.0, density * w)
        };
        // N_BG / (zmax - zmin) is the density itself; a zero-width first window holds no
        // background (N_BG = 0), so 0 replaces the 0/0.
        let bckgrd = if zmax > zmin {
            n_bg / (zmax - zmin)
        } else {
            0.0
        };
        let inputs = SpreadInputs {
            zmin,
            zmax,
            bckgrd,
            n_sig: n as f64 - n_bg,
        };

        // Steps 3-5: the robust spread σ_r and the new window. σ_r only matters through
        // 6·min(σ_r, sigma_r_max) against the other two terms, so an upper bound that stays at
        // or below them settles W exactly (`Spread::AtMost`).
        let floor = params.h_min_win.max(6.0 * sigma_expected(line.m1));
        let capped = |sigma_r: f64| 6.0 * sigma_r.min(params.sigma_r_max);
        let mean_abs = range.sum_abs / n as f64;
        let range = (range.min, range.max);
        let sigma_r = match bins.spread(set.r(), range, mean_abs, inputs, |b| capped(b) <= floor) {
            Spread::Exact(spread) => {
                if spread.out_of_bounds {
                    pflags |= OUT_OF_BOUNDS;
                }
                spread.sigma_r
            }
            Spread::AtMost(bound) => bound,
        };
        w = floor.max(capped(sigma_r)).max(0.75 * w);

        // Step 6: the photons strictly inside the window, the tests in their order.
        let half = w / 2.0;
        let count = set.count_inside(half);
        let stop = if count < params.cnt as usize {
            Some(TOO_FEW_PHOTONS)
        } else if count == n {
            // Every photon inside: P's own spread decides.
            if set.x_range().span() < params.ats {
                Some(SPREAD_TOO_SHORT)
            } else {
                Some(0)
            }
        } else if set.stage_inside(half).span() < params.ats {
            // Some photons outside: those inside are staged as the next set (P stays as it is),
            // and their spread decides.
            Some(SPREAD_TOO_SHORT)
        } else if fits >= params.maxi {
            Some(MAX_ITERATIONS)
        } else if let Some(next) = set.adopt_staged() {
            line = next;
            fits += 1;
            None
        } else {
            // Only possible when ats ≤ 0: the previous fit and its set stand.
            Some(SPREAD_TOO_SHORT)
        };
        if let Some(bits) = stop {
            pflags |= bits;
            if count != n {
                // The outputs run over P with this window's photons first (the crate's fixed
                // summation order, see `WorkingSet::inside_first`).
                set.inside_first(half);
            }
            break;
        }
    }
    FitOutcome::Fitted(finish(&line, set, w, pflags, ext))
}

/// Builds the segment from the last fit and its photon set.
fn finish<F: Real>(
    line: &Line,
    set: &WorkingSet,
    w: f64,
    pflags: u16,
    ext: &ExtentPhotons<'_, F>,
) -> Segment {
    let n = set.len();
    let at = intercepts(line, set, ext);
    let rms = (at.sum_r2 / n as f64).sqrt();
    Segment {
        extent: ext.meta.extent,
        x_atc: ext.meta.x_atc,
        h_mean: line.m0,
        dh_fit_dx: line.m1 as f32,
        dh_fit_dy: f32::NAN,
        n_fit_photons: i32::try_from(n).unwrap_or(i32::MAX),
        w_surface_window_final: w as f32,
        rms_misfit: rms as f32,
        h_sigma: (rms * line.inv00.sqrt()) as f32,
        latitude: at.lat,
        longitude: at.lon,
        time_ns: at.time_ns,
        y_atc: at.y as f32,
        pflags,
    }
}
