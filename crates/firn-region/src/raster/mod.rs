//! A raster of cells over a region's bounding box, each cell known to be wholly inside, wholly
//! outside, or touched by the boundary; built together with the [`BoundaryRuns`] that settle
//! points in boundary cells exactly.
//!
//! Cells touched by an edge (within a small margin, see [`rasterize`]) are marked boundary; every
//! other cell lies wholly on one side of every edge, so one scanline pass through the cell centres
//! gives its winding number, and every point of the cell shares it.

use geo::{Coord, MultiPolygon, Rect};

use crate::boundary::{BoundaryRuns, RunsBuilder};

#[cfg(target_arch = "x86_64")]
mod avx2;
mod polar;
mod sector;

pub(crate) use polar::DegreeGrid;

/// A cell index that is no cell: its class is [`Cell::Boundary`].
pub(crate) const UNSETTLED: u32 = u32::MAX;

/// How a bulk lookup reads its points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Input {
    /// Planar coordinates, used as they are.
    Planar,
    /// Degrees, for a polar region's degree raster (see `polar.rs`): `x` is a longitude, read as
    /// `x − start` moved into [0, 360), `y` a latitude, read as `sign · y`. Points with
    /// `|x| > 180`, `|y| > 90` or NaN are not settled by the raster.
    Degrees {
        /// Longitude of the raster's first column.
        start: f64,
        /// `1` north, `−1` south.
        sign: f64,
    },
}

impl Input {
    /// Grid coordinates of a point and whether the raster may settle it. Every choice is made
    /// with bit masks rather than branches (which way they go depends on the data: a quarter of
    /// the points of a box round a region are west of its sector); the AVX2 kernel does the same
    /// operations lane by lane.
    #[inline(always)]
    pub(crate) fn map(self, x: f64, y: f64) -> (f64, f64, bool) {
        match self {
            Input::Planar => (x, y, true),
            Input::Degrees { start, sign } => {
                // `&`, not `&&`: no branch; false for NaN.
                let settled = (x.abs() <= 180.0) & (y.abs() <= 90.0);
                let t = x - start;
                let t = t + pick(t < 0.0, 360.0);
                let t = t - pick(t >= 360.0, 360.0);
                (t, sign * y, settled)
            }
        }
    }
}

/// `value` when `cond` holds, else 0, without a branch.
#[inline(always)]
fn pick(cond: bool, value: f64) -> f64 {
    f64::from_bits(value.to_bits() & 0u64.wrapping_sub(u64::from(cond)))
}

/// Class of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Cell {
    /// Every point of the cell is outside the region.
    Outside = 0,
    /// Every point of the cell is strictly inside the region.
    Inside = 1,
    /// An edge passes through or near the cell: test exactly.
    Boundary = 2,
}

/// Border cells on each side of the bounding box.
const BORDER: usize = 2;

/// Most cells along either axis.
const MAX_SIDE: usize = 1 << 14;

/// `x + ROUND` is an `f64` whose low 32 bits hold `x` rounded to the nearest integer, for
/// `0 <= x < 2³¹` (1.5·2⁵²: the sum lands where the spacing of doubles is exactly 1).
const ROUND: f64 = 6_755_399_441_055_744.0;

/// Outside cells after the last row, so that a 4-byte gather at any cell stays in the buffer.
const GATHER_PAD: usize = 3;

/// The classified raster and the arithmetic that maps a planar point to its cell.
///
/// The raster covers the bounding box plus a border of two cells on every side. A point off the
/// raster (NaN included) gets cell 0, a corner of the border and so always outside: the
/// bounding-box prefilter costs no branch, and the many points far from a region all read the
/// same cache line (clamping them onto the border instead spread them over a cache line per row,
/// and the lookups waited on memory).
///
/// Rows are `1 << shift` cells apart in `cells` (the row length rounded up to a power of two), so
/// a cell index is a shift and an or; the padding is never looked at.
#[derive(Debug, Clone)]
pub(crate) struct CellGrid {
    /// Cells per planar unit along x and y.
    scale_x: f64,
    scale_y: f64,
    /// `x * scale_x - offset_x` is the grid x coordinate minus ½ (cell `i` spans grid x `i..i+1`).
    offset_x: f64,
    offset_y: f64,
    /// Largest column and row, as floats for the range test.
    max_u: f64,
    max_v: f64,
    nx: usize,
    ny: usize,
    shift: u32,
    cells: Vec<Cell>,
}

