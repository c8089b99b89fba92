//! Reductions over f64 columns written so that the compiler vectorises them.

/// Independent accumulators per reduction: one SSE2 register of f64.
const LANES: usize = 2;

/// The smallest and largest value of `v` (+∞ and -∞ when empty). NaN values are skipped, as
/// the comparisons `r < zmin` of the specification would skip them.
pub(crate) fn min_max(v: &[f64]) -> (f64, f64) {
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    let (chunks, rest) = v.as_chunks::<LANES>();
    // Plain compare-and-select: one minpd/maxpd per chunk (a NaN compares false and is skipped).
    for c in chunks {
        for j in 0..LANES {
            lo[j] = if c[j] < lo[j] { c[j] } else { lo[j] };
            hi[j] = if c[j] > hi[j] { c[j] } else { hi[j] };
        }
    }
    for &x in rest {
        lo[0] = if x < lo[0] { x } else { lo[0] };
        hi[0] = if x > hi[0] { x } else { hi[0] };
    }
    (
        lo.into_iter().fold(f64::INFINITY, f64::min),
        hi.into_iter().fold(f64::NEG_INFINITY, f64::max),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_of_any_length_skips_nan() {
        for n in 0..9_usize {
            let mut v: Vec<f64> = (0..n).map(|i| ((i * 5) % 7) as f64 - 3.0).collect();
            let want = (
                v.iter().copied().fold(f64::INFINITY, f64::min),
                v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            );
            assert_eq!(min_max(&v), want, "n {n}");
            if n > 0 {
                v[n / 2] = f64::NAN;
                let (lo, hi) = min_max(&v);
                assert!(!lo.is_nan() && !hi.is_nan(), "n {n}: {lo} {hi}");
            }
        }
        assert_eq!(min_max(&[f64::NAN]), (f64::INFINITY, f64::NEG_INFINITY));
    }
}
