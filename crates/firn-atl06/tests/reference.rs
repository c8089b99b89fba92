//! The optimised fit against the plain reference of `support/reference.rs`, bit for bit: on the
//! benchmark scenes, the statistical scenes, a whole beam through the parallel batch with `f32`
//! heights, and arbitrary photons and parameters (proptest).

#[allow(dead_code)] // each test binary uses part of the shared helpers
mod support;

use firn_atl06::{
    BeamExtents, ExtentMeta, ExtentPhotons, ExtentSpec, FitParams, FitScratch, Fitter,
    PhotonColumns, PhotonSlices,
};
use proptest::prelude::*;
use support::Owned;
use support::reference::{self, Columns, bits};
use support::sim::{Scene, rng, simulate};

fn columns(e: &Owned) -> Columns<'_> {
    Columns {
        x: &e.x,
        h: &e.h,
        lat: &e.lat,
        lon: &e.lon,
        time: &e.time,
        y: &e.y,
    }
}

/// Fits `e` both ways with one (reused) scratch and asserts the same bits.
fn assert_matches(fitter: &Fitter, e: &Owned, scratch: &mut FitScratch, what: &str) {
    let want = reference::fit(fitter.params(), columns(e), &e.meta);
    let got = fitter.fit_extent(&e.view(), scratch).ok();
    assert_eq!(
        want.as_ref().map(bits),
        got.as_ref().map(bits),
        "{what}: reference {want:?}, fit {got:?}"
    );
}

/// The benchmark's strong beam: 8 photons per shot, flat, 4 MHz over ±10 m.
fn bench_strong() -> Scene {
    Scene {
        signal_per_shot: 8.0,
        slope: 0.0,
        noise_hz: 4e6,
        noise_half_window: 10.0,
        canopy: None,
    }
}

#[test]
fn benchmark_and_statistics_scenes() {
    let weak = Scene {
        signal_per_shot: 2.0,
        noise_hz: 1e6,
        ..bench_strong()
    };
    let slope = Scene {
        slope: 0.2,
        noise_hz: 4e6,
        noise_half_window: 15.0,
        ..Scene::strong_flat()
    };
    let canopy = Scene {
        canopy: Some((10.0, 4.0)),
        noise_hz: 1e6,
        ..Scene::strong_flat()
    };
    let fitter = Fitter::new(FitParams::default()).unwrap();
    let mut scratch = FitScratch::new();
    let scenes = [
        ("strong (bench)", bench_strong(), 7, 256),
        ("weak (bench)", weak, 7, 256),
        ("strong (batch bench)", bench_strong(), 8, 256),
        ("strong flat", Scene::strong_flat(), 1, 200),
        ("slope 0.2, 4 MHz", slope, 3, 200),
        ("canopy", canopy, 4, 200),
    ];
    for (name, scene, seed, count) in scenes {
        let mut r = rng(seed);
        for i in 0..count {
            let e = simulate(&scene, &mut r).extent;
            assert_matches(&fitter, &e, &mut scratch, &format!("{name} #{i}"));
        }
    }
}

#[test]
fn batch_with_f32_columns() {
    // A beam of 64 overlapping strong-beam extents in one frame, heights and y stored as f32.
    let fitter = Fitter::new(FitParams::default()).unwrap();
    let mut r = rng(11);
    let mut cols = PhotonColumns::<f32>::default();
    let mut specs = Vec::new();
    let mut want = Vec::new();
    for i in 0..64 {
        let mut e = simulate(&bench_strong(), &mut r).extent;
        e.h.iter_mut().for_each(|h| *h = f64::from(*h as f32));
        e.y.iter_mut().for_each(|y| *y = f64::from(*y as f32));
        e.meta.x_atc = 20.0 * f64::from(i);
        e.x.iter_mut().for_each(|x| *x += e.meta.x_atc);
        let start = cols.x.len();
        cols.x.extend(&e.x);
        cols.h.extend(e.h.iter().map(|&h| h as f32));
        cols.lat.extend(&e.lat);
        cols.lon.extend(&e.lon);
        cols.time.extend(&e.time);
        cols.y.extend(e.y.iter().map(|&y| y as f32));
        specs.push(ExtentSpec {
            photons: start..cols.x.len(),
            meta: e.meta,
        });
        want.push(bits(
            &reference::fit(fitter.params(), columns(&e), &e.meta).unwrap(),
        ));
    }
    let beam = BeamExtents::new(cols, specs).unwrap();
    let got: Vec<_> = fitter
        .fit_beam_outcomes(&beam)
        .unwrap()
        .iter()
        .map(bits)
        .collect();
    assert_eq!(got, want);
}

