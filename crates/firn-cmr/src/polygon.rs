//! The search polygon as CMR wants it (closed, counter-clockwise, `lon,lat,...`), and the ladder
//! of ever simpler polygons that still cover it, tried when the polygon is too big or rejected.
//!
//! Each simplification covers the region: the ring's vertices are dilated by `t` (eight points on
//! an octagon around each, which contains the disc of radius `t`), firn-region's `to_region`
//! takes their convex hull and simplifies it with Ramer–Douglas–Peucker at tolerance `t`. Every
//! vertex the simplification drops lies within `t` of the chord that replaces it, and every
//! point of the region lies at least `t` inside the dilated hull, so no point of the region can
//! lie beyond a chord: the simplified polygon contains the region (in lon/lat degrees).

use std::f64::consts::PI;

use firn_region::{LatLon, to_region};

use crate::error::{Error, Result};

/// Tolerances (degrees) of the simplifications, tried in order after the polygon as given.
const TOLERANCES: [f64; 5] = [1e-4, 1e-3, 1e-2, 1e-1, 1.0];

/// Edges longer than this (degrees) get intermediate vertices, so that CMR, which reads edges as
/// great-circle arcs, sees nearly the straight lon/lat edges the region has.
const MAX_EDGE_DEGREES: f64 = 1.0;

/// One polygon to try.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rung {
    /// Closed, counter-clockwise ring.
    pub(crate) ring: Vec<LatLon>,
    /// The simplification tolerance in degrees; 0 for the polygon as given.
    pub(crate) tolerance: f64,
}

impl Rung {
    /// Distinct vertices (the closing one not counted).
    pub(crate) fn vertices(&self) -> usize {
        self.ring.len() - 1
    }

    /// The `polygon` parameter: `lon1,lat1,lon2,lat2,...` with the first vertex repeated last.
    pub(crate) fn parameter(&self) -> String {
        let mut text = String::with_capacity(self.ring.len() * 24);
        for (i, p) in self.ring.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!("{},{}", p.lon, p.lat));
        }
        text
    }
}

/// The polygons to try, in order: the polygon as given (if it has at most `max_vertices`), then
/// each covering simplification with at most `max_vertices` that differs from the one before.
pub(crate) fn ladder(polygon: &[LatLon], max_vertices: usize) -> Result<Vec<Rung>> {
    let ring = normalize(polygon)?;
    let given = ring.len() - 1;
    let mut candidates = vec![Rung {
        ring: densify(&ring),
        tolerance: 0.0,
    }];
    // Dilating the hull's vertices covers as much as dilating all of them, for less work. A
    // ring with area always has a hull; a tolerance so large that the hull collapses yields no
    // polygon and is skipped.
    let hull = to_region(&ring, None).unwrap_or_default();
    for tolerance in TOLERANCES {
        if hull.len() < 4 {
            break;
        }
        if let Ok(simplified) = covering(&hull, tolerance) {
            candidates.push(Rung {
                ring: densify(&simplified),
                tolerance,
            });
        }
    }
    let mut rungs: Vec<Rung> = Vec::new();
    for rung in candidates {
        if rung.vertices() <= max_vertices && rungs.last().is_none_or(|last| last.ring != rung.ring)
        {
            rungs.push(rung);
        }
    }
    if rungs.is_empty() {
        return Err(Error::invalid(
            "polygon",
            format!(
                "{given} vertices, and more than max_polygon_vertices ({max_vertices}) even after simplification at {}°",
                TOLERANCES[TOLERANCES.len() - 1]
            ),
        ));
    }
    Ok(rungs)
}

