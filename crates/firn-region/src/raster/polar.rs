//! [`DegreeGrid`]: a raster of a polar region in degrees, which settles almost every point
//! without projecting it.
//!
//! # Layout
//!
//! Columns run along `t = lon − start` moved into [0, 360) (`start` and the width from the
//! [`PolarPrefilter`]'s longitude sector, all 360° when the region holds the pole), rows along the
//! *polar latitude* `y = ±lat` (`+` north, `−` south, so `y` grows towards the pole) over the
//! prefilter's latitude band clipped to [−90, 90]. The lookup is [`CellGrid::lookup`] with
//! [`Input::Degrees`] (this mapping, then the planar raster's arithmetic), so the AVX2 kernel
//! serves this raster too. A cell is boundary, inside or outside like a planar cell.
//!
//! # Why a non-boundary cell's answer is exact
//!
//! Only points with `|lon| ≤ 180` and `|lat| ≤ 90` are looked up (the others are *unsettled*:
//! their lookup gives no cell, whose class is boundary, and they take the projecting path). For such a point in cell `C`, `t` is `lon − start` modulo 360 to
//! within an ulp of 360, and the lookup's `t·scale − offset` (`|t| ≤ 360`, `|y| ≤ 90`) is off by a
//! few ulps, below 10⁻¹³° — as are the cell bounds computed here — so the point's exact longitude
//! and latitude lie in `C`'s box grown by `m` (10⁻⁶ of a cell plus 10⁻¹¹°) on every side,
//! latitude clipped to the pole. The exact image of that grown box is an annular sector
//! `E(C)`, and the computed projection of the point lies within the projection's rounding `e`
//! of it, in `X(C) = {q : dist(q, E(C)) ≤ e}`, a connected set.
//!
//! `C` is left non-boundary only if no edge of the region meets `X(C)`:
//! - edges that could come within `2μ` of `E(C)` (μ the row's margin, `μ ≫ e`) are found from the
//!   degree range each edge reaches ([`Reach`], computed on short pieces of the edge so that it
//!   stays tight), every cell of which is tested; the pieces' ends are rounded, which moves them
//!   far less than μ;
//! - a tested edge must be separated by more than μ from a convex quadrilateral holding `E(C)`
//!   ([`quad`], [`separated`]); μ covers the rounding of the quadrilateral and of the test.
//!
//! Then every computed projection of a point of `C` is in `X(C)`, which no edge meets, so all of
//! them have the same winding number and the same answer from geo's `Contains` (no boundary point
//! among them). Two neighbours `C`, `C'` in a row have overlapping grown boxes, so `X(C) ∪ X(C')`
//! is connected too: a whole run of non-boundary cells in a row shares one answer. Building the
//! raster, each run takes the answer of the exact planar test at the centre of its first cell.
//!
//! Points off the raster get cell 0. A settled point off the raster is outside the prefilter's
//! band or sector (they bound the raster, which adds a border; with the full 360° every `t` is on
//! it), so it is outside the region; cell 0 is made boundary unless it is outside, so its answer is
//! right for them as well.

use std::fmt;
use std::ops::Range;

use geo::{Coord, MultiPolygon, Rect};

use super::sector::{Column, Reach, Ring, quad, separated};
use super::{Cell, CellGrid, Input, square_dims};
use crate::prefilter::PolarPrefilter;
use crate::projection::PolarStereo;
use crate::projection::geographic::wrap_into;

/// Pieces an edge is cut into at most when its reach is found (each about four cells long).
const MAX_PIECES: usize = 4096;

/// The degree raster of a region in a polar plane.
pub(crate) struct DegreeGrid {
    stereo: PolarStereo,
    /// Longitude where the raster's columns start (`t = lon − start`).
    start: f64,
    /// `1` north, `−1` south: rows run along `sign · lat`.
    sign: f64,
    grid: CellGrid,
}

impl DegreeGrid {
    /// The degree raster of `projected` (the region in the plane of `stereo`) inside the bounds of
    /// `prefilter`, with about `cells` cells of roughly square ground shape; `planar` is the exact
    /// test of a planar point.
    pub(crate) fn new(
        projected: &MultiPolygon<f64>,
        stereo: PolarStereo,
        prefilter: &PolarPrefilter,
        cells: usize,
        planar: impl Fn(Coord<f64>) -> bool,
    ) -> Self {
        let sign = sign(stereo);
        let extent = extent(stereo, prefilter);
        // A degree of longitude is ρ / (1 + ρ²/4) of a degree of latitude on the plane.
        let mid = 0.5 * (extent.min().y + extent.max().y);
        let rho = stereo.radius(sign * mid);
        let shape = Rect::new(
            Coord { x: 0.0, y: 0.0 },
            Coord {
                x: extent.width() * rho / (1.0 + rho * rho / 4.0),
                y: extent.height(),
            },
        );
        let (nx, ny) = square_dims(shape, cells);
        Self::with_dims(projected, stereo, prefilter, nx, ny, planar)
    }