impl CellGrid {
    /// An all-outside raster of `nx × ny` cells over `bbox` plus the border (each side clamped to
    /// `1..=`[`MAX_SIDE`]), and its base: the grid coordinate of a point is
    /// `(x * scale_x - base.x, y * scale_y - base.y)`, cell `(i, j)` spanning grid `i..i+1` ×
    /// `j..j+1`.
    pub(crate) fn layout(bbox: Rect<f64>, nx: usize, ny: usize) -> (CellGrid, Coord<f64>) {
        let nx = nx.clamp(1, MAX_SIDE);
        let ny = ny.clamp(1, MAX_SIDE);
        let (w, h) = (bbox.width(), bbox.height());
        let scale_x = if w > 0.0 { nx as f64 / w } else { 1.0 };
        let scale_y = if h > 0.0 { ny as f64 / h } else { 1.0 };
        let (nx, ny) = (nx + 2 * BORDER, ny + 2 * BORDER);
        // Grid coordinate of x: x * scale_x - base_x (the raster's left side is at grid 0).
        let base_x = (bbox.min().x - BORDER as f64 / scale_x) * scale_x;
        let base_y = (bbox.min().y - BORDER as f64 / scale_y) * scale_y;
        let shift = nx.next_power_of_two().trailing_zeros();
        let grid = CellGrid {
            scale_x,
            scale_y,
            offset_x: base_x + 0.5,
            offset_y: base_y + 0.5,
            max_u: (nx - 1) as f64,
            max_v: (ny - 1) as f64,
            nx,
            ny,
            shift,
            cells: vec![Cell::Outside; (ny << shift) + GATHER_PAD],
        };
        (
            grid,
            Coord {
                x: base_x,
                y: base_y,
            },
        )
    }

    /// The cell index of a planar point (0 when it is off the raster).
    ///
    /// The cell is found by rounding, so a point exactly on a cell border may land in either
    /// neighbour; both hold it in their closed box, which is all classification relies on.
    #[inline(always)]
    pub(crate) fn index(&self, x: f64, y: f64) -> u32 {
        let u = x * self.scale_x - self.offset_x;
        let v = y * self.scale_y - self.offset_y;
        // False for NaN as well; `&`, not `&&`.
        let on_raster = (0.0..=self.max_u).contains(&u) & (0.0..=self.max_v).contains(&v);
        let col = (u + ROUND).to_bits() as u32;
        let row = (v + ROUND).to_bits() as u32;
        // Which way this goes depends on the data: a conditional move, not a branch.
        std::hint::select_unpredictable(on_raster, (row << self.shift) | col, 0)
    }

    /// The cell index of a point given as `input` reads it; [`UNSETTLED`] (whose class is
    /// boundary) for a point the raster may not settle.
    #[inline(always)]
    pub(crate) fn lookup(&self, input: Input, x: f64, y: f64) -> u32 {
        let (u, v, settled) = input.map(x, y);
        // All ones (UNSETTLED) or nothing, without a branch.
        self.index(u, v) | (UNSETTLED & 0u32.wrapping_sub(u32::from(!settled)))
    }

    /// Classifies points, as [`CellGrid::classify_avx2`] does, with a portable loop: every cell
    /// index into `cells` (a loop the compiler vectorizes), then the classes and answers.
    pub(crate) fn classify(
        &self,
        input: Input,
        x: &[f64],
        y: &[f64],
        out: &mut [bool],
        cells: &mut [u32],
        mut boundary: impl FnMut(usize),
    ) {
        for ((x, y), c) in x.iter().zip(y).zip(cells.iter_mut()) {
            *c = self.lookup(input, *x, *y);
        }
        for (i, (o, cell)) in out.iter_mut().zip(cells.iter()).enumerate() {
            let class = self.class(*cell);
            *o = class == Cell::Inside;
            if class == Cell::Boundary {
                boundary(i);
            }
        }
    }

