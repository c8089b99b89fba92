//! Every path of the prepared test against plain geo `Contains` on the projected polygons: points
//! exactly on vertices, on edges and on the lines through them, holes, overlapping and touching
//! polygons (points on one polygon's boundary inside another), the antimeridian, both poles and
//! the polar prefilter's bounds. Each point goes through every entry point (see `common::check`).

mod common;

use common::{check, fixture, sample_points};
use firn_region::{LatLon, Projection, Region, RegionMask};
use geo::{Contains, Coord};

/// Every point of a `step` lattice over `[x0, x1] × [y0, y1]`, the ends included.
fn lattice(x0: f64, x1: f64, y0: f64, y1: f64, step: f64) -> Vec<Coord<f64>> {
    let nx = ((x1 - x0) / step).round() as usize;
    let ny = ((y1 - y0) / step).round() as usize;
    (0..=nx)
        .flat_map(|i| {
            (0..=ny).map(move |j| Coord {
                x: x0 + i as f64 * step,
                y: y0 + j as f64 * step,
            })
        })
        .collect()
}

fn poly(pts: &[(f64, f64)]) -> Vec<LatLon> {
    pts.iter().map(|&(lon, lat)| LatLon { lat, lon }).collect()
}

/// Axis-parallel edges on a lattice of exact binary fractions: many lattice points lie exactly on
/// an edge, on a vertex, or on an edge's line beyond its end.
const SQUARE_WITH_HOLE: &str = r#"{"type": "Polygon", "coordinates": [
    [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
    [[1, 1], [1, 3], [3, 3], [3, 1], [1, 1]]]}"#;

#[test]
fn points_on_vertices_edges_and_their_lines_with_a_hole() {
    let region = Region::from_geojson_str(SQUARE_WITH_HOLE).unwrap();
    let mut pts = lattice(-1.0, 5.0, -1.0, 5.0, 0.125);
    pts.extend(sample_points(region.lonlat(), 20_000, 31));
    let inside = check("square with hole", &region, &pts);
    assert!(inside > 1_000 && inside < pts.len() - 1_000, "{inside}");
    // The lattice exercises exact boundary points: on the edges, nothing is contained.
    let prepared = region.prepare();
    for (x, y) in [
        (0.0, 2.0),
        (2.0, 0.0),
        (1.0, 2.0),
        (2.0, 3.0),
        (4.0, 4.0),
        (3.0, 1.0),
    ] {
        assert!(!prepared.contains(x, y), "({x}, {y}) is on the boundary");
    }
    assert!(prepared.contains(0.5, 2.0) && !prepared.contains(2.0, 2.0));
}

/// A slanted polygon with a slanted hole: edges cross raster cells at every angle.
#[test]
fn slanted_edges_and_hole() {
    let text = r#"{"type": "Polygon", "coordinates": [
        [[0, 0], [5, 1], [6, 6], [2, 5.5], [-1, 3], [0, 0]],
        [[1, 1.5], [2.5, 4.5], [4.5, 4], [4, 2], [1, 1.5]]]}"#;
    let region = Region::from_geojson_str(text).unwrap();
    let mut pts = lattice(-2.0, 7.0, -1.0, 7.0, 0.0625);
    pts.extend(sample_points(region.lonlat(), 50_000, 37));
    check("slanted", &region, &pts);
}

/// Overlapping, touching and disjoint polygons: a point on one polygon's boundary but inside
/// another is contained (geo's union), which the exact path must hand to geo.
#[test]
fn multipolygons_overlapping_touching_and_disjoint() {
    let text = r#"{"type": "MultiPolygon", "coordinates": [
        [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [1, 3], [3, 3], [3, 1], [1, 1]]],
        [[[2, 2], [6, 2], [6, 6], [2, 6], [2, 2]]],
        [[[6, 0], [8, 0], [8, 2], [6, 2], [6, 0]]],
        [[[10, 10], [11, 10], [10.5, 11], [10, 10]]]]}"#;
    let region = Region::from_geojson_str(text).unwrap();
    let mut pts = lattice(-1.0, 12.0, -1.0, 12.0, 0.125);
    pts.extend(sample_points(region.lonlat(), 50_000, 41));
    check("multipolygon", &region, &pts);
    let prepared = region.prepare();
    assert!(
        prepared.contains(2.0, 3.5),
        "on the second square's edge, inside the first"
    );
    assert!(
        prepared.contains(2.5, 3.0),
        "on the first square's hole, inside the second"
    );
    assert!(
        !prepared.contains(1.5, 1.5),
        "in the hole, outside the second square"
    );
    assert!(
        !prepared.contains(6.0, 1.0),
        "on the third square's edge only"
    );
    assert!(
        !prepared.contains(6.0, 2.0),
        "where the second and third squares touch"
    );

    // The same polygons as a region_mask (raw lon/lat) agree with geo on the raw polygons.
    let mask = RegionMask::from_geojson(text, 0.05).unwrap();
    for p in &pts {
        assert_eq!(
            mask.contains(p.x, p.y),
            mask.polygons().contains(p),
            "mask {p:?}"
        );
    }
}

