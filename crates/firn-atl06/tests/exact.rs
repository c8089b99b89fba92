//! Small cases worked by hand: the least-squares core, each pflags bit, the σ_r fallback and the
//! drop rule. The comments show the arithmetic behind every expected value.

#[allow(dead_code)] // each test binary uses part of the shared helpers
mod support;

use firn_atl06::constants::{SIGMA_XMIT, SPEED_OF_LIGHT};
use firn_atl06::flags::{MAX_ITERATIONS, OUT_OF_BOUNDS, SPREAD_TOO_SHORT, TOO_FEW_PHOTONS};
use firn_atl06::{FitOutcome, FitParams, Segment, SpreadInputs, apply_drop_rule, robust_spread};
use support::{Owned, close};

/// The pulse term of σ_exp: (c/2)·σ_xmit = 149896229 m/s · 0.68 ns = 0.1019294357 m.
fn pulse() -> f64 {
    SPEED_OF_LIGHT / 2.0 * SIGMA_XMIT
}

fn fitted(outcome: FitOutcome) -> Segment {
    match outcome {
        FitOutcome::Fitted(seg) => seg,
        FitOutcome::NotFitted { pflags } => panic!("expected a fit, got NotFitted {pflags:#x}"),
    }
}

/// Parameters loose enough for four photons 3 m apart.
fn four_photon_params() -> FitParams {
    FitParams {
        cnt: 4,
        ats: 3.0,
        ..FitParams::default()
    }
}

#[test]
fn slope_two_through_origin() {
    // x = 1..4, h = 2x: Σx = 10, Σx² = 30, n = 4, det = 4·30 - 10² = 20,
    // m0 = (30·20 - 10·60)/20 = 0, m1 = (4·60 - 10·20)/20 = 2. All residuals 0.
    let e = Owned::new(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 6.0, 8.0], 0.0);
    let s = fitted(e.fit(four_photon_params()));
    close(s.h_mean, 0.0, 1e-12);
    close(f64::from(s.dh_fit_dx), 2.0, 1e-6);
    assert_eq!((s.n_fit_photons, s.pflags), (4, 0));
    assert_eq!((s.rms_misfit, s.h_sigma), (0.0, 0.0));
    // σ_r = 0, so W = 6·σ_exp = 6·sqrt(pulse² + (4.25·2)²) = 51.0037 m; every photon is inside.
    let w = 6.0 * (pulse().powi(2) + 8.5_f64.powi(2)).sqrt();
    close(f64::from(s.w_surface_window_final), w, 1e-4);
}

#[test]
fn slope_one_intercept_three() {
    // h = 4..7 at x = 1..4 is h = 3 + x: Σh = 22, Σxh = 60;
    // m0 = (30·22 - 10·60)/20 = 3, m1 = (4·60 - 10·22)/20 = 1.
    let e = Owned::new(&[1.0, 2.0, 3.0, 4.0], &[4.0, 5.0, 6.0, 7.0], 0.0);
    let s = fitted(e.fit(four_photon_params()));
    close(s.h_mean, 3.0, 1e-12);
    close(f64::from(s.dh_fit_dx), 1.0, 1e-6);
    assert_eq!((s.rms_misfit, s.h_sigma), (0.0, 0.0));
    // Intercepts of channels linear in x are their values at x = 0 (Owned::new's definitions).
    close(s.latitude, 70.0, 1e-12);
    close(s.longitude, -45.0, 1e-12);
    close(f64::from(s.y_atc), 45.0, 1e-5);
    // Times near 1.72e8 s are doubles 2^-25 s ≈ 30 ns apart, so each input carries up to 15 ns of
    // rounding; the weights g = 1.5 - 0.5·x = (1, 0.5, 0, -0.5) sum to 2 in magnitude → ≤ 30 ns.
    let t_ns = (support::T0 as i64 + 1_514_764_800) * 1_000_000_000;
    assert!((s.time_ns - t_ns).abs() <= 30, "{} vs {t_ns}", s.time_ns);
}

