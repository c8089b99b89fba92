//! Regions near the poles and across the antimeridian.

mod common;

use common::{FIXTURES, check, fixture, oracle, sample_points};
use firn_region::{LatLon, Projection, Region, RegionError};
use geo::Coord;

fn poly(pts: &[(f64, f64)]) -> Vec<LatLon> {
    pts.iter().map(|&(lon, lat)| LatLon { lat, lon }).collect()
}

/// A box lon 170…-170 (across the date line), lat 86…88.
fn polar_box() -> Vec<LatLon> {
    poly(&[
        (170.0, 86.0),
        (-170.0, 86.0),
        (-170.0, 88.0),
        (170.0, 88.0),
        (170.0, 86.0),
    ])
}

#[test]
fn polar_box_across_antimeridian_uses_north_polar() {
    let region = Region::from_poly(&polar_box()).unwrap();
    assert_eq!(region.projection(), Projection::NorthPolar);
    let prepared = region.prepare();
    for (lon, lat) in [
        (175.0, 87.0),
        (-175.0, 87.0),
        (180.0, 87.0),
        (-180.0, 87.0),
        (179.999, 86.5),
    ] {
        assert!(
            prepared.contains(lon, lat),
            "({lon}, {lat}) should be inside"
        );
    }
    for (lon, lat) in [
        (160.0, 87.0),
        (-160.0, 87.0),
        (0.0, 87.0),
        (175.0, 85.0),
        (175.0, 89.0),
        (10.0, 87.0),
    ] {
        assert!(
            !prepared.contains(lon, lat),
            "({lon}, {lat}) should be outside"
        );
    }
    for p in sample_points(region.lonlat(), 100_000, 5) {
        assert_eq!(prepared.contains(p.x, p.y), oracle(&region, p), "{p:?}");
    }
}

#[test]
fn polar_box_in_plate_carree_is_unwrapped() {
    let region = Region::from_poly_in(&polar_box(), Projection::PlateCarree).unwrap();
    let prepared = region.prepare();
    for (lon, lat) in [(175.0, 87.0), (-175.0, 87.0), (180.0, 87.0), (-180.0, 87.0)] {
        assert!(
            prepared.contains(lon, lat),
            "({lon}, {lat}) should be inside"
        );
    }
    for (lon, lat) in [(160.0, 87.0), (0.0, 87.0), (-169.0, 87.0), (175.0, 88.5)] {
        assert!(
            !prepared.contains(lon, lat),
            "({lon}, {lat}) should be outside"
        );
    }
}

#[test]
fn equatorial_box_across_antimeridian_in_plate_carree() {
    // Fiji-like: lon 175…-175, lat -20…-15.
    let ring = poly(&[
        (175.0, -20.0),
        (-175.0, -20.0),
        (-175.0, -15.0),
        (175.0, -15.0),
        (175.0, -20.0),
    ]);
    let region = Region::from_poly(&ring).unwrap();
    assert_eq!(region.projection(), Projection::PlateCarree);
    let prepared = region.prepare();
    for lon in [175.5, 179.9, 180.0, -180.0, -179.9, -175.5] {
        assert!(prepared.contains(lon, -17.0), "lon {lon} should be inside");
    }
    for lon in [174.5, -174.5, 0.0, 90.0, -90.0] {
        assert!(
            !prepared.contains(lon, -17.0),
            "lon {lon} should be outside"
        );
    }
    // Points given with any longitude spelling agree with the oracle.
    for p in sample_points(region.lonlat(), 20_000, 9) {
        assert_eq!(prepared.contains(p.x, p.y), oracle(&region, p), "{p:?}");
    }
}

