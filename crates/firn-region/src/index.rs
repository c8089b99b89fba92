//! [`PreparedRegion`]: a region prepared once to test millions of points.

use std::fmt;

use geo::indexed::IntervalTreeMultiPolygon;
use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point, Rect};
use rayon::prelude::*;

use crate::error::RegionError;
use crate::projection::Projector;
use crate::raster::{Cell, CellGrid, square_dims};

/// Inputs at least this long are tested in parallel by [`PreparedRegion::contains_many`].
const PARALLEL_MIN: usize = 1 << 15;

/// Points per block of the bulk test.
const BLOCK: usize = 1024;

/// Raster cells per polygon edge (bounded below and above).
const CELLS_PER_EDGE: usize = 256;
const MIN_CELLS: usize = 1 << 16;
const MAX_CELLS: usize = 1 << 22;

/// A region prepared for fast point-in-polygon tests.
///
/// Answers exactly what `geo::Contains` answers for the projected region (a point on the boundary
/// is not contained), in two steps: a raster lookup over the bounding box that settles cells
/// wholly inside or outside (points beyond the box clamp onto a border of outside cells, which is
/// the bounding-box prefilter without a branch), and for the few cells crossed by the boundary an
/// exact winding-number test through geo's [`IntervalTreeMultiPolygon`] (one per polygon, so
/// overlapping polygons give their union). Points are given in lon/lat degrees and projected like the region.
///
/// It also implements `geo::Contains<Point>` and `Contains<Coord>` (x = lon, y = lat), so it is a
/// drop-in for `Polygon::contains`.
pub struct PreparedRegion {
    projector: Projector,
    bbox: Rect<f64>,
    grid: CellGrid,
    exact: Vec<IntervalTreeMultiPolygon<f64>>,
}

impl PreparedRegion {
    /// Prepares the projected, oriented region (raster size chosen from the number of edges).
    pub(crate) fn new(projected: &MultiPolygon<f64>, projector: Projector) -> Self {
        let bbox = bounding_box(projected);
        let (nx, ny) = auto_dims(projected, bbox);
        Self::with_dims(projected, projector, bbox, nx, ny)
    }

    /// Prepares with an explicit raster size.
    pub(crate) fn with_dims(
        projected: &MultiPolygon<f64>,
        projector: Projector,
        bbox: Rect<f64>,
        nx: usize,
        ny: usize,
    ) -> Self {
        PreparedRegion {
            projector,
            bbox,
            grid: CellGrid::build(projected, bbox, nx, ny),
            exact: projected
                .iter()
                .map(|p| IntervalTreeMultiPolygon::new(&MultiPolygon::new(vec![p.clone()])))
                .collect(),
        }
    }

