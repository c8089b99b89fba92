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
use crate::raster::{Cell, CellGrid, DegreeGrid, Input, rasterize, square_dims};

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
/// Points are given in lon/lat degrees. Plate carrée costs nothing or one longitude wrap. In a
/// polar plane a second raster, in degrees, settles almost every point without projecting it (see
/// `raster/polar.rs`); only points in its boundary cells, and points with `|lon| > 180°`,
/// `|lat| > 90°` or NaN, are projected (after a degree prefilter) and take the planar test.
///
/// It also implements `geo::Contains<Point>` and `Contains<Coord>` (x = lon, y = lat), so it is a
/// drop-in for `Polygon::contains`.
pub struct PreparedRegion {
    plane: Plane,
    bbox: Rect<f64>,
    planar: Planar,
    /// Whether the bulk test may use the AVX2 kernel (true only when the CPU has AVX2).
    avx2: bool,
}

/// The exact test in the region's plane: the raster, its boundary runs and geo's trees.
struct Planar {
    grid: CellGrid,
    runs: BoundaryRuns,
    exact: Vec<IntervalTreeMultiPolygon<f64>>,
}

impl Planar {
    /// Whether the planar point is strictly inside the region.
    #[inline]
    fn contains(&self, p: Coord<f64>) -> bool {
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
}

/// How a point in degrees reaches the region's plane.
#[derive(Debug)]
enum Plane {
    /// Degrees are the plane's coordinates.
    Degrees,
    /// Plate carrée across the antimeridian: longitudes move into `[start, start + 360)`.
    Wrapped { start: f64 },
    /// Polar stereographic: the degree raster first, projection only where it cannot tell.
    Polar(Polar),
}

/// A polar plane: the projection, the degree prefilter and the degree raster.
#[derive(Debug)]
struct Polar {
    stereo: PolarStereo,
    prefilter: PolarPrefilter,
    degrees: DegreeGrid,
}

impl PreparedRegion {
    /// Prepares the projected, oriented region (raster size chosen from the number of edges).
    pub(crate) fn new(projected: &MultiPolygon<f64>, projector: Projector) -> Self {
        let bbox = bounding_box(projected);
        let (nx, ny) = auto_dims(projected, bbox);
        Self::with_dims(projected, projector, bbox, nx, ny)
    }

    /// Prepares with an explicit planar raster size (the degree raster, if any, sizes itself).
    pub(crate) fn with_dims(
        projected: &MultiPolygon<f64>,
        projector: Projector,
        bbox: Rect<f64>,
        nx: usize,
        ny: usize,
    ) -> Self {
        let (grid, runs) = rasterize(projected, bbox, nx, ny);
        let planar = Planar {
            grid,
            runs,
            exact: projected
                .iter()
                .map(|p| IntervalTreeMultiPolygon::new(&MultiPolygon::new(vec![p.clone()])))
                .collect(),
        };
        let plane = match projector {
            Projector::Geographic(g) => match g.window_start() {
                None => Plane::Degrees,
                Some(start) => Plane::Wrapped { start },
            },
            Projector::Polar(stereo) => {
                let prefilter = PolarPrefilter::new(projected, stereo);
                let degrees =
                    DegreeGrid::new(projected, stereo, &prefilter, cell_budget(projected), |p| {
                        planar.contains(p)
                    });
                Plane::Polar(Polar {
                    stereo,
                    prefilter,
                    degrees,
                })
            }
        };
        PreparedRegion {
            plane,
            bbox,
            planar,
            avx2: has_avx2(),
        }
    }

    /// Whether the point (degrees) is strictly inside the region.
    #[inline]
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        match &self.plane {
            Plane::Degrees => self.planar.contains(Coord { x: lon, y: lat }),
            Plane::Wrapped { start } => self.planar.contains(Coord {
                x: wrap_into(lon, *start),
                y: lat,
            }),
            Plane::Polar(polar) => match polar.degrees.class(lon, lat) {
                Cell::Boundary => self.projected_contains(polar, lon, lat),
                class => class == Cell::Inside,
            },
        }
    }