/// Photons on a shot grid (several per shot, as in ATL03), a sloped surface with Gaussian-ish
/// spread, some background, and optionally heights rounded to 1 cm so that residuals tie.
fn extent() -> impl Strategy<Value = Owned> {
    (
        -0.5..0.5_f64,
        -100.0..3000.0_f64,
        0.01..0.5_f64,
        any::<bool>(),
        prop::collection::vec((0..60_u32, -1.0..1.0_f64, -1.0..1.0_f64, 0..12_u8), 0..400),
        0.0..6e6_f64,
    )
        .prop_map(|(slope, base, sigma, round, v, rate)| {
            let mut v = v;
            v.sort_by_key(|p| p.0);
            let x: Vec<f64> = v.iter().map(|p| -20.0 + 0.7 * f64::from(p.0)).collect();
            let h: Vec<f64> = v
                .iter()
                .zip(&x)
                .map(|(&(_, a, b, kind), &x)| {
                    let off = if kind == 0 { a * 12.0 } else { sigma * (a + b) };
                    let h = base + slope * x + off;
                    if round {
                        (h * 100.0).round() / 100.0
                    } else {
                        h
                    }
                })
                .collect();
            Owned::new(&x, &h, rate)
        })
}

fn params() -> impl Strategy<Value = FitParams> {
    (
        1..15_u32,
        prop::sample::select(vec![-1.0, 0.0, 5.0, 10.0, 20.0, 30.0]),
        1..7_u32,
        prop::sample::select(vec![0.0, 0.5, 3.0]),
        prop::sample::select(vec![0.0, 0.2, 5.0]),
        any::<bool>(),
        prop::sample::select(vec![10.0, 40.0, 100.0]),
    )
        .prop_map(
            |(cnt, ats, maxi, h_min_win, sigma_r_max, pass_invalid, len_m)| FitParams {
                cnt,
                ats,
                maxi,
                h_min_win,
                sigma_r_max,
                pass_invalid,
                len_m,
                ..FitParams::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Any photons, any parameters: the same bits as the reference, whatever the scratch held.
    #[test]
    fn arbitrary_extents(e in extent(), q in extent(), p in params(), centre in -5.0..5.0_f64) {
        let fitter = Fitter::new(p).unwrap();
        let mut scratch = FitScratch::new();
        assert_matches(&fitter, &q, &mut scratch, "first extent");
        let mut e = e;
        e.meta.x_atc = centre;
        assert_matches(&fitter, &e, &mut scratch, "second extent");
    }

    /// A fixed h everywhere: residuals all equal, zero-width first window.
    #[test]
    fn flat_ties(n in 0..60_usize, h in -10.0..10.0_f64, rate in 0.0..5e6_f64, p in params()) {
        let x: Vec<f64> = (0..n).map(|i| -20.0 + 40.0 * i as f64 / n.max(1) as f64).collect();
        let e = Owned::new(&x, &vec![h; n], rate);
        let fitter = Fitter::new(p).unwrap();
        assert_matches(&fitter, &e, &mut FitScratch::new(), "flat");
    }
}

/// The reference also agrees on the slices API with a foreign x frame (x_atc ≠ 0).
#[test]
fn slices_with_a_centre() {
    let mut r = rng(5);
    let e = simulate(&bench_strong(), &mut r).extent;
    let shifted: Vec<f64> = e.x.iter().map(|x| x + 1234.5).collect();
    let meta = ExtentMeta {
        x_atc: 1234.5,
        ..e.meta
    };
    let fitter = Fitter::new(FitParams::default()).unwrap();
    let slices = PhotonSlices {
        x: &shifted,
        h: &e.h,
        lat: &e.lat,
        lon: &e.lon,
        time: &e.time,
        y: &e.y,
    };
    let got = fitter.fit_extent(
        &ExtentPhotons::new(slices, meta).unwrap(),
        &mut FitScratch::new(),
    );
    let c = Columns {
        x: &shifted,
        ..columns(&e)
    };
    let want = reference::fit(fitter.params(), c, &meta).unwrap();
    assert_eq!(bits(&got.unwrap()), bits(&want));
}
