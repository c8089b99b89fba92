//! [`PolarPrefilter`]: bounds in degrees that let a polar region reject most far points before
//! any trigonometry.
//!
//! Projecting a point into a polar stereographic plane costs a sine, a cosine and a tangent, far
//! more than the raster lookup. A polar region is small in latitude and usually in longitude, so
//! the filter rejects points outside a latitude band and a longitude sector that provably hold the
//! whole projected region; only the rest are projected and tested.

use geo::{Coord, Intersects, MultiPolygon};

use crate::projection::PolarStereo;
use crate::projection::geographic::wrap_into;

/// Safety margin of the bounds (degrees, about 1 cm on the ground): orders of magnitude above the
/// rounding of projecting a point or of computing the bounds, so a rejected point's projection
/// always lies outside the region's projected polygons.
const MARGIN_DEG: f64 = 1e-7;

/// A latitude band and a longitude sector (degrees) outside which no point is inside the region.
///
/// Why they hold. In the plane, the distance from the pole is monotonic in latitude and the angle
/// round it is the longitude. Every point of the region lies within the largest vertex distance
/// (the region is inside the convex hull of its vertices). When the pole is outside the region,
/// every point also lies beyond the nearest edge's distance (the disc up to that distance holds no
/// boundary and the pole, so it is all outside), and within the angles the rings sweep (the segment
/// from the pole to an inside point crosses the boundary at the same angle). The band and sector
/// are grown by [`MARGIN_DEG`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PolarPrefilter {
    lat_min: f64,
    lat_max: f64,
    /// Sector start in [-180, 180) and width; `width >= 360` disables the longitude test.
    lon_start: f64,
    lon_width: f64,
}

