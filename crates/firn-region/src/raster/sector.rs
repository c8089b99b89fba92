//! Conservative planar geometry for the cells of a polar degree raster (see [`super::polar`]):
//! the convex quadrilateral that holds a cell's image, the separating-axis test of an edge
//! against it, and the range of degrees an edge can come near.
//!
//! A degree cell (longitudes `α0..α1`, latitudes whose radii in the plane are `r_in..r_out`) is an
//! annular sector in the plane: between the circles of radius `r_in` and `r_out` round the pole
//! and between the rays at `α0` and `α1`. For `Δ = α1 − α0 ≤ 90°` it lies in the quadrilateral
//! with corners `r_in·u(α0)`, `R·u(α0)`, `R·u(α1)`, `r_in·u(α1)`, `R = r_out / cos(Δ/2)`, `u(α)`
//! the unit vector at longitude `α`: the inner side is the chord of the inner arc (the arc bulges
//! away from the pole, so it is beyond the chord), the outer side is the tangent to the outer
//! circle at the middle angle (the outer arc is on the pole's side of it), the other two lie on
//! the rays. With `r_in = 0` it is a triangle. The quadrilateral is convex (its angle at the pole
//! is below 180°).

use geo::Coord;

use crate::prefilter::distance_to_origin;
use crate::projection::PolarStereo;
use crate::projection::geographic::wrap_into;

/// Degrees added to every bound of [`Reach`]: far above the rounding of `atan2`, `atan` and the
/// degree arithmetic (about 10⁻¹³°).
const ANGLE_SLACK: f64 = 1e-9;

/// A column of the raster: the directions of its two (grown) meridians.
#[derive(Debug, Clone, Copy)]
pub(super) struct Column {
    /// Unit vectors at the column's first and last longitude.
    pub(super) d0: Coord<f64>,
    pub(super) d1: Coord<f64>,
    /// `1 / cos(Δ/2)`, Δ the angle between them (at most 90°, so at most √2).
    pub(super) stretch: f64,
}

impl Column {
    /// The column between longitudes `a0 < a1` (degrees); `None` when they are more than 90°
    /// apart (the cell's shape is then not bounded here and the column stays boundary).
    pub(super) fn new(stereo: PolarStereo, a0: f64, a1: f64) -> Option<Column> {
        let delta = a1 - a0;
        (delta <= 90.0).then(|| Column {
            d0: stereo.point_at(a0, 1.0),
            d1: stereo.point_at(a1, 1.0),
            stretch: 1.0 / (0.5 * delta).to_radians().cos(),
        })
    }
}

/// A row of the raster: the radii of its (grown) latitudes and its margin.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ring {
    /// Radius of the latitude nearer the pole (0 when the row reaches it) and of the farther one.
    pub(super) r_in: f64,
    pub(super) r_out: f64,
    /// Gap the separating-axis test demands (see [`MU`]).
    pub(super) mu: f64,
}

/// Margin of the separating-axis test, relative to `(1 + 2·r_out)²`: the rounding of projecting a
/// point (the tangent near its pole amplifies an error ε of its argument by `2 + ρ²/2`; sine,
/// cosine, the degree-to-radian product and the products add a few ulps of ρ), of the
/// quadrilateral's corners and of the test's dot products are all below `10⁻¹⁵·(1 + 2·r_out)²`
/// for a cell whose points are within `r_out` of the pole; this is 10⁵ times that.
const MU: f64 = 1e-10;

/// Rows whose outer radius exceeds this (within 0.23° of the far pole, where the plane stretches
/// without bound) are left boundary.
const R_MAX: f64 = 1e3;

impl Ring {
    /// The row between polar latitudes `far < near` (degrees, growing towards the pole; `near`
    /// already clamped to 90); `None` when it reaches the far pole or is too stretched
    /// ([`R_MAX`]).
    pub(super) fn new(stereo: PolarStereo, sign: f64, far: f64, near: f64) -> Option<Ring> {
        if far <= -90.0 {
            return None;
        }
        let r_out = stereo.radius(sign * far);
        let r_in = stereo.radius(sign * near).max(0.0);
        let spread = 1.0 + 2.0 * r_out;
        (r_out <= R_MAX).then_some(Ring {
            r_in,
            r_out,
            mu: MU * spread * spread,
        })
    }
}

/// The quadrilateral holding the image of the cell in `column` and `ring` (a triangle, with two
/// equal corners at the pole, when `r_in` is 0).
pub(super) fn quad(column: &Column, ring: &Ring) -> [Coord<f64>; 4] {
    let far = ring.r_out * column.stretch;
    [
        column.d0 * ring.r_in,
        column.d0 * far,
        column.d1 * far,
        column.d1 * ring.r_in,
    ]
}

/// Whether the segment a–b is more than `gap` from the convex polygon `poly`, shown by an axis
/// (a normal of one of the polygon's sides or of the segment) along which their projections are
/// more than `gap` apart. Projection onto a unit axis does not increase distances, so `true`
/// proves the distance exceeds `gap` (less the rounding of the test, which `gap` dwarfs); `false`
/// proves nothing, which only costs a boundary cell.
pub(super) fn separated(poly: &[Coord<f64>; 4], a: Coord<f64>, b: Coord<f64>, gap: f64) -> bool {
    let apart_along = |side: Coord<f64>| {
        let len = side.x.hypot(side.y);
        // A side of zero length (the triangle's corner at the pole) gives no axis.
        if len.is_nan() || len <= 0.0 {
            return false;
        }
        let n = Coord {
            x: -side.y / len,
            y: side.x / len,
        };
        let dot = |c: Coord<f64>| c.x * n.x + c.y * n.y;
        let (lo, hi) = poly
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), c| {
                (lo.min(dot(*c)), hi.max(dot(*c)))
            });
        let (sa, sb) = (dot(a), dot(b));
        sa.max(sb) + gap < lo || hi + gap < sa.min(sb)
    };
    apart_along(b - a) || (0..4).any(|i| apart_along(poly[(i + 1) % 4] - poly[i]))
}

