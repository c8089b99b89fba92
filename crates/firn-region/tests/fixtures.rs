//! The real regions: parse, validate, fast containment equals geo's, masks, hulls.

mod common;

use common::{FIXTURES, fixture, oracle, sample_points};
use firn_region::{Projection, Region, RegionMask, to_region, to_region_from_geojson};
use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{Contains, Coord, LineString, Point, Polygon};

#[test]
fn every_fixture_parses_and_validates() {
    for name in FIXTURES {
        let region =
            Region::from_geojson_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(region.lonlat().0.len(), 1, "{name}: one polygon");
        assert!(region.lonlat().0[0].exterior().0.len() >= 4, "{name}");
    }
}

#[test]
fn auto_projection_follows_first_vertex_latitude() {
    let dickson = Region::from_geojson_str(&fixture("dicksonfjord.geojson")).unwrap();
    assert_eq!(
        dickson.projection(),
        Projection::NorthPolar,
        "first vertex at 72.9°N"
    );
    let mesa = Region::from_geojson_str(&fixture("grandmesa.geojson")).unwrap();
    assert_eq!(mesa.projection(), Projection::PlateCarree);
}

/// ≥ 100,000 uniform points per region plus points on, at and near every edge: the prepared
/// test must equal geo's on every single one, in every projection the region can use.
#[test]
fn prepared_region_equals_geo_contains_on_every_point() {
    for name in FIXTURES {
        for proj in [
            Projection::Auto,
            Projection::PlateCarree,
            Projection::NorthPolar,
            Projection::SouthPolar,
        ] {
            let region = Region::from_geojson_str_in(&fixture(name), proj).unwrap();
            let prepared = region.prepare();
            let pts = sample_points(region.lonlat(), 100_000, 7);
            let (mut inside, mut near_edge_in) = (0usize, 0usize);
            for (i, p) in pts.iter().enumerate() {
                let want = oracle(&region, *p);
                assert_eq!(
                    prepared.contains(p.x, p.y),
                    want,
                    "{name} {proj:?} point {i} {p:?}"
                );
                inside += usize::from(want);
                near_edge_in += usize::from(want && i >= 100_000);
            }
            // The sample must exercise both answers, also among the boundary points.
            assert!(
                inside > 1_000 && inside < pts.len() - 1_000,
                "{name}: {inside} inside"
            );
            assert!(
                near_edge_in > 100,
                "{name}: {near_edge_in} near-edge points inside"
            );
            let lon: Vec<f64> = pts.iter().map(|p| p.x).collect();
            let lat: Vec<f64> = pts.iter().map(|p| p.y).collect();
            let many = prepared.contains_many(&lon, &lat).unwrap();
            assert!(
                many.iter()
                    .zip(&pts)
                    .all(|(m, p)| *m == oracle(&region, *p)),
                "{name} contains_many"
            );
        }
    }
}

#[test]
fn plate_carree_equals_plain_geo_on_lonlat() {
    // Without the antimeridian, plate carrée is the identity: compare with geo on raw lon/lat.
    for name in FIXTURES {
        let region = Region::from_geojson_str_in(&fixture(name), Projection::PlateCarree).unwrap();
        let prepared = region.prepare();
        let raw = &region.lonlat().0[0];
        for p in sample_points(region.lonlat(), 20_000, 11) {
            assert_eq!(
                prepared.contains(p.x, p.y),
                raw.contains(&p),
                "{name} {p:?}"
            );
            assert_eq!(
                Contains::contains(&prepared, &Point::from(p)),
                raw.contains(&p)
            );
        }
    }
}

#[test]
fn region_mask_equals_geo_contains_at_any_cellsize() {
    for name in FIXTURES {
        let text = fixture(name);
        let region = Region::from_geojson_str_in(&text, Projection::PlateCarree).unwrap();
        let raw = region.lonlat();
        let pts = sample_points(raw, 50_000, 3);
        for cellsize in [0.001, 0.01, 1.0] {
            let mask = RegionMask::from_geojson(&text, cellsize).unwrap();
            for p in &pts {
                assert_eq!(
                    mask.contains(p.x, p.y),
                    raw.contains(p),
                    "{name} cellsize {cellsize} {p:?}"
                );
            }
        }
    }
}

fn signed_area(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum::<f64>()
        / 2.0
}

