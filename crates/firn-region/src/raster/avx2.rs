//! The raster lookup for eight points at a time with AVX2: the same arithmetic as
//! [`CellGrid::lookup`] (the [`Input`] mapping, then [`CellGrid::index`]), lane by lane, and one
//! gather for the eight cell classes.
//!
//! Unsafe code here is limited to what the intrinsics need: unaligned loads from slices of known
//! length and a gather whose indices the range and settled masks keep inside the raster (plus
//! padding). Whether the CPU has AVX2 is the caller's check.

use std::arch::x86_64::{
    __m256d, __m256i, _CMP_GE_OQ, _CMP_LE_OQ, _CMP_LT_OQ, _mm_cvtsi32_si128, _mm256_add_pd,
    _mm256_and_pd, _mm256_and_si256, _mm256_castpd_si256, _mm256_castsi256_pd, _mm256_castsi256_ps,
    _mm256_castsi256_si128, _mm256_cmp_pd, _mm256_cmpeq_epi32, _mm256_i32gather_epi32,
    _mm256_inserti128_si256, _mm256_loadu_pd, _mm256_movemask_ps, _mm256_mul_pd, _mm256_or_si256,
    _mm256_permutevar8x32_epi32, _mm256_set1_epi32, _mm256_set1_epi64x, _mm256_set1_pd,
    _mm256_setr_epi32, _mm256_setzero_pd, _mm256_sll_epi32, _mm256_sub_pd,
};

use super::{Cell, CellGrid, GATHER_PAD, Input, ROUND};

impl CellGrid {
    /// Classifies points read as `input` says: `out[i]` is set for points in inside cells,
    /// cleared for the others, and `boundary(i)` is called for each point in a boundary cell or
    /// not settled by the raster (its `out[i]` is left false for the caller to settle). Answers
    /// equal [`CellGrid::lookup`] followed by [`CellGrid::class`] point by point.
    #[target_feature(enable = "avx2")]
    pub(crate) fn classify_avx2(
        &self,
        input: Input,
        x: &[f64],
        y: &[f64],
        out: &mut [bool],
        boundary: impl FnMut(usize),
    ) {
        let lanes = Lanes::new(self, input);
        match input {
            Input::Planar => self.kernel::<false>(lanes, x, y, out, boundary),
            Input::Degrees { .. } => self.kernel::<true>(lanes, x, y, out, boundary),
        }
    }

    /// [`CellGrid::classify_avx2`] for planar inputs (`DEGREES` false) or degrees (true), the
    /// mapping's constants in `lanes`.
    #[target_feature(enable = "avx2")]
    fn kernel<const DEGREES: bool>(
        &self,
        lanes: Lanes,
        x: &[f64],
        y: &[f64],
        out: &mut [bool],
        mut boundary: impl FnMut(usize),
    ) {
        let n = x.len().min(y.len()).min(out.len());
        // The gather below relies on this: every cell index is below `ny << shift`.
        assert!(self.cells.len() >= (self.ny << self.shift) + GATHER_PAD);
        let whole = n - n % 8;
        for (i, ((x8, y8), out8)) in x[..whole]
            .chunks_exact(8)
            .zip(y[..whole].chunks_exact(8))
            .zip(out[..whole].chunks_exact_mut(8))
            .enumerate()
        {
            let (index, settled) = lanes.index8::<DEGREES>(x8, y8);
            // SAFETY: every lane of `index` is 0 or `row << shift | col` with row <= ny - 1 and
            // col <= nx - 1 < 1 << shift (the range and settled masks, NaN included), so below
            // `ny << shift`; the buffer holds GATHER_PAD more cells (asserted above), so the four
            // bytes read at `cells + index` are inside it.
            let classes =
                unsafe { _mm256_i32gather_epi32::<1>(self.cells.as_ptr().cast::<i32>(), index) };
            let classes = _mm256_and_si256(classes, _mm256_set1_epi32(0xff));
            let inside = mask(_mm256_cmpeq_epi32(
                classes,
                _mm256_set1_epi32(Cell::Inside as i32),
            ));
            let edge = mask(_mm256_cmpeq_epi32(
                classes,
                _mm256_set1_epi32(Cell::Boundary as i32),
            ));
            // Unsettled points read cell 0 and are reported with the boundary points.
            let unsettled = !settled & 0xff;
            out8.copy_from_slice(&BOOLS[(inside & !unsettled) as usize]);
            let mut edge = edge | unsettled;
            while edge != 0 {
                boundary(8 * i + edge.trailing_zeros() as usize);
                edge &= edge - 1;
            }
        }
        let input = lanes.input;
        for i in whole..n {
            let class = self.class(self.lookup(input, x[i], y[i]));
            out[i] = class == Cell::Inside;
            if class == Cell::Boundary {
                boundary(i);
            }
        }
    }
}

