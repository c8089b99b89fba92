//! A granule's footprint as CMR gives it, and the cheap "may this granule touch my region?"
//! test a caller runs before opening the granule.

use geo::{Coord, Intersects, LineString, Polygon, Rect};

use firn_region::LatLon;

/// Great-circle edges of footprints are followed in steps of at most this many degrees.
const ARC_STEP_DEGREES: f64 = 0.5;

/// A latitude/longitude box, CMR's `boxes` entry `"S W N E"`; `west > east` crosses the
/// antimeridian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    /// Southern latitude, degrees.
    pub south: f64,
    /// Western longitude, degrees.
    pub west: f64,
    /// Northern latitude, degrees.
    pub north: f64,
    /// Eastern longitude, degrees.
    pub east: f64,
}

/// Where a granule's photons lie, from CMR's `polygons` (rings of lat/lon pairs, first ring
/// exterior, the rest holes) and `boxes`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Footprint {
    /// Polygons, each a list of rings, each a closed list of vertices.
    pub polygons: Vec<Vec<Vec<LatLon>>>,
    /// Boxes.
    pub boxes: Vec<BoundingBox>,
}

impl Footprint {
    /// A footprint from its parts.
    pub fn new(polygons: Vec<Vec<Vec<LatLon>>>, boxes: Vec<BoundingBox>) -> Self {
        Self { polygons, boxes }
    }

    /// Whether the footprint has neither polygons nor boxes.
    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty() && self.boxes.is_empty()
    }

    /// Whether the granule may hold photons inside `region` (a lon/lat ring with straight
    /// edges, like upstream's `poly`): `false` only when no footprint part intersects it.
    ///
    /// Conservative by construction: holes are ignored, an empty footprint or one that winds
    /// around a pole answers `true`, and CMR's great-circle edges are followed in steps of at
    /// most 0.5°. Both shapes are unwrapped across the antimeridian.
    ///
    /// ```
    /// use firn_cmr::{BoundingBox, Footprint, LatLon};
    /// let footprint = Footprint::new(vec![], vec![BoundingBox { south: 38.0, west: -109.0, north: 40.0, east: -108.0 }]);
    /// let inside = [(-108.5, 39.0), (-108.4, 39.0), (-108.4, 39.1)].map(|(lon, lat)| LatLon { lat, lon });
    /// let away = [(10.0, 0.0), (11.0, 0.0), (11.0, 1.0)].map(|(lon, lat)| LatLon { lat, lon });
    /// assert!(footprint.may_intersect(&inside));
    /// assert!(!footprint.may_intersect(&away));
    /// ```
    pub fn may_intersect(&self, region: &[LatLon]) -> bool {
        if self.is_empty() || region.len() < 3 {
            return true;
        }
        let Some(region) = planar(region.iter().copied()) else {
            return true;
        };
        let shifted = |shape: &Polygon<f64>| {
            [-360.0, 0.0, 360.0].iter().any(|dx| {
                let moved = shape.map_coords_shift(*dx);
                region.intersects(&moved)
            })
        };
        for rings in &self.polygons {
            let Some(exterior) = rings.first() else {
                continue;
            };
            match planar(great_circle_ring(exterior)) {
                Some(shape) if shifted(&shape) => return true,
                Some(_) => {}
                None => return true,
            }
        }
        self.boxes.iter().any(|b| {
            let east = if b.west > b.east {
                b.east + 360.0
            } else {
                b.east
            };
            let rect = Rect::new(
                Coord {
                    x: b.west,
                    y: b.south,
                },
                Coord {
                    x: east,
                    y: b.north,
                },
            );
            shifted(&rect.to_polygon())
        })
    }
}

/// Shifting a polygon's longitudes.
trait ShiftLon {
    /// The polygon moved by `dx` degrees of longitude.
    fn map_coords_shift(&self, dx: f64) -> Polygon<f64>;
}

impl ShiftLon for Polygon<f64> {
    fn map_coords_shift(&self, dx: f64) -> Polygon<f64> {
        let exterior: LineString<f64> = self
            .exterior()
            .coords()
            .map(|c| Coord {
                x: c.x + dx,
                y: c.y,
            })
            .collect();
        Polygon::new(exterior, vec![])
    }
}

/// A ring in the lon/lat plane with longitudes made continuous; `None` when it winds around a
/// pole (no planar polygon represents it).
fn planar(ring: impl IntoIterator<Item = LatLon>) -> Option<Polygon<f64>> {
    let mut coords: Vec<Coord<f64>> = Vec::new();
    let mut previous: Option<(f64, f64)> = None;
    for p in ring {
        let x = match previous {
            None => p.lon,
            Some((raw, x)) => x + wrap(p.lon - raw),
        };
        previous = Some((p.lon, x));
        coords.push(Coord { x, y: p.lat });
    }
    let (first, last) = (coords.first()?, coords.last()?);
    if (last.x - first.x).abs() > 180.0 {
        return None;
    }
    Some(Polygon::new(LineString::from(coords), vec![]))
}