/// The degrees within which every point less than `slack` from the segment a–b lies.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reach {
    /// Polar latitude range (degrees, growing towards the pole).
    pub(super) lat: (f64, f64),
    /// Longitude range (degrees, `lo <= hi`, either may lie beyond ±180°), or `None` for every
    /// longitude (the segment passes near the pole).
    pub(super) lon: Option<(f64, f64)>,
}

impl Reach {
    /// The reach of segment a–b (planar) with `slack`.
    ///
    /// Why it holds. A point `p` less than `slack` from a point `x` of the segment is at a
    /// distance from the pole within `slack` of `|x|`, which lies between the segment's distance
    /// `d_min` from the pole and its farther end; latitude is monotonic in that distance. When
    /// `d_min > 2·slack`, `p` is within `asin(slack / |x|) ≤ 2·slack / d_min` radians of `x`'s
    /// angle round the pole, and along a segment that misses the pole the angle moves
    /// monotonically through less than 180°, from one end's longitude to the other's the short
    /// way round. Every bound is widened by [`ANGLE_SLACK`] for rounding; a segment turning by
    /// more than 179° (which then passes near the pole) reaches every longitude.
    pub(super) fn of(
        stereo: PolarStereo,
        sign: f64,
        a: Coord<f64>,
        b: Coord<f64>,
        slack: f64,
    ) -> Reach {
        let d_min = distance_to_origin(a, b);
        let d_max = a.x.hypot(a.y).max(b.x.hypot(b.y));
        let polar_lat = |rho: f64| sign * stereo.lat_at_radius(rho);
        let lat = (
            polar_lat(d_max + slack) - ANGLE_SLACK,
            polar_lat((d_min - slack).max(0.0)) + ANGLE_SLACK,
        );
        let lon = (d_min > 2.0 * slack)
            .then(|| {
                let la = stereo.lon_of(a);
                let turn = wrap_into(stereo.lon_of(b) - la, -180.0);
                let grow = (2.0 * slack / d_min).to_degrees() + ANGLE_SLACK;
                (turn.abs() <= 179.0).then(|| (la.min(la + turn) - grow, la.max(la + turn) + grow))
            })
            .flatten();
        Reach { lat, lon }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quadrilateral holds dense samples of the annular sector it stands for, and the
    /// separation test never separates a segment from a point of it.
    #[test]
    fn quad_holds_the_annular_sector() {
        let stereo = PolarStereo::north();
        for (a0, a1, far, near) in [
            (10.0, 11.5, 72.0, 73.0),
            (-179.0, -100.0, 60.0, 89.0),
            (170.0, 190.0, 85.0, 90.0),
            (0.0, 90.0, -30.0, 10.0),
        ] {
            let column = Column::new(stereo, a0, a1).unwrap();
            let ring = Ring::new(stereo, 1.0, far, near).unwrap();
            let q = quad(&column, &ring);
            for i in 0..=40 {
                for j in 0..=40 {
                    let lon = a0 + (a1 - a0) * i as f64 / 40.0;
                    let lat = far + (near - far) * j as f64 / 40.0;
                    let p = stereo.forward(lon, lat);
                    // Tiny segments through the point are never separated from the quadrilateral.
                    let e = Coord { x: 1e-9, y: 0.0 };
                    for e in [e, Coord { x: 0.0, y: 1e-9 }] {
                        assert!(!separated(&q, p - e, p + e, 1e-12), "{lon} {lat}");
                    }
                }
            }
        }
        assert!(Column::new(stereo, 0.0, 91.0).is_none());
        assert!(Ring::new(stereo, 1.0, -90.0, 10.0).is_none());
    }

    /// Points near a segment lie in its reach.
    #[test]
    fn reach_holds_points_near_the_segment() {
        let stereo = PolarStereo::south();
        let a = stereo.forward(170.0, -80.0);
        let b = stereo.forward(-160.0, -75.0);
        let slack = 1e-3;
        let reach = Reach::of(stereo, -1.0, a, b, slack);
        let (lo, hi) = reach.lon.unwrap();
        for i in 0..=100 {
            let x = a + (b - a) * (i as f64 / 100.0);
            for (dx, dy) in [(slack, 0.0), (0.0, -slack), (-0.7 * slack, 0.7 * slack)] {
                let p = Coord {
                    x: x.x + dx * 0.99,
                    y: x.y + dy * 0.99,
                };
                let phi = -stereo.lat_at_radius(p.x.hypot(p.y));
                assert!(reach.lat.0 <= phi && phi <= reach.lat.1, "{phi} {reach:?}");
                let lon = wrap_into(stereo.lon_of(p), lo);
                assert!(lon <= hi, "{lon} {reach:?}");
            }
        }
        // Through the pole: every longitude.
        let c = stereo.forward(10.0, -85.0);
        let d = stereo.forward(190.0, -85.0);
        assert!(Reach::of(stereo, -1.0, c, d, slack).lon.is_none());
    }
}
