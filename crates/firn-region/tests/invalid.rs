//! Invalid regions: each gives its named error, never a panic.

use firn_region::{
    Axis, LatLon, Projection, Region, RegionError, RegionMask, RingKind, RingLocation,
};

const EXTERIOR: RingLocation = RingLocation {
    polygon: 0,
    ring: RingKind::Exterior,
};

fn poly(pts: &[(f64, f64)]) -> Vec<LatLon> {
    pts.iter().map(|&(lon, lat)| LatLon { lat, lon }).collect()
}

#[test]
fn open_ring() {
    let err =
        Region::from_poly(&poly(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])).unwrap_err();
    assert!(
        matches!(err, RegionError::RingNotClosed { at: EXTERIOR, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("polygon 0 exterior ring: ring not closed"),
        "{err}"
    );
}

#[test]
fn two_vertices() {
    let err = Region::from_poly(&poly(&[(0.0, 0.0), (1.0, 0.0), (0.0, 0.0)])).unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::TooFewVertices {
                at: EXTERIOR,
                distinct: 2
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("at least 3 distinct vertices, found 2"),
        "{err}"
    );
}

#[test]
fn repeated_vertices_do_not_count_as_distinct() {
    let err = Region::from_poly(&poly(&[
        (0.0, 0.0),
        (1.0, 0.0),
        (1.0, 0.0),
        (0.0, 0.0),
        (0.0, 0.0),
    ]))
    .unwrap_err();
    assert!(
        matches!(err, RegionError::TooFewVertices { distinct: 2, .. }),
        "{err}"
    );
}

#[test]
fn bowtie_self_intersection() {
    let err = Region::from_poly(&poly(&[
        (0.0, 0.0),
        (1.0, 1.0),
        (1.0, 0.0),
        (0.0, 1.0),
        (0.0, 0.0),
    ]))
    .unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::SelfIntersection {
                at: EXTERIOR,
                edge_a: 0,
                edge_b: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("self-intersection between edges 0 and 2"),
        "{err}"
    );
}

#[test]
fn edge_indices_refer_to_input_vertices() {
    // A duplicate vertex at index 1 shifts the input indices: the crossing edges start at 0 and 3.
    let err = Region::from_poly(&poly(&[
        (0.0, 0.0),
        (0.0, 0.0),
        (1.0, 1.0),
        (1.0, 0.0),
        (0.0, 1.0),
        (0.0, 0.0),
    ]))
    .unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::SelfIntersection {
                edge_a: 0,
                edge_b: 3,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn nan_coordinate() {
    let err = Region::from_poly(&poly(&[
        (0.0, 0.0),
        (1.0, f64::NAN),
        (1.0, 1.0),
        (0.0, 0.0),
    ]))
    .unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::NonFinite {
                at: EXTERIOR,
                vertex: 1,
                axis: Axis::Lat,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("vertex 1: lat is not a finite number"),
        "{err}"
    );
}

#[test]
fn latitude_91() {
    let err =
        Region::from_poly(&poly(&[(0.0, 0.0), (1.0, 0.0), (1.0, 91.0), (0.0, 0.0)])).unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::OutOfRange {
                vertex: 2,
                axis: Axis::Lat,
                value: 91.0,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("vertex 2: lat 91 is out of range"),
        "{err}"
    );
}

#[test]
fn longitude_181() {
    let err =
        Region::from_poly(&poly(&[(0.0, 0.0), (181.0, 0.0), (1.0, 1.0), (0.0, 0.0)])).unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::OutOfRange {
                vertex: 1,
                axis: Axis::Lon,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn geojson_errors_name_the_ring() {
    let hole_open = r#"{"type":"Polygon","coordinates":[
        [[0,0],[10,0],[10,10],[0,10],[0,0]],
        [[2,2],[3,2],[3,3],[2,3]]]}"#;
    let err = Region::from_geojson_str(hole_open).unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::RingNotClosed {
                at: RingLocation {
                    polygon: 0,
                    ring: RingKind::Hole(0)
                },
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("polygon 0 hole 0: ring not closed"),
        "{err}"
    );

    let second_bad = r#"{"type":"MultiPolygon","coordinates":[
        [[[0,0],[1,0],[1,1],[0,0]]],
        [[[5,5],[6,6],[6,5],[5,6],[5,5]]]]}"#;
    let err = Region::from_geojson_str(second_bad).unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::SelfIntersection {
                at: RingLocation { polygon: 1, .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn hole_outside_exterior() {
    let text = r#"{"type":"Polygon","coordinates":[
        [[0,0],[10,0],[10,10],[0,10],[0,0]],
        [[20,20],[21,20],[21,21],[20,21],[20,20]]]}"#;
    let err = Region::from_geojson_str(text).unwrap_err();
    assert!(
        matches!(err, RegionError::InvalidRings { polygon: 0, .. }),
        "{err}"
    );
}

#[test]
fn unsupported_and_malformed_geojson() {
    let err = Region::from_geojson_str(r#"{"type":"Point","coordinates":[1,2]}"#).unwrap_err();
    assert!(
        matches!(err, RegionError::UnsupportedGeometry { kind: "Point", .. }),
        "{err}"
    );
    let err = Region::from_geojson_str(
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("features[0].geometry"), "{err}");
    let err = Region::from_geojson_str("{not json").unwrap_err();
    assert!(matches!(err, RegionError::GeoJson { .. }), "{err}");
    let err =
        Region::from_geojson_str(r#"{"type":"FeatureCollection","features":[]}"#).unwrap_err();
    assert!(matches!(err, RegionError::NoPolygon), "{err}");
    let err =
        Region::from_geojson_str(r#"{"type":"Polygon","coordinates":[[[0],[1,0],[1,1],[0]]]}"#)
            .unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::ShortPosition {
                vertex: 0,
                len: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn bad_cellsize() {
    let square = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#;
    for cellsize in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = RegionMask::from_geojson(square, cellsize).unwrap_err();
        assert!(matches!(err, RegionError::InvalidCellSize { .. }), "{err}");
        assert!(err.to_string().contains("region_mask.cellsize"), "{err}");
    }
}

#[test]
fn self_intersection_is_checked_in_the_projected_plane() {
    // A bowtie tested in north polar stereographic is reported with that plane's name.
    let ring = poly(&[
        (0.0, 80.0),
        (10.0, 82.0),
        (10.0, 80.0),
        (0.0, 82.0),
        (0.0, 80.0),
    ]);
    let err = Region::from_poly_in(&ring, Projection::NorthPolar).unwrap_err();
    assert!(
        err.to_string().contains("(in the north_polar plane)"),
        "{err}"
    );
}

#[test]
fn length_mismatch_is_an_error() {
    let region =
        Region::from_poly(&poly(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)])).unwrap();
    let err = region.prepare().contains_many(&[0.5], &[]).unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::LengthMismatch {
                left: 1,
                right: 0,
                ..
            }
        ),
        "{err}"
    );
}
