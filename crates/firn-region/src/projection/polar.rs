//! Spherical polar stereographic projection.

use geo::Coord;

/// Polar stereographic on the unit sphere, tangent at a pole (true scale 2 at the pole).
///
/// North: ρ = 2·tan(45° − φ/2), x = ρ·sin λ, y = −ρ·cos λ. South: ρ = 2·tan(45° + φ/2),
/// x = ρ·sin λ, y = ρ·cos λ. Longitude wraps naturally, so regions around a pole or across the
/// antimeridian need no special care; the opposite pole cannot be projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolarStereo {
    north: bool,
}

impl PolarStereo {
    /// Centred on the North Pole.
    pub fn north() -> Self {
        PolarStereo { north: true }
    }

    /// Centred on the South Pole.
    pub fn south() -> Self {
        PolarStereo { north: false }
    }

    /// Whether `lat` can be projected (it is not the opposite pole).
    pub fn can_project(&self, lat: f64) -> bool {
        if self.north { lat > -90.0 } else { lat < 90.0 }
    }

    /// Projects a point (degrees) into the plane.
    #[inline]
    pub fn forward(&self, lon: f64, lat: f64) -> Coord<f64> {
        self.point_at(lon, self.radius(lat))
    }

    /// Distance from the pole in the plane of the points at latitude `lat` (degrees).
    #[inline]
    pub(crate) fn radius(&self, lat: f64) -> f64 {
        if self.north {
            2.0 * (std::f64::consts::FRAC_PI_4 - lat.to_radians() / 2.0).tan()
        } else {
            2.0 * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan()
        }
    }

    /// The point at distance `rho` from the pole in the direction of longitude `lon` (degrees).
    #[inline]
    pub(crate) fn point_at(&self, lon: f64, rho: f64) -> Coord<f64> {
        let (sin_l, cos_l) = lon.to_radians().sin_cos();
        if self.north {
            Coord {
                x: rho * sin_l,
                y: -rho * cos_l,
            }
        } else {
            Coord {
                x: rho * sin_l,
                y: rho * cos_l,
            }
        }
    }

    /// Longitude (degrees, in [-180, 180]) of a planar point: the inverse of `forward` in angle.
    pub(crate) fn lon_of(&self, c: Coord<f64>) -> f64 {
        if self.north {
            c.x.atan2(-c.y).to_degrees()
        } else {
            c.x.atan2(c.y).to_degrees()
        }
    }

    /// Latitude (degrees) of the points at distance `rho` from the pole in the plane.
    pub(crate) fn lat_at_radius(&self, rho: f64) -> f64 {
        let colat = 2.0 * (rho / 2.0).atan().to_degrees();
        if self.north {
            90.0 - colat
        } else {
            colat - 90.0
        }
    }

    /// Whether the plane's distance from the pole grows with latitude (south) or shrinks (north).
    pub(crate) fn is_north(&self) -> bool {
        self.north
    }

    pub(crate) fn name(&self) -> &'static str {
        if self.north {
            "north_polar"
        } else {
            "south_polar"
        }
    }
}
