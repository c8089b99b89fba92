//! Properties that hold for any input: permutation and shift invariance, determinism (including
//! batch against single), clear errors for non-finite photons, and no panic on arbitrary input.

#[allow(dead_code)] // each test binary uses part of the shared helpers
mod support;

use firn_atl06::flags::OUT_OF_BOUNDS;
use firn_atl06::{
    BeamExtents, Channel, Error, ExtentMeta, ExtentPhotons, ExtentSpec, FitOutcome, FitParams,
    FitScratch, Fitter, PhotonColumns, PhotonSlices,
};
use proptest::prelude::*;
use support::Owned;

/// Photons of a noisy sloped surface with some outliers: (x, h) pairs.
fn photons() -> impl Strategy<Value = Vec<(f64, f64)>> {
    (
        -0.5..0.5_f64,
        -100.0..3000.0_f64,
        prop::collection::vec((-20.0..20.0_f64, -0.3..0.3_f64, 0..10_u8), 12..300),
    )
        .prop_map(|(slope, base, v)| {
            v.into_iter()
                .map(|(x, e, kind)| {
                    // One photon in ten is background up to ±8 m off the surface.
                    let off = if kind == 0 { e * 26.0 } else { e };
                    (x, base + slope * x + off)
                })
                .collect()
        })
}

fn owned(p: &[(f64, f64)], rate: f64) -> Owned {
    let x: Vec<f64> = p.iter().map(|q| q.0).collect();
    let h: Vec<f64> = p.iter().map(|q| q.1).collect();
    Owned::new(&x, &h, rate)
}

fn params() -> FitParams {
    FitParams {
        ats: 10.0,
        ..FitParams::default()
    }
}