/// Plate carrée across the antimeridian: points spelled with any longitude, on the date line and
/// on the unwrapped edges.
#[test]
fn antimeridian_in_plate_carree() {
    let ring = poly(&[
        (175.0, -20.0),
        (-175.0, -20.0),
        (-170.0, -15.0),
        (179.0, -12.0),
        (172.0, -15.0),
        (175.0, -20.0),
    ]);
    let region = Region::from_poly_in(&ring, Projection::PlateCarree).unwrap();
    let mut pts = lattice(168.0, 194.0, -22.0, -10.0, 0.25);
    // The same points spelled west of the date line, and two turns away.
    let west: Vec<Coord<f64>> = pts
        .iter()
        .map(|p| Coord {
            x: p.x - 360.0,
            y: p.y,
        })
        .collect();
    let far: Vec<Coord<f64>> = pts
        .iter()
        .map(|p| Coord {
            x: p.x + 720.0,
            y: p.y,
        })
        .collect();
    pts.extend(west);
    pts.extend(far);
    pts.extend(sample_points(region.lonlat(), 20_000, 43));
    let inside = check("antimeridian", &region, &pts);
    assert!(inside > 1_000, "{inside}");
}

/// Polar regions: across the antimeridian near the pole, around the pole (no longitude bound),
/// the south, a real fjord; points dense around the prefilter's latitude and longitude bounds.
#[test]
fn polar_regions_and_the_prefilter_bounds() {
    let cases = [
        (
            "north box across the date line",
            Region::from_poly(&poly(&[
                (170.0, 86.0),
                (-170.0, 86.0),
                (-170.0, 88.0),
                (170.0, 88.0),
                (170.0, 86.0),
            ]))
            .unwrap(),
        ),
        (
            "around the north pole",
            Region::from_poly(&poly(&[
                (0.0, 80.0),
                (90.0, 81.0),
                (180.0, 80.0),
                (-90.0, 82.0),
                (0.0, 80.0),
            ]))
            .unwrap(),
        ),
        (
            "south",
            Region::from_poly(&poly(&[
                (-60.0, -75.0),
                (-60.0, -80.0),
                (-30.0, -80.0),
                (-30.0, -75.0),
                (-60.0, -75.0),
            ]))
            .unwrap(),
        ),
        (
            "dickson fjord",
            Region::from_geojson_str_in(&fixture("dicksonfjord.geojson"), Projection::NorthPolar)
                .unwrap(),
        ),
    ];
    for (name, region) in &cases {
        let ring = region.lonlat().0[0].exterior();
        let (mut lat_min, mut lat_max) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut pts = sample_points(region.lonlat(), 50_000, 47);
        for v in ring.coords() {
            lat_min = lat_min.min(v.y);
            lat_max = lat_max.max(v.y);
            // Just inside and outside every vertex's longitude and latitude, by 1e-9 … 1e-5°.
            for d in [1e-9, 1e-7, 1e-5] {
                for (dx, dy) in [(d, 0.0), (-d, 0.0), (0.0, d), (0.0, -d)] {
                    pts.push(Coord {
                        x: v.x + dx,
                        y: v.y + dy,
                    });
                }
            }
        }
        // A fan of longitudes at the extreme latitudes.
        for k in 0..=720 {
            let lon = -180.0 + k as f64 * 0.5;
            for lat in [
                lat_min - 1e-7,
                lat_min,
                lat_min + 1e-7,
                lat_max,
                lat_max + 1e-4,
            ] {
                pts.push(Coord { x: lon, y: lat });
            }
        }
        pts.extend([Coord { x: 0.0, y: 90.0 }, Coord { x: 0.0, y: -90.0 }]);
        let inside = check(name, region, &pts);
        assert!(inside > 100, "{name}: {inside}");
    }
}

/// The five real regions in every projection with the bulk and parallel tests as well.
#[test]
fn real_regions_through_every_entry_point() {
    for name in common::FIXTURES {
        for proj in [
            Projection::PlateCarree,
            Projection::NorthPolar,
            Projection::SouthPolar,
        ] {
            let region = Region::from_geojson_str_in(&fixture(name), proj).unwrap();
            let pts = sample_points(region.lonlat(), 20_000, 53);
            check(&format!("{name} {proj:?}"), &region, &pts);
        }
    }
}