/// The ring's vertices with points added along each great-circle edge.
fn great_circle_ring(ring: &[LatLon]) -> Vec<LatLon> {
    let mut out = Vec::with_capacity(ring.len());
    for pair in ring.windows(2) {
        out.push(pair[0]);
        let (a, b) = (unit(pair[0]), unit(pair[1]));
        let dot = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).clamp(-1.0, 1.0);
        let omega = dot.acos();
        // Antipodal or coincident ends have no single arc between them.
        if omega.to_degrees() <= ARC_STEP_DEGREES || omega.sin() < 1e-9 {
            continue;
        }
        let steps = (omega.to_degrees() / ARC_STEP_DEGREES).ceil() as usize;
        for k in 1..steps {
            let f = k as f64 / steps as f64;
            let (wa, wb) = (
                ((1.0 - f) * omega).sin() / omega.sin(),
                (f * omega).sin() / omega.sin(),
            );
            let v = [0, 1, 2].map(|i| wa * a[i] + wb * b[i]);
            out.push(LatLon {
                lat: v[2].clamp(-1.0, 1.0).asin().to_degrees(),
                lon: v[1].atan2(v[0]).to_degrees(),
            });
        }
    }
    if let Some(last) = ring.last() {
        out.push(*last);
    }
    out
}

/// The unit vector of a point on the sphere.
fn unit(p: LatLon) -> [f64; 3] {
    let (lat, lon) = (p.lat.to_radians(), p.lon.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// A longitude difference brought into [-180, 180).
fn wrap(d: f64) -> f64 {
    (d + 180.0).rem_euclid(360.0) - 180.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Vec<LatLon> {
        points
            .iter()
            .map(|&(lon, lat)| LatLon { lat, lon })
            .collect()
    }

    /// A thin north-south strip like an ATL03 granule's, as CMR gives it (closed).
    fn strip(lon: f64, south: f64, north: f64) -> Footprint {
        let r = ring(&[
            (lon - 0.05, south),
            (lon + 0.05, south),
            (lon + 0.05, north),
            (lon - 0.05, north),
            (lon - 0.05, south),
        ]);
        Footprint::new(vec![vec![r]], vec![])
    }

    #[test]
    fn strips_through_or_beside_the_region() {
        let region = ring(&[
            (-108.3, 38.9),
            (-107.8, 38.9),
            (-107.8, 39.15),
            (-108.3, 39.15),
        ]);
        assert!(strip(-108.0, 30.0, 50.0).may_intersect(&region));
        assert!(!strip(-107.5, 30.0, 50.0).may_intersect(&region));
        assert!(!strip(-108.0, 40.0, 50.0).may_intersect(&region));
    }

    #[test]
    fn antimeridian_footprints_and_regions() {
        let across = ring(&[(179.0, 10.0), (-179.0, 10.0), (-179.0, 11.0), (179.0, 11.0)]);
        let f = Footprint::new(vec![vec![across.clone()]], vec![]);
        let east = ring(&[(-179.6, 10.2), (-179.4, 10.2), (-179.4, 10.4)]);
        let west = ring(&[(179.4, 10.2), (179.6, 10.2), (179.6, 10.4)]);
        let far = ring(&[(0.0, 10.2), (0.5, 10.2), (0.5, 10.4)]);
        assert!(f.may_intersect(&east));
        assert!(f.may_intersect(&west));
        assert!(!f.may_intersect(&far));
        let b = Footprint::new(
            vec![],
            vec![BoundingBox {
                south: 10.0,
                west: 179.0,
                north: 11.0,
                east: -179.0,
            }],
        );
        assert!(b.may_intersect(&east) && b.may_intersect(&west) && !b.may_intersect(&far));
        // A region given across the antimeridian meets a footprint on either side of it.
        assert!(strip(-179.5, 0.0, 20.0).may_intersect(&across));
        assert!(strip(179.5, 0.0, 20.0).may_intersect(&across));
    }

    #[test]
    fn great_circle_edges_bulge_poleward() {
        // East-west edges at 59°N and 60°N, followed as great circles, pass about 0.38° north of
        // the straight edges at 10°E: a region just north of the straight north edge is inside,
        // one just north of the straight south edge is outside.
        let footprint = ring(&[
            (0.0, 59.0),
            (20.0, 59.0),
            (20.0, 60.0),
            (0.0, 60.0),
            (0.0, 59.0),
        ]);
        let f = Footprint::new(vec![vec![footprint]], vec![]);
        let north_of_chord = ring(&[(9.5, 60.1), (10.5, 60.1), (10.5, 60.3), (9.5, 60.3)]);
        assert!(f.may_intersect(&north_of_chord));
        let south = ring(&[(9.5, 59.05), (10.5, 59.05), (10.5, 59.1), (9.5, 59.1)]);
        assert!(!f.may_intersect(&south));
    }

    #[test]
    fn unknown_footprints_never_exclude() {
        let region = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]);
        assert!(Footprint::default().may_intersect(&region));
        let polar = ring(&[
            (0.0, 85.0),
            (90.0, 85.0),
            (180.0, 85.0),
            (-90.0, 85.0),
            (0.0, 85.0),
        ]);
        assert!(Footprint::new(vec![vec![polar]], vec![]).may_intersect(&region));
    }
}
