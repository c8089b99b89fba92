//! The working set of the fit: the photons P of the current least-squares fit, as columns.
//!
//! P is always the extent's photons that survived every window so far, in file order (the window
//! test keeps the photons inside in their order), so every sum over P runs in one defined order.
//! The columns are double-buffered: the next set is written beside the current one and only
//! replaces it once its fit succeeds, so a failed refit leaves the last fit's set intact.

use crate::extent::{ExtentPhotons, Real};
use crate::lsq::{Line, ResidualRange};
use crate::reduce::min_max;

/// The along-track extremes of a set of photons.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct XRange {
    /// Smallest x (+∞ for no photon).
    pub(crate) min: f64,
    /// Largest x (-∞ for no photon).
    pub(crate) max: f64,
}

impl XRange {
    const EMPTY: XRange = XRange {
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };

    /// max - min: the along-track spread of SPEC §7 step 6.
    pub(crate) fn span(&self) -> f64 {
        self.max - self.min
    }
}

/// One set of photon columns: the first `len` entries of each vector are the set (the vectors
/// only grow, so reuse writes over old values instead of clearing them).
#[derive(Debug, Clone)]
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
    /// The x range of the set.
    x_range: XRange,
}

impl Default for Columns {
    fn default() -> Self {
        Columns::with_capacity(0)
    }
}

impl Columns {
    fn with_capacity(n: usize) -> Self {
        Columns {
            len: 0,
            x: Vec::with_capacity(n),
            h: Vec::with_capacity(n),
            r: Vec::with_capacity(n),
            row: Vec::with_capacity(n),
            x_range: XRange::EMPTY,
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

/// The x range of `x`.
fn x_range(x: &[f64]) -> XRange {
    let (min, max) = min_max(x);
    XRange { min, max }
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
        cur.x_range = x_range(&cur.x[..n]);
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

    /// The number of photons with |r| < `half`.
    pub(crate) fn count_inside(&self, half: f64) -> usize {
        self.r().iter().filter(|r| r.abs() < half).count()
    }

    /// The x range of P.
    pub(crate) fn x_range(&self) -> XRange {
        self.cur.x_range
    }

    /// Stages the photons with |r| < `half` as the next set (P itself is unchanged) and returns
    /// their x range.
    pub(crate) fn stage_inside(&mut self, half: f64) -> XRange {
        let (cur, next) = (&self.cur, &mut self.next);
        let n = cur.len;
        next.reserve_len(n);
        let (to_x, to_h, to_row) = (&mut next.x[..n], &mut next.h[..n], &mut next.row[..n]);
        let from = cur.x[..n].iter().zip(&cur.h[..n]).zip(&cur.row[..n]);
        let mut k = 0;
        for (((&x, &h), &row), &r) in from.zip(&cur.r[..n]) {
            // Written unconditionally, kept by advancing: no branch on the window test.
            to_x[k] = x;
            to_h[k] = h;
            to_row[k] = row;
            k += usize::from(r.abs() < half);
        }
        next.len = k;
        next.x_range = x_range(&next.x[..k]);
        next.x_range
    }

    /// P = the staged set, if its least-squares fit is regular; returns that fit. When it is
    /// singular, P stays as it was and `None` is returned.
    pub(crate) fn adopt_staged(&mut self) -> Option<Line> {
        let next = &self.next;
        let line = Line::fit(&next.x[..next.len], &next.h[..next.len])?;
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
