//! Plate carrée: degrees used as planar coordinates, with an antimeridian rule.

use geo::Coord;

/// Plate carrée (x = longitude, y = latitude, degrees).
///
/// Antimeridian rule. A region whose rings have no edge spanning more than 180° of longitude is
/// used as given (`window` is `None`), exactly like upstream. Otherwise the region crosses the
/// antimeridian: each ring is unwrapped (its first vertex moved by a multiple of 360° to within
/// 180° of the region's first vertex, each following vertex moved to within 180° of the previous
/// one), and each tested point's longitude is moved by a multiple of 360° into
/// `[centre - 180, centre + 180)`, `centre` being the middle of the unwrapped longitude range.
/// Every edge therefore takes the short way round, which is what a hand-drawn polygon across the
/// date line means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geographic {
    /// Lower end of the longitude window points are moved into, when the region was unwrapped.
    window_start: Option<f64>,
    /// Whether this plane is plate carrée chosen through `proj` (false: the raw degrees of a
    /// `region_mask`, where GeoJSON edges are taken literally and nothing is unwrapped).
    named: bool,
}

impl Geographic {
    /// Degrees as given: no unwrapping (GeoJSON semantics, used by `region_mask`).
    pub fn raw() -> Self {
        Geographic {
            window_start: None,
            named: false,
        }
    }

    /// Plate carrée for a region that does not cross the antimeridian.
    pub fn plate_carree() -> Self {
        Geographic {
            window_start: None,
            named: true,
        }
    }

    /// Plate carrée for an unwrapped region whose longitude range is centred on `centre`.
    pub fn unwrapped(centre: f64) -> Self {
        Geographic {
            window_start: Some(centre - 180.0),
            named: true,
        }
    }

    /// Projects a point (degrees) into the plane.
    #[inline]
    pub fn forward(&self, lon: f64, lat: f64) -> Coord<f64> {
        match self.window_start {
            None => Coord { x: lon, y: lat },
            Some(start) => Coord {
                x: wrap_into(lon, start),
                y: lat,
            },
        }
    }

    /// Lower end of the longitude window points are moved into (`None`: points are used as given).
    pub(crate) fn window_start(&self) -> Option<f64> {
        self.window_start
    }

    pub(crate) fn name(&self) -> &'static str {
        if self.named {
            "plate_carree"
        } else {
            "lon/lat"
        }
    }
}

/// Moves `lon` by a multiple of 360 into `[start, start + 360)`.
#[inline]
pub(crate) fn wrap_into(lon: f64, start: f64) -> f64 {
    if lon >= start && lon < start + 360.0 {
        lon
    } else {
        let x = lon - 360.0 * ((lon - start) / 360.0).floor();
        // Guard the rounding case where the subtraction lands exactly on the upper end.
        if x >= start + 360.0 { x - 360.0 } else { x }
    }
}

/// Moves `lon` by a multiple of 360 to within 180° of `reference` (into
/// `[reference - 180, reference + 180)`).
#[inline]
pub(crate) fn near(lon: f64, reference: f64) -> f64 {
    wrap_into(lon, reference - 180.0)
}
