//! `to_region`: the convex hull of a set of points as an upstream `poly` list.

use geo::{Area, ConvexHull, Coord, MultiPoint, Point, Polygon, Simplify};

use crate::error::{Axis, RegionError, RingKind, RingLocation};
use crate::geojson::parse_polygons;
use crate::latlon::LatLon;
use crate::projection::geographic::near;
use crate::validate::check_coordinate;

/// The convex hull of `points` as a `poly` list: counter-clockwise (in lon/lat), closed (last
/// vertex = first), optionally simplified with Ramer–Douglas–Peucker at `simplify` degrees.
///
/// Points spread across the antimeridian are handled: when moving every longitude to within
/// 180° of the first point's gives a narrower longitude range than the raw values, the hull is
/// taken over those unwrapped longitudes and its vertices are mapped back to [-180, 180].
///
/// ```
/// use firn_region::{LatLon, to_region};
/// let pts = [(0.0, 0.0), (1.0, 0.0), (0.5, 0.2), (1.0, 1.0), (0.0, 1.0)]
///     .map(|(lon, lat)| LatLon { lat, lon });
/// let poly = to_region(&pts, None).unwrap();
/// assert_eq!(poly.len(), 5); // 4 corners + closing vertex; (0.5, 0.2) is inside
/// assert_eq!(poly.first(), poly.last());
/// ```
pub fn to_region(points: &[LatLon], simplify: Option<f64>) -> Result<Vec<LatLon>, RegionError> {
    let at = RingLocation {
        polygon: 0,
        ring: RingKind::Exterior,
    };
    for (vertex, p) in points.iter().enumerate() {
        check_coordinate(at, vertex, Axis::Lon, p.lon)?;
        check_coordinate(at, vertex, Axis::Lat, p.lat)?;
    }
    hull_of(points.iter().map(|p| [p.lon, p.lat]).collect(), simplify)
}

/// [`to_region`] over every vertex of a GeoJSON document's polygons (upstream's `toregion` on a
/// GeoJSON file).
pub fn to_region_from_geojson(
    text: &str,
    simplify: Option<f64>,
) -> Result<Vec<LatLon>, RegionError> {
    let mut points = Vec::new();
    for (polygon, rings) in parse_polygons(text)?.into_iter().enumerate() {
        for (r, ring) in rings.into_iter().enumerate() {
            let at = RingLocation {
                polygon,
                ring: if r == 0 {
                    RingKind::Exterior
                } else {
                    RingKind::Hole(r - 1)
                },
            };
            for (vertex, &[lon, lat]) in ring.iter().enumerate() {
                check_coordinate(at, vertex, Axis::Lon, lon)?;
                check_coordinate(at, vertex, Axis::Lat, lat)?;
            }
            points.extend(ring);
        }
    }
    hull_of(points, simplify)
}

fn hull_of(mut lonlat: Vec<[f64; 2]>, simplify: Option<f64>) -> Result<Vec<LatLon>, RegionError> {
    let count = lonlat.len();
    if let Some(t) = simplify
        && !(t.is_finite() && t >= 0.0)
    {
        return Err(RegionError::InvalidTolerance { value: t });
    }
    let span = |pts: &[[f64; 2]]| {
        let (lo, hi) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p[0]), hi.max(p[0]))
            });
        hi - lo
    };
    if let Some(&[reference, _]) = lonlat.first() {
        let unwrapped: Vec<[f64; 2]> = lonlat
            .iter()
            .map(|p| [near(p[0], reference), p[1]])
            .collect();
        if span(&unwrapped) < span(&lonlat) {
            lonlat = unwrapped;
        }
    }
    let cloud = MultiPoint::new(lonlat.iter().map(|p| Point::new(p[0], p[1])).collect());
    let mut hull: Polygon<f64> = cloud.convex_hull();
    if !is_area(&hull) {
        return Err(RegionError::DegenerateHull { points: count });
    }
    if let Some(t) = simplify.filter(|t| *t > 0.0) {
        hull = hull.simplify(t);
        if !is_area(&hull) {
            return Err(RegionError::HullSimplifiedAway { tolerance: t });
        }
    }
    Ok(hull
        .exterior()
        .coords()
        .map(|c: &Coord<f64>| LatLon {
            lat: c.y,
            lon: back_to_range(c.x),
        })
        .collect())
}

/// A closed ring with at least 3 distinct vertices and positive area.
fn is_area(p: &Polygon<f64>) -> bool {
    p.exterior().0.len() >= 4 && p.unsigned_area() > 0.0
}

/// Maps an unwrapped longitude back into [-180, 180].
fn back_to_range(lon: f64) -> f64 {
    if lon > 180.0 {
        lon - 360.0
    } else if lon < -180.0 {
        lon + 360.0
    } else {
        lon
    }
}
