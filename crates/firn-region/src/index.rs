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
const BLOCK: usize = 2048;

/// Raster cells per polygon edge (bounded below and above).
const CELLS_PER_EDGE: usize = 256;
const MIN_CELLS: usize = 1 << 17;
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
    /// Whether the bulk test may use the AVX2 kernel (true only when the CPU has AVX2).
    avx2: bool,
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
            avx2: has_avx2(),
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
    /// prefilter keeps, the others become NaN, which lands outside), then classify it.
    fn fill(&self, lon: &[f64], lat: &[f64], out: &mut [bool]) {
        let mut block = Block::new();
        // Planar coordinates of a block, when they are not the degrees given.
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for ((lon, lat), out) in lon
            .chunks(BLOCK)
            .zip(lat.chunks(BLOCK))
            .zip(out.chunks_mut(BLOCK))
        {
            let n = lon.len();
            match self.plane {
                Plane::Degrees => self.classify(lon, lat, out, &mut block),
                Plane::Wrapped { start } => {
                    xs.clear();
                    xs.extend(lon.iter().map(|lon| wrap_into(*lon, start)));
                    self.classify(&xs, lat, out, &mut block);
                }
                Plane::Polar { stereo, prefilter } => {
                    xs.resize(n, 0.0);
                    ys.resize(n, 0.0);
                    project_polar(
                        lon,
                        lat,
                        stereo,
                        prefilter,
                        &mut xs,
                        &mut ys,
                        &mut block.cells[..n],
                    );
                    self.classify(&xs, &ys, out, &mut block);
                }
            }
        }
    }

    /// Classifies one block of planar points, then settles the rare boundary points exactly from
    /// the coordinates already at hand. With AVX2 (detected at run time) eight points share each
    /// instruction and one gather; otherwise every cell index is computed in one loop the compiler
    /// vectorizes, the classes looked up, and the answers written in a second vectorized loop.
    fn classify(&self, x: &[f64], y: &[f64], out: &mut [bool], block: &mut Block) {
        let n = x.len();
        let mut edge = 0;
        let mut on_boundary = |i: usize| {
            block.edge[edge] = i as u32;
            edge += 1;
        };
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `classify_avx2` requires only that the CPU supports AVX2, which `avx2`
            // records (it is set from run-time detection).
            unsafe { self.grid.classify_avx2(x, y, out, &mut on_boundary) };
            for &i in &block.edge[..edge] {
                let i = i as usize;
                let cell = self.grid.index(x[i], y[i]);
                out[i] = self.exact_contains(cell, Coord { x: x[i], y: y[i] });
            }
            return;
        }
        let cells = &mut block.cells[..n];
        self.grid.index_many(x, y, cells);
        for (i, (o, cell)) in out.iter_mut().zip(cells.iter()).enumerate() {
            let class = self.grid.class(*cell);
            *o = class == Cell::Inside;
            if class == Cell::Boundary {
                on_boundary(i);
            }
        }
        for &i in &block.edge[..edge] {
            let i = i as usize;
            out[i] = self.exact_contains(cells[i], Coord { x: x[i], y: y[i] });
        }
    }

    /// Raster size `(nx, ny)` and the share of its cells that need the exact test.
    pub fn raster_stats(&self) -> (usize, usize, f64) {
        let (nx, ny) = self.grid.dims();
        (nx, ny, self.grid.boundary_fraction())
    }
}

/// Scratch space of the bulk test.
struct Block {
    /// Cell index per point (portable path), or scratch for the polar projection.
    cells: Vec<u32>,
    /// Positions of the points in boundary cells.
    edge: Vec<u32>,
}

impl Block {
    fn new() -> Self {
        Block {
            cells: vec![0; BLOCK],
            edge: vec![0; BLOCK],
        }
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

/// Whether the running CPU has AVX2.
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Region;

    /// The AVX2 kernel and the portable loop give the same answers as the one-point test, block
    /// remainders included (on a CPU without AVX2 both runs take the portable loop).
    #[test]
    fn bulk_kernels_equal_the_one_point_test() {
        let ring = r#"{"type":"Polygon","coordinates":[[[0,0],[3,0.2],[3.1,2.9],[1.5,1.2],[0.1,3],[0,0]]]}"#;
        let region = Region::from_geojson_str(ring).unwrap();
        let mut prepared = region.prepare();
        // A deterministic spread over the box grown by half, plus every vertex and midpoint.
        let mut lon: Vec<f64> = (0..10_007)
            .map(|i| -1.5 + 6.0 * ((i as f64 * 0.618_034) % 1.0))
            .collect();
        let mut lat: Vec<f64> = (0..10_007)
            .map(|i| -1.5 + 6.0 * ((i as f64 * 0.414_214) % 1.0))
            .collect();
        for line in region.lonlat().0[0].exterior().lines() {
            for t in [0.0, 0.5] {
                lon.push(line.start.x + (line.end.x - line.start.x) * t);
                lat.push(line.start.y + (line.end.y - line.start.y) * t);
            }
        }
        lon.extend([f64::NAN, 1.0, f64::INFINITY]);
        lat.extend([1.0, f64::NAN, f64::NEG_INFINITY]);
        let one: Vec<bool> = lon
            .iter()
            .zip(&lat)
            .map(|(x, y)| prepared.contains(*x, *y))
            .collect();
        for avx2 in [has_avx2(), false] {
            prepared.avx2 = avx2;
            for len in [lon.len(), 7, 8, 9, BLOCK + 3] {
                let mut out = vec![true; len];
                prepared
                    .contains_into(&lon[..len], &lat[..len], &mut out)
                    .unwrap();
                assert_eq!(out, one[..len], "avx2 {avx2}, {len} points");
            }
        }
        assert!(one.iter().filter(|b| **b).count() > 1_000);
    }

    /// Points on every cell border and corner of the raster (and a hair either side) get geo's
    /// answer: the class of a cell holds on its closed box, so rounding to either neighbour is
    /// right.
    #[test]
    fn points_on_cell_borders_and_corners() {
        let text = r#"{"type":"Polygon","coordinates":[[[0,0],[3,0.2],[3.1,2.9],[0.1,3],[0,0]],[[1,1],[1.2,2],[2,2.1],[1,1]]]}"#;
        let region = Region::from_geojson_str(text).unwrap();
        let projected = region.projected().clone();
        let bbox = bounding_box(&projected);
        let prepared = PreparedRegion::with_dims(
            &projected,
            Projector::Geographic(crate::Geographic::plate_carree()),
            bbox,
            37,
            29,
        );
        let (nx, ny) = prepared.grid.dims();
        let mut checked = 0;
        for col in 0..=nx {
            for row in 0..=ny {
                let (x, y) = prepared.grid.corner(col, row);
                let (_, y_next) = prepared.grid.corner(col, row + 1);
                let mid = 0.5 * (y + y_next);
                for (px, py) in [
                    (x, y),
                    (x, mid),
                    (x.next_up(), mid),
                    (x.next_down(), mid),
                    (0.5 * (x + prepared.grid.corner(col + 1, row).0), y),
                ] {
                    let want = region.projected().contains(&Coord { x: px, y: py });
                    assert_eq!(
                        prepared.contains(px, py),
                        want,
                        "({px}, {py}) at cell {col}, {row}"
                    );
                    let mut out = [!want];
                    prepared.contains_into(&[px], &[py], &mut out).unwrap();
                    assert_eq!(out[0], want);
                    checked += usize::from(want);
                }
            }
        }
        assert!(checked > 1_000, "{checked} inside");
    }
}
