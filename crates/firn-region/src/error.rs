//! The crate's one public error type.

use std::fmt;

/// Which ring of which polygon a problem was found in.
///
/// Polygons are numbered in input order over the whole document (a FeatureCollection's features,
/// then each MultiPolygon's members); a `poly` list is polygon 0's exterior ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingLocation {
    /// Index of the polygon.
    pub polygon: usize,
    /// Which ring of that polygon.
    pub ring: RingKind,
}

/// The role of a ring inside its polygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingKind {
    /// The outer boundary.
    Exterior,
    /// Hole number `n` (0-based, in input order).
    Hole(usize),
}

impl fmt::Display for RingLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ring {
            RingKind::Exterior => write!(f, "polygon {} exterior ring", self.polygon),
            RingKind::Hole(n) => write!(f, "polygon {} hole {}", self.polygon, n),
        }
    }
}

/// A coordinate of a vertex, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Longitude (degrees east).
    Lon,
    /// Latitude (degrees north).
    Lat,
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Axis::Lon => "lon",
            Axis::Lat => "lat",
        })
    }
}

/// Everything that can go wrong in firn-region. Each message names the problem and where it is:
/// the ring, the vertex index (0-based, in the input as given) and the coordinate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegionError {
    /// The input is not valid JSON or not valid GeoJSON.
    #[error("region is not valid GeoJSON: {source}")]
    GeoJson {
        /// The parser's error.
        #[source]
        source: Box<geojson::Error>,
    },
    /// A geometry other than a (Multi)Polygon was found.
    #[error(
        "unsupported GeoJSON geometry {kind} at {path}: only Polygon and MultiPolygon describe a region"
    )]
    UnsupportedGeometry {
        /// The GeoJSON type name.
        kind: &'static str,
        /// Where in the document (e.g. `features[2].geometry`).
        path: String,
    },
    /// The document holds no polygon at all.
    #[error("region holds no polygon")]
    NoPolygon,
    /// A position has fewer than two numbers.
    #[error("{at} vertex {vertex}: a position needs lon and lat, found {len} number(s)")]
    ShortPosition {
        /// The ring.
        at: RingLocation,
        /// The vertex index.
        vertex: usize,
        /// How many numbers the position had.
        len: usize,
    },
    /// A coordinate is NaN or infinite.
    #[error("{at} vertex {vertex}: {axis} is not a finite number ({value})")]
    NonFinite {
        /// The ring.
        at: RingLocation,
        /// The vertex index.
        vertex: usize,
        /// Which coordinate.
        axis: Axis,
        /// The offending value.
        value: f64,
    },
    /// A coordinate is outside [-180, 180] (lon) or [-90, 90] (lat).
    #[error("{at} vertex {vertex}: {axis} {value} is out of range ({range})")]
    OutOfRange {
        /// The ring.
        at: RingLocation,
        /// The vertex index.
        vertex: usize,
        /// Which coordinate.
        axis: Axis,
        /// The offending value.
        value: f64,
        /// The accepted range, for the message.
        range: &'static str,
    },
    /// The last vertex of a ring differs from the first.
    #[error(
        "{at}: ring not closed (first vertex lon {first_lon}, lat {first_lat}; last vertex lon {last_lon}, lat {last_lat})"
    )]
    RingNotClosed {
        /// The ring.
        at: RingLocation,
        /// First vertex longitude.
        first_lon: f64,
        /// First vertex latitude.
        first_lat: f64,
        /// Last vertex longitude.
        last_lon: f64,
        /// Last vertex latitude.
        last_lat: f64,
    },
    /// A ring has fewer than three distinct vertices.
    #[error("{at}: a ring needs at least 3 distinct vertices, found {distinct}")]
    TooFewVertices {
        /// The ring.
        at: RingLocation,
        /// The number of distinct vertices.
        distinct: usize,
    },
    /// Two non-adjacent edges of a ring touch or cross, or two adjacent edges overlap.
    ///
    /// Edge `i` runs from vertex `i` to the next distinct vertex (indices as given in the input).
    #[error(
        "{at}: self-intersection between edges {edge_a} and {edge_b} (in the {projection} plane)"
    )]
    SelfIntersection {
        /// The ring.
        at: RingLocation,
        /// First edge (its starting vertex index).
        edge_a: usize,
        /// Second edge (its starting vertex index).
        edge_b: usize,
        /// The plane in which the ring was tested.
        projection: &'static str,
    },
    /// In plate carrée a ring winds around a pole, which no lon/lat polygon can represent.
    #[error("{at}: ring encircles a pole; use proj north_polar or south_polar")]
    EnclosesPole {
        /// The ring.
        at: RingLocation,
    },
    /// Unwrapped across the antimeridian, the region spans 360° of longitude or more.
    #[error(
        "region spans {span}° of longitude once unwrapped across the antimeridian; it must span less than 360°"
    )]
    LongitudeSpan {
        /// The unwrapped span in degrees.
        span: f64,
    },
    /// A vertex cannot be projected (a polar stereographic projection of the opposite pole).
    #[error("{at} vertex {vertex}: lat {lat} cannot be projected with {projection}")]
    Unprojectable {
        /// The ring.
        at: RingLocation,
        /// The vertex index.
        vertex: usize,
        /// The latitude.
        lat: f64,
        /// The projection's name.
        projection: &'static str,
    },
    /// The rings of one polygon are inconsistent (a hole outside the exterior, rings crossing).
    #[error("polygon {polygon}: {source}")]
    InvalidRings {
        /// The polygon index.
        polygon: usize,
        /// geo's validation finding.
        #[source]
        source: geo::algorithm::validation::InvalidPolygon,
    },
    /// `region_mask.cellsize` is not a positive finite number.
    #[error("region_mask.cellsize must be a positive finite number of degrees, got {value}")]
    InvalidCellSize {
        /// The value given.
        value: f64,
    },
    /// A simplification tolerance is negative or not finite.
    #[error("simplify tolerance must be a finite number ≥ 0, got {value}")]
    InvalidTolerance {
        /// The value given.
        value: f64,
    },
    /// Two arrays that must have the same length do not.
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        /// Which arrays.
        what: &'static str,
        /// Length of the first.
        left: usize,
        /// Length of the second.
        right: usize,
    },
    /// The convex hull of the input is not a polygon (fewer than 3 points not on one line).
    #[error(
        "the convex hull of {points} point(s) is not a polygon (all points coincide or lie on one line)"
    )]
    DegenerateHull {
        /// Number of input points.
        points: usize,
    },
    /// Simplifying the hull left no area.
    #[error(
        "simplify tolerance {tolerance}° leaves the hull without area; use a smaller tolerance"
    )]
    HullSimplifiedAway {
        /// The tolerance given.
        tolerance: f64,
    },
}

impl From<geojson::Error> for RegionError {
    fn from(source: geojson::Error) -> Self {
        RegionError::GeoJson {
            source: Box::new(source),
        }
    }
}
