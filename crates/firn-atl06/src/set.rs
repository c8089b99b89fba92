//! The working set of the fit: the photons P of the current least-squares fit, as columns.
//!
//! P is always the extent's photons that survived every window so far, in file order (the window
//! test keeps the photons inside in their order), so every sum over P runs in one defined order.
//! The columns are double-buffered: the next set is written beside the current one and only
//! replaces it once its fit succeeds, so a failed refit leaves the last fit's set intact.

use crate::extent::{ExtentPhotons, Real};
use crate::lsq::{Line, ResidualRange};

/// Lanes of the window count: independent accumulators the compiler keeps in vector registers.
const LANES: usize = 2;

/// One set of photon columns: the first `len` entries of each vector are the set (the vectors
/// only grow, so reuse writes over old values instead of clearing them).
#[derive(Debug, Clone, Default)]
struct Columns {
    len: usize,
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
    fn with_capacity(n: usize) -> Self {
        Columns {
            len: 0,
            x: Vec::with_capacity(n),
            h: Vec::with_capacity(n),
            r: Vec::with_capacity(n),
            row: Vec::with_capacity(n),
        }
    }

    /// Makes room for `n` photons; the contents of the first `n` entries are unspecified.
    fn reserve_len(&mut self, n: usize) {
        if self.x.len() < n {
            self.x.resize(n, 0.0);
            self.h.resize(n, 0.0);
            self.r.resize(n, 0.0);
            self.row.resize(n, 0);
        }
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
        WorkingSet {
            cur: Columns::with_capacity(photons),
            next: Columns::with_capacity(photons),
        }
    }

    /// P = every photon of `ext`, x relative to its centre, heights as f64.
    pub(crate) fn load<F: Real>(&mut self, ext: &ExtentPhotons<'_, F>) {
        let n = ext.x.len();
        let c = ext.meta.x_atc;
        let cur = &mut self.cur;
        cur.reserve_len(n);
        cur.len = n;
        for (to, &x) in cur.x.iter_mut().zip(ext.x) {
            *to = x - c;
        }
        for (to, &h) in cur.h.iter_mut().zip(ext.h) {
            *to = h.into();
        }
        // At most u32::MAX photons: `ExtentPhotons::new` checks.
        for (to, row) in cur.row[..n].iter_mut().zip(0..) {
            *to = row;
        }
    }

    /// |P|.
    pub(crate) fn len(&self) -> usize {
        self.cur.len
    }

    /// x of P (relative to the centre).
    pub(crate) fn x(&self) -> &[f64] {
        &self.cur.x[..self.cur.len]
    }

    /// The residuals of the last [`WorkingSet::residuals`] pass.
    pub(crate) fn r(&self) -> &[f64] {
        &self.cur.r[..self.cur.len]
    }

    /// Rows of P within the extent.
    pub(crate) fn rows(&self) -> &[u32] {
        &self.cur.row[..self.cur.len]
    }

    /// The least-squares line over P.
    pub(crate) fn fit(&self) -> Option<Line> {
        let n = self.cur.len;
        Line::fit(&self.cur.x[..n], &self.cur.h[..n])
    }

    /// Stores the residuals of P against `line`.
    pub(crate) fn residuals(&mut self, line: &Line) -> ResidualRange {
        let c = &mut self.cur;
        let n = c.len;
        line.residuals(&c.x[..n], &c.h[..n], &mut c.r[..n])
    }

    /// Counts the photons with |r| < `half` and their x range.
    pub(crate) fn inside(&self, half: f64) -> Inside {
        let mut count = [0_u64; LANES];
        let mut xmin = [f64::INFINITY; LANES];
        let mut xmax = [f64::NEG_INFINITY; LANES];
        // Plain compare-and-select (no NaN rules: x is finite), which vectorises.
        let mut lanes = |j: usize, r: f64, x: f64| {
            let keep = r.abs() < half;
            count[j] += u64::from(keep);
            let lo = if keep { x } else { f64::INFINITY };
            let hi = if keep { x } else { f64::NEG_INFINITY };
            xmin[j] = if lo < xmin[j] { lo } else { xmin[j] };
            xmax[j] = if hi > xmax[j] { hi } else { xmax[j] };
        };
        let (rc, rr) = self.r().as_chunks::<LANES>();
        let (xc, xr) = self.x().as_chunks::<LANES>();
        for (rs, xs) in rc.iter().zip(xc) {
            for j in 0..LANES {
                lanes(j, rs[j], xs[j]);
            }
        }
        for (j, (&r, &x)) in rr.iter().zip(xr).enumerate() {
            lanes(j, r, x);
        }
        Inside {
            // At most u32::MAX photons: the sum fits any usize.
            count: count.iter().sum::<u64>() as usize,
            xmin: xmin.into_iter().fold(f64::INFINITY, f64::min),
            xmax: xmax.into_iter().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// P = the photons with |r| < `half`, if their least-squares fit is regular; returns that fit.
    /// When it is singular, P stays as it was and `None` is returned.
    pub(crate) fn refit_inside(&mut self, half: f64) -> Option<Line> {
        let (cur, next) = (&self.cur, &mut self.next);
        let n = cur.len;
        next.reserve_len(n);
        let (to_x, to_h, to_row) = (&mut next.x[..n], &mut next.h[..n], &mut next.row[..n]);
        let mut k = 0;
        for (((&x, &h), &row), &r) in cur.x[..n]
            .iter()
            .zip(&cur.h[..n])
            .zip(&cur.row[..n])
            .zip(&cur.r[..n])
        {
            // Written unconditionally, kept by advancing: no branch on the window test.
            to_x[k] = x;
            to_h[k] = h;
            to_row[k] = row;
            k += usize::from(r.abs() < half);
        }
        let line = Line::fit(&next.x[..k], &next.h[..k])?;
        next.len = k;
        std::mem::swap(&mut self.cur, &mut self.next);
        Some(line)
    }

    /// Reorders P by swaps so that the photons with |r| < `half` come first, in their order (the
    /// others follow in the order the swaps leave). The fit ends with P in this order whenever
    /// it stops on a window that excludes photons, and the outputs are summed in it.
    pub(crate) fn inside_first(&mut self, half: f64) {
        let c = &mut self.cur;
        let mut k = 0;
        for i in 0..c.len {
            if c.r[i].abs() < half {
                c.swap(k, i);
                k += 1;
            }
        }
    }
}
