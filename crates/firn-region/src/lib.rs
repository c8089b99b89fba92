//! Region geometry for ICESat-2 ATL03 subsetting (SPEC §4-§5).
//!
//! A request names its region either as upstream's `poly` (a closed list of `{lat, lon}`) or as a
//! GeoJSON document, and picks a projection `proj`. This crate parses and validates the region,
//! projects it, answers "is this reference photon inside?" for millions of points, and turns the
//! per-segment answers into the runs of segments that are read and fitted.
//!
//! # Parse and validate
//!
//! [`Region::from_geojson_str`] takes a Polygon, MultiPolygon, Feature, FeatureCollection or
//! GeometryCollection (holes respected, the union of all polygons); [`Region::from_poly`] takes
//! the `poly` list. Bad regions fail with a [`RegionError`] naming the ring, vertex and coordinate:
//!
//! ```
//! use firn_region::{LatLon, Region, RegionError};
//! let open = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)].map(|(lon, lat)| LatLon { lat, lon });
//! let err = Region::from_poly(&open).unwrap_err();
//! assert!(matches!(err, RegionError::RingNotClosed { .. }));
//! assert!(err.to_string().contains("ring not closed"));
//! ```
//!
//! # Test points fast
//!
//! [`Region::prepare`] builds a [`PreparedRegion`]: bounding-box rejection, a raster whose cells
//! are known inside or outside, and an exact test for cells on the boundary. Its answers equal
//! `geo::Contains` on the projected polygons, and it implements `geo::Contains<Point>`.
//!
//! ```
//! use firn_region::Region;
//! let square = r#"{"type":"Polygon","coordinates":[[[-108,39],[-107,39],[-107,40],[-108,40],[-108,39]]]}"#;
//! let region = Region::from_geojson_str(square).unwrap();
//! let prepared = region.prepare();
//! assert!(prepared.contains(-107.5, 39.5));
//! assert!(!prepared.contains(-106.5, 39.5));
//! let inside = prepared.contains_many(&[-107.5, -109.0], &[39.5, 39.5]).unwrap();
//! assert_eq!(inside, vec![true, false]);
//! ```
//!
//! # Projections
//!
//! [`Projection::Auto`] picks north or south polar stereographic when the first vertex is
//! poleward of ±70°, plate carrée otherwise. Plate carrée unwraps regions that cross the
//! antimeridian (see [`Geographic`]); the polar planes handle the date line and the poles
//! naturally (see [`PolarStereo`]).
//!
//! # Region masks
//!
//! [`RegionMask`] is `region_mask {geojson, cellsize}`: raw lon/lat degrees, union of polygons,
//! exact answers from a scanline-filled raster.
//!
//! # Runs
//!
//! [`inside_runs`] turns per-segment inside flags into segment ranges, keeping every run
//! ([`RunMode::All`]) or only upstream's first ([`RunMode::First`]).
//!
//! # Hull
//!
//! [`to_region`] is upstream's `toregion`: convex hull, counter-clockwise, closed, optionally
//! simplified.
#![deny(missing_docs)]

mod boundary;
mod error;
mod geojson;
mod hull;
mod index;
mod latlon;
mod mask;
mod prefilter;
mod projection;
mod raster;
mod region;
mod runs;
mod selfcross;
mod validate;

pub use error::{Axis, RegionError, RingKind, RingLocation};
pub use hull::{to_region, to_region_from_geojson};
pub use index::PreparedRegion;
pub use latlon::LatLon;
pub use mask::{RegionMask, RegionMaskSpec};
pub use projection::{Geographic, PolarStereo, Projection};
pub use region::Region;
pub use runs::{RunMode, inside_runs};
