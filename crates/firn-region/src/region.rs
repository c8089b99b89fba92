//! [`Region`]: a validated polygon region in lon/lat with its projection.

use geo::{Contains, Coord, MultiPolygon};

use crate::error::RegionError;
use crate::geojson::{RawPolygon, parse_polygons};
use crate::index::PreparedRegion;
use crate::latlon::LatLon;
use crate::projection::Projection;
use crate::validate::{Plane, Validated, validate};

/// A validated region of interest: one or more polygons (holes allowed) in lon/lat degrees, and
/// the projection its point tests use.
///
/// Validation (in this order, the first failure is reported): every position has lon and lat;
/// coordinates are finite and in range; every ring is closed and has at least 3 distinct
/// vertices (consecutive repeats are dropped); every vertex can be projected; every ring is
/// simple in the projected plane (no two edges touch except neighbours at their shared vertex);
/// each polygon's holes lie inside its exterior without crossing (geo's validation). Ring
/// orientation is free: rings are re-oriented as needed.
#[derive(Debug, Clone)]
pub struct Region {
    validated: Validated,
    projection: Projection,
}

impl Region {
    /// Parses a GeoJSON Polygon, MultiPolygon, Feature, FeatureCollection or GeometryCollection
    /// (the union of all its polygons) with projection `Auto`.
    pub fn from_geojson_str(text: &str) -> Result<Self, RegionError> {
        Self::from_geojson_str_in(text, Projection::Auto)
    }

    /// Like [`Region::from_geojson_str`] with an explicit projection.
    pub fn from_geojson_str_in(text: &str, projection: Projection) -> Result<Self, RegionError> {
        Self::build(parse_polygons(text)?, projection)
    }

    /// Builds a region from upstream's `poly` list (one closed ring) with projection `Auto`.
    pub fn from_poly(poly: &[LatLon]) -> Result<Self, RegionError> {
        Self::from_poly_in(poly, Projection::Auto)
    }

    /// Like [`Region::from_poly`] with an explicit projection.
    pub fn from_poly_in(poly: &[LatLon], projection: Projection) -> Result<Self, RegionError> {
        let ring = poly.iter().map(|v| [v.lon, v.lat]).collect();
        Self::build(vec![vec![ring]], projection)
    }

    fn build(raw: Vec<RawPolygon>, projection: Projection) -> Result<Self, RegionError> {
        let first_lat = raw
            .first()
            .and_then(|p| p.first())
            .and_then(|r| r.first())
            .map_or(0.0, |v| v[1]);
        let projection = projection.resolve(first_lat);
        let validated = validate(&raw, Plane::Proj(projection))?;
        Ok(Region {
            validated,
            projection,
        })
    }

    /// The resolved projection (never `Auto`).
    pub fn projection(&self) -> Projection {
        self.projection
    }

    /// The polygons in lon/lat degrees (x = lon, y = lat) as given, rings closed, consecutive
    /// duplicate vertices removed, original orientation.
    pub fn lonlat(&self) -> &MultiPolygon<f64> {
        &self.validated.lonlat
    }

    /// The polygons in the projected plane, exteriors counter-clockwise, holes clockwise.
    pub fn projected(&self) -> &MultiPolygon<f64> {
        &self.validated.projected
    }

    /// Projects a point (degrees) into the region's plane.
    pub fn project(&self, lon: f64, lat: f64) -> Coord<f64> {
        self.validated.projector.forward(lon, lat)
    }

    /// Exact test of one point (degrees) with plain `geo::Contains` in the projected plane; the
    /// reference that [`PreparedRegion`] reproduces quickly.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        self.projected().contains(&self.project(lon, lat))
    }

    /// Prepares the region for fast bulk tests.
    pub fn prepare(&self) -> PreparedRegion {
        prepare(&self.validated)
    }
}

/// Prepares validated polygons.
pub(crate) fn prepare(v: &Validated) -> PreparedRegion {
    PreparedRegion::new(&v.projected, v.projector)
}
