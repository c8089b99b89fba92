//! Statistical checks against simulated truth (SPEC §7, last paragraph), 1,500+ seeded segments a
//! case. Expected values follow from the simulation: a flat strong beam has ~457 photons with
//! σ = 0.102 m, so std(h_mean) ≈ 0.102/√457 = 4.8 mm; a weak beam ~114 photons → 9.6 mm; slope
//! 0.2 spreads heights by 4.25·0.2 = 0.85 m → σ_exp = 0.856 m, W = 6σ_exp = 5.14 m and
//! std ≈ 0.856/√457 = 40 mm.

#[allow(dead_code)] // each test binary uses part of the shared helpers
mod support;

use firn_atl06::{FitOutcome, FitParams, FitScratch, Fitter};
use support::sim::{Scene, mean_std, rng, simulate};

const SEGMENTS: usize = 1_500;

/// Per-segment results of fitting `SEGMENTS` simulated extents.
struct Run {
    /// h_mean - truth of the valid segments.
    err: Vec<f64>,
    h_sigma: Vec<f64>,
    window: Vec<f64>,
    h_mean_minus_ground: Vec<f64>,
    /// Extents that gave no valid segment.
    invalid: usize,
}

fn run(scene: &Scene, seed: u64) -> Run {
    let fitter = Fitter::new(FitParams::default()).expect("defaults are valid");
    let mut scratch = FitScratch::new();
    let mut rng = rng(seed);
    let mut r = Run {
        err: Vec::new(),
        h_sigma: Vec::new(),
        window: Vec::new(),
        h_mean_minus_ground: Vec::new(),
        invalid: 0,
    };
    for _ in 0..SEGMENTS {
        let sim = simulate(scene, &mut rng);
        let out = fitter
            .fit_extent(&sim.extent.view(), &mut scratch)
            .expect("finite density");
        match out {
            FitOutcome::Fitted(s) if s.is_valid() => {
                r.err.push(s.h_mean - sim.truth_h);
                r.h_sigma.push(f64::from(s.h_sigma));
                r.window.push(f64::from(s.w_surface_window_final));
                r.h_mean_minus_ground.push(s.h_mean - sim.truth_h);
            }
            _ => r.invalid += 1,
        }
    }
    r
}

#[test]
fn strong_beam_flat_no_noise() {
    let r = run(&Scene::strong_flat(), 1);
    assert_eq!(r.invalid, 0);
    let (bias, std) = mean_std(&r.err);
    let (mean_sigma, _) = mean_std(&r.h_sigma);
    eprintln!("strong flat: bias {bias:.5} std {std:.5} mean h_sigma {mean_sigma:.5}");
    assert!(bias.abs() < 0.001, "bias {bias}");
    assert!((0.004..=0.006).contains(&std), "std {std}");
    let ratio = std / mean_sigma;
    assert!((0.9..=1.1).contains(&ratio), "std/mean(h_sigma) {ratio}");
}

#[test]
fn weak_beam_flat_no_noise() {
    let scene = Scene {
        signal_per_shot: 2.0,
        ..Scene::strong_flat()
    };
    let r = run(&scene, 2);
    assert_eq!(r.invalid, 0);
    let (bias, std) = mean_std(&r.err);
    eprintln!("weak flat: bias {bias:.5} std {std:.5}");
    assert!(bias.abs() < 0.002, "bias {bias}");
    assert!((0.008..=0.012).contains(&std), "std {std}");
}

#[test]
fn strong_beam_slope_with_4mhz_noise() {
    let scene = Scene {
        slope: 0.2,
        noise_hz: 4e6,
        noise_half_window: 15.0,
        ..Scene::strong_flat()
    };
    let r = run(&scene, 3);
    assert_eq!(r.invalid, 0);
    let (bias, std) = mean_std(&r.err);
    let (w, _) = mean_std(&r.window);
    eprintln!("slope 0.2, 4 MHz: bias {bias:.5} std {std:.5} mean W {w:.3}");
    assert!(bias.abs() < 0.01, "bias {bias}");
    assert!((0.032..=0.048).contains(&std), "std {std}");
    assert!((5.0..=5.4).contains(&w), "mean window {w}");
}

/// Ground plus a canopy 10 m above with a third of the signal: documented behaviour, not a spec
/// value. The first fit lands between the surfaces; σ_r is capped at sigma_r_max = 5 m, so the
/// window (≤ 30 m) keeps both layers and the fit settles on the photon-weighted mean height,
/// about a third of the way up (10·4/12 = 3.3 m), with a large rms_misfit flagging the mixture.
#[test]
fn two_surface_canopy() {
    let scene = Scene {
        signal_per_shot: 8.0,
        canopy: Some((10.0, 4.0)),
        noise_hz: 1e6,
        ..Scene::strong_flat()
    };
    let r = run(&scene, 4);
    let (mean, std) = mean_std(&r.h_mean_minus_ground);
    let (w, _) = mean_std(&r.window);
    eprintln!(
        "canopy: invalid {} mean h_mean-ground {mean:.3} std {std:.3} mean W {w:.3}",
        r.invalid
    );
    assert_eq!(r.invalid, 0);
    assert!(
        (3.0..=3.7).contains(&mean),
        "mean height above ground {mean}"
    );
    assert!(r.err.iter().all(|e| e.is_finite()));
}