    /// The class of a cell index from [`CellGrid::index`].
    #[inline(always)]
    pub(crate) fn class(&self, index: u32) -> Cell {
        self.cells
            .get(index as usize)
            .copied()
            .unwrap_or(Cell::Boundary)
    }

    /// Row and column of a cell index.
    #[inline]
    pub(crate) fn row_col(&self, index: u32) -> (usize, u32) {
        (
            (index >> self.shift) as usize,
            index & ((1u32 << self.shift) - 1),
        )
    }

    /// The planar x and y of the lower-left corner of cell `(col, row)` (`col == nx` or
    /// `row == ny` give the far sides), to within rounding.
    pub(crate) fn corner(&self, col: usize, row: usize) -> (f64, f64) {
        (
            (self.offset_x - 0.5 + col as f64) / self.scale_x,
            (self.offset_y - 0.5 + row as f64) / self.scale_y,
        )
    }

    /// Raster size `(nx, ny)`, border included.
    pub(crate) fn dims(&self) -> (usize, usize) {
        (self.nx, self.ny)
    }

    /// Share of cells that need an exact test.
    pub(crate) fn boundary_fraction(&self) -> f64 {
        let row_len = 1usize << self.shift;
        let n: usize = self
            .cells
            .chunks_exact(row_len)
            .map(|row| {
                row[..self.nx]
                    .iter()
                    .filter(|c| **c == Cell::Boundary)
                    .count()
            })
            .sum();
        n as f64 / (self.nx * self.ny) as f64
    }
}

/// Rasterizes `region` (rings oriented: exteriors counter-clockwise, holes clockwise) over `bbox`
/// with `nx × ny` cells plus the border, and collects the boundary runs.
///
/// A cell is boundary when its box, grown by a margin, meets an edge. The margin is 10⁻⁶ of a cell,
/// or more when the coordinates are so large relative to the cells that rounding could reach that
/// far; it is many orders of magnitude above the rounding of the coordinate → cell arithmetic, so
/// a point is never given the class of a cell whose closed box it is not in or next to.
pub(crate) fn rasterize(
    region: &MultiPolygon<f64>,
    bbox: Rect<f64>,
    nx: usize,
    ny: usize,
) -> (CellGrid, BoundaryRuns) {
    let (mut grid, base) = CellGrid::layout(bbox, nx, ny);
    let (scale_x, scale_y) = (grid.scale_x, grid.scale_y);
    let (base_x, base_y) = (base.x, base.y);
    let mut raster = Raster {
        nx: grid.nx,
        ny: grid.ny,
        row_len: 1 << grid.shift,
        cells: std::mem::take(&mut grid.cells),
    };
    let magnitude = [bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y]
        .iter()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    let margin = (64.0 * f64::EPSILON * magnitude * scale_x.max(scale_y)).max(1e-6);

    let planar: Vec<(Coord<f64>, Coord<f64>)> = region
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.lines())
        .map(|l| (l.start, l.end))
        .collect();
    let to_grid = |c: Coord<f64>| Coord {
        x: c.x * scale_x - base_x,
        y: c.y * scale_y - base_y,
    };
    let grid_edges: Vec<(Coord<f64>, Coord<f64>)> = planar
        .iter()
        .map(|&(a, b)| (to_grid(a), to_grid(b)))
        .collect();
    let mut runs = RunsBuilder::new(grid.ny);
    for (e, &(a, b)) in grid_edges.iter().enumerate() {
        raster.mark_edge(a, b, margin, |row, first, last| {
            runs.touch(row, first, last, e)
        });
    }
    let runs = raster.scanline_fill(&grid_edges, runs, &planar);
    grid.cells = raster.cells;
    (grid, runs)
}

/// The raster while it is being built.
struct Raster {
    nx: usize,
    ny: usize,
    row_len: usize,
    cells: Vec<Cell>,
}

impl Raster {
    fn clamp_index(v: f64, n: usize) -> usize {
        // Build time only: plain floor and saturating cast.
        (v.floor().max(0.0) as usize).min(n - 1)
    }