#[test]
fn noiseless_line_has_zero_misfit() {
    // 100 photons over 40 m on h = 1234.5 - 0.05·x, with a 2 MHz background rate.
    let x: Vec<f64> = (0..100).map(|i| -19.8 + 0.4 * f64::from(i)).collect();
    let h: Vec<f64> = x.iter().map(|x| 1234.5 - 0.05 * x).collect();
    let s = fitted(Owned::new(&x, &h, 2e6).fit(FitParams::default()));
    close(s.h_mean, 1234.5, 1e-9);
    close(f64::from(s.dh_fit_dx), -0.05, 1e-7);
    assert!(s.rms_misfit < 1e-9 && s.h_sigma < 1e-9, "{s:?}");
    assert_eq!((s.n_fit_photons, s.pflags), (100, 0));
    // W = max(3, 6·sqrt(pulse² + 0.2125²) = 1.414, 0) = 3.
    assert_eq!(s.w_surface_window_final, 3.0);
}

/// Eleven photons at x = -5..5 on h = 0, except the two ends at h = 5.5.
///
/// First fit: Σx = 0, Σx² = 110, det = 11·110 = 1210, Σh = 11, Σxh = -27.5 + 27.5 = 0, so
/// m0 = 110·11/1210 = 1, m1 = 0. Residuals: nine at -1, two at +4.5.
/// Background 0 → N_BG = 0, bckgrd = 0, N_sig = 11: i0 stops at the first i with
/// i + 1.5 ≥ 2.75 (i0 = 2), i1 at the first i from the top with i - 0.5 ≤ 8.25 (i1 = 8);
/// r[2] = r[8] = -1, so σ_r = 0 and W = max(3, 6·0.1019, 0) = 3.
/// Inside |r| < 1.5: the nine photons x = -4..4 (span 8).
/// rms = sqrt((9·1 + 2·4.5²)/11) = sqrt(49.5/11) = sqrt(4.5); [(GᵀG)⁻¹]₀₀ = 110/1210 = 1/11.
fn ends_raised() -> Owned {
    let x: Vec<f64> = (-5..=5).map(f64::from).collect();
    let h: Vec<f64> = x
        .iter()
        .map(|&x| if x.abs() == 5.0 { 5.5 } else { 0.0 })
        .collect();
    Owned::new(&x, &h, 0.0)
}

/// Checks the values of the first fit of [`ends_raised`].
fn assert_first_fit(s: &Segment) {
    close(s.h_mean, 1.0, 1e-12);
    close(f64::from(s.dh_fit_dx), 0.0, 1e-12);
    assert_eq!(s.n_fit_photons, 11);
    assert_eq!(s.w_surface_window_final, 3.0);
    close(f64::from(s.rms_misfit), 4.5_f64.sqrt(), 1e-6);
    close(f64::from(s.h_sigma), (4.5_f64 / 11.0).sqrt(), 1e-6);
}

#[test]
fn converges_on_the_second_fit() {
    // cnt 5, ats 5: 9 ≥ 5 photons, span 8 ≥ 5, 9 ≠ 11 → refit over the nine at h = 0:
    // m0 = m1 = 0, residuals 0; window -1.5..1.5, N_BG = 0, σ_r = 0;
    // W = max(3, 0.61, 0, 0.75·3) = 3; all nine inside → converged, pflags 0.
    let p = FitParams {
        cnt: 5,
        ats: 5.0,
        ..FitParams::default()
    };
    let s = fitted(ends_raised().fit(p));
    assert_eq!((s.pflags, s.n_fit_photons), (0, 9));
    close(s.h_mean, 0.0, 1e-12);
    assert_eq!(
        (s.rms_misfit, s.h_sigma, s.w_surface_window_final),
        (0.0, 0.0, 3.0)
    );
}

