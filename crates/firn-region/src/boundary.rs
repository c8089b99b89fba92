//! The exact test for points in boundary cells: each run of consecutive boundary cells in a raster
//! row keeps the edges that touch it and the winding number of the cell just right of it.
//!
//! Why that is exact. Take a point `p` in a boundary cell and `q`, the point at the same height in
//! the first non-boundary cell `C'` right of the run. No edge comes near `C'`, so every point of it
//! has the same winding number, the one the raster fill found at its centre. An edge changes the
//! count of a ray to +x between `p` and `q` only if it crosses the segment `pq`, and then it touches
//! a cell of the run. An edge that touches the run never crosses the ray from `q`: the part of it
//! inside the row (grown by the margin) is connected and would have to pass through `C'`. So the
//! winding number at `p` is the one of `C'` plus the crossings, by geo's rules, of the run's own
//! edges with the ray from `p`; no other edge needs looking at. The crossings use geo's robust
//! orientation predicate, so the sum is the exact winding number of `p`, and a point exactly on a
//! run edge is reported as such (geo's `Contains` then decides, see [`crate::PreparedRegion`]).

use geo::{Coord, GeoNum, Kernel, Orientation};

/// One run of boundary cells in a row.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// First and last column of the run.
    first: u32,
    last: u32,
    /// The run's edges: `edges[start..end]`.
    start: u32,
    end: u32,
    /// Winding number of the non-boundary cell just right of the run.
    winding: i32,
}

/// Every boundary run of a raster, row by row.
#[derive(Debug, Clone)]
pub(crate) struct BoundaryRuns {
    /// Runs of row `r`: `runs[row_start[r]..row_start[r + 1]]`, ordered by column.
    row_start: Vec<u32>,
    runs: Vec<Run>,
    /// Edges in the region's plane (not grid units), grouped by run.
    edges: Vec<(Coord<f64>, Coord<f64>)>,
}

impl BoundaryRuns {
    /// The winding number of `p` (planar), a point whose cell is boundary cell `(row, col)`; the
    /// sum over all rings, so nonzero exactly when `p` is inside one of the polygons. `None` when
    /// `p` lies on an edge (or the cell is in no run, which the raster never produces).
    #[inline]
    pub(crate) fn winding(&self, row: usize, col: u32, p: Coord<f64>) -> Option<i32> {
        let (Some(&lo), Some(&hi)) = (self.row_start.get(row), self.row_start.get(row + 1)) else {
            return None;
        };
        let runs = &self.runs[lo as usize..hi as usize];
        let run = runs.get(runs.partition_point(|r| r.last < col))?;
        if run.first > col {
            return None;
        }
        self.edges[run.start as usize..run.end as usize]
            .iter()
            .try_fold(run.winding, |w, &(a, b)| Some(w + crossing(a, b, p)?))
    }

    /// Number of runs and of edges kept over all runs.
    pub(crate) fn sizes(&self) -> (usize, usize) {
        (self.runs.len(), self.edges.len())
    }
}

/// The contribution of edge a→b to the winding number of `p`, by the rules of geo's
/// `coord_pos_relative_to_ring`: an upward edge counts its start but not its end, a downward edge
/// its end but not its start, horizontal edges never; the crossing must be strictly right of `p`.
/// `None` when `p` is on the edge.
#[inline]
fn crossing(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> Option<i32> {
    let orient = <f64 as GeoNum>::Ker::orient2d;
    let on_edge = |o| o == Orientation::Collinear && between(p.x, a.x, b.x);
    if a.y <= p.y {
        if b.y >= p.y {
            let o = orient(a, b, p);
            if o == Orientation::CounterClockwise && b.y != p.y {
                return Some(1);
            }
            if on_edge(o) {
                return None;
            }
        }
    } else if b.y <= p.y {
        let o = orient(a, b, p);
        if o == Orientation::Clockwise {
            return Some(-1);
        }
        if on_edge(o) {
            return None;
        }
    }
    Some(0)
}

/// Whether `v` lies in the closed interval between `a` and `b` (either order).
#[inline]
fn between(v: f64, a: f64, b: f64) -> bool {
    if a < b {
        a <= v && v <= b
    } else {
        b <= v && v <= a
    }
}

/// Collects the runs while the raster is built: edges report the columns they touch in each row,
/// then the fill closes each run, row by row and left to right.
#[derive(Debug)]
pub(crate) struct RunsBuilder {
    /// Per row: (first column, last column, edge) of every touch.
    touches: Vec<Vec<(u32, u32, u32)>>,
    /// Row currently being closed, and how many of its (sorted) touches are used.
    row: usize,
    cursor: usize,
    runs_per_row: Vec<u32>,
    runs: Vec<Run>,
    edges: Vec<(Coord<f64>, Coord<f64>)>,
    scratch: Vec<u32>,
}

impl RunsBuilder {
    /// A builder for a raster of `rows` rows.
    pub(crate) fn new(rows: usize) -> Self {
        RunsBuilder {
            touches: vec![Vec::new(); rows],
            row: usize::MAX,
            cursor: 0,
            runs_per_row: vec![0; rows],
            runs: Vec::new(),
            edges: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Edge `edge` touches columns `first..=last` of `row`.
    pub(crate) fn touch(&mut self, row: usize, first: usize, last: usize, edge: usize) {
        self.touches[row].push((first as u32, last as u32, edge as u32));
    }

    /// Closes the run `first..=last` of `row`, whose right neighbour has winding number `winding`;
    /// `planar` holds the edges in the region's plane, by index.
    pub(crate) fn close(
        &mut self,
        row: usize,
        first: usize,
        last: usize,
        winding: i32,
        planar: &[(Coord<f64>, Coord<f64>)],
    ) {
        let touches = &mut self.touches[row];
        if self.row != row {
            touches.sort_unstable();
            self.row = row;
            self.cursor = 0;
        }
        // Touches are contiguous runs of boundary cells, so each lies in exactly one run; runs close
        // left to right, hence the touches of this run are the next ones by first column.
        self.scratch.clear();
        while let Some(&(t_first, _, edge)) = touches.get(self.cursor) {
            if t_first as usize > last {
                break;
            }
            debug_assert!(t_first as usize >= first);
            self.scratch.push(edge);
            self.cursor += 1;
        }
        self.scratch.sort_unstable();
        self.scratch.dedup();
        let start = self.edges.len() as u32;
        self.edges
            .extend(self.scratch.iter().map(|&e| planar[e as usize]));
        self.runs.push(Run {
            first: first as u32,
            last: last as u32,
            start,
            end: self.edges.len() as u32,
            winding,
        });
        self.runs_per_row[row] += 1;
    }

    /// The finished runs.
    pub(crate) fn finish(self) -> BoundaryRuns {
        let mut row_start = Vec::with_capacity(self.runs_per_row.len() + 1);
        let mut total = 0u32;
        row_start.push(0);
        for n in self.runs_per_row {
            total += n;
            row_start.push(total);
        }
        BoundaryRuns {
            row_start,
            runs: self.runs,
            edges: self.edges,
        }
    }
}
