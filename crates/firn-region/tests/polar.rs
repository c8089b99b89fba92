//! Regions near the poles and across the antimeridian.

mod common;

use common::{oracle, sample_points};
use firn_region::{LatLon, Projection, Region, RegionError};

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
