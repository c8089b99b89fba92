//! The working set of the fit: the photons P of the current least-squares fit, as columns.
//!
//! P is always the extent's photons that survived every window so far, in file order (the window
//! test keeps the photons inside in their order), so every sum over P runs in one defined order.
//! The columns are double-buffered: the next set is written beside the current one and only
//! replaces it once its fit succeeds, so a failed refit leaves the last fit's set intact.

use crate::extent::{ExtentPhotons, Real};
use crate::lsq::{Line, ResidualRange};

/// Lanes of the window count: independent accumulators the compiler keeps in vector registers.
const LANES: usize = 4;

/// One set of photon columns.
#[derive(Debug, Clone, Default)]
struct Columns {
    /// x relative to the extent centre.
    x: Vec<f64>,
    /// Height.
    h: Vec<f64>,
    /// Residual against the current line (after [`WorkingSet::residuals`]).
    r: Vec<f64>,
    /// Row within the extent, for the pass-through channels.
    row: Vec<u32>,
}

impl Columns {
    fn len(&self) -> usize {
        self.x.len()
    }

    /// Sets every column to length `n` (contents unspecified).
    fn resize(&mut self, n: usize) {
        self.x.resize(n, 0.0);
        self.h.resize(n, 0.0);
        self.r.resize(n, 0.0);
        self.row.resize(n, 0);
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.x.swap(i, j);
        self.h.swap(i, j);
        self.r.swap(i, j);
        self.row.swap(i, j);
    }
}

/// The photons strictly inside a window and their along-track extremes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Inside {
    /// Photons with |r| < W/2.
    pub(crate) count: usize,
    /// Their smallest x (+∞ when there is none).
    pub(crate) xmin: f64,
    /// Their largest x (-∞ when there is none).
    pub(crate) xmax: f64,
}

/// The fit's working set and the buffer for the next one.
#[derive(Debug, Clone, Default)]
pub(crate) struct WorkingSet {
    cur: Columns,
    next: Columns,
}

impl WorkingSet {
    /// Pre-sized for extents of up to `photons` photons.
    pub(crate) fn with_capacity(photons: usize) -> Self {
        let columns = || Columns {
            x: Vec::with_capacity(photons),
            h: Vec::with_capacity(photons),
            r: Vec::with_capacity(photons),
            row: Vec::with_capacity(photons),
        };
        WorkingSet {
            cur: columns(),
            next: columns(),
        }
    }

    /// P = every photon of `ext`, x relative to its centre, heights as f64.
    pub(crate) fn load<F: Real>(&mut self, ext: &ExtentPhotons<'_, F>) {
        let c = ext.meta.x_atc;
        let cur = &mut self.cur;
        cur.x.clear();
        cur.x.extend(ext.x.iter().map(|&x| x - c));
        cur.h.clear();
        cur.h.extend(ext.h.iter().map(|&h| h.into()));
        cur.r.clear();
        cur.r.resize(ext.x.len(), 0.0);
        cur.row.clear();
        // At most u32::MAX photons: `ExtentPhotons::new` checks.
        cur.row.extend(0..ext.x.len() as u32);
    }

    /// |P|.
    pub(crate) fn len(&self) -> usize {
        self.cur.len()
    }

    /// x of P (relative to the centre).
    pub(crate) fn x(&self) -> &[f64] {
        &self.cur.x
    }

    /// The residuals of the last [`WorkingSet::residuals`] pass.
    pub(crate) fn r(&self) -> &[f64] {
        &self.cur.r
    }

    /// Rows of P within the extent.
    pub(crate) fn rows(&self) -> &[u32] {
        &self.cur.row
    }

    /// The least-squares line over P.
    pub(crate) fn fit(&self) -> Option<Line> {
        Line::fit(&self.cur.x, &self.cur.h)
    }

    /// Stores the residuals of P against `line`.
    pub(crate) fn residuals(&mut self, line: &Line) -> ResidualRange {
        let c = &mut self.cur;
        line.residuals(&c.x, &c.h, &mut c.r)
    }

    /// Counts the photons with |r| < `half` and their x range.
    pub(crate) fn inside(&self, half: f64) -> Inside {
        let mut count = [0_usize; LANES];
        let mut xmin = [f64::INFINITY; LANES];
        let mut xmax = [f64::NEG_INFINITY; LANES];
        let mut lanes = |j: usize, r: f64, x: f64| {
            let keep = r.abs() < half;
            count[j] += usize::from(keep);
            xmin[j] = if keep { xmin[j].min(x) } else { xmin[j] };
            xmax[j] = if keep { xmax[j].max(x) } else { xmax[j] };
        };
        let (rc, rr) = self.cur.r.as_chunks::<LANES>();
        let (xc, xr) = self.cur.x.as_chunks::<LANES>();
        for (rs, xs) in rc.iter().zip(xc) {
            for j in 0..LANES {
                lanes(j, rs[j], xs[j]);
            }
        }
        for (j, (&r, &x)) in rr.iter().zip(xr).enumerate() {
            lanes(j, r, x);
        }
        Inside {
            count: count.iter().sum(),
            xmin: xmin.into_iter().fold(f64::INFINITY, f64::min),
            xmax: xmax.into_iter().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// P = the photons with |r| < `half`, if their least-squares fit is regular; returns that fit.
    /// When it is singular, P stays as it was and `None` is returned.
    pub(crate) fn refit_inside(&mut self, half: f64) -> Option<Line> {
        let (cur, next) = (&self.cur, &mut self.next);
        let n = cur.len();
        next.resize(n);
        let mut k = 0;
        for i in 0..n {
            // Written unconditionally, kept by advancing: no branch on the window test.
            next.x[k] = cur.x[i];
            next.h[k] = cur.h[i];
            next.row[k] = cur.row[i];
            k += usize::from(cur.r[i].abs() < half);
        }
        next.x.truncate(k);
        next.h.truncate(k);
        next.r.truncate(k);
        next.row.truncate(k);
        let line = Line::fit(&next.x, &next.h)?;
        std::mem::swap(&mut self.cur, &mut self.next);
        Some(line)
    }

    /// Reorders P by swaps so that the photons with |r| < `half` come first, in their order (the
    /// others follow in the order the swaps leave). The fit ends with P in this order whenever
    /// it stops on a window that excludes photons, and the outputs are summed in it.
    pub(crate) fn inside_first(&mut self, half: f64) {
        let c = &mut self.cur;
        let mut k = 0;
        for i in 0..c.len() {
            if c.r[i].abs() < half {
                c.swap(k, i);
                k += 1;
            }
        }
    }
}