    /// Like [`DegreeGrid::new`] with `nx × ny` cells (plus the border).
    pub(crate) fn with_dims(
        projected: &MultiPolygon<f64>,
        stereo: PolarStereo,
        prefilter: &PolarPrefilter,
        nx: usize,
        ny: usize,
        planar: impl Fn(Coord<f64>) -> bool,
    ) -> Self {
        let (grid, _) = CellGrid::layout(extent(stereo, prefilter), nx, ny);
        let mut degrees = DegreeGrid {
            stereo,
            start: prefilter.sector().0,
            sign: sign(stereo),
            grid,
        };
        degrees.mark_boundary(projected);
        degrees.fill_runs(planar);
        if degrees.grid.cells[0] != Cell::Outside {
            degrees.grid.cells[0] = Cell::Boundary;
        }
        degrees
    }

    /// How the raster reads a point in degrees.
    pub(crate) fn input(&self) -> Input {
        Input::Degrees {
            start: self.start,
            sign: self.sign,
        }
    }

    /// The class of a point (degrees): boundary for an unsettled point or one in a boundary cell,
    /// both of which need the projecting test.
    #[inline(always)]
    pub(crate) fn class(&self, lon: f64, lat: f64) -> Cell {
        self.grid.class(self.grid.lookup(self.input(), lon, lat))
    }

    /// The raster, looked up with [`DegreeGrid::input`].
    pub(crate) fn grid(&self) -> &CellGrid {
        &self.grid
    }

    /// Degree margins `(m_t, m_y)` by which a cell's box is grown: 10⁻⁶ of a cell plus 10⁻¹¹°,
    /// far above the rounding of `t`, of the lookup and of the cell bounds (below 10⁻¹³°).
    fn margins(&self) -> (f64, f64) {
        (
            1e-6 / self.grid.scale_x + 1e-11,
            1e-6 / self.grid.scale_y + 1e-11,
        )
    }

    /// Bounds `(t0, t1, y0, y1)` of cell `(col, row)`, to within rounding.
    fn bounds(&self, col: usize, row: usize) -> (f64, f64, f64, f64) {
        let (t0, y0) = self.grid.corner(col, row);
        let (t1, y1) = self.grid.corner(col + 1, row + 1);
        (t0, t1, y0, y1)
    }