    /// The polar test that projects: the degree prefilter, then the planar test of the projected
    /// point (for points the degree raster does not settle).
    #[cold]
    #[inline(never)]
    fn projected_contains(&self, polar: &Polar, lon: f64, lat: f64) -> bool {
        polar.prefilter.may_contain(lon, lat)
            && self.planar.contains(polar.stereo.forward(lon, lat))
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

    /// Bulk test in blocks. Planes in degrees: move the block into the plane if needed, classify
    /// it in the planar raster and settle its boundary points exactly. Polar planes: classify the
    /// block in the degree raster, then give its boundary points and its unsettled points the
    /// projecting test.
    fn fill(&self, lon: &[f64], lat: &[f64], out: &mut [bool]) {
        let mut block = Block::new();
        // Longitudes of a block moved into the plane's window.
        let mut xs = Vec::new();
        for ((lon, lat), out) in lon
            .chunks(BLOCK)
            .zip(lat.chunks(BLOCK))
            .zip(out.chunks_mut(BLOCK))
        {
            match &self.plane {
                Plane::Degrees => self.classify(lon, lat, out, &mut block),
                Plane::Wrapped { start } => {
                    xs.clear();
                    xs.extend(lon.iter().map(|lon| wrap_into(*lon, *start)));
                    self.classify(&xs, lat, out, &mut block);
                }
                Plane::Polar(polar) => {
                    let grid = polar.degrees.grid();
                    let edge = self.scan(grid, polar.degrees.input(), lon, lat, out, &mut block);
                    for &i in &block.edge[..edge] {
                        let i = i as usize;
                        out[i] = self.projected_contains(polar, lon[i], lat[i]);
                    }
                }
            }
        }
    }

    /// Classifies one block of planar points, then settles the rare boundary points exactly from
    /// the coordinates already at hand.
    fn classify(&self, x: &[f64], y: &[f64], out: &mut [bool], block: &mut Block) {
        let edge = self.scan(&self.planar.grid, Input::Planar, x, y, out, block);
        for &i in &block.edge[..edge] {
            let i = i as usize;
            out[i] = self.planar.contains(Coord { x: x[i], y: y[i] });
        }
    }

    /// Looks up one block of points in `grid`, read as `input` says: `out[i]` is set for points
    /// in inside cells and cleared for the others, and the points in boundary cells (or not
    /// settled by the raster) are listed in `block.edge`, whose length is returned. With AVX2
    /// (detected at run time) eight points share each instruction and one gather; otherwise
    /// every cell index is computed in one loop the compiler vectorizes, the classes looked up,
    /// and the answers written in a second loop.
    fn scan(
        &self,
        grid: &CellGrid,
        input: Input,
        x: &[f64],
        y: &[f64],
        out: &mut [bool],
        block: &mut Block,
    ) -> usize {
        let mut edge = 0;
        let mut on_boundary = |i: usize| {
            block.edge[edge] = i as u32;
            edge += 1;
        };
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `classify_avx2` requires only that the CPU supports AVX2, which `avx2`
            // records (it is set from run-time detection).
            unsafe { grid.classify_avx2(input, x, y, out, &mut on_boundary) };
            return edge;
        }
        let cells = &mut block.cells[..x.len()];
        grid.classify(input, x, y, out, cells, &mut on_boundary);
        edge
    }

    /// Raster size `(nx, ny)` and the share of its cells that need the exact test.
    pub fn raster_stats(&self) -> (usize, usize, f64) {
        let (nx, ny) = self.planar.grid.dims();
        (nx, ny, self.planar.grid.boundary_fraction())
    }

    /// For a polar plane, the degree raster's size `(nx, ny)` and the share of its cells whose
    /// points are projected; `None` in plate carrée.
    pub fn degree_raster_stats(&self) -> Option<(usize, usize, f64)> {
        match &self.plane {
            Plane::Polar(polar) => {
                let grid = polar.degrees.grid();
                let (nx, ny) = grid.dims();
                Some((nx, ny, grid.boundary_fraction()))
            }
            _ => None,
        }
    }
}