#[test]
fn pflag_0x1_in_the_loop() {
    // ats 9: the pre-check passes (x(last) - x(first) = 10 ≥ 9), but the nine photons inside the
    // window span 8 < 9 → 0x1, invalid; outputs stay those of the first fit.
    let p = FitParams {
        cnt: 5,
        ats: 9.0,
        ..FitParams::default()
    };
    let s = fitted(ends_raised().fit(p.clone()));
    assert_eq!(s.pflags, SPREAD_TOO_SHORT);
    assert_first_fit(&s);
    assert_eq!(apply_drop_rule(FitOutcome::Fitted(s), false), None);
    let kept = apply_drop_rule(FitOutcome::Fitted(s), true).expect("pass_invalid keeps it");
    assert!(kept.rms_misfit.is_nan() && kept.h_sigma.is_nan());
    assert_eq!(kept.h_mean, s.h_mean);
}

#[test]
fn pflag_0x1_pre_check() {
    // x = -5..5 spans 10 < ats 20 (default): not fitted without pass_invalid.
    let e = Owned::new(
        &(-5..=5).map(f64::from).collect::<Vec<_>>(),
        &[0.0; 11],
        0.0,
    );
    assert_eq!(
        e.fit(FitParams::default()),
        FitOutcome::NotFitted {
            pflags: SPREAD_TOO_SHORT
        }
    );
    // With pass_invalid it is fitted (h = 0 exactly, W = 3, all 11 inside, span 10 < 20 again)
    // and keeps 0x1; the drop rule keeps the row with NaN rms_misfit and h_sigma.
    let p = FitParams {
        pass_invalid: true,
        ..FitParams::default()
    };
    let s = fitted(e.fit(p));
    assert_eq!((s.pflags, s.n_fit_photons), (SPREAD_TOO_SHORT, 11));
    assert_eq!(s.h_mean, 0.0);
    let row = apply_drop_rule(FitOutcome::Fitted(s), true).expect("kept");
    assert!(row.rms_misfit.is_nan() && row.h_sigma.is_nan());
}

#[test]
fn pflag_0x1_singular_first_fit_never_gives_a_row() {
    // Ten photons at one x: GᵀG is singular → 0x1 (and the pre-check's 0x1: span 0 < 20).
    let p = FitParams {
        pass_invalid: true,
        ..FitParams::default()
    };
    let e = Owned::new(&[3.0; 10], &[1.0; 10], 0.0);
    assert_eq!(
        e.fit(p.clone()),
        FitOutcome::NotFitted {
            pflags: SPREAD_TOO_SHORT
        }
    );
    // No photon at all: 0x2 from the pre-check, 0x1 from the singular fit.
    let empty = Owned::new(&[], &[], 0.0);
    assert_eq!(
        empty.fit(p),
        FitOutcome::NotFitted {
            pflags: SPREAD_TOO_SHORT | TOO_FEW_PHOTONS
        }
    );
}

#[test]
fn pflag_0x2_in_the_loop() {
    // cnt 10, ats 5: the pre-check passes (11 ≥ 10, span 10 ≥ 5), but only 9 < 10 photons lie
    // inside the window → 0x2 (checked before the spread), invalid, first-fit outputs.
    let p = FitParams {
        cnt: 10,
        ats: 5.0,
        ..FitParams::default()
    };
    let s = fitted(ends_raised().fit(p));
    assert_eq!(s.pflags, TOO_FEW_PHOTONS);
    assert_first_fit(&s);
    assert_eq!(apply_drop_rule(FitOutcome::Fitted(s), false), None);
}

#[test]
fn pflag_0x2_pre_check() {
    // 9 photons < cnt 10.
    let x: Vec<f64> = (0..9).map(|i| -20.0 + 5.0 * f64::from(i)).collect();
    let e = Owned::new(&x, &[0.0; 9], 0.0);
    assert_eq!(
        e.fit(FitParams::default()),
        FitOutcome::NotFitted {
            pflags: TOO_FEW_PHOTONS
        }
    );
}

