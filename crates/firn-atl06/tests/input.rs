//! Bad and extreme input: a clear error that names the problem, or a defined result; never a
//! panic (the proptest in `properties.rs` throws arbitrary bit patterns at the same entry points).

#[allow(dead_code)] // each test binary uses part of the shared helpers
mod support;

use firn_atl06::{
    BeamExtents, Channel, Error, ExtentMeta, ExtentPhotons, ExtentSpec, FitOutcome, FitParams,
    FitScratch, Fitter, ParamKey, PhotonColumns, PhotonSlices,
};
use support::Owned;
use support::sim::{Scene, rng, simulate};

/// A clean strong-beam extent (no background photons).
fn extent() -> Owned {
    simulate(&Scene::strong_flat(), &mut rng(9)).extent
}

fn slices(e: &Owned) -> PhotonSlices<'_> {
    PhotonSlices {
        x: &e.x,
        h: &e.h,
        lat: &e.lat,
        lon: &e.lon,
        time: &e.time,
        y: &e.y,
    }
}

fn fit(e: &Owned, meta: ExtentMeta) -> Result<FitOutcome, Error> {
    let ext = ExtentPhotons::new(slices(e), meta)?;
    Fitter::new(FitParams::default())?.fit_extent(&ext, &mut FitScratch::new())
}

#[track_caller]
fn assert_names(err: &Error, words: &[&str]) {
    let text = err.to_string();
    for w in words {
        assert!(text.contains(w), "`{text}` does not name {w}");
    }
}

/// Puts one extent value out of its domain.
type Spoil = fn(&mut ExtentMeta);

#[test]
fn extent_values_out_of_their_domain_are_named() {
    let e = extent();
    let cases: [(&str, Spoil); 8] = [
        ("speed", |m| m.speed = 0.0),
        ("speed", |m| m.speed = -7000.0),
        ("speed", |m| m.speed = f64::NAN),
        ("speed", |m| m.speed = f64::INFINITY),
        ("background_rate", |m| m.background_rate = -1.0),
        ("background_rate", |m| m.background_rate = f64::INFINITY),
        ("x_atc", |m| m.x_atc = f64::NAN),
        ("time_p0", |m| m.time_p0 = f64::NEG_INFINITY),
    ];
    for (name, spoil) in cases {
        let mut meta = e.meta;
        spoil(&mut meta);
        match fit(&e, meta) {
            Err(err @ Error::InvalidExtentValue { field, .. }) => {
                assert_eq!(field, name);
                assert_names(&err, &[name]);
            }
            other => panic!("{name}: expected InvalidExtentValue, got {other:?}"),
        }
    }
}

#[test]
fn column_lengths_must_agree() {
    let e = extent();
    let short = &e.y[..e.y.len() - 1];
    let err = ExtentPhotons::new(
        PhotonSlices {
            y: short,
            ..slices(&e)
        },
        e.meta,
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::LengthMismatch {
            channel: Channel::Y,
            len: e.x.len() - 1,
            expected: e.x.len()
        }
    );
    assert_names(&err, &["`y`"]);
}

#[test]
fn huge_and_tiny_speeds() {
    let e = extent();
    let reference = fit(&e, e.meta).unwrap();
    let h = reference.segment().unwrap().h_mean;
    // A huge speed leaves next to no background per metre: a valid fit of the same surface.
    for (speed, rate) in [(1e300, 4e6), (f64::MAX, 1e7)] {
        let meta = ExtentMeta {
            speed,
            background_rate: rate,
            ..e.meta
        };
        let seg = *fit(&e, meta).unwrap().segment().expect("fitted");
        assert!(seg.is_valid() && (seg.h_mean - h).abs() < 1e-9, "{seg:?}");
    }
    // A tiny speed with background overflows the density: an error naming speed and rate.
    let meta = ExtentMeta {
        speed: 1e-300,
        background_rate: 1e6,
        ..e.meta
    };
    let err = fit(&e, meta).unwrap_err();
    assert!(matches!(err, Error::BackgroundDensity { .. }), "{err:?}");
    assert_names(&err, &["speed 1e-300 m/s", "rate 1000000.0 Hz"]);
    // Without background the same speed is harmless.
    let quiet = ExtentMeta {
        background_rate: 0.0,
        ..meta
    };
    assert!(fit(&e, quiet).unwrap().segment().unwrap().is_valid());
}

