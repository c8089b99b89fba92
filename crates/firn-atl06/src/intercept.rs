//! Least-squares intercepts of the pass-through channels at the extent centre, the antimeridian
//! unwrap and exact nanosecond time.

use crate::constants::ATLAS_EPOCH_UNIX_S;
use crate::extent::{ExtentPhotons, Real};
use crate::lsq::Line;
use crate::set::WorkingSet;

/// Latitude, longitude, time offset and across-track intercepts, and Σr² of the fit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Intercepts {
    pub(crate) sum_r2: f64,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    pub(crate) time_ns: i64,
    pub(crate) y: f64,
}

/// True when p0's longitude lies outside (-150, 150), so longitudes are fitted in [0, 360).
fn needs_unwrap(lon_p0: f64) -> bool {
    !(lon_p0 > -150.0 && lon_p0 < 150.0)
}

/// Σ g(x_p)·v_p over the fit's photons for each channel (SPEC §7 outputs), and Σr², each summed
/// in the set's order.
pub(crate) fn intercepts<F: Real>(
    line: &Line,
    set: &WorkingSet,
    ext: &ExtentPhotons<'_, F>,
) -> Intercepts {
    let unwrap = needs_unwrap(ext.meta.lon_p0);
    let t0 = ext.meta.time_p0;
    // One length for every channel (validated equal), so one bounds check covers a row.
    let n = ext.x.len();
    let (lats, lons, times, ys) = (&ext.lat[..n], &ext.lon[..n], &ext.time[..n], &ext.y[..n]);
    let (mut sum_r2, mut lat, mut lon, mut dt, mut y) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for ((&x, &r), &row) in set.x().iter().zip(set.r()).zip(set.rows()) {
        let g = line.weight(x);
        // Rows were numbered from this extent's own arrays when the working set was loaded.
        let i = row as usize;
        let raw_lon = lons[i];
        let l = if unwrap && raw_lon < 0.0 {
            raw_lon + 360.0
        } else {
            raw_lon
        };
        sum_r2 += r * r;
        lat += g * lats[i];
        lon += g * l;
        dt += g * (times[i] - t0);
        y += g * ys[i].into();
    }
    if unwrap && lon >= 180.0 {
        lon -= 360.0;
    }
    Intercepts {
        sum_r2,
        lat,
        lon,
        time_ns: unix_ns(t0, dt),
        y,
    }
}

/// Unix ns of `delta_time` `t0 + dt`: 1514764800·10⁹ + round(10⁹·(t0 + dt)), with t0 taken at its
/// exact binary value (whole seconds split off first, so no 2⁵³ rounding of nanoseconds).
/// Saturates at the ends of `i64` rather than wrapping.
pub(crate) fn unix_ns(t0: f64, dt: f64) -> i64 {
    let whole = t0.floor();
    // Exact: t0 and its floor share an exponent range, so the difference is representable.
    let frac = t0 - whole;
    let frac_ns = ((frac + dt) * 1e9).round();
    // `as` saturates (and maps NaN to 0); the inputs are validated finite.
    (whole as i64)
        .saturating_add(ATLAS_EPOCH_UNIX_S)
        .saturating_mul(1_000_000_000)
        .saturating_add(frac_ns as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// round(1e9·t) for a positive normal double, from its mantissa and exponent in i128.
    fn exact_ns(t: f64) -> i128 {
        let bits = t.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32 - 1075;
        let mant = i128::from((bits & ((1 << 52) - 1)) | (1 << 52));
        let num = mant * 1_000_000_000;
        if exp >= 0 {
            num << exp
        } else {
            (num + (1 << (-exp - 1))) >> -exp
        }
    }

    #[test]
    fn unix_ns_uses_the_exact_double() {
        // 1e9·t0 is beyond 2^53 here, so a plain f64 product would be off by up to 16 ns.
        for t0 in [
            170_000_000.123_456_7_f64,
            1.0e8 + 1.0 / 3.0,
            0.25,
            2.9e8 - 1e-7,
        ] {
            let want = i128::from(ATLAS_EPOCH_UNIX_S) * 1_000_000_000 + exact_ns(t0);
            assert_eq!(i128::from(unix_ns(t0, 0.0)), want, "t0 = {t0}");
            let step = unix_ns(t0, 1e-6) - unix_ns(t0, 0.0);
            assert!(
                (999..=1001).contains(&step),
                "t0 = {t0}: 1 µs gave {step} ns"
            );
        }
    }

    #[test]
    fn unwrap_window() {
        assert!(needs_unwrap(-150.0));
        assert!(needs_unwrap(179.9));
        assert!(!needs_unwrap(149.9));
        assert!(!needs_unwrap(-149.9));
    }
}