#[test]
fn pflag_0x4_max_iterations() {
    // maxi 1 = one plain fit: 9 inside ≠ 11, iteration 1 ≥ maxi → 0x4. The segment is valid and
    // keeps the first fit's values.
    let p = FitParams {
        cnt: 5,
        ats: 5.0,
        maxi: 1,
        ..FitParams::default()
    };
    let s = fitted(ends_raised().fit(p));
    assert_eq!(s.pflags, MAX_ITERATIONS);
    assert_first_fit(&s);
    let row = apply_drop_rule(FitOutcome::Fitted(s), false).expect("0x4 rows are kept");
    // Debug compares every field, NaN dh_fit_dy included.
    assert_eq!(format!("{row:?}"), format!("{s:?}"));
}

#[test]
fn pflag_0x8_robust_spread_out_of_bounds() {
    // The fit never builds these inputs (see robust_spread's docs); the rule itself:
    // n = 2, N_sig = 2, bckgrd = 10, zmin = -1, r = [0, 1].
    // i0: 0 + 1.5 < 0.5 + (0 + 1)·10 = 10.5 → 1; 2.5 < 0.5 + 2·10 = 20.5 → 2 = n, stop.
    // i1: 1 - 0.5 = 0.5 > 1.5 + 20 fails → i1 = 1 < i0 = 2 → fallback:
    // i0 = trunc(1 - 0.5 + 0.5) - 1 = 0, i1 = trunc(1 + 0.5 + 0.5) = 2 ≥ n → out of bounds.
    let s = robust_spread(
        &[0.0, 1.0],
        SpreadInputs {
            zmin: -1.0,
            zmax: 1.0,
            bckgrd: 10.0,
            n_sig: 2.0,
        },
    );
    assert!(s.fallback && s.out_of_bounds);
    assert_eq!((s.indices, s.sigma_r), (Some((0, 2)), 0.0));
    // A segment carrying 0x8 is invalid: dropped, or kept with NaN precision under pass_invalid.
    let e = Owned::new(
        &(-10..=10).map(f64::from).collect::<Vec<_>>(),
        &[0.0; 21],
        0.0,
    );
    let seg = Segment {
        pflags: OUT_OF_BOUNDS,
        ..fitted(e.fit(FitParams::default()))
    };
    assert!(!seg.is_valid());
    assert_eq!(apply_drop_rule(FitOutcome::Fitted(seg), false), None);
    let kept = apply_drop_rule(FitOutcome::Fitted(seg), true).expect("kept");
    assert!(kept.rms_misfit.is_nan());
}

#[test]
fn sigma_r_fallback_in_bounds() {
    // A later pass: W = 2 (zmin = -1, zmax = 1), density 1/m → N_BG = 2, bckgrd = 2/2 = 1,
    // N_sig = 4 - 2 = 2; residuals r = [1, 2, 3, 6] all above the old window.
    // i0: 1.5 < 0.5 + 2 = 2.5 → 1; 2.5 < 0.5 + 3 → 2; 3.5 < 0.5 + 4 → 3; 4.5 < 0.5 + 7 → 4 = n.
    // i1 = 3: 2.5 > 1.5 + 7 fails → i1 = 3 < i0 = 4 → fallback:
    // i0 = trunc(2 - 0.5 + 0.5) - 1 = 1, i1 = trunc(2 + 0.5 + 0.5) = 3 → σ_r = (6 - 2)/1.349.
    let s = robust_spread(
        &[1.0, 2.0, 3.0, 6.0],
        SpreadInputs {
            zmin: -1.0,
            zmax: 1.0,
            bckgrd: 1.0,
            n_sig: 2.0,
        },
    );
    assert!(s.fallback && !s.out_of_bounds);
    assert_eq!(s.indices, Some((1, 3)));
    close(s.sigma_r, 4.0 / 1.349, 1e-15);
}

