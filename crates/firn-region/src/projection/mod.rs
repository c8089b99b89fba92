//! Map projections used to test points against a region.
//!
//! The request parameter `proj` picks one ([`Projection`]); the polygon and every tested point go
//! through the same projection, and the point-in-polygon test happens in that plane with straight
//! edges. Two strategy types implement the planes: [`Geographic`] (plate carrée: degrees as they
//! are, with antimeridian unwrapping) and [`PolarStereo`] (spherical polar stereographic, north or
//! south).

pub(crate) mod geographic;
mod polar;

pub use geographic::Geographic;
pub use polar::PolarStereo;

use geo::Coord;
use serde::{Deserialize, Serialize};

/// Upstream's `proj` parameter.
///
/// `Auto` resolves from the first vertex of the region (SPEC §4): north polar stereographic when
/// its latitude is above 70°, south polar when below -70°, plate carrée otherwise.
///
/// ```
/// use firn_region::Projection;
/// let p: Projection = serde_json::from_str(r#""north_polar""#).unwrap();
/// assert_eq!(p, Projection::NorthPolar);
/// assert_eq!(Projection::Auto.resolve(72.9), Projection::NorthPolar);
/// assert_eq!(Projection::Auto.resolve(39.0), Projection::PlateCarree);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Projection {
    /// Choose from the first vertex's latitude.
    #[default]
    Auto,
    /// Longitude and latitude in degrees, edges straight in lon/lat.
    PlateCarree,
    /// Polar stereographic centred on the North Pole.
    NorthPolar,
    /// Polar stereographic centred on the South Pole.
    SouthPolar,
}

impl Projection {
    /// Resolves `Auto` from the latitude of the region's first vertex; other values are returned
    /// unchanged.
    pub fn resolve(self, first_lat: f64) -> Projection {
        match self {
            Projection::Auto if first_lat > 70.0 => Projection::NorthPolar,
            Projection::Auto if first_lat < -70.0 => Projection::SouthPolar,
            Projection::Auto => Projection::PlateCarree,
            other => other,
        }
    }

    /// The upstream spelling (`"auto"`, `"plate_carree"`, `"north_polar"`, `"south_polar"`).
    pub fn name(self) -> &'static str {
        match self {
            Projection::Auto => "auto",
            Projection::PlateCarree => "plate_carree",
            Projection::NorthPolar => "north_polar",
            Projection::SouthPolar => "south_polar",
        }
    }
}

/// A resolved plane: the strategy that maps lon/lat to planar coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Projector {
    /// Plate carrée (possibly with an unwrapping window).
    Geographic(Geographic),
    /// Polar stereographic.
    Polar(PolarStereo),
}

impl Projector {
    /// Projects a point given in degrees.
    #[inline]
    pub(crate) fn forward(&self, lon: f64, lat: f64) -> Coord<f64> {
        match self {
            Projector::Geographic(g) => g.forward(lon, lat),
            Projector::Polar(p) => p.forward(lon, lat),
        }
    }

    /// The name used in error messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Projector::Geographic(g) => g.name(),
            Projector::Polar(p) => p.name(),
        }
    }
}