/// Scratch space of the bulk test.
struct Block {
    /// Cell index per point (portable path).
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

/// The raster size used when none is asked for: [`cell_budget`] cells, roughly square.
pub(crate) fn auto_dims(region: &MultiPolygon<f64>, bbox: Rect<f64>) -> (usize, usize) {
    square_dims(bbox, cell_budget(region))
}

/// Cells of a raster: about 256 per edge, between 2¹⁷ and 2²².
fn cell_budget(region: &MultiPolygon<f64>) -> usize {
    let edges: usize = region
        .iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum();
    (edges * CELLS_PER_EDGE).clamp(MIN_CELLS, MAX_CELLS)
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
        let (nx, ny) = self.planar.grid.dims();
        let (runs, run_edges) = self.planar.runs.sizes();
        f.debug_struct("PreparedRegion")
            .field("plane", &self.plane)
            .field("bbox", &self.bbox)
            .field("raster", &(nx, ny))
            .field("boundary_runs", &runs)
            .field("run_edges", &run_edges)
            .field("polygons", &self.planar.exact.len())
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
    /// remainders included (on a CPU without AVX2 both runs take the portable loop), in plate
    /// carrée and in a polar plane (whose bulk path also has unsettled points to redo).
    #[test]
    fn bulk_kernels_equal_the_one_point_test() {
        let plate = r#"{"type":"Polygon","coordinates":[[[0,0],[3,0.2],[3.1,2.9],[1.5,1.2],[0.1,3],[0,0]]]}"#;
        let polar =
            r#"{"type":"Polygon","coordinates":[[[0,80],[90,81],[180,80],[-90,82],[0,80]]]}"#;
        // Each region with a box of test points: lon and lat ranges.
        for (text, (x0, dx), (y0, dy)) in [
            (plate, (-1.5, 6.0), (-1.5, 6.0)),
            (polar, (-200.0, 400.0), (76.0, 15.0)),
        ] {
            let region = Region::from_geojson_str(text).unwrap();
            let mut prepared = region.prepare();
            // A deterministic spread over the box, plus every vertex and midpoint.
            let mut lon: Vec<f64> = (0..10_007)
                .map(|i| x0 + dx * ((i as f64 * 0.618_034) % 1.0))
                .collect();
            let mut lat: Vec<f64> = (0..10_007)
                .map(|i| y0 + dy * ((i as f64 * 0.414_214) % 1.0))
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
    }

    /// Points on every cell border and corner of a polar region's degree raster (and a hair
    /// either side) get geo's answer on their projection, through the one-point and bulk tests:
    /// a cell's class holds on its closed box grown by the margin, so rounding to either
    /// neighbour is right.
    #[test]
    fn points_on_degree_cell_borders_and_corners() {
        let regions = [
            (
                r#"{"type":"Polygon","coordinates":[[[0,80],[90,81],[180,80],[-90,82],[0,80]]]}"#,
                crate::Projection::NorthPolar,
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[170,-86],[-170,-86],[-170,-88],[170,-88],[170,-86]]]}"#,
                crate::Projection::SouthPolar,
            ),
        ];
        for (text, projection) in regions {
            let region = Region::from_geojson_str_in(text, projection).unwrap();
            let prepared = region.prepare();
            let Plane::Polar(polar) = &prepared.plane else {
                panic!("not polar");
            };
            let degrees = &polar.degrees;
            let grid = degrees.grid();
            let (nx, ny) = grid.dims();
            let mut pts = Vec::new();
            for col in (0..=nx).step_by(3) {
                for row in 0..=ny {
                    let (t, y) = grid.corner(col, row);
                    let (t_next, y_next) = grid.corner(col + 1, row + 1);
                    let (t_mid, y_mid) = (0.5 * (t + t_next), 0.5 * (y + y_next));
                    for (t, y) in [
                        (t, y),
                        (t, y_mid),
                        (t.next_up(), y_mid),
                        (t.next_down(), y_mid),
                        (t_mid, y),
                        (t_mid, y.next_up()),
                        (t_mid, y.next_down()),
                    ] {
                        let (lon, lat) = degrees.lonlat(t, y);
                        if lat.abs() <= 90.0 {
                            pts.push((lon, lat));
                        }
                    }
                }
            }
            let want: Vec<bool> = pts.iter().map(|(x, y)| region.contains(*x, *y)).collect();
            for ((x, y), w) in pts.iter().zip(&want) {
                assert_eq!(prepared.contains(*x, *y), *w, "{projection:?} ({x}, {y})");
            }
            let (lon, lat): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
            let mut out = vec![false; pts.len()];
            prepared.contains_into(&lon, &lat, &mut out).unwrap();
            assert_eq!(out, want, "{projection:?} contains_into");
            assert!(
                want.iter().filter(|w| **w).count() > 1_000,
                "{projection:?}"
            );
        }
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
        let (nx, ny) = prepared.planar.grid.dims();
        let mut checked = 0;
        for col in 0..=nx {
            for row in 0..=ny {
                let (x, y) = prepared.planar.grid.corner(col, row);
                let (_, y_next) = prepared.planar.grid.corner(col, row + 1);
                let mid = 0.5 * (y + y_next);
                for (px, py) in [
                    (x, y),
                    (x, mid),
                    (x.next_up(), mid),
                    (x.next_down(), mid),
                    (0.5 * (x + prepared.planar.grid.corner(col + 1, row).0), y),
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