#[test]
fn sigma_r_low_signal_branch() {
    // N_sig ≤ 1: σ_r = (zmax - zmin)/n = 6/3 = 2, no indices.
    let s = robust_spread(
        &[-3.0, 0.0, 3.0],
        SpreadInputs {
            zmin: -3.0,
            zmax: 3.0,
            bckgrd: 1.0 / 3.0,
            n_sig: 1.0,
        },
    );
    assert_eq!((s.sigma_r, s.indices, s.out_of_bounds), (2.0, None, false));
}

#[test]
fn single_outlier_is_removed() {
    // Eleven photons x = -5..5 on h = 0 except h(0) = 11: Σh = 11, Σxh = 0 → m0 = 1, m1 = 0;
    // residuals: ten at -1, one at +10. Background 0, N_sig = 11: i0 = 2, i1 = 8 (as in
    // ends_raised), r[2] = r[8] = -1 → σ_r = 0 → W = 3. Ten photons inside (10 ≥ cnt 10,
    // span 10 ≥ ats 5), 10 ≠ 11 → refit over h = 0 → residuals 0 → converged with n = 10.
    let x: Vec<f64> = (-5..=5).map(f64::from).collect();
    let h: Vec<f64> = x
        .iter()
        .map(|&x| if x == 0.0 { 11.0 } else { 0.0 })
        .collect();
    let p = FitParams {
        ats: 5.0,
        ..FitParams::default()
    };
    let s = fitted(Owned::new(&x, &h, 0.0).fit(p));
    assert_eq!((s.pflags, s.n_fit_photons), (0, 10));
    close(s.h_mean, 0.0, 1e-12);
}

#[test]
fn longitude_unwraps_across_the_antimeridian() {
    // Longitudes 179.85 + 0.01·(x + 10) for x = -10..10 cross the antimeridian at x = 5 (stored
    // as -180.00..-179.95 from there); fitted in [0, 360) they are linear, so the centre is 179.95.
    let x: Vec<f64> = (0..21).map(|i| -10.0 + f64::from(i)).collect();
    let mut e = Owned::new(&x, &[0.0; 21], 0.0);
    e.lon = x
        .iter()
        .map(|x| {
            let l = 179.95 + 0.01 * x;
            if l >= 180.0 { l - 360.0 } else { l }
        })
        .collect();
    e.meta.lon_p0 = e.lon[0];
    let s = fitted(e.fit(FitParams::default()));
    close(s.longitude, 179.95, 1e-9);
    // Without the unwrap (p0 inside (-150, 150)) the stored values give a meaningless intercept.
    e.meta.lon_p0 = 0.0;
    let plain = fitted(e.fit(FitParams::default()));
    assert!(
        (plain.longitude - 179.95).abs() > 1.0,
        "{}",
        plain.longitude
    );
}

#[test]
fn dh_fit_dy_pairs_nearest_and_breaks_ties_to_the_smaller_x() {
    use firn_atl06::fill_dh_fit_dy;
    let seg = |x_atc, h_mean, y_atc| Segment {
        extent: 0,
        x_atc,
        h_mean,
        dh_fit_dx: 0.0,
        dh_fit_dy: f32::NAN,
        n_fit_photons: 10,
        w_surface_window_final: 3.0,
        rms_misfit: 0.0,
        h_sigma: 0.0,
        latitude: 0.0,
        longitude: 0.0,
        time_ns: 0,
        y_atc,
        pflags: 0,
    };
    // Left at x = 100 sits 5 m from right segments at 95 and 105: the tie goes to 95.
    // (h_r - h_l)/(y_r - y_l) = (9 - 0)/(45 - -45) = 0.1 with the partner at 95 (h 9);
    // the one at 105 (h 18) would give 0.2.
    let mut left = [seg(100.0, 0.0, -45.0)];
    let mut right = [
        seg(95.0, 9.0, 45.0),
        seg(105.0, 18.0, 45.0),
        seg(130.0, 0.0, 45.0),
    ];
    fill_dh_fit_dy(&mut left, &mut right, 10.0);
    assert_eq!(left[0].dh_fit_dy, 0.1);
    // Right segments pair back with the left one (|Δx| = 5 ≤ res/2 = 5); 130 is 30 m away.
    assert_eq!(right[0].dh_fit_dy, 0.1);
    assert_eq!(right[1].dh_fit_dy, 0.2);
    assert!(right[2].dh_fit_dy.is_nan());
}