    /// Marks boundary every cell an edge could meet (module docs), and every cell of a column or
    /// row whose shape is not bounded ([`Column::new`], [`Ring::new`]).
    fn mark_boundary(&mut self, projected: &MultiPolygon<f64>) {
        let (nx, ny) = (self.grid.nx, self.grid.ny);
        let (m_t, m_y) = self.margins();
        let columns: Vec<Option<Column>> = (0..nx)
            .map(|col| {
                let (t0, t1, _, _) = self.bounds(col, 0);
                Column::new(self.stereo, self.start + t0 - m_t, self.start + t1 + m_t)
            })
            .collect();
        let rings: Vec<Option<Ring>> = (0..ny)
            .map(|row| {
                let (_, _, y0, y1) = self.bounds(0, row);
                let far = y0 - m_y;
                // A row wholly beyond the pole holds no settled point.
                (far <= 90.0)
                    .then(|| Ring::new(self.stereo, self.sign, far, (y1 + m_y).min(90.0)))
                    .flatten()
            })
            .collect();
        let shift = self.grid.shift;
        for (row, ring) in rings.iter().enumerate() {
            for (col, column) in columns.iter().enumerate() {
                if ring.is_none() || column.is_none() {
                    self.grid.cells[(row << shift) | col] = Cell::Boundary;
                }
            }
        }
        let slack = 2.0 * rings.iter().flatten().fold(0.0_f64, |m, r| m.max(r.mu));
        let edges = projected
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|ring| ring.lines());
        for edge in edges {
            let (a, b) = (edge.start, edge.end);
            let (rows, cols) = self.cells_reached(Reach::of(self.stereo, self.sign, a, b, slack));
            let span = rows.len().max(cols.iter().map(|c| c.len()).sum());
            let pieces = (span / 4).clamp(1, MAX_PIECES);
            let mut p = a;
            for i in 1..=pieces {
                let q = if i == pieces {
                    b
                } else {
                    a + (b - a) * (i as f64 / pieces as f64)
                };
                let reach = Reach::of(self.stereo, self.sign, p, q, slack);
                let (rows, cols) = self.cells_reached(reach);
                for row in rows {
                    let Some(ring) = &rings[row] else { continue };
                    for col in cols.iter().flat_map(|c| c.clone()) {
                        let cell = &mut self.grid.cells[(row << shift) | col];
                        let Some(column) = &columns[col] else {
                            continue;
                        };
                        if *cell != Cell::Boundary && !separated(&quad(column, ring), a, b, ring.mu)
                        {
                            *cell = Cell::Boundary;
                        }
                    }
                }
                p = q;
            }
        }
    }

    /// Rows and column ranges of the cells whose boxes (grown by the margins) meet `reach`: one
    /// cell more on every side than the rounded-down grid coordinates of its bounds; longitudes
    /// are tried at every multiple of 360° that can reach the raster.
    fn cells_reached(&self, reach: Reach) -> (Range<usize>, Vec<Range<usize>>) {
        let g = &self.grid;
        let span = |lo: f64, hi: f64, scale: f64, offset: f64, n: usize| {
            let lo = (lo * scale - offset + 0.5).floor() - 1.0;
            let hi = (hi * scale - offset + 0.5).floor() + 1.0;
            let (lo, hi) = (lo.max(0.0), hi.min((n - 1) as f64));
            // NaN bounds give every cell.
            if lo.is_nan() || hi.is_nan() {
                Some(0..n)
            } else {
                (lo <= hi).then(|| lo as usize..hi as usize + 1)
            }
        };
        let rows = span(reach.lat.0, reach.lat.1, g.scale_y, g.offset_y, g.ny).unwrap_or(0..0);
        let cols = match reach.lon {
            None => std::iter::once(0..g.nx).collect(),
            Some((lo, hi)) => (-2..=2)
                .filter_map(|k| {
                    let turn = 360.0 * f64::from(k);
                    let (lo, hi) = (lo - self.start + turn, hi - self.start + turn);
                    span(lo, hi, g.scale_x, g.offset_x, g.nx)
                })
                .collect(),
        };
        (rows, cols)
    }

    /// Gives every run of non-boundary cells in a row the answer of `planar` at the centre of its
    /// first cell (clipped to the pole), which holds for the whole run (module docs).
    fn fill_runs(&mut self, planar: impl Fn(Coord<f64>) -> bool) {
        let (nx, ny, shift) = (self.grid.nx, self.grid.ny, self.grid.shift);
        for row in 0..ny {
            let mut run = None;
            for col in 0..nx {
                let i = (row << shift) | col;
                if self.grid.cells[i] == Cell::Boundary {
                    run = None;
                    continue;
                }
                let class = *run.get_or_insert_with(|| {
                    let (t0, t1, y0, y1) = self.bounds(col, row);
                    let lon = wrap_into(self.start + 0.5 * (t0 + t1), -180.0);
                    let y = 0.5 * (y0.min(90.0) + y1.min(90.0));
                    if planar(self.stereo.forward(lon, self.sign * y)) {
                        Cell::Inside
                    } else {
                        Cell::Outside
                    }
                });
                self.grid.cells[i] = class;
            }
        }
    }

    /// The point (degrees) at grid coordinates `(t, y)` (test support).
    #[cfg(test)]
    pub(crate) fn lonlat(&self, t: f64, y: f64) -> (f64, f64) {
        (wrap_into(self.start + t, -180.0), self.sign * y)
    }
}

/// `1` for the north plane, `−1` for the south.
fn sign(stereo: PolarStereo) -> f64 {
    if stereo.is_north() { 1.0 } else { -1.0 }
}

/// The raster's extent in `(t, y)`: the prefilter's sector (at most 360°) and latitude band
/// (as polar latitudes, clipped to [−90, 90]).
fn extent(stereo: PolarStereo, prefilter: &PolarPrefilter) -> Rect<f64> {
    let (lat_min, lat_max) = prefilter.band();
    let (far, near) = if stereo.is_north() {
        (lat_min, lat_max)
    } else {
        (-lat_max, -lat_min)
    };
    Rect::new(
        Coord {
            x: 0.0,
            y: far.max(-90.0),
        },
        Coord {
            x: prefilter.sector().1.min(360.0),
            y: near.min(90.0),
        },
    )
}