    /// Whether the point (degrees) is strictly inside the region.
    #[inline]
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let c = self.projector.forward(lon, lat);
        match self.grid.class_of(c) {
            Cell::Boundary => self.exact_contains(c),
            class => class == Cell::Inside,
        }
    }

    /// The exact test, for points in boundary cells.
    #[cold]
    fn exact_contains(&self, c: Coord<f64>) -> bool {
        !(c.x.is_nan() || c.y.is_nan()) && self.exact.iter().any(|t| t.contains(&c))
    }

    /// Tests many points (degrees); in parallel on rayon's pool for large inputs.
    pub fn contains_many(&self, lon: &[f64], lat: &[f64]) -> Result<Vec<bool>, RegionError> {
        let mut out = vec![false; lon.len()];
        check_lengths(lon, lat, &out)?;
        if lon.len() < PARALLEL_MIN {
            self.fill(lon, lat, &mut out);
        } else {
            out.par_chunks_mut(PARALLEL_MIN)
                .zip(lon.par_chunks(PARALLEL_MIN))
                .zip(lat.par_chunks(PARALLEL_MIN))
                .for_each(|((out, lon), lat)| self.fill(lon, lat, out));
        }
        Ok(out)
    }

    /// Tests many points (degrees) on the calling thread, writing `out[i]` for point `i`.
    pub fn contains_into(
        &self,
        lon: &[f64],
        lat: &[f64],
        out: &mut [bool],
    ) -> Result<(), RegionError> {
        check_lengths(lon, lat, out)?;
        self.fill(lon, lat, out);
        Ok(())
    }

    /// Bulk test in blocks: a branch-free pass classifies each point's cell (one loop per
    /// projection, so the projection is inlined), then a second pass settles the rare boundary
    /// points exactly.
    fn fill(&self, lon: &[f64], lat: &[f64], out: &mut [bool]) {
        let mut classes = [Cell::Outside; BLOCK];
        for ((lon, lat), out) in lon
            .chunks(BLOCK)
            .zip(lat.chunks(BLOCK))
            .zip(out.chunks_mut(BLOCK))
        {
            let classes = &mut classes[..lon.len()];
            match self.projector {
                Projector::Geographic(g) => {
                    self.classify(lon, lat, classes, |x, y| g.forward(x, y))
                }
                Projector::Polar(p) => self.classify(lon, lat, classes, |x, y| p.forward(x, y)),
            }
            for (i, (class, o)) in classes.iter().zip(out.iter_mut()).enumerate() {
                *o = match class {
                    Cell::Boundary => self.exact_contains(self.projector.forward(lon[i], lat[i])),
                    class => *class == Cell::Inside,
                };
            }
        }
    }

    #[inline(always)]
    fn classify(
        &self,
        lon: &[f64],
        lat: &[f64],
        classes: &mut [Cell],
        forward: impl Fn(f64, f64) -> Coord<f64>,
    ) {
        for ((x, y), class) in lon.iter().zip(lat).zip(classes.iter_mut()) {
            *class = self.grid.class_of(forward(*x, *y));
        }
    }

    /// Raster size `(nx, ny)` and the share of its cells that need the exact test.
    pub fn raster_stats(&self) -> (usize, usize, f64) {
        let (nx, ny) = self.grid.dims();
        (nx, ny, self.grid.boundary_fraction())
    }
}

fn check_lengths(lon: &[f64], lat: &[f64], out: &[bool]) -> Result<(), RegionError> {
    if lon.len() != lat.len() || lon.len() != out.len() {
        return Err(RegionError::LengthMismatch {
            what: "lon, lat and output",
            left: lon.len(),
            right: if lon.len() != lat.len() {
                lat.len()
            } else {
                out.len()
            },
        });
    }
    Ok(())
}

/// The raster size used when none is asked for: about 256 cells per edge, between 2¹⁶ and 2²²
/// cells, roughly square cells.
pub(crate) fn auto_dims(region: &MultiPolygon<f64>, bbox: Rect<f64>) -> (usize, usize) {
    let edges: usize = region
        .iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum();
    square_dims(bbox, (edges * CELLS_PER_EDGE).clamp(MIN_CELLS, MAX_CELLS))
}

/// The bounding box (a degenerate box at the origin for an empty region, which validation never
/// lets through).
pub(crate) fn bounding_box(region: &MultiPolygon<f64>) -> Rect<f64> {
    region
        .bounding_rect()
        .unwrap_or_else(|| Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 }))
}

impl fmt::Debug for PreparedRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (nx, ny) = self.grid.dims();
        f.debug_struct("PreparedRegion")
            .field("projector", &self.projector)
            .field("bbox", &self.bbox)
            .field("raster", &(nx, ny))
            .field("polygons", &self.exact.len())
            .finish()
    }
}

impl Contains<Coord<f64>> for PreparedRegion {
    /// `x` is longitude, `y` latitude (degrees).
    fn contains(&self, c: &Coord<f64>) -> bool {
        PreparedRegion::contains(self, c.x, c.y)
    }
}

impl Contains<Point<f64>> for PreparedRegion {
    /// `x` is longitude, `y` latitude (degrees).
    fn contains(&self, p: &Point<f64>) -> bool {
        PreparedRegion::contains(self, p.x(), p.y())
    }
}
