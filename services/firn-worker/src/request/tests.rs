use serde_json::{Value, json};

use super::*;

fn parse(value: Value) -> Result<Parameters, ParamError> {
    Parameters::from_json(value.as_object().expect("an object"))
}

fn grand_mesa_poly() -> Value {
    json!([
        {"lat": 39.0, "lon": -108.3}, {"lat": 39.0, "lon": -107.9},
        {"lat": 39.2, "lon": -107.9}, {"lat": 39.2, "lon": -108.3}, {"lat": 39.0, "lon": -108.3}
    ])
}

#[test]
fn the_seed_notebook_parameters_parse() {
    let p = parse(json!({
        "poly": grand_mesa_poly(), "srt": 0, "cnf": 4, "len": 40.0, "res": 20.0, "maxi": 6
    }))
    .unwrap();
    assert_eq!(p.extract.filter.surface, SurfaceType::Land);
    assert!(p.extract.filter.confidence.contains(4) && !p.extract.filter.confidence.contains(3));
    assert_eq!(p.fit.maxi, 6);
    assert!(p.extract.region.is_some());
    assert_eq!(p.beams.len(), 6);
}

#[test]
fn defaults_follow_the_spec() {
    let p = parse(json!({})).unwrap();
    assert_eq!(p.extract.filter, PhotonFilter::default());
    assert_eq!(p.extract.grid, ExtentGrid::default());
    assert_eq!(p.fit, FitParams::default());
    assert!(p.extract.region.is_none());
}

#[test]
fn names_and_sets_are_accepted() {
    let p = parse(json!({
        "srt": "land_ice", "cnf": ["atl03_low", 4], "quality_ph": 1, "yapc": {"score": 100, "knn": 0},
        "beams": ["gt1l", 40], "subset_runs": "first", "H_min_win": 2.5, "pass_invalid": true
    }))
    .unwrap();
    assert_eq!(p.extract.filter.surface, SurfaceType::LandIce);
    let c = p.extract.filter.confidence;
    assert!(c.contains(2) && c.contains(4) && !c.contains(3));
    assert!(p.extract.filter.quality.contains(1) && !p.extract.filter.quality.contains(2));
    assert_eq!(p.extract.filter.yapc_score, Some(100));
    assert_eq!(p.beams, vec![Beam::Gt1l, Beam::Gt2r]);
    assert_eq!(p.extract.runs, RunMode::First);
    assert_eq!(p.fit.h_min_win, 2.5);
    assert!(p.fit.pass_invalid);
}

#[test]
fn track_selects_a_pair() {
    let p = parse(json!({"track": 2})).unwrap();
    assert_eq!(p.beams, vec![Beam::Gt2l, Beam::Gt2r]);
}

#[test]
fn bad_parameters_are_named() {
    let cases = [
        (json!({"lenn": 40}), "lenn"),
        (json!({"len": 0}), "len"),
        (json!({"res": -20}), "res"),
        (json!({"maxi": 0}), "maxi"),
        (json!({"cnt": 0}), "cnt"),
        (json!({"srt": 9}), "srt"),
        (json!({"cnf": 5}), "cnf"),
        (json!({"len": "forty"}), "len"),
        (json!({"dist_in_seg": true, "len": 2.5}), "len"),
        (json!({"subset_runs": "some"}), "subset_runs"),
        (
            json!({"poly": [{"lat": 1, "lon": 1}, {"lat": 2, "lon": 2}]}),
            "poly",
        ),
        (
            json!({"poly": [
            {"lat": 0, "lon": 0}, {"lat": 1, "lon": 1}, {"lat": 0, "lon": 1},
            {"lat": 1, "lon": 0}, {"lat": 0, "lon": 0}]}),
            "poly",
        ),
        (json!({"t0": "yesterday"}), "t0"),
        (json!({"t0": "2020-01-02", "t1": "2020-01-01"}), "t1"),
        (json!({"yapc": {"scor": 1}}), "yapc"),
        (json!({"beams": "gt4l"}), "beams"),
        (json!({"proj": "mercator"}), "proj"),
    ];
    for (value, name) in cases {
        let err = parse(value.clone()).expect_err(&value.to_string());
        assert_eq!(err.name, name, "{value}: {err}");
    }
}

#[test]
fn granule_filters_select_by_time_and_identity() {
    let p = parse(json!({"t0": "2019-01-01T00:00:00Z", "t1": "2019-12-31", "rgt": 737})).unwrap();
    let name = |s: &str| GranuleName::parse(s).unwrap();
    assert!(
        p.granules
            .accepts(&name("ATL03_20190805001418_07370406_006_02.h5"))
    );
    assert!(
        !p.granules
            .accepts(&name("ATL03_20190805001418_07380406_006_02.h5"))
    );
    assert!(
        !p.granules
            .accepts(&name("ATL03_20200105001418_07370406_006_02.h5"))
    );
}

#[test]
fn the_search_polygon_is_the_regions_hull_also_across_the_antimeridian() {
    let p = parse(json!({"poly": grand_mesa_poly()})).unwrap();
    let hull = p.search_polygon.expect("a region has a search polygon");
    assert_eq!(hull.len(), 5, "{hull:?}");
    assert_eq!(hull.first(), hull.last());
    assert!(
        hull.iter().all(|v| (-108.3..=-107.9).contains(&v.lon)),
        "{hull:?}"
    );

    // A box from 179°E to 179°W: the hull stays the 2°-wide box, not the 358°-wide one.
    let across = json!([
        {"lat": 60.0, "lon": 179.0}, {"lat": 60.0, "lon": -179.0}, {"lat": 60.5, "lon": -179.0},
        {"lat": 60.5, "lon": 179.0}, {"lat": 60.0, "lon": 179.0}
    ]);
    let p = parse(json!({"poly": across})).unwrap();
    let hull = p.search_polygon.expect("a region has a search polygon");
    assert_eq!(hull.len(), 5, "{hull:?}");
    for v in &hull {
        assert!((v.lon.abs() - 179.0).abs() < 1e-9, "{hull:?}");
    }
    // Counter-clockwise in the unwrapped plane: the signed area is positive.
    let lon = |v: &LatLon| if v.lon < 0.0 { v.lon + 360.0 } else { v.lon };
    let area: f64 = hull
        .windows(2)
        .map(|w| lon(&w[0]) * w[1].lat - lon(&w[1]) * w[0].lat)
        .sum();
    assert!(area > 0.0, "{hull:?}");
    assert!(parse(json!({})).unwrap().search_polygon.is_none());
}
