//! Raw rings → a validated, projected, oriented region.

use geo::orient::Direction;
use geo::{Coord, LineString, MultiPolygon, Orient, Polygon, Validation};

use crate::error::{Axis, RegionError, RingKind, RingLocation};
use crate::geojson::RawPolygon;
use crate::projection::geographic::near;
use crate::projection::{Geographic, PolarStereo, Projection, Projector};
use crate::selfcross::first_crossing;

/// Which plane to validate and test in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Plane {
    /// Degrees as given, edges straight in lon/lat, no unwrapping (`region_mask`).
    Raw,
    /// A resolved `proj` (never `Auto`).
    Proj(Projection),
}

/// The outcome of validation.
#[derive(Debug, Clone)]
pub(crate) struct Validated {
    /// Rings in lon/lat degrees as given, consecutive duplicates removed, closed.
    pub(crate) lonlat: MultiPolygon<f64>,
    /// The same rings in the plane, exteriors counter-clockwise, holes clockwise.
    pub(crate) projected: MultiPolygon<f64>,
    /// The plane's projection.
    pub(crate) projector: Projector,
}

/// An open ring with consecutive duplicates removed, remembering each vertex's input index.
struct CleanRing {
    at: RingLocation,
    lonlat: Vec<[f64; 2]>,
    index: Vec<usize>,
}

/// Validates every ring (coordinates, closure, vertex count), projects into `plane`, checks that
/// each ring is simple there and that each polygon's rings fit together.
pub(crate) fn validate(raw: &[RawPolygon], plane: Plane) -> Result<Validated, RegionError> {
    if raw.is_empty() {
        return Err(RegionError::NoPolygon);
    }
    let mut polygons: Vec<Vec<CleanRing>> = Vec::with_capacity(raw.len());
    for (p, rings) in raw.iter().enumerate() {
        if rings.is_empty() {
            return Err(RegionError::TooFewVertices {
                at: RingLocation {
                    polygon: p,
                    ring: RingKind::Exterior,
                },
                distinct: 0,
            });
        }
        let cleaned = rings
            .iter()
            .enumerate()
            .map(|(r, ring)| {
                let at = RingLocation {
                    polygon: p,
                    ring: if r == 0 {
                        RingKind::Exterior
                    } else {
                        RingKind::Hole(r - 1)
                    },
                };
                clean_ring(ring, at)
            })
            .collect::<Result<Vec<_>, _>>()?;
        polygons.push(cleaned);
    }

    let projector = choose_projector(&polygons, plane)?;
    let mut projected = Vec::with_capacity(polygons.len());
    let mut lonlat = Vec::with_capacity(polygons.len());
    for (p, rings) in polygons.iter().enumerate() {
        let mut planar = Vec::with_capacity(rings.len());
        for ring in rings {
            planar.push(project_ring(ring, &projector)?);
        }
        let mut planar = planar.into_iter();
        let exterior = planar.next().unwrap_or_else(|| LineString::new(Vec::new()));
        let polygon = Polygon::new(exterior, planar.collect()).orient(Direction::Default);
        if !polygon.interiors().is_empty() {
            polygon
                .check_validation()
                .map_err(|source| RegionError::InvalidRings { polygon: p, source })?;
        }
        projected.push(polygon);
        lonlat.push(lonlat_polygon(rings));
    }
    Ok(Validated {
        lonlat: MultiPolygon::new(lonlat),
        projected: MultiPolygon::new(projected),
        projector,
    })
}

/// Checks coordinates, closure and the number of distinct vertices of one ring.
fn clean_ring(ring: &[[f64; 2]], at: RingLocation) -> Result<CleanRing, RegionError> {
    for (vertex, &[lon, lat]) in ring.iter().enumerate() {
        check_coordinate(at, vertex, Axis::Lon, lon)?;
        check_coordinate(at, vertex, Axis::Lat, lat)?;
    }
    let (Some(first), Some(last)) = (ring.first(), ring.last()) else {
        return Err(RegionError::TooFewVertices { at, distinct: 0 });
    };
    if first != last {
        return Err(RegionError::RingNotClosed {
            at,
            first_lon: first[0],
            first_lat: first[1],
            last_lon: last[0],
            last_lat: last[1],
        });
    }
    let mut lonlat: Vec<[f64; 2]> = Vec::with_capacity(ring.len());
    let mut index = Vec::with_capacity(ring.len());
    for (i, v) in ring[..ring.len() - 1].iter().enumerate() {
        if lonlat.last() != Some(v) {
            lonlat.push(*v);
            index.push(i);
        }
    }
    if lonlat.len() > 1 && lonlat.first() == lonlat.last() {
        lonlat.pop();
        index.pop();
    }
    let mut distinct = lonlat.clone();
    distinct.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(RegionError::TooFewVertices {
            at,
            distinct: distinct.len(),
        });
    }
    Ok(CleanRing { at, lonlat, index })
}

