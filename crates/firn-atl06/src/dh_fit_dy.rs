//! The across-track slope from the two beams of a track (a Firn extension, SPEC §7).

use crate::record::Segment;

/// Fills `dh_fit_dy` on both beams' kept segments.
///
/// Each segment is paired with the other beam's segment whose `x_atc` is nearest, if
/// |Δx| ≤ `res_m / 2` (on a tie the smaller `x_atc` wins; among equal `x_atc` the first in order),
/// and gets (h_r - h_l) / (y_r - y_l) from the pair's `h_mean` and `y_atc`. Without a partner, or
/// when the pair has equal `y_atc`, it gets NaN.
///
/// ```
/// use firn_atl06::{fill_dh_fit_dy, Segment};
/// let seg = |x_atc, h_mean, y_atc| Segment {
///     extent: 0, x_atc, h_mean, dh_fit_dx: 0.0, dh_fit_dy: f32::NAN, n_fit_photons: 10,
///     w_surface_window_final: 3.0, rms_misfit: 0.1, h_sigma: 0.01, latitude: 0.0,
///     longitude: 0.0, time_ns: 0, y_atc, pflags: 0,
/// };
/// let mut left = [seg(10.0, 100.0, -45.0)];
/// let mut right = [seg(14.0, 109.0, 45.0), seg(50.0, 0.0, 45.0)];
/// fill_dh_fit_dy(&mut left, &mut right, 20.0);
/// assert_eq!(left[0].dh_fit_dy, 0.1); // (109 - 100) / (45 - -45)
/// assert_eq!(right[0].dh_fit_dy, 0.1);
/// assert!(right[1].dh_fit_dy.is_nan()); // 40 m from the nearest left segment
/// ```
pub fn fill_dh_fit_dy(left: &mut [Segment], right: &mut [Segment], res_m: f64) {
    let max_dx = res_m / 2.0;
    let for_left = slopes(left, right, max_dx, Side::Left);
    let for_right = slopes(right, left, max_dx, Side::Right);
    for (s, d) in left.iter_mut().zip(for_left) {
        s.dh_fit_dy = d;
    }
    for (s, d) in right.iter_mut().zip(for_right) {
        s.dh_fit_dy = d;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

/// The slope for each segment of `own` (on `side`) against its partner in `other`.
fn slopes(own: &[Segment], other: &[Segment], max_dx: f64, side: Side) -> Vec<f32> {
    // (x_atc, position) sorted: ties in x keep segment order.
    let mut xs: Vec<(f64, usize)> = other.iter().map(|s| s.x_atc).zip(0..).collect();
    xs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    own.iter()
        .map(|s| match partner(&xs, s.x_atc, max_dx) {
            Some(j) => {
                let (l, r) = match side {
                    Side::Left => (s, &other[j]),
                    Side::Right => (&other[j], s),
                };
                let dy = f64::from(r.y_atc) - f64::from(l.y_atc);
                if dy == 0.0 {
                    f32::NAN
                } else {
                    ((r.h_mean - l.h_mean) / dy) as f32
                }
            }
            None => f32::NAN,
        })
        .collect()
}

/// The position of the segment nearest to `x` within `max_dx`, ties to the smaller `x_atc`.
fn partner(xs: &[(f64, usize)], x: f64, max_dx: f64) -> Option<usize> {
    let k = xs.partition_point(|&(ox, _)| ox < x);
    // The nearest below is the first of its equal-x group; the nearest at or above is xs[k].
    let below = k
        .checked_sub(1)
        .map(|b| xs[xs.partition_point(|&(ox, _)| ox < xs[b].0)]);
    let above = xs.get(k).copied();
    let best = match (below, above) {
        (Some(lo), Some(hi)) => {
            if hi.0 - x < x - lo.0 {
                hi
            } else {
                lo
            }
        }
        (Some(only), None) | (None, Some(only)) => only,
        (None, None) => return None,
    };
    ((best.0 - x).abs() <= max_dx).then_some(best.1)
}