#[test]
fn ring_around_the_pole_needs_a_polar_projection() {
    let ring = poly(&[
        (0.0, 80.0),
        (90.0, 80.0),
        (180.0, 80.0),
        (-90.0, 80.0),
        (0.0, 80.0),
    ]);
    let err = Region::from_poly_in(&ring, Projection::PlateCarree).unwrap_err();
    assert!(matches!(err, RegionError::EnclosesPole { .. }), "{err}");
    assert!(err.to_string().contains("encircles a pole"), "{err}");

    let region = Region::from_poly(&ring).unwrap();
    assert_eq!(region.projection(), Projection::NorthPolar);
    let prepared = region.prepare();
    for lon in [-180.0, -135.0, -45.0, 0.0, 45.0, 135.0, 180.0] {
        assert!(prepared.contains(lon, 85.0), "lon {lon}");
        assert!(prepared.contains(lon, 90.0), "the pole, lon {lon}");
        assert!(!prepared.contains(lon, 75.0), "lon {lon}");
    }
}

#[test]
fn south_polar_region() {
    let ring = poly(&[
        (-60.0, -75.0),
        (-60.0, -80.0),
        (-30.0, -80.0),
        (-30.0, -75.0),
        (-60.0, -75.0),
    ]);
    let region = Region::from_poly(&ring).unwrap();
    assert_eq!(region.projection(), Projection::SouthPolar);
    let prepared = region.prepare();
    assert!(prepared.contains(-45.0, -77.5));
    assert!(!prepared.contains(45.0, -77.5));
    for p in sample_points(region.lonlat(), 20_000, 13) {
        assert_eq!(prepared.contains(p.x, p.y), oracle(&region, p), "{p:?}");
    }
}

#[test]
fn opposite_pole_cannot_be_projected() {
    let ring = poly(&[(0.0, 80.0), (10.0, -90.0), (20.0, 80.0), (0.0, 80.0)]);
    let err = Region::from_poly(&ring).unwrap_err();
    assert!(
        matches!(err, RegionError::Unprojectable { vertex: 1, .. }),
        "{err}"
    );
}

/// Points at and within 10⁻¹²…10⁻⁵° of every vertex, in longitude and latitude.
fn near_vertices(region: &Region) -> Vec<Coord<f64>> {
    let mut pts = Vec::new();
    for polygon in region.lonlat() {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for v in ring.coords() {
                pts.push(*v);
                for d in [1e-12, 1e-9, 1e-7, 1e-5] {
                    for (dx, dy) in [(d, 0.0), (-d, 0.0), (0.0, d), (0.0, -d), (d, d), (-d, -d)] {
                        pts.push(Coord {
                            x: v.x + dx,
                            y: v.y + dy,
                        });
                    }
                }
            }
        }
    }
    pts
}

/// The same points spelled 360° and 720° off in longitude, with latitudes beyond ±90° (which
/// project onto a reflected point: `(lon, 90 + d)` lands where `(lon + 180, 90 − d)` does), and
/// NaN and infinite coordinates. None of these are settled by the degree raster.
fn odd_spellings(pts: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut odd = Vec::new();
    for p in pts {
        for turn in [-720.0, -360.0, 360.0, 720.0] {
            odd.push(Coord {
                x: p.x + turn,
                y: p.y,
            });
        }
        odd.push(Coord {
            x: p.x,
            y: 180.0 - p.y,
        });
        odd.push(Coord {
            x: p.x,
            y: -180.0 - p.y,
        });
    }
    for x in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        180.0,
        -180.0,
        200.0,
    ] {
        for y in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            90.0,
            -90.0,
            91.0,
            -91.0,
            85.0,
        ] {
            odd.push(Coord { x, y });
        }
    }
    odd
}

/// Points at and near both poles: every longitude, latitude ±90 and a hair away.
fn near_poles() -> Vec<Coord<f64>> {
    let mut pts = Vec::new();
    for k in 0..=720 {
        let x = -180.0 + k as f64 * 0.5;
        for y in [
            90.0,
            90.0 - 1e-12,
            90.0 - 1e-6,
            89.9,
            -90.0,
            -90.0 + 1e-12,
            -89.9,
        ] {
            pts.push(Coord { x, y });
        }
    }
    pts
}