impl fmt::Debug for DegreeGrid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DegreeGrid")
            .field("start", &self.start)
            .field("raster", &self.grid.dims())
            .field("boundary_fraction", &self.grid.boundary_fraction())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LatLon, Projection, Region};
    use geo::Contains;
    use rand::rngs::SmallRng;
    use rand::{RngExt, SeedableRng};

    fn region(pts: &[(f64, f64)], projection: Projection) -> Region {
        let poly: Vec<LatLon> = pts.iter().map(|&(lon, lat)| LatLon { lat, lon }).collect();
        Region::from_poly_in(&poly, projection).unwrap()
    }

    /// Regions that exercise the raster: across the date line, round each pole, the south, a
    /// thin sliver near a pole, and an edge through the north pole.
    fn polar_regions() -> Vec<(&'static str, Region)> {
        use Projection::{NorthPolar, SouthPolar};
        vec![
            (
                "date line",
                region(
                    &[
                        (170.0, 86.0),
                        (-170.0, 86.0),
                        (-170.0, 88.0),
                        (170.0, 88.0),
                        (170.0, 86.0),
                    ],
                    NorthPolar,
                ),
            ),
            (
                "north pole",
                region(
                    &[
                        (0.0, 80.0),
                        (90.0, 81.0),
                        (180.0, 80.0),
                        (-90.0, 82.0),
                        (0.0, 80.0),
                    ],
                    NorthPolar,
                ),
            ),
            (
                "south pole",
                region(
                    &[
                        (10.0, -70.0),
                        (130.0, -75.0),
                        (-110.0, -72.0),
                        (10.0, -70.0),
                    ],
                    SouthPolar,
                ),
            ),
            (
                "south",
                region(
                    &[
                        (-60.0, -75.0),
                        (-60.0, -80.0),
                        (-30.0, -80.0),
                        (-30.0, -75.0),
                        (-60.0, -75.0),
                    ],
                    SouthPolar,
                ),
            ),
            (
                "through the pole",
                region(
                    &[
                        (0.0, 85.0),
                        (0.0, 90.0),
                        (180.0, 85.0),
                        (90.0, 80.0),
                        (0.0, 85.0),
                    ],
                    NorthPolar,
                ),
            ),
            (
                "near the far side",
                region(
                    &[(0.0, -20.0), (2.0, -21.0), (1.0, -19.0), (0.0, -20.0)],
                    NorthPolar,
                ),
            ),
        ]
    }

    fn grid_of(region: &Region, dims: Option<(usize, usize)>) -> DegreeGrid {
        let stereo = match region.projection() {
            Projection::SouthPolar => PolarStereo::south(),
            _ => PolarStereo::north(),
        };
        let projected = region.projected();
        let prefilter = PolarPrefilter::new(projected, stereo);
        let planar = |p: Coord<f64>| projected.contains(&p);
        match dims {
            Some((nx, ny)) => DegreeGrid::with_dims(projected, stereo, &prefilter, nx, ny, planar),
            None => DegreeGrid::new(projected, stereo, &prefilter, 1 << 17, planar),
        }
    }

    /// The conservative marking: in random non-boundary cells, random points of the closed cell
    /// (and its corners) all get the cell's class from plain geo on their projection. Coarse
    /// rasters make long edges cross many cells.
    #[test]
    fn non_boundary_cells_hold_one_answer() {
        let mut rng = SmallRng::seed_from_u64(3);
        for (name, region) in polar_regions() {
            for dims in [Some((7, 5)), Some((61, 37)), Some((400, 9)), None] {
                let degrees = grid_of(&region, dims);
                let (nx, ny) = degrees.grid.dims();
                let (mut tested, mut inside) = (0usize, 0usize);
                for _ in 0..4_000 {
                    let (col, row) = (rng.random_range(0..nx), rng.random_range(0..ny));
                    let class = degrees.grid.cells[(row << degrees.grid.shift) | col];
                    if class == Cell::Boundary {
                        continue;
                    }
                    tested += 1;
                    inside += usize::from(class == Cell::Inside);
                    let (t0, t1, y0, y1) = degrees.bounds(col, row);
                    for k in 0..30 {
                        let (t, y) = match k {
                            0 => (t0, y0),
                            1 => (t1, y0),
                            2 => (t0, y1),
                            3 => (t1, y1),
                            _ => (rng.random_range(t0..=t1), rng.random_range(y0..=y1)),
                        };
                        if y.abs() > 90.0 {
                            continue;
                        }
                        let (lon, lat) = degrees.lonlat(t, y);
                        let p = degrees.stereo.forward(lon, lat);
                        assert_eq!(
                            region.projected().contains(&p),
                            class == Cell::Inside,
                            "{name} {dims:?}: cell {col},{row} point ({lon}, {lat})"
                        );
                    }
                }
                assert!(tested > 500, "{name} {dims:?}: {tested} non-boundary cells");
                if dims.is_none() {
                    assert!(inside > 10, "{name}: {inside} inside cells");
                    assert!(degrees.grid.boundary_fraction() < 0.2, "{name}");
                }
            }
        }
    }
}