/// Same outcome up to floating-point summation order.
fn assert_same(a: &FitOutcome, b: &FitOutcome, shift: f64) {
    match (a, b) {
        (FitOutcome::Fitted(a), FitOutcome::Fitted(b)) => {
            assert_eq!((a.pflags, a.n_fit_photons), (b.pflags, b.n_fit_photons));
            let tol = 1e-9 * (1.0 + a.h_mean.abs());
            assert!((a.h_mean + shift - b.h_mean).abs() <= tol, "{a:?} vs {b:?}");
            assert!((a.dh_fit_dx - b.dh_fit_dx).abs() <= 1e-6, "{a:?} vs {b:?}");
            let (wa, wb) = (a.w_surface_window_final, b.w_surface_window_final);
            assert!((wa - wb).abs() <= 1e-5 * wa, "{a:?} vs {b:?}");
            assert!((a.rms_misfit - b.rms_misfit).abs() <= 1e-5 * (1.0 + a.rms_misfit));
            assert!((a.latitude - b.latitude).abs() <= 1e-9);
            assert!((a.time_ns - b.time_ns).abs() <= 1);
        }
        _ => assert_eq!(a, b),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Photon order does not matter. The first and last photons stay in place: the SPEC §6
    /// pre-check reads x(last) - x(first) in file order.
    #[test]
    fn permutation_invariant(p in photons(), seed in any::<u64>(), rate in 0.0..5e6_f64) {
        let mut shuffled = p.clone();
        let n = shuffled.len();
        // A seeded Fisher-Yates over the interior.
        let mut s = seed | 1;
        for i in (2..n - 1).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            let j = 1 + (s % i as u64) as usize;
            shuffled.swap(i, j);
        }
        let a = owned(&p, rate).fit(params());
        let b = owned(&shuffled, rate).fit(params());
        assert_same(&a, &b, 0.0);
    }

    /// Adding a constant to every height adds it to h_mean and changes nothing else.
    #[test]
    fn height_shift(p in photons(), k in -2000..2000_i32, rate in 0.0..5e6_f64) {
        let shift = f64::from(k) * 0.25;
        let moved: Vec<(f64, f64)> = p.iter().map(|&(x, h)| (x, h + shift)).collect();
        let a = owned(&p, rate).fit(params());
        let b = owned(&moved, rate).fit(params());
        assert_same(&a, &b, shift);
    }

    /// The same input gives bit-identical output, whatever the scratch held before, and the
    /// parallel batch equals the single-extent path.
    #[test]
    fn deterministic(p in photons(), q in photons(), rate in 0.0..5e6_f64) {
        let fitter = Fitter::new(params()).unwrap();
        let (ep, eq) = (owned(&p, rate), owned(&q, rate));
        let mut fresh = FitScratch::new();
        let once = fitter.fit_extent(&ep.view(), &mut fresh).unwrap();
        let mut dirty = FitScratch::new();
        fitter.fit_extent(&eq.view(), &mut dirty).unwrap();
        let again = fitter.fit_extent(&ep.view(), &mut dirty).unwrap();
        prop_assert_eq!(format!("{once:?}"), format!("{again:?}"));

        // Both extents in one beam: photon columns concatenated, each extent a range.
        let mut cols = PhotonColumns::<f64>::default();
        let mut specs = Vec::new();
        for e in [&ep, &eq] {
            let start = cols.x.len();
            cols.x.extend(&e.x);
            cols.h.extend(&e.h);
            cols.lat.extend(&e.lat);
            cols.lon.extend(&e.lon);
            cols.time.extend(&e.time);
            cols.y.extend(&e.y);
            specs.push(ExtentSpec { photons: start..cols.x.len(), meta: e.meta });
        }
        let beam = BeamExtents::new(cols, specs).unwrap();
        let batch = fitter.fit_beam_outcomes(&beam).unwrap();
        let single_q = fitter.fit_extent(&eq.view(), &mut fresh).unwrap();
        prop_assert_eq!(format!("{batch:?}"), format!("{:?}", [once, single_q]));
    }

    /// A NaN or infinity anywhere is rejected with the channel and index, never fitted.
    #[test]
    fn non_finite_rejected(
        p in photons(),
        at in any::<prop::sample::Index>(),
        channel in 0..6_usize,
        bad in prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
    ) {
        let mut e = owned(&p, 0.0);
        let i = at.index(p.len());
        let (col, name) = match channel {
            0 => (&mut e.x, Channel::X),
            1 => (&mut e.h, Channel::H),
            2 => (&mut e.lat, Channel::Latitude),
            3 => (&mut e.lon, Channel::Longitude),
            4 => (&mut e.time, Channel::Time),
            _ => (&mut e.y, Channel::Y),
        };
        col[i] = bad;
        let slices = PhotonSlices { x: &e.x, h: &e.h, lat: &e.lat, lon: &e.lon, time: &e.time, y: &e.y };
        match ExtentPhotons::new(slices, e.meta) {
            Err(Error::NonFinite { channel, index, .. }) => {
                prop_assert_eq!(channel, name);
                prop_assert_eq!(index, i);
            }
            other => prop_assert!(false, "expected NonFinite, got {other:?}"),
        }
    }

    /// Arbitrary numbers (any f64 bit pattern, any lengths, any parameters): errors or outcomes,
    /// never a panic. With finite input the robust-spread bounds flag 0x8 never fires.
    #[test]
    fn never_panics(
        xs in prop::collection::vec(any::<f64>(), 0..40),
        hs in prop::collection::vec(any::<f64>(), 0..40),
        small in prop::collection::vec(-1e3..1e3_f64, 0..40),
        meta in (any::<f64>(), any::<f64>(), any::<f64>(), 0.0..1e7_f64, any::<f64>()),
        cnt in 0..12_u32, maxi in 0..6_u32,
        ats in prop::sample::select(vec![-1.0, 0.0, 0.5, 5.0, f64::NAN]),
        h_min_win in prop::sample::select(vec![0.0, 3.0, -1.0]),
        pass_invalid in any::<bool>(),
    ) {
        let params = FitParams { cnt, maxi, ats, h_min_win, pass_invalid, ..FitParams::default() };
        let Ok(fitter) = Fitter::new(params) else { return Ok(()) };
        let meta = ExtentMeta {
            x_atc: meta.0, speed: meta.1, background_rate: meta.2, lon_p0: meta.3,
            time_p0: meta.4, extent: 0,
        };
        let n = xs.len();
        let pick = |v: &[f64]| -> Vec<f64> { (0..n).map(|i| v.get(i).copied().unwrap_or(0.0)).collect() };
        let mut scratch = FitScratch::new();
        // Arbitrary bit patterns, then small finite numbers (which always pass validation).
        for (x, h) in [(xs.clone(), pick(&hs)), (pick(&small), pick(&small.iter().rev().copied().collect::<Vec<_>>()))] {
            let (lat, lon, time, y) = (vec![1.0; n], vec![2.0; n], vec![3.0; n], vec![4.0; n]);
            let slices = PhotonSlices { x: &x, h: &h, lat: &lat, lon: &lon, time: &time, y: &y };
            if let Ok(ext) = ExtentPhotons::new(slices, meta)
                && let Ok(out) = fitter.fit_extent(&ext, &mut scratch)
            {
                prop_assert_eq!(out.pflags() & OUT_OF_BOUNDS, 0);
            }
        }
        // Mismatched lengths are an error, not a panic.
        let short = vec![0.0; n / 2];
        let slices = PhotonSlices { x: &xs, h: &short, lat: &xs, lon: &xs, time: &xs, y: &xs };
        prop_assert!(n < 2 || ExtentPhotons::new(slices, meta).is_err());
    }
}