/// The real regions in both polar planes: ≥ 100,000 uniform points, points on and near every
/// edge and vertex, through every entry point; the degree raster settles almost every cell.
#[test]
fn real_regions_in_the_polar_planes() {
    for name in FIXTURES {
        for proj in [Projection::NorthPolar, Projection::SouthPolar] {
            let region = Region::from_geojson_str_in(&fixture(name), proj).unwrap();
            let mut pts = sample_points(region.lonlat(), 100_000, 61);
            pts.extend(near_vertices(&region));
            let inside = check(&format!("{name} {proj:?}"), &region, &pts);
            assert!(
                inside > 1_000 && inside < pts.len() - 1_000,
                "{name}: {inside}"
            );
            let (_, _, boundary) = region.prepare().degree_raster_stats().unwrap();
            assert!(
                boundary < 0.05,
                "{name} {proj:?}: {boundary} of the degree raster"
            );
        }
    }
    let plate = Region::from_geojson_str_in(&fixture(FIXTURES[0]), Projection::PlateCarree);
    assert!(plate.unwrap().prepare().degree_raster_stats().is_none());
}

/// Polar regions that exercise the degree raster's special places (the date line, both poles,
/// an edge through the pole, the far hemisphere) with points near the poles, near every vertex,
/// and spelled oddly.
#[test]
fn special_polar_regions_and_odd_points() {
    let cases = [
        ("date line", polar_box(), Projection::NorthPolar),
        (
            "round the north pole",
            poly(&[
                (0.0, 80.0),
                (90.0, 81.0),
                (180.0, 80.0),
                (-90.0, 82.0),
                (0.0, 80.0),
            ]),
            Projection::NorthPolar,
        ),
        (
            "round the south pole",
            poly(&[
                (10.0, -70.0),
                (130.0, -75.0),
                (-110.0, -72.0),
                (10.0, -70.0),
            ]),
            Projection::SouthPolar,
        ),
        (
            "south",
            poly(&[
                (-60.0, -75.0),
                (-60.0, -80.0),
                (-30.0, -80.0),
                (-30.0, -75.0),
                (-60.0, -75.0),
            ]),
            Projection::SouthPolar,
        ),
        (
            "edge through the pole",
            poly(&[
                (0.0, 85.0),
                (0.0, 90.0),
                (180.0, 85.0),
                (90.0, 80.0),
                (0.0, 85.0),
            ]),
            Projection::NorthPolar,
        ),
        (
            "far hemisphere",
            poly(&[(0.0, -20.0), (3.0, -21.0), (1.5, -18.0), (0.0, -20.0)]),
            Projection::NorthPolar,
        ),
    ];
    for (name, ring, proj) in cases {
        let region = Region::from_poly_in(&ring, proj).unwrap();
        let mut pts = sample_points(region.lonlat(), 50_000, 67);
        pts.extend(near_vertices(&region));
        pts.extend(near_poles());
        let odd = odd_spellings(&pts[..5_000]);
        pts.extend(odd);
        let inside = check(name, &region, &pts);
        assert!(inside > 1_000, "{name}: {inside}");
    }
    // Beyond the pole a latitude reflects: (0°, 91°) projects onto (180°, 89°), inside the ring.
    let round = Region::from_poly(&poly(&[
        (0.0, 80.0),
        (90.0, 80.0),
        (180.0, 80.0),
        (-90.0, 80.0),
        (0.0, 80.0),
    ]))
    .unwrap();
    let prepared = round.prepare();
    assert!(oracle(&round, Coord { x: 0.0, y: 91.0 }));
    assert!(prepared.contains(0.0, 91.0));
    assert!(!prepared.contains(f64::NAN, 85.0) && !prepared.contains(0.0, f64::NAN));
}
