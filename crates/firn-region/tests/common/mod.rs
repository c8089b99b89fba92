//! Shared helpers for the integration tests.

#![allow(dead_code)] // each test binary uses a subset

use std::path::PathBuf;

use firn_region::Region;
use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

/// The five real regions.
pub(crate) const FIXTURES: [&str; 5] = [
    "grandmesa.geojson",
    "dicksonfjord.geojson",
    "everest.geojson",
    "co_rockies.geojson",
    "salar_de_uyuni.geojson",
];

/// Reads a region fixture from the shared (read-only) fixture directory.
pub(crate) fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/regions")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Test points in lon/lat: uniform over the bounding box grown by half its size, plus points on,
/// at and very near every edge of `lonlat` (these fall in boundary cells of any raster).
pub(crate) fn sample_points(
    lonlat: &MultiPolygon<f64>,
    uniform: usize,
    seed: u64,
) -> Vec<Coord<f64>> {
    let b = lonlat.bounding_rect().expect("non-empty region");
    let (w, h) = (b.width(), b.height());
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut pts: Vec<Coord<f64>> = (0..uniform)
        .map(|_| Coord {
            x: rng.random_range(b.min().x - w / 2.0..b.max().x + w / 2.0),
            y: rng.random_range(b.min().y - h / 2.0..b.max().y + h / 2.0),
        })
        .collect();
    for poly in lonlat {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for line in ring.lines() {
                pts.push(line.start);
                for _ in 0..40 {
                    let t: f64 = rng.random_range(0.0..1.0);
                    let on = line.start + (line.end - line.start) * t;
                    pts.push(on);
                    let scale = 10f64.powi(rng.random_range(-12..-2));
                    pts.push(Coord {
                        x: on.x + rng.random_range(-1.0..1.0) * scale,
                        y: on.y + rng.random_range(-1.0..1.0) * scale,
                    });
                }
            }
        }
    }
    pts
}

/// The oracle: plain geo `Contains` on the projected polygons, the point projected alike.
pub(crate) fn oracle(region: &Region, p: Coord<f64>) -> bool {
    region.projected().contains(&region.project(p.x, p.y))
}

/// Checks one point set through every entry point (`contains`, `Contains<Point>`,
/// `Contains<Coord>`, `contains_into`, `contains_many` on enough points for the parallel path)
/// against the oracle; returns how many points are inside.
pub(crate) fn check(name: &str, region: &Region, pts: &[Coord<f64>]) -> usize {
    let prepared = region.prepare();
    let want: Vec<bool> = pts.iter().map(|p| oracle(region, *p)).collect();
    for (i, (p, w)) in pts.iter().zip(&want).enumerate() {
        assert_eq!(prepared.contains(p.x, p.y), *w, "{name}: point {i} {p:?}");
        assert_eq!(
            Contains::contains(&prepared, &Point::from(*p)),
            *w,
            "{name}: Point {i}"
        );
        assert_eq!(Contains::contains(&prepared, p), *w, "{name}: Coord {i}");
    }
    let lon: Vec<f64> = pts.iter().map(|p| p.x).collect();
    let lat: Vec<f64> = pts.iter().map(|p| p.y).collect();
    let mut out = vec![!want[0]; pts.len()];
    prepared.contains_into(&lon, &lat, &mut out).unwrap();
    if let Some(i) = (0..pts.len()).find(|&i| out[i] != want[i]) {
        panic!("{name}: contains_into, point {i} {:?}", pts[i]);
    }
    // Enough points for the parallel path.
    let reps = (40_000 / pts.len()).max(1);
    let big_lon: Vec<f64> = lon.iter().copied().cycle().take(reps * pts.len()).collect();
    let big_lat: Vec<f64> = lat.iter().copied().cycle().take(reps * pts.len()).collect();
    let many = prepared.contains_many(&big_lon, &big_lat).unwrap();
    if let Some(i) = (0..many.len()).find(|&i| many[i] != want[i % pts.len()]) {
        panic!("{name}: contains_many, point {i} {:?}", pts[i % pts.len()]);
    }
    want.iter().filter(|w| **w).count()
}
