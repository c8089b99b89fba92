//! [`RegionMask`]: upstream's `region_mask` {geojson, cellsize}, answered exactly.

use geo::MultiPolygon;
use serde::{Deserialize, Serialize};

use crate::error::RegionError;
use crate::geojson::parse_polygons;
use crate::index::{PreparedRegion, auto_dims, bounding_box};
use crate::validate::{Plane, Validated, validate};

/// Most raster cells a mask allocates (4 Mi, one byte each): finer rasters only cost memory and
/// cache misses, the answers are exact at any size.
const MAX_MASK_CELLS: f64 = (1u64 << 22) as f64;

/// The `region_mask` request block: `{"geojson": ..., "cellsize": ...}`. `geojson` may be a
/// GeoJSON document as a string (upstream's form) or inline JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionMaskSpec {
    /// The GeoJSON document (string or object).
    pub geojson: serde_json::Value,
    /// Raster cell size in degrees.
    pub cellsize: f64,
}

/// A `region_mask`: a point (lon/lat degrees, no projection) is inside when it lies strictly inside
/// the union of the GeoJSON polygons (holes are outside), exactly as `geo::Contains` on the
/// polygons says (SPEC §5).
///
/// Upstream approximates the polygons by a raster of `cellsize`-degree cells (a cell is in when
/// its centre is). Here the raster only makes the test fast: it is filled by a scanline pass, cells
/// touched by an edge are tested exactly, so the answer never depends on `cellsize`. The raster
/// uses `cellsize` when that gives at least as many cells as the automatic choice of
/// [`PreparedRegion`], at most 4 Mi cells (coarser cells are then used). GeoJSON edges are
/// straight in lon/lat and never unwrapped across the antimeridian (RFC 7946).
#[derive(Debug)]
pub struct RegionMask {
    lonlat: MultiPolygon<f64>,
    prepared: PreparedRegion,
}

impl RegionMask {
    /// Parses and validates the GeoJSON and rasterizes it.
    pub fn from_geojson(geojson: &str, cellsize: f64) -> Result<Self, RegionError> {
        if !(cellsize.is_finite() && cellsize > 0.0) {
            return Err(RegionError::InvalidCellSize { value: cellsize });
        }
        let Validated {
            lonlat,
            projected,
            projector,
        } = validate(&parse_polygons(geojson)?, Plane::Raw)?;
        let bbox = bounding_box(&projected);
        let (auto_nx, auto_ny) = auto_dims(&projected, bbox);
        let mut nx = (bbox.width() / cellsize).ceil().max(1.0);
        let mut ny = (bbox.height() / cellsize).ceil().max(1.0);
        if nx * ny > MAX_MASK_CELLS {
            let shrink = (nx * ny / MAX_MASK_CELLS).sqrt();
            nx = (nx / shrink).floor().max(1.0);
            ny = (ny / shrink).floor().max(1.0);
        }
        let (nx, ny) = if nx * ny < (auto_nx * auto_ny) as f64 {
            (auto_nx, auto_ny)
        } else {
            (nx as usize, ny as usize)
        };
        let prepared = PreparedRegion::with_dims(&projected, projector, bbox, nx, ny);
        Ok(RegionMask { lonlat, prepared })
    }

    /// Builds the mask from the request block.
    pub fn from_spec(spec: &RegionMaskSpec) -> Result<Self, RegionError> {
        match &spec.geojson {
            serde_json::Value::String(text) => Self::from_geojson(text, spec.cellsize),
            inline => Self::from_geojson(&inline.to_string(), spec.cellsize),
        }
    }

    /// Whether a point (degrees) is inside.
    #[inline]
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        self.prepared.contains(lon, lat)
    }

    /// Tests many points (degrees); see [`PreparedRegion::contains_many`].
    pub fn contains_many(&self, lon: &[f64], lat: &[f64]) -> Result<Vec<bool>, RegionError> {
        self.prepared.contains_many(lon, lat)
    }

    /// The polygons (lon/lat degrees).
    pub fn polygons(&self) -> &MultiPolygon<f64> {
        &self.lonlat
    }

    /// The prepared structure behind the mask.
    pub fn prepared(&self) -> &PreparedRegion {
        &self.prepared
    }
}
