//! A plain, slow implementation of the SPEC §6 pre-checks and the §7 fit, written for clarity and
//! used as the oracle of the optimised fit (`tests/reference.rs`).
//!
//! It follows the specification step by step: an array of photons, a full sort of the residuals on
//! every pass, the robust-spread walk of [`robust_spread`] over them, a partition for the window
//! test. Where the specification leaves the order of a floating-point sum open, it uses the order
//! the crate documents, so that both give the same bits:
//! - the least-squares sums Σx, Σx², Σh, Σxh run over P in file order, even and odd positions in
//!   two accumulators that are added at the end;
//! - the window test moves the photons inside the window to the front in their order, by swaps (the
//!   others behind them in the order the swaps leave); the outputs Σr² and Σ g·v run over the last
//!   set in that order, one accumulator each.

use firn_atl06::constants::{ATLAS_EPOCH_UNIX_S, PRF, SIGMA_BEAM, SIGMA_XMIT, SPEED_OF_LIGHT};
use firn_atl06::flags::{MAX_ITERATIONS, OUT_OF_BOUNDS, SPREAD_TOO_SHORT, TOO_FEW_PHOTONS};
use firn_atl06::{ExtentMeta, FitOutcome, FitParams, Segment, SpreadInputs, robust_spread};

/// One photon: x relative to the centre, h, its row in the extent, its current residual.
#[derive(Debug, Clone, Copy)]
struct Photon {
    x: f64,
    h: f64,
    row: usize,
    r: f64,
}

/// The pass-through columns of one extent (file order).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Columns<'a> {
    pub(crate) x: &'a [f64],
    pub(crate) h: &'a [f64],
    pub(crate) lat: &'a [f64],
    pub(crate) lon: &'a [f64],
    pub(crate) time: &'a [f64],
    pub(crate) y: &'a [f64],
}

/// A least-squares line with [(GᵀG)⁻¹]₀₀ and [(GᵀG)⁻¹]₀₁.
#[derive(Debug, Clone, Copy)]
struct Line {
    m0: f64,
    m1: f64,
    inv00: f64,
    inv01: f64,
}

fn least_squares(p: &[Photon]) -> Option<Line> {
    let first = p.first()?.x;
    let mut even = [0.0_f64; 4];
    let mut odd = [0.0_f64; 4];
    for (i, q) in p.iter().enumerate() {
        let a = if i % 2 == 0 { &mut even } else { &mut odd };
        a[0] += q.x;
        a[1] += q.x * q.x;
        a[2] += q.h;
        a[3] += q.x * q.h;
    }
    let [sx, sxx, sh, sxh] = [0, 1, 2, 3].map(|k| even[k] + odd[k]);
    let n = p.len() as f64;
    let det = n * sxx - sx * sx;
    let distinct = p.iter().any(|q| q.x != first);
    if !(distinct && det > 0.0 && det.is_finite()) {
        return None;
    }
    let (inv00, inv01, inv11) = (sxx / det, -sx / det, n / det);
    Some(Line {
        m0: inv00 * sh + inv01 * sxh,
        m1: inv01 * sh + inv11 * sxh,
        inv00,
        inv01,
    })
}