#[test]
fn hull_is_ccw_closed_and_covers_every_vertex() {
    for name in FIXTURES {
        let text = fixture(name);
        let hull = to_region_from_geojson(&text, None).unwrap();
        assert_eq!(hull.first(), hull.last(), "{name}: closed");
        let ring: Vec<Coord<f64>> = hull.iter().map(|v| Coord { x: v.lon, y: v.lat }).collect();
        assert!(signed_area(&ring) > 0.0, "{name}: counter-clockwise");
        let polygon = Polygon::new(LineString::new(ring), vec![]);
        let region = Region::from_geojson_str(&text).unwrap();
        for v in region.lonlat().0[0].exterior().coords() {
            assert_ne!(
                polygon.coordinate_position(v),
                CoordPos::Outside,
                "{name}: vertex {v:?} outside hull"
            );
        }
        // The hull is itself a valid poly.
        Region::from_poly(&hull).unwrap_or_else(|e| panic!("{name}: hull invalid: {e}"));

        let simple = to_region_from_geojson(&text, Some(0.05)).unwrap();
        assert_eq!(simple.first(), simple.last());
        assert!(
            simple.len() <= hull.len(),
            "{name}: simplification never adds vertices"
        );
        assert!(
            simple.iter().all(|v| hull.contains(v)),
            "{name}: simplified vertices are hull vertices"
        );
        let sring: Vec<Coord<f64>> = simple
            .iter()
            .map(|v| Coord { x: v.lon, y: v.lat })
            .collect();
        assert!(signed_area(&sring) > 0.0);
    }
}

#[test]
fn hull_of_poly_list_drops_interior_points() {
    let pts: Vec<firn_region::LatLon> = [
        (0.0, 0.0),
        (2.0, 0.0),
        (1.0, 0.5),
        (2.0, 2.0),
        (0.0, 2.0),
        (1.0, 1.0),
    ]
    .iter()
    .map(|&(lon, lat)| firn_region::LatLon { lat, lon })
    .collect();
    let hull = to_region(&pts, None).unwrap();
    assert_eq!(hull.len(), 5);
    assert!(
        !hull
            .iter()
            .any(|v| (v.lon, v.lat) == (1.0, 0.5) || (v.lon, v.lat) == (1.0, 1.0))
    );
}

#[test]
fn contains_into_and_non_finite_points() {
    let region = Region::from_geojson_str(&fixture("grandmesa.geojson")).unwrap();
    let prepared = region.prepare();
    let pts = sample_points(region.lonlat(), 10_000, 17);
    let lon: Vec<f64> = pts.iter().map(|p| p.x).collect();
    let lat: Vec<f64> = pts.iter().map(|p| p.y).collect();
    let mut out = vec![false; pts.len()];
    prepared.contains_into(&lon, &lat, &mut out).unwrap();
    assert!(out.iter().zip(&pts).all(|(o, p)| *o == oracle(&region, *p)));
    for (x, y) in [
        (f64::NAN, 39.0),
        (-108.0, f64::NAN),
        (f64::INFINITY, 39.0),
        (-108.0, f64::NEG_INFINITY),
    ] {
        assert!(!prepared.contains(x, y), "({x}, {y})");
    }
}

/// Two overlapping squares, one with a hole that the other covers in part: the mask is the union,
/// exactly as geo's MultiPolygon (any polygon contains the point) says.
#[test]
fn mask_is_the_union_of_overlapping_polygons_with_holes() {
    let text = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[
        [[0,0],[4,0],[4,4],[0,4],[0,0]],
        [[1,1],[1,3],[3,3],[3,1],[1,1]]]}},
      {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[
        [[2,2],[6,2],[6,6],[2,6],[2,2]]]}}]}"#;
    let mask = RegionMask::from_geojson(text, 0.5).unwrap();
    assert!(mask.contains(0.5, 0.5), "first square");
    assert!(
        !mask.contains(1.5, 1.5),
        "hole, not covered by the second square"
    );
    assert!(
        mask.contains(2.5, 2.5),
        "hole, covered by the second square"
    );
    assert!(mask.contains(5.0, 5.0), "second square");
    assert!(!mask.contains(5.0, 1.0), "outside both");
    let raw = mask.polygons();
    for p in sample_points(raw, 50_000, 23) {
        assert_eq!(mask.contains(p.x, p.y), raw.contains(&p), "{p:?}");
    }
}