/// A beam of three copies of `e`, end to end.
fn beam(e: &Owned) -> (PhotonColumns, Vec<ExtentSpec>) {
    let mut cols = PhotonColumns::default();
    let mut specs = Vec::new();
    for i in 0..3 {
        let start = cols.x.len();
        let centre = 40.0 * f64::from(i);
        cols.x.extend(e.x.iter().map(|x| x + centre));
        cols.h.extend(&e.h);
        cols.lat.extend(&e.lat);
        cols.lon.extend(&e.lon);
        cols.time.extend(&e.time);
        cols.y.extend(&e.y);
        specs.push(ExtentSpec {
            photons: start..cols.x.len(),
            meta: ExtentMeta {
                x_atc: centre,
                ..e.meta
            },
        });
    }
    (cols, specs)
}

#[test]
fn beam_errors_name_the_extent() {
    let e = extent();
    let (cols, mut specs) = beam(&e);
    let fitter = Fitter::new(FitParams::default()).unwrap();
    let rows = fitter.fit_beam(&BeamExtents::new(cols.clone(), specs.clone()).unwrap());
    assert_eq!(rows.unwrap().len(), 3);

    let len = cols.x.len();
    specs[1].photons = 10..len + 1;
    let err = BeamExtents::new(cols.clone(), specs.clone()).unwrap_err();
    assert!(
        matches!(&err, Error::Extent { index: 1, source } if matches!(**source, Error::RangeOutOfBounds { .. })),
        "{err:?}"
    );
    assert_names(&err, &["extent 1"]);

    let (_, mut specs) = beam(&e);
    specs[2].meta.speed = 0.0;
    let err = BeamExtents::new(cols.clone(), specs).unwrap_err();
    assert_names(&err, &["extent 2: extent value `speed` = 0.0 is invalid"]);

    // Valid values whose density overflows: found when fitting, with the extent's position.
    let (_, mut specs) = beam(&e);
    specs[2].meta.speed = 1e-300;
    specs[2].meta.background_rate = 1e6;
    let beam = BeamExtents::new(cols, specs).unwrap();
    let err = fitter.fit_beam(&beam).unwrap_err();
    assert!(matches!(&err, Error::Extent { index: 2, .. }), "{err:?}");
    assert!(fitter.fit_beam_outcomes(&beam).is_err());
}

#[test]
fn parameters_are_named() {
    let mut p = FitParams::default();
    for (key, value) in [
        (ParamKey::Cnt, 0.0),
        (ParamKey::Cnt, 2.5),
        (ParamKey::Maxi, 0.0),
        (ParamKey::Ats, f64::NAN),
        (ParamKey::HMinWin, -1.0),
        (ParamKey::SigmaRMax, f64::INFINITY),
        (ParamKey::Len, 0.0),
        (ParamKey::Res, -20.0),
    ] {
        let err = p.clone().set_number(key, value).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParam { key: k, .. } if k == key),
            "{err:?}"
        );
        assert_names(&err, &[&format!("`{key}`")]);
    }
    assert!(matches!(
        p.set_number(ParamKey::PassInvalid, 1.0),
        Err(Error::WrongType { .. })
    ));
    assert!(matches!(
        p.set_flag(ParamKey::Cnt, true),
        Err(Error::WrongType { .. })
    ));
    let err = "maximum_iterations".parse::<ParamKey>().unwrap_err();
    assert_names(&err, &["maximum_iterations"]);
    assert_eq!(
        "max_iterations".parse::<ParamKey>().unwrap(),
        ParamKey::Maxi
    );
    assert_eq!("h_min_win".parse::<ParamKey>().unwrap(), ParamKey::HMinWin);
    // The fitter validates what was set directly.
    let err = Fitter::new(FitParams {
        len_m: -1.0,
        ..FitParams::default()
    })
    .unwrap_err();
    assert_names(&err, &["`len`"]);
}