/// Fits one extent as SPEC §6-§7 say; `None` when the background density is not finite (the
/// crate's error case).
pub(crate) fn fit(params: &FitParams, c: Columns<'_>, meta: &ExtentMeta) -> Option<FitOutcome> {
    let pulses = params.len_m * PRF / meta.speed;
    let density = pulses * meta.background_rate / (SPEED_OF_LIGHT / 2.0);
    if !density.is_finite() {
        return None;
    }
    // Pre-checks on the photons in file order.
    let mut pflags = 0;
    if c.x.len() < params.cnt as usize {
        pflags |= TOO_FEW_PHOTONS;
    }
    if c.x.len() > 1 && c.x[c.x.len() - 1] - c.x[0] < params.ats {
        pflags |= SPREAD_TOO_SHORT;
    }
    if pflags != 0 && !params.pass_invalid {
        return Some(FitOutcome::NotFitted { pflags });
    }
    let mut set: Vec<Photon> = (0..c.x.len())
        .map(|row| Photon {
            x: c.x[row] - meta.x_atc,
            h: c.h[row],
            row,
            r: 0.0,
        })
        .collect();
    let Some(mut line) = least_squares(&set) else {
        return Some(FitOutcome::NotFitted {
            pflags: pflags | SPREAD_TOO_SHORT,
        });
    };
    let mut w = 0.0_f64;
    let mut fits = 1;
    loop {
        for q in &mut set {
            q.r = q.h - (line.m0 + line.m1 * q.x);
        }
        let mut sorted: Vec<f64> = set.iter().map(|q| q.r).collect();
        sorted.sort_by(f64::total_cmp);
        let n = set.len();
        let (zmin, zmax, n_bg) = if fits == 1 {
            let (lo, hi) = (sorted[0], sorted[n - 1]);
            (lo, hi, density * (hi - lo))
        } else {
            (-w / 2.0, w / 2.0, density * w)
        };
        let bckgrd = if zmax > zmin {
            n_bg / (zmax - zmin)
        } else {
            0.0
        };
        let spread = robust_spread(
            &sorted,
            SpreadInputs {
                zmin,
                zmax,
                bckgrd,
                n_sig: n as f64 - n_bg,
            },
        );
        if spread.out_of_bounds {
            pflags |= OUT_OF_BOUNDS;
        }
        let pulse = SPEED_OF_LIGHT / 2.0 * SIGMA_XMIT;
        let beam = SIGMA_BEAM * line.m1;
        let sigma_exp = (pulse * pulse + beam * beam).sqrt();
        let w_new = params
            .h_min_win
            .max(6.0 * sigma_exp)
            .max(6.0 * spread.sigma_r.min(params.sigma_r_max));
        w = w_new.max(0.75 * w);

        // Photons strictly inside the window to the front, by swaps.
        let (mut count, mut xmin, mut xmax) = (0, f64::INFINITY, f64::NEG_INFINITY);
        for i in 0..n {
            if set[i].r.abs() < w / 2.0 {
                xmin = xmin.min(set[i].x);
                xmax = xmax.max(set[i].x);
                set.swap(count, i);
                count += 1;
            }
        }
        if count < params.cnt as usize {
            pflags |= TOO_FEW_PHOTONS;
            break;
        }
        if xmax - xmin < params.ats {
            pflags |= SPREAD_TOO_SHORT;
            break;
        }
        if count == n {
            break;
        }
        if fits >= params.maxi {
            pflags |= MAX_ITERATIONS;
            break;
        }
        let Some(next) = least_squares(&set[..count]) else {
            pflags |= SPREAD_TOO_SHORT;
            break;
        };
        set.truncate(count);
        line = next;
        fits += 1;
    }
    Some(FitOutcome::Fitted(segment(&line, &set, w, pflags, c, meta)))
}

/// The outputs of the last fit over its set.
fn segment(
    line: &Line,
    set: &[Photon],
    w: f64,
    pflags: u16,
    c: Columns<'_>,
    meta: &ExtentMeta,
) -> Segment {
    let n = set.len();
    let mut sum_r2 = 0.0;
    for q in set {
        sum_r2 += q.r * q.r;
    }
    let rms = (sum_r2 / n as f64).sqrt();
    let unwrap = !(meta.lon_p0 > -150.0 && meta.lon_p0 < 150.0);
    let (mut lat, mut lon, mut dt, mut y) = (0.0, 0.0, 0.0, 0.0);
    for q in set {
        let g = line.inv00 + line.inv01 * q.x;
        let l = c.lon[q.row];
        let l = if unwrap && l < 0.0 { l + 360.0 } else { l };
        lat += g * c.lat[q.row];
        lon += g * l;
        dt += g * (c.time[q.row] - meta.time_p0);
        y += g * c.y[q.row];
    }
    if unwrap && lon >= 180.0 {
        lon -= 360.0;
    }
    Segment {
        extent: meta.extent,
        x_atc: meta.x_atc,
        h_mean: line.m0,
        dh_fit_dx: line.m1 as f32,
        dh_fit_dy: f32::NAN,
        n_fit_photons: n as i32,
        w_surface_window_final: w as f32,
        rms_misfit: rms as f32,
        h_sigma: (rms * line.inv00.sqrt()) as f32,
        latitude: lat,
        longitude: lon,
        time_ns: unix_ns(meta.time_p0, dt),
        y_atc: y as f32,
        pflags,
    }
}

/// Unix ns of `t0 + dt` (s since the ATLAS epoch), with t0's whole seconds split off first.
fn unix_ns(t0: f64, dt: f64) -> i64 {
    let whole = t0.floor();
    let frac_ns = ((t0 - whole + dt) * 1e9).round();
    (whole as i64)
        .saturating_add(ATLAS_EPOCH_UNIX_S)
        .saturating_mul(1_000_000_000)
        .saturating_add(frac_ns as i64)
}

/// Every field of an outcome as bits, so that equality means bit-identical (NaN included).
pub(crate) fn bits(o: &FitOutcome) -> Vec<u64> {
    match o {
        FitOutcome::NotFitted { pflags } => vec![u64::from(*pflags)],
        FitOutcome::Fitted(s) => vec![
            s.extent,
            s.x_atc.to_bits(),
            s.h_mean.to_bits(),
            u64::from(s.dh_fit_dx.to_bits()),
            u64::from(s.dh_fit_dy.to_bits()),
            s.n_fit_photons as u64,
            u64::from(s.w_surface_window_final.to_bits()),
            u64::from(s.rms_misfit.to_bits()),
            u64::from(s.h_sigma.to_bits()),
            s.latitude.to_bits(),
            s.longitude.to_bits(),
            s.time_ns as u64,
            u64::from(s.y_atc.to_bits()),
            u64::from(s.pflags),
        ],
    }
}