    /// Marks every cell whose box, grown by `margin`, meets the edge a–b (grid units), and reports
    /// each row's marked columns to `touched(row, first, last)`.
    fn mark_edge(
        &mut self,
        a: Coord<f64>,
        b: Coord<f64>,
        margin: f64,
        mut touched: impl FnMut(usize, usize, usize),
    ) {
        let (vlo, vhi) = (a.y.min(b.y), a.y.max(b.y));
        let r0 = Self::clamp_index(vlo - margin, self.ny);
        let r1 = Self::clamp_index(vhi + margin, self.ny);
        for r in r0..=r1 {
            let ylo = vlo.max(r as f64 - margin);
            let yhi = vhi.min(r as f64 + 1.0 + margin);
            let (xa, xb) = if a.y == b.y {
                (a.x, b.x)
            } else {
                let slope = (b.x - a.x) / (b.y - a.y);
                (a.x + (ylo - a.y) * slope, a.x + (yhi - a.y) * slope)
            };
            let c0 = Self::clamp_index(xa.min(xb) - margin, self.nx);
            let c1 = Self::clamp_index(xa.max(xb) + margin, self.nx);
            let row = r * self.row_len;
            self.cells[row + c0..=row + c1].fill(Cell::Boundary);
            touched(r, c0, c1);
        }
    }

    /// Gives every non-boundary cell the class of the winding number at its centre, one scanline
    /// per row through the cell centres, and closes each run of boundary cells with the winding
    /// number of the cell just right of it.
    ///
    /// Winding numbers follow geo's convention: the signed count of edges crossing a ray from the
    /// point to +x (upward +1, downward −1), 1 inside a counter-clockwise exterior.
    fn scanline_fill(
        &mut self,
        edges: &[(Coord<f64>, Coord<f64>)],
        mut runs: RunsBuilder,
        planar: &[(Coord<f64>, Coord<f64>)],
    ) -> BoundaryRuns {
        let mut crossings: Vec<Vec<(f64, i32)>> = vec![Vec::new(); self.ny];
        for &(a, b) in edges {
            if a.y == b.y {
                continue;
            }
            let (vlo, vhi) = (a.y.min(b.y), a.y.max(b.y));
            // Rows whose centre yc satisfies vlo <= yc < vhi (half-open, so a vertex is counted
            // once); the range is widened by one and the predicate re-checked on the exact yc.
            let start = Self::clamp_index(vlo - 1.5, self.ny);
            let end = Self::clamp_index(vhi + 0.5, self.ny);
            let dir = if b.y > a.y { 1 } else { -1 };
            let slope = (b.x - a.x) / (b.y - a.y);
            for (r, row) in crossings.iter_mut().enumerate().take(end + 1).skip(start) {
                let yc = r as f64 + 0.5;
                if vlo <= yc && yc < vhi {
                    row.push((a.x + (yc - a.y) * slope, dir));
                }
            }
        }
        for (r, row) in crossings.iter_mut().enumerate() {
            row.sort_by(|p, q| p.0.total_cmp(&q.0));
            // Crossings left of the centre sum to minus the crossings right of it (rings close).
            let mut left = 0;
            let mut next = 0;
            let cells = &mut self.cells[r * self.row_len..r * self.row_len + self.nx];
            let mut run_start = None;
            for (i, cell) in cells.iter_mut().enumerate() {
                let xc = i as f64 + 0.5;
                while next < row.len() && row[next].0 < xc {
                    left += row[next].1;
                    next += 1;
                }
                match (*cell, run_start) {
                    (Cell::Boundary, None) => run_start = Some(i),
                    (Cell::Boundary, Some(_)) => {}
                    (_, start) => {
                        let winding = -left;
                        if winding != 0 {
                            *cell = Cell::Inside;
                        }
                        if let Some(first) = start {
                            runs.close(r, first, i - 1, winding, planar);
                            run_start = None;
                        }
                    }
                }
            }
        }
        runs.finish()
    }
}

/// Raster dimensions with about `target` cells of roughly square shape over `bbox`.
pub(crate) fn square_dims(bbox: Rect<f64>, target: usize) -> (usize, usize) {
    let (w, h) = (bbox.width(), bbox.height());
    if !(w > 0.0 && h > 0.0) {
        return (1, 1);
    }
    let nx = ((target as f64 * w / h).sqrt().round() as usize).clamp(1, MAX_SIDE);
    let ny = (target / nx).clamp(1, MAX_SIDE);
    (nx, ny)
}
