//! A raster of cells over a region's bounding box, each cell known to be wholly inside, wholly
//! outside, or touched by the boundary.
//!
//! Cells touched by an edge (within a small margin, see [`CellGrid::build`]) are marked boundary;
//! every other cell lies wholly on one side of every edge, so one scanline fill at the cell
//! centres classifies it, and every point of the cell shares that class. Only boundary cells need
//! an exact test.

use geo::{Coord, MultiPolygon, Rect};

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

/// The classified raster.
///
/// The raster covers the bounding box plus a border of two cells on every side, and lookups clamp
/// to the raster: a point beyond the bounding box lands in the outer border cells, which are a
/// whole cell away from the box and so always outside. The bounding-box prefilter thus costs no
/// branch.
#[derive(Debug, Clone)]
pub(crate) struct CellGrid {
    x0: f64,
    y0: f64,
    inv_w: f64,
    inv_h: f64,
    nx: usize,
    ny: usize,
    max_u: f64,
    max_v: f64,
    cells: Vec<Cell>,
}

impl CellGrid {
    /// Rasterizes `region` (rings oriented: exteriors counter-clockwise, holes clockwise) over
    /// `bbox` with `nx × ny` cells, plus the border.
    ///
    /// The boundary margin is 10⁻⁶ of a cell, or more when the coordinates are so large relative to
    /// the cells that rounding could reach that far; it is many orders of magnitude above the
    /// rounding of the coordinate → cell arithmetic, so a point is never given the class of a cell
    /// whose closed box it is not in or next to.
    pub(crate) fn build(region: &MultiPolygon<f64>, bbox: Rect<f64>, nx: usize, ny: usize) -> Self {
        let nx = nx.clamp(1, MAX_SIDE);
        let ny = ny.clamp(1, MAX_SIDE);
        let (w, h) = (bbox.width(), bbox.height());
        let inv_w = if w > 0.0 { nx as f64 / w } else { 1.0 };
        let inv_h = if h > 0.0 { ny as f64 / h } else { 1.0 };
        let (nx, ny) = (nx + 2 * BORDER, ny + 2 * BORDER);
        let mut grid = CellGrid {
            x0: bbox.min().x - BORDER as f64 / inv_w,
            y0: bbox.min().y - BORDER as f64 / inv_h,
            inv_w,
            inv_h,
            nx,
            ny,
            max_u: (nx - 1) as f64,
            max_v: (ny - 1) as f64,
            cells: vec![Cell::Outside; nx * ny],
        };
        let magnitude = [bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y]
            .iter()
            .fold(0.0_f64, |m, v| m.max(v.abs()));
        let margin = (64.0 * f64::EPSILON * magnitude * inv_w.max(inv_h)).max(1e-6);

        let edges: Vec<(Coord<f64>, Coord<f64>)> = region
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|ring| ring.lines())
            .map(|l| (grid.to_grid(l.start), grid.to_grid(l.end)))
            .collect();
        for &(a, b) in &edges {
            grid.mark_edge(a, b, margin);
        }
        grid.scanline_fill(&edges);
        grid
    }

    /// Grid coordinates (cell units from the lower-left corner) of a planar point.
    #[inline]
    fn to_grid(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.x0) * self.inv_w,
            y: (c.y - self.y0) * self.inv_h,
        }
    }

    /// The class of the cell holding a planar point, points beyond the raster clamped onto its
    /// border (NaN lands in a corner cell).
    #[inline]
    pub(crate) fn class_of(&self, c: Coord<f64>) -> Cell {
        let g = self.to_grid(c);
        // Branch-free clamp (`f64::max` maps NaN to 0); the raster has fewer than 2³² cells a side.
        let ix = g.x.max(0.0).min(self.max_u) as u32 as usize;
        let iy = g.y.max(0.0).min(self.max_v) as u32 as usize;
        self.cells
            .get(iy * self.nx + ix)
            .copied()
            .unwrap_or(Cell::Boundary)
    }

    /// Raster size `(nx, ny)`, border included.
    pub(crate) fn dims(&self) -> (usize, usize) {
        (self.nx, self.ny)
    }

    /// Share of cells that need an exact test.
    pub(crate) fn boundary_fraction(&self) -> f64 {
        let n = self.cells.iter().filter(|c| **c == Cell::Boundary).count();
        n as f64 / self.cells.len() as f64
    }

    fn clamp_index(v: f64, n: usize) -> usize {
        // Build time only: plain floor and saturating cast.
        (v.floor().max(0.0) as usize).min(n - 1)
    }

    /// Marks every cell whose box, grown by `margin`, meets the edge a–b (grid units).
    fn mark_edge(&mut self, a: Coord<f64>, b: Coord<f64>, margin: f64) {
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
            let row = r * self.nx;
            self.cells[row + c0..=row + c1].fill(Cell::Boundary);
        }
    }

    /// Classifies every non-boundary cell by the winding number at its centre, one scanline per
    /// row through the cell centres.
    fn scanline_fill(&mut self, edges: &[(Coord<f64>, Coord<f64>)]) {
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
            let mut winding = 0;
            let mut next = 0;
            let cells = &mut self.cells[r * self.nx..(r + 1) * self.nx];
            for (i, cell) in cells.iter_mut().enumerate() {
                let xc = i as f64 + 0.5;
                while next < row.len() && row[next].0 < xc {
                    winding += row[next].1;
                    next += 1;
                }
                if *cell != Cell::Boundary && winding != 0 {
                    *cell = Cell::Inside;
                }
            }
        }
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