impl PolarPrefilter {
    /// Bounds of `projected` (the region in the plane of `stereo`).
    pub(crate) fn new(projected: &MultiPolygon<f64>, stereo: PolarStereo) -> Self {
        let pole = Coord { x: 0.0, y: 0.0 };
        let rings = || {
            projected
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        };
        let rho_max = rings()
            .flat_map(|r| r.coords())
            .fold(0.0_f64, |m, c| m.max(c.x.hypot(c.y)));
        let pole_outside = !projected.intersects(&pole);
        let rho_min = if pole_outside {
            rings().flat_map(|r| r.lines()).fold(f64::INFINITY, |m, l| {
                m.min(distance_to_origin(l.start, l.end))
            })
        } else {
            0.0
        };
        // Latitude far from the pole is where the distance is largest.
        let far = stereo.lat_at_radius(rho_max);
        let near = if pole_outside {
            stereo.lat_at_radius(rho_min)
        } else if stereo.is_north() {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
        let (lat_min, lat_max) = if stereo.is_north() {
            (far, near)
        } else {
            (near, far)
        };
        let (lon_start, lon_width) = if pole_outside {
            sector(projected, stereo)
        } else {
            (-180.0, 360.0)
        };
        PolarPrefilter {
            lat_min: lat_min - MARGIN_DEG,
            lat_max: lat_max + MARGIN_DEG,
            lon_start: wrap_into(lon_start - MARGIN_DEG, -180.0),
            lon_width: lon_width + 2.0 * MARGIN_DEG,
        }
    }

    /// The latitude band `(lat_min, lat_max)` (degrees; an end is infinite when the band reaches a
    /// pole the region holds).
    pub(crate) fn band(&self) -> (f64, f64) {
        (self.lat_min, self.lat_max)
    }

    /// The longitude sector `(start in [-180, 180), width)`; `width >= 360` when there is no
    /// longitude bound. A longitude `lon` in [-180, 180] is outside it when `lon - start`, moved
    /// into [0, 360], exceeds `width`.
    pub(crate) fn sector(&self) -> (f64, f64) {
        (self.lon_start, self.lon_width)
    }

    /// Whether the point (degrees) may be inside; `false` only when it is surely outside. NaN,
    /// longitudes beyond ±180° and latitudes beyond ±90° are never rejected here (their projection
    /// is tested instead): the projection reflects a latitude beyond a pole across it, onto the
    /// meridian 180° away, so `(lon, 90 + d)` may well be inside a region the band and sector
    /// exclude it from.
    #[inline(always)]
    pub(crate) fn may_contain(&self, lon: f64, lat: f64) -> bool {
        let off_range = !(-90.0..=90.0).contains(&lat);
        let outside_band = lat < self.lat_min || lat > self.lat_max;
        let t = lon - self.lon_start;
        let t = if t < 0.0 {
            t + 360.0
        } else if t >= 360.0 {
            t - 360.0
        } else {
            t
        };
        let outside_sector =
            self.lon_width < 360.0 && (-180.0..=180.0).contains(&lon) && t > self.lon_width;
        off_range || !(outside_band || outside_sector)
    }
}

/// Distance from the origin to the segment a–b.
pub(crate) fn distance_to_origin(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let d = b - a;
    let len2 = d.x * d.x + d.y * d.y;
    let t = if len2 > 0.0 {
        (-(a.x * d.x + a.y * d.y) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let c = a + d * t;
    c.x.hypot(c.y)
}

/// The smallest longitude sector `(start in [-180, 180), width)` holding every exterior ring's
/// sweep round the pole (holes lie inside their exteriors); width 360 when the sweeps cover all
/// longitudes.
fn sector(projected: &MultiPolygon<f64>, stereo: PolarStereo) -> (f64, f64) {
    // Each ring sweeps a contiguous arc: walk its vertices, each edge turning by less than 180°
    // (an edge through the pole would put the pole on the boundary, excluded by the caller).
    let mut arcs: Vec<(f64, f64)> = Vec::with_capacity(projected.0.len());
    for polygon in projected {
        let mut coords = polygon.exterior().coords();
        let Some(first) = coords.next() else {
            continue;
        };
        let mut prev = stereo.lon_of(*first);
        let (mut at, mut lo, mut hi) = (prev, prev, prev);
        for c in coords {
            let lon = stereo.lon_of(*c);
            at += wrap_into(lon - prev, -180.0);
            prev = lon;
            lo = lo.min(at);
            hi = hi.max(at);
        }
        if hi - lo >= 360.0 {
            return (-180.0, 360.0);
        }
        arcs.push((wrap_into(lo, -180.0), hi - lo));
    }
    largest_gap_complement(&mut arcs)
}

/// The complement of the largest gap between arcs `(start in [-180, 180), width)` on the circle.
fn largest_gap_complement(arcs: &mut [(f64, f64)]) -> (f64, f64) {
    arcs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(&(first_start, _)) = arcs.first() else {
        return (-180.0, 360.0);
    };
    // Merge overlapping arcs (in order of start), then look at the gaps between them, including
    // the one that wraps from the last arc round to the first.
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(arcs.len());
    for &(start, width) in arcs.iter() {
        let end = start + width;
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut best: Option<(f64, f64)> = None; // (gap, start of the arc after it)
    for (i, &(_, end)) in merged.iter().enumerate() {
        let next = merged.get(i + 1).map_or(first_start + 360.0, |m| m.0);
        let gap = next - end;
        if gap > 0.0 && best.is_none_or(|(g, _)| gap > g) {
            best = Some((gap, wrap_into(next, -180.0)));
        }
    }
    match best {
        Some((gap, start)) => (start, 360.0 - gap),
        None => (-180.0, 360.0),
    }
}

#[cfg(test)]
mod tests {
    use super::largest_gap_complement;

    #[test]
    fn sector_is_the_complement_of_the_largest_gap() {
        assert_eq!(largest_gap_complement(&mut [(10.0, 5.0)]), (10.0, 5.0));
        // Two arcs either side of the antimeridian: the sector runs across it.
        assert_eq!(
            largest_gap_complement(&mut [(-175.0, 5.0), (170.0, 5.0)]),
            (170.0, 20.0)
        );
        // Overlapping arcs merge.
        assert_eq!(
            largest_gap_complement(&mut [(0.0, 10.0), (5.0, 10.0), (100.0, 1.0)]),
            (0.0, 101.0)
        );
        // An arc that wraps past 180° covers the start of the circle.
        assert_eq!(
            largest_gap_complement(&mut [(170.0, 20.0), (-100.0, 10.0)]),
            (170.0, 100.0)
        );
        assert_eq!(largest_gap_complement(&mut []), (-180.0, 360.0));
    }
}