/// Eight answers for every 8-bit lane mask.
static BOOLS: [[bool; 8]; 256] = {
    let mut table = [[false; 8]; 256];
    let mut m = 0;
    while m < 256 {
        let mut k = 0;
        while k < 8 {
            table[m][k] = m >> k & 1 != 0;
            k += 1;
        }
        m += 1;
    }
    table
};

/// The grid's and the input mapping's constants, broadcast to every lane.
struct Lanes {
    scale_x: __m256d,
    scale_y: __m256d,
    offset_x: __m256d,
    offset_y: __m256d,
    max_u: __m256d,
    max_v: __m256d,
    round: __m256d,
    shift: u32,
    /// The mapping of [`Input::Degrees`] (unused for planar inputs), and the input itself (for
    /// the last few points, looked up one by one).
    start: __m256d,
    sign: __m256d,
    input: Input,
}

impl Lanes {
    /// Constants of `grid` and of `input`.
    #[target_feature(enable = "avx2")]
    fn new(grid: &CellGrid, input: Input) -> Self {
        let (start, sign) = match input {
            Input::Planar => (0.0, 1.0),
            Input::Degrees { start, sign } => (start, sign),
        };
        Lanes {
            scale_x: _mm256_set1_pd(grid.scale_x),
            scale_y: _mm256_set1_pd(grid.scale_y),
            offset_x: _mm256_set1_pd(grid.offset_x),
            offset_y: _mm256_set1_pd(grid.offset_y),
            max_u: _mm256_set1_pd(grid.max_u),
            max_v: _mm256_set1_pd(grid.max_v),
            round: _mm256_set1_pd(ROUND),
            shift: grid.shift,
            start: _mm256_set1_pd(start),
            sign: _mm256_set1_pd(sign),
            input,
        }
    }

    /// Cell indices of eight points (`x8`, `y8` hold eight values each) read as planar
    /// (`DEGREES` false) or as degrees, 0 for points off the raster or not settled, as in
    /// [`CellGrid::lookup`]; and a bit per point that is settled.
    #[target_feature(enable = "avx2")]
    fn index8<const DEGREES: bool>(&self, x8: &[f64], y8: &[f64]) -> (__m256i, u32) {
        let (x_lo, y_lo, ok_lo) = self.map4::<DEGREES>(&x8[..4], &y8[..4]);
        let (x_hi, y_hi, ok_hi) = self.map4::<DEGREES>(&x8[4..8], &y8[4..8]);
        let (col_lo, on_lo) = self.axis4(x_lo, self.scale_x, self.offset_x, self.max_u);
        let (col_hi, on_hi) = self.axis4(x_hi, self.scale_x, self.offset_x, self.max_u);
        let (row_lo, on_row_lo) = self.axis4(y_lo, self.scale_y, self.offset_y, self.max_v);
        let (row_hi, on_row_hi) = self.axis4(y_hi, self.scale_y, self.offset_y, self.max_v);
        let col = join(col_lo, col_hi);
        let row = join(row_lo, row_hi);
        let ok = join(_mm256_castpd_si256(ok_lo), _mm256_castpd_si256(ok_hi));
        let on_raster = _mm256_and_si256(
            join(
                _mm256_and_si256(on_lo, on_row_lo),
                _mm256_and_si256(on_hi, on_row_hi),
            ),
            ok,
        );
        let row = _mm256_sll_epi32(row, _mm_cvtsi32_si128(self.shift as i32));
        (
            _mm256_and_si256(_mm256_or_si256(row, col), on_raster),
            mask(ok),
        )
    }