/// Checks the coordinates, drops repeated vertices, orients counter-clockwise and closes.
fn normalize(polygon: &[LatLon]) -> Result<Vec<LatLon>> {
    for (i, p) in polygon.iter().enumerate() {
        if !(p.lat.is_finite() && (-90.0..=90.0).contains(&p.lat)) {
            return Err(Error::invalid(
                "polygon",
                format!("vertex {i}: latitude {} is outside -90..=90", p.lat),
            ));
        }
        if !(p.lon.is_finite() && (-180.0..=180.0).contains(&p.lon)) {
            return Err(Error::invalid(
                "polygon",
                format!("vertex {i}: longitude {} is outside -180..=180", p.lon),
            ));
        }
    }
    let mut ring: Vec<LatLon> = Vec::with_capacity(polygon.len() + 1);
    for p in polygon {
        if ring.last() != Some(p) {
            ring.push(*p);
        }
    }
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    if ring.len() < 3 {
        return Err(Error::invalid(
            "polygon",
            format!("{} distinct vertices; at least 3 are needed", ring.len()),
        ));
    }
    // Longitudes made continuous along the ring, so rings across the antimeridian orient right.
    let mut unwrapped = Vec::with_capacity(ring.len());
    let mut lon = ring[0].lon;
    unwrapped.push(lon);
    for pair in ring.windows(2) {
        lon += wrap(pair[1].lon - pair[0].lon);
        unwrapped.push(lon);
    }
    let winding = lon + wrap(ring[0].lon - ring[ring.len() - 1].lon) - ring[0].lon;
    if winding.abs() > 180.0 {
        return Err(Error::invalid(
            "polygon",
            "the ring goes all the way around a pole; give the region as a polygon that does not",
        ));
    }
    let n = ring.len();
    let twice_area: f64 = (0..n)
        .map(|i| {
            let j = (i + 1) % n;
            unwrapped[i] * ring[j].lat - unwrapped[j] * ring[i].lat
        })
        .sum();
    if twice_area == 0.0 {
        return Err(Error::invalid("polygon", "the ring has no area"));
    }
    if twice_area < 0.0 {
        ring.reverse();
    }
    ring.push(ring[0]);
    Ok(ring)
}

/// A convex polygon containing the closed ring `ring`, simplified at `tolerance` degrees (see
/// the module docs).
fn covering(ring: &[LatLon], tolerance: f64) -> Result<Vec<LatLon>, firn_region::RegionError> {
    let radius = tolerance / (PI / 8.0).cos();
    let mut points = Vec::with_capacity(ring.len() * 8);
    for p in &ring[..ring.len() - 1] {
        for k in 0..8 {
            let angle = f64::from(k) * PI / 4.0;
            points.push(LatLon {
                lat: (p.lat + radius * angle.sin()).clamp(-90.0, 90.0),
                lon: wrap(p.lon + radius * angle.cos()),
            });
        }
    }
    to_region(&points, Some(tolerance))
}

/// Adds evenly spaced vertices to edges longer than [`MAX_EDGE_DEGREES`].
fn densify(ring: &[LatLon]) -> Vec<LatLon> {
    let mut out = Vec::with_capacity(ring.len());
    for pair in ring.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        out.push(a);
        let dlon = wrap(b.lon - a.lon);
        let dlat = b.lat - a.lat;
        let pieces = (dlon.hypot(dlat) / MAX_EDGE_DEGREES).ceil();
        for k in 1..(pieces as usize) {
            let f = k as f64 / pieces;
            out.push(LatLon {
                lat: a.lat + f * dlat,
                lon: wrap(a.lon + f * dlon),
            });
        }
    }
    out.push(ring[ring.len() - 1]);
    out
}

/// A longitude difference or value brought into [-180, 180).
fn wrap(lon: f64) -> f64 {
    if (-180.0..180.0).contains(&lon) {
        lon
    } else {
        (lon + 180.0).rem_euclid(360.0) - 180.0
    }
}

#[cfg(test)]
mod tests {
    use geo::{Contains, Coord, LineString, Polygon};

    use super::*;

    fn ll(points: &[(f64, f64)]) -> Vec<LatLon> {
        points
            .iter()
            .map(|&(lon, lat)| LatLon { lat, lon })
            .collect()
    }

    fn as_geo(ring: &[LatLon]) -> Polygon<f64> {
        Polygon::new(
            LineString::from(
                ring.iter()
                    .map(|p| Coord { x: p.lon, y: p.lat })
                    .collect::<Vec<_>>(),
            ),
            vec![],
        )
    }

    /// A star with `n` spikes: non-convex, many vertices.
    fn star(n: usize, lon0: f64, lat0: f64) -> Vec<LatLon> {
        (0..2 * n)
            .map(|i| {
                let angle = i as f64 * PI / n as f64;
                let r = if i % 2 == 0 { 0.5 } else { 0.2 };
                LatLon {
                    lat: lat0 + r * angle.sin(),
                    lon: lon0 + r * angle.cos(),
                }
            })
            .collect()
    }