/// Checks one coordinate: finite, and within ±180 (lon) or ±90 (lat).
pub(crate) fn check_coordinate(
    at: RingLocation,
    vertex: usize,
    axis: Axis,
    value: f64,
) -> Result<(), RegionError> {
    if !value.is_finite() {
        return Err(RegionError::NonFinite {
            at,
            vertex,
            axis,
            value,
        });
    }
    let (limit, range) = match axis {
        Axis::Lon => (180.0, "-180..=180"),
        Axis::Lat => (90.0, "-90..=90"),
    };
    if value.abs() > limit {
        return Err(RegionError::OutOfRange {
            at,
            vertex,
            axis,
            value,
            range,
        });
    }
    Ok(())
}

/// Picks the plane's projector; for plate carrée, decides whether the region crosses the
/// antimeridian (see [`Geographic`]).
fn choose_projector(polygons: &[Vec<CleanRing>], plane: Plane) -> Result<Projector, RegionError> {
    let polar = |p: PolarStereo| -> Result<Projector, RegionError> {
        for ring in polygons.iter().flatten() {
            for (k, v) in ring.lonlat.iter().enumerate() {
                if !p.can_project(v[1]) {
                    return Err(RegionError::Unprojectable {
                        at: ring.at,
                        vertex: ring.index[k],
                        lat: v[1],
                        projection: p.name(),
                    });
                }
            }
        }
        Ok(Projector::Polar(p))
    };
    match plane {
        Plane::Raw => Ok(Projector::Geographic(Geographic::raw())),
        Plane::Proj(Projection::NorthPolar) => polar(PolarStereo::north()),
        Plane::Proj(Projection::SouthPolar) => polar(PolarStereo::south()),
        Plane::Proj(Projection::PlateCarree | Projection::Auto) => plate_carree(polygons),
    }
}

fn plate_carree(polygons: &[Vec<CleanRing>]) -> Result<Projector, RegionError> {
    let crosses = polygons.iter().flatten().any(|ring| {
        let n = ring.lonlat.len();
        (0..n).any(|i| (ring.lonlat[(i + 1) % n][0] - ring.lonlat[i][0]).abs() > 180.0)
    });
    if !crosses {
        return Ok(Projector::Geographic(Geographic::plate_carree()));
    }
    let reference = polygons
        .first()
        .and_then(|rings| rings.first())
        .and_then(|ring| ring.lonlat.first())
        .map_or(0.0, |v| v[0]);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for ring in polygons.iter().flatten() {
        let lons = unwrap_ring(ring, reference)?;
        for x in lons {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    if hi - lo >= 360.0 {
        return Err(RegionError::LongitudeSpan { span: hi - lo });
    }
    Ok(Projector::Geographic(Geographic::unwrapped(
        (lo + hi) / 2.0,
    )))
}

/// Unwrapped longitudes of a ring (see [`Geographic`]); fails when the ring winds round a pole.
fn unwrap_ring(ring: &CleanRing, reference: f64) -> Result<Vec<f64>, RegionError> {
    let mut out = Vec::with_capacity(ring.lonlat.len());
    let mut prev = reference;
    for v in &ring.lonlat {
        prev = near(v[0], prev);
        out.push(prev);
    }
    if let Some(&first) = out.first()
        && (near(ring.lonlat[0][0], prev) - first).abs() > 1e-9
    {
        return Err(RegionError::EnclosesPole { at: ring.at });
    }
    Ok(out)
}

/// Projects a ring into the plane, checks it is simple there and returns it closed.
fn project_ring(ring: &CleanRing, projector: &Projector) -> Result<LineString<f64>, RegionError> {
    let mut pts: Vec<Coord<f64>> = Vec::with_capacity(ring.lonlat.len() + 1);
    let mut index: Vec<usize> = Vec::with_capacity(ring.lonlat.len());
    for (k, v) in ring.lonlat.iter().enumerate() {
        let c = projector.forward(v[0], v[1]);
        if pts.last() != Some(&c) {
            pts.push(c);
            index.push(ring.index[k]);
        }
    }
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
        index.pop();
    }
    if pts.len() < 3 {
        return Err(RegionError::TooFewVertices {
            at: ring.at,
            distinct: pts.len(),
        });
    }
    if let Some((a, b)) = first_crossing(&pts) {
        return Err(RegionError::SelfIntersection {
            at: ring.at,
            edge_a: index[a],
            edge_b: index[b],
            projection: projector.name(),
        });
    }
    pts.push(pts[0]);
    Ok(LineString::new(pts))
}

fn lonlat_polygon(rings: &[CleanRing]) -> Polygon<f64> {
    let closed = |ring: &CleanRing| {
        let mut pts: Vec<Coord<f64>> = ring
            .lonlat
            .iter()
            .map(|v| Coord { x: v[0], y: v[1] })
            .collect();
        if let Some(&first) = pts.first() {
            pts.push(first);
        }
        LineString::new(pts)
    };
    let mut it = rings.iter().map(closed);
    let exterior = it.next().unwrap_or_else(|| LineString::new(Vec::new()));
    Polygon::new(exterior, it.collect())
}