    /// Four points loaded and mapped as [`Input::map`] does: for degrees `x − start` moved into
    /// [0, 360) and `sign · y`, with all ones per settled lane (`|x| ≤ 180`, `|y| ≤ 90`, never
    /// NaN); planar points as they are, all settled.
    #[target_feature(enable = "avx2")]
    fn map4<const DEGREES: bool>(&self, x4: &[f64], y4: &[f64]) -> (__m256d, __m256d, __m256d) {
        assert!(x4.len() >= 4 && y4.len() >= 4);
        // SAFETY: `x4` and `y4` hold at least four f64 each (checked above); the loads are
        // unaligned.
        let (x, y) = unsafe { (_mm256_loadu_pd(x4.as_ptr()), _mm256_loadu_pd(y4.as_ptr())) };
        let all = _mm256_castsi256_pd(_mm256_set1_epi32(-1));
        if !DEGREES {
            return (x, y, all);
        }
        // |v| clears the sign bit; ordered comparisons are false for NaN.
        let magnitude = _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX));
        let settled = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_LE_OQ>(_mm256_and_pd(x, magnitude), _mm256_set1_pd(180.0)),
            _mm256_cmp_pd::<_CMP_LE_OQ>(_mm256_and_pd(y, magnitude), _mm256_set1_pd(90.0)),
        );
        let turn = _mm256_set1_pd(360.0);
        let t = _mm256_sub_pd(x, self.start);
        let t = _mm256_add_pd(
            t,
            _mm256_and_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(t, _mm256_setzero_pd()), turn),
        );
        let t = _mm256_sub_pd(t, _mm256_and_pd(_mm256_cmp_pd::<_CMP_GE_OQ>(t, turn), turn));
        (t, _mm256_mul_pd(self.sign, y), settled)
    }

    /// Four grid coordinates along one axis, rounded: `v * scale - offset` plus [`ROUND`], as
    /// in [`CellGrid::index`] (the integer is in the low 32 bits of each 64-bit lane), and per
    /// lane all ones when the coordinate is within `0..=max` (never for NaN).
    #[target_feature(enable = "avx2")]
    fn axis4(
        &self,
        v: __m256d,
        scale: __m256d,
        offset: __m256d,
        max: __m256d,
    ) -> (__m256i, __m256i) {
        let u = _mm256_sub_pd(_mm256_mul_pd(v, scale), offset);
        // Ordered comparisons: false when u is NaN.
        let on = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_GE_OQ>(u, _mm256_setzero_pd()),
            _mm256_cmp_pd::<_CMP_LE_OQ>(u, max),
        );
        (
            _mm256_castpd_si256(_mm256_add_pd(u, self.round)),
            _mm256_castpd_si256(on),
        )
    }
}

/// The low 32 bits of the four 64-bit lanes of `a`, then of `b`, as eight 32-bit lanes.
#[target_feature(enable = "avx2")]
fn join(a: __m256i, b: __m256i) -> __m256i {
    let low = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    let a = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(a, low));
    let b = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(b, low));
    _mm256_inserti128_si256::<1>(std::arch::x86_64::_mm256_castsi128_si256(a), b)
}

/// One bit per 32-bit lane that is all ones.
#[target_feature(enable = "avx2")]
fn mask(lanes: __m256i) -> u32 {
    _mm256_movemask_ps(_mm256_castsi256_ps(lanes)) as u32
}