    #[test]
    fn clockwise_open_rings_are_closed_and_reversed() {
        let cw = ll(&[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]);
        let rungs = ladder(&cw, 100).unwrap();
        assert_eq!(
            rungs[0].parameter(),
            "1,0,1,1,0,1,0,0,1,0",
            "counter-clockwise from the last vertex, closed"
        );
        assert_eq!(rungs[0].tolerance, 0.0);
    }

    #[test]
    fn repeated_vertices_are_dropped() {
        let ring = ll(&[(0.0, 0.0), (0.5, 0.0), (0.5, 0.0), (0.5, 0.5), (0.0, 0.0)]);
        assert_eq!(
            ladder(&ring, 100).unwrap()[0].parameter(),
            "0,0,0.5,0,0.5,0.5,0,0"
        );
    }

    #[test]
    fn bad_polygons_are_named() {
        let cases = [
            (
                ll(&[(0.0, 0.0), (1.0, 0.0)]),
                "polygon: 2 distinct vertices; at least 3 are needed",
            ),
            (
                ll(&[(0.0, 0.0), (1.0, 95.0), (1.0, 1.0)]),
                "polygon: vertex 1: latitude 95 is outside -90..=90",
            ),
            (
                ll(&[(0.0, 0.0), (f64::NAN, 1.0), (1.0, 1.0)]),
                "polygon: vertex 1: longitude NaN is outside -180..=180",
            ),
            (
                ll(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]),
                "polygon: the ring has no area",
            ),
            (
                ll(&[(0.0, -80.0), (90.0, -80.0), (180.0, -80.0), (-90.0, -80.0)]),
                "polygon: the ring goes all the way around a pole; give the region as a polygon that does not",
            ),
        ];
        for (ring, expected) in cases {
            assert_eq!(ladder(&ring, 100).unwrap_err().to_string(), expected);
        }
    }

    #[test]
    fn long_edges_are_densified() {
        let square = ll(&[(0.0, 0.0), (2.5, 0.0), (2.5, 1.0), (0.0, 1.0)]);
        let rung = &ladder(&square, 100).unwrap()[0];
        assert_eq!(
            rung.parameter(),
            "0,0,0.8333333333333333,0,1.6666666666666665,0,2.5,0,2.5,1,1.6666666666666667,1,0.8333333333333335,1,0,1,0,0"
        );
    }

    #[test]
    fn simplifications_cover_the_region_and_shrink() {
        let region = star(400, -108.0, 39.0);
        let rungs = ladder(&region, 10_000).unwrap();
        assert_eq!(rungs[0].vertices(), 800);
        assert!(rungs.len() >= 4, "{} rungs", rungs.len());
        let counts: Vec<(f64, usize)> = rungs.iter().map(|r| (r.tolerance, r.vertices())).collect();
        eprintln!("{counts:?}");
        for pair in rungs.windows(2) {
            assert!(pair[1].tolerance > pair[0].tolerance);
        }
        for rung in &rungs[1..] {
            let hull = as_geo(&rung.ring);
            for p in &region {
                assert!(
                    hull.contains(&Coord { x: p.lon, y: p.lat }),
                    "tolerance {}: ({}, {}) outside",
                    rung.tolerance,
                    p.lon,
                    p.lat
                );
            }
            assert!(geo::Area::signed_area(&hull) > 0.0, "counter-clockwise");
        }
        assert!(rungs.last().unwrap().vertices() < 20);
    }

    #[test]
    fn too_many_vertices_skip_to_the_first_simplification_that_fits() {
        let region = star(400, 10.0, 10.0);
        let rungs = ladder(&region, 50).unwrap();
        assert!(rungs[0].tolerance > 0.0);
        assert!(rungs.iter().all(|r| r.vertices() <= 50));
        let err = ladder(&region, 3).unwrap_err().to_string();
        assert_eq!(
            err,
            "polygon: 800 vertices, and more than max_polygon_vertices (3) even after simplification at 1°"
        );
    }

    #[test]
    fn rings_across_the_antimeridian_stay_in_range() {
        let ring = ll(&[(179.5, 10.0), (-179.5, 10.0), (-179.5, 11.0), (179.5, 11.0)]);
        let rungs = ladder(&ring, 100).unwrap();
        assert_eq!(
            rungs[0].parameter(),
            "179.5,10,-179.5,10,-179.5,11,179.5,11,179.5,10"
        );
        for rung in &rungs {
            assert!(rung.ring.iter().all(|p| (-180.0..=180.0).contains(&p.lon)));
        }
    }
}
