//! [`PreparedRegion`]: a region prepared once to test millions of points.

use std::fmt;

use geo::indexed::IntervalTreeMultiPolygon;
use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point, Rect};
use rayon::prelude::*;

use crate::boundary::BoundaryRuns;
use crate::error::RegionError;
use crate::prefilter::PolarPrefilter;
use crate::projection::geographic::wrap_into;
use crate::projection::{PolarStereo, Projector};
use crate::raster::{Cell, CellGrid, rasterize, square_dims};

/// Inputs at least this long are tested in parallel by [`PreparedRegion::contains_many`].
const PARALLEL_MIN: usize = 1 << 15;

/// Points per block of the bulk test.
const BLOCK: usize = 512;

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
/// exact winding-number test over only the edges that touch that stretch of the row (see
/// `boundary.rs`), with geo's robust orientation predicate. A point exactly on an edge goes to
/// geo's [`IntervalTreeMultiPolygon`] (one per polygon, so overlapping polygons give their union).
///
/// Points are given in lon/lat degrees and projected like the region, once each: plate carrée
/// costs nothing or one longitude wrap; in a polar plane, a latitude band and a longitude sector
/// that hold the region reject far points before any trigonometry.
///
/// It also implements `geo::Contains<Point>` and `Contains<Coord>` (x = lon, y = lat), so it is a
/// drop-in for `Polygon::contains`.
pub struct PreparedRegion {
    plane: Plane,
    bbox: Rect<f64>,
    grid: CellGrid,
    runs: BoundaryRuns,
    exact: Vec<IntervalTreeMultiPolygon<f64>>,
}

/// How a point in degrees reaches the region's plane.
#[derive(Debug, Clone, Copy)]
enum Plane {
    /// Degrees are the plane's coordinates.
    Degrees,
    /// Plate carrée across the antimeridian: longitudes move into `[start, start + 360)`.
    Wrapped { start: f64 },
    /// Polar stereographic, for points the prefilter lets through.
    Polar {
        stereo: PolarStereo,
        prefilter: PolarPrefilter,
    },
}

impl Plane {
    fn new(projected: &MultiPolygon<f64>, projector: Projector) -> Self {
        match projector {
            Projector::Geographic(g) => match g.window_start() {
                None => Plane::Degrees,
                Some(start) => Plane::Wrapped { start },
            },
            Projector::Polar(stereo) => Plane::Polar {
                stereo,
                prefilter: PolarPrefilter::new(projected, stereo),
            },
        }
    }
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
        let (grid, runs) = rasterize(projected, bbox, nx, ny);
        PreparedRegion {
            plane: Plane::new(projected, projector),
            bbox,
            grid,
            runs,
            exact: projected
                .iter()
                .map(|p| IntervalTreeMultiPolygon::new(&MultiPolygon::new(vec![p.clone()])))
                .collect(),
        }
    }

    /// Whether the point (degrees) is strictly inside the region.
    #[inline]
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let p = match self.plane {
            Plane::Degrees => Coord { x: lon, y: lat },
            Plane::Wrapped { start } => Coord {
                x: wrap_into(lon, start),
                y: lat,
            },
            Plane::Polar { stereo, prefilter } => {
                if !prefilter.may_contain(lon, lat) {
                    return false;
                }
                stereo.forward(lon, lat)
            }
        };
        let cell = self.grid.index(p.x, p.y);
        match self.grid.class(cell) {
            Cell::Boundary => self.exact_contains(cell, p),
            class => class == Cell::Inside,
        }
    }

    /// The exact test of a planar point in boundary cell `cell`.
    #[cold]
    #[inline(never)]
    fn exact_contains(&self, cell: u32, p: Coord<f64>) -> bool {
        let (row, col) = self.grid.row_col(cell);
        match self.runs.winding(row, col, p) {
            Some(winding) => winding != 0,
            None => self.exact.iter().any(|t| t.contains(&p)),
        }
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

    /// Bulk test in blocks: project the block into the plane (polar: only the points the
    /// prefilter keeps, the others become NaN, which lands outside), compute every cell index in
    /// one vectorized loop, look the classes up, then settle the rare boundary points exactly from
    /// the already projected coordinates.
    fn fill(&self, lon: &[f64], lat: &[f64], out: &mut [bool]) {
        let mut xs = [0.0; BLOCK];
        let mut ys = [0.0; BLOCK];
        let mut cells = [0u32; BLOCK];
        for ((lon, lat), out) in lon
            .chunks(BLOCK)
            .zip(lat.chunks(BLOCK))
            .zip(out.chunks_mut(BLOCK))
        {
            let n = lon.len();
            let (x, y): (&[f64], &[f64]) = match self.plane {
                Plane::Degrees => (lon, lat),
                Plane::Wrapped { start } => {
                    for (x, lon) in xs.iter_mut().zip(lon) {
                        *x = wrap_into(*lon, start);
                    }
                    (&xs[..n], lat)
                }
                Plane::Polar { stereo, prefilter } => {
                    project_polar(
                        lon,
                        lat,
                        stereo,
                        prefilter,
                        &mut xs[..n],
                        &mut ys[..n],
                        &mut cells[..n],
                    );
                    (&xs[..n], &ys[..n])
                }
            };
            let cells = &mut cells[..n];
            self.grid.index_many(x, y, cells);
            let mut any_boundary = false;
            for (o, cell) in out.iter_mut().zip(cells.iter()) {
                let class = self.grid.class(*cell);
                *o = class == Cell::Inside;
                any_boundary |= class == Cell::Boundary;
            }
            if any_boundary {
                for (i, cell) in cells.iter().enumerate() {
                    if self.grid.class(*cell) == Cell::Boundary {
                        out[i] = self.exact_contains(*cell, Coord { x: x[i], y: y[i] });
                    }
                }
            }
        }
    }

    /// Raster size `(nx, ny)` and the share of its cells that need the exact test.
    pub fn raster_stats(&self) -> (usize, usize, f64) {
        let (nx, ny) = self.grid.dims();
        (nx, ny, self.grid.boundary_fraction())
    }
}

/// Projects the points the prefilter keeps into `x`, `y` (the others become NaN), using `scratch`
/// to list the kept points without a branch per point.
fn project_polar(
    lon: &[f64],
    lat: &[f64],
    stereo: PolarStereo,
    prefilter: PolarPrefilter,
    x: &mut [f64],
    y: &mut [f64],
    scratch: &mut [u32],
) {
    x.fill(f64::NAN);
    y.fill(f64::NAN);
    let mut kept = 0;
    for (i, (lon, lat)) in lon.iter().zip(lat).enumerate() {
        scratch[kept] = i as u32;
        kept += usize::from(prefilter.may_contain(*lon, *lat));
    }
    for &i in &scratch[..kept] {
        let i = i as usize;
        let c = stereo.forward(lon[i], lat[i]);
        x[i] = c.x;
        y[i] = c.y;
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
        let (runs, run_edges) = self.runs.sizes();
        f.debug_struct("PreparedRegion")
            .field("plane", &self.plane)
            .field("bbox", &self.bbox)
            .field("raster", &(nx, ny))
            .field("boundary_runs", &runs)
            .field("run_edges", &run_edges)
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
