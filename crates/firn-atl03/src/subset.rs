//! Region subsetting (SPEC §5): which segments of a beam are processed, as runs.

use std::ops::Range;
use std::sync::Arc;

use firn_region::{PreparedRegion, RegionMask, RunMode, inside_runs};

use crate::beam::Beam;
use crate::error::{Error, Result};
use crate::granule::Granule;
use crate::segments::BeamSegments;

/// The region a request selects: a polygon (`poly`, tested in its projection) or a mask
/// (`region_mask`, tested exactly in lon/lat).
#[derive(Debug, Clone)]
pub enum RegionFilter {
    /// `poly`: a prepared polygon (shared: built once per request).
    Polygon(Arc<PreparedRegion>),
    /// `region_mask`: the union of GeoJSON polygons (shared: built once per request).
    Mask(Arc<RegionMask>),
}

impl RegionFilter {
    fn contains_many(
        &self,
        lon: &[f64],
        lat: &[f64],
    ) -> std::result::Result<Vec<bool>, firn_region::RegionError> {
        match self {
            RegionFilter::Polygon(region) => region.contains_many(lon, lat),
            RegionFilter::Mask(mask) => mask.contains_many(lon, lat),
        }
    }
}

/// The runs of segments to process: every inside run (or only the first, with
/// [`RunMode::First`]), or the whole beam when there is no region.
pub fn select_runs(
    granule: &Granule,
    beam: Beam,
    segments: &BeamSegments,
    region: Option<&RegionFilter>,
    mode: RunMode,
) -> Result<Vec<Range<usize>>> {
    let has_photons: Vec<bool> = segments.ph_cnt.iter().map(|&c| c > 0).collect();
    let region_error = |source| Error::Region {
        granule: granule.location().to_owned(),
        beam: beam.name().to_owned(),
        source,
    };
    match region {
        None if has_photons.iter().any(|&p| p) => Ok(std::iter::once(0..segments.len()).collect()),
        None => Ok(Vec::new()),
        Some(region) => {
            let inside = region
                .contains_many(&segments.ref_lon, &segments.ref_lat)
                .map_err(region_error)?;
            inside_runs(&inside, &has_photons, mode).map_err(region_error)
        }
    }
}