/// Sixteen photons at x = -8..-1, 1..8 on h = 0, except h = 8 at ±`at`.
///
/// Σx = 0, Σx² = 408, det = 16·408 = 6528, so [(GᵀG)⁻¹]₀₀ = 1/16 and [(GᵀG)⁻¹]₀₁ = 0, all exact;
/// Σh = 16 and Σxh = 0 (the raised pair is symmetric), so m0 = 1 and m1 = 0: residuals -1 for
/// fourteen photons and +7 for two. Background 0, N_sig = 16: i0 = 3 (3 + 1.5 ≥ 4), i1 = 12
/// (12 - 0.5 ≤ 12), both at r = -1, so σ_r = 0 and W = max(H_min_win, 6·0.1019, 0).
fn raised_pair(at: f64) -> Owned {
    let x: Vec<f64> = (-8..=8).filter(|&i| i != 0).map(f64::from).collect();
    let h: Vec<f64> = x
        .iter()
        .map(|&x| if x.abs() == at { 8.0 } else { 0.0 })
        .collect();
    Owned::new(&x, &h, 0.0)
}

#[test]
fn the_window_test_is_strict() {
    // H_min_win 2 → W = 2: the fourteen photons at |r| = 1 = W/2 are outside, none is inside.
    let p = FitParams {
        cnt: 10,
        ats: 5.0,
        h_min_win: 2.0,
        ..FitParams::default()
    };
    let s = fitted(raised_pair(1.0).fit(p.clone()));
    assert_eq!(
        (s.pflags, s.n_fit_photons, s.h_mean),
        (TOO_FEW_PHOTONS, 16, 1.0)
    );
    // H_min_win 2.5 → W/2 = 1.25 > 1: the fourteen are inside (span 16), the refit over h = 0
    // has zero residuals and keeps all fourteen: converged.
    let s = fitted(raised_pair(1.0).fit(FitParams {
        h_min_win: 2.5,
        ..p
    }));
    assert_eq!((s.pflags, s.n_fit_photons, s.h_mean), (0, 14, 0.0));
    assert_eq!(s.w_surface_window_final, 2.5);
}

#[test]
fn too_few_photons_is_tested_before_the_spread() {
    // Raised pair at the ends: the fourteen inside span x = -7..7 = 14, the pre-check sees
    // x(last) - x(first) = 8 - (-8) = 16.
    let p = FitParams {
        cnt: 15,
        ats: 15.0,
        h_min_win: 2.5,
        ..FitParams::default()
    };
    // 14 < cnt 15 and span 14 < ats 15: only 0x2, the first test in order.
    let s = fitted(raised_pair(8.0).fit(p.clone()));
    assert_eq!(s.pflags, TOO_FEW_PHOTONS);
    // With cnt 10 the count passes and the spread fails: 0x1.
    let s = fitted(raised_pair(8.0).fit(FitParams { cnt: 10, ..p }));
    assert_eq!((s.pflags, s.n_fit_photons), (SPREAD_TOO_SHORT, 16));
}

#[test]
fn convergence_is_tested_before_maxi() {
    // maxi 1 and every photon inside after the one fit: converged (count = n comes before
    // the iteration test), so no 0x4.
    let e = Owned::new(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 6.0, 8.0], 0.0);
    let s = fitted(e.fit(FitParams {
        maxi: 1,
        ..four_photon_params()
    }));
    assert_eq!((s.pflags, s.n_fit_photons), (0, 4));
}
