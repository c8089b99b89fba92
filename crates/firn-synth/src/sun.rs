//! Approximate solar elevation (low-precision almanac formulas, ~0.1° accuracy).

/// Solar elevation (deg) seen from (`lat`, `lon`) in degrees at Unix time `unix_s`.
pub(crate) fn solar_elevation_deg(unix_s: f64, lat: f64, lon: f64) -> f64 {
    // Days since J2000.0 (2000-01-01T12:00:00Z = Unix 946728000).
    let n = (unix_s - 946_728_000.0) / 86_400.0;
    let mean_long = (280.460 + 0.985_647_4 * n).to_radians();
    let anomaly = (357.528 + 0.985_600_3 * n).to_radians();
    let ecl_long = mean_long
        + (1.915_f64.to_radians()) * anomaly.sin()
        + (0.020_f64.to_radians()) * (2.0 * anomaly).sin();
    let obliquity = (23.439 - 4.0e-7 * n).to_radians();
    let right_ascension = (obliquity.cos() * ecl_long.sin()).atan2(ecl_long.cos());
    let declination = (obliquity.sin() * ecl_long.sin()).asin();
    let gmst_deg = 280.460_618_37 + 360.985_647_366_29 * n;
    let hour_angle = (gmst_deg + lon).to_radians() - right_ascension;
    let phi = lat.to_radians();
    (phi.sin() * declination.sin() + phi.cos() * declination.cos() * hour_angle.cos())
        .clamp(-1.0, 1.0)
        .asin()
        .to_degrees()
}

#[cfg(test)]
mod tests {
    use super::solar_elevation_deg;

    #[test]
    fn equinox_noon_on_the_equator_is_near_zenith() {
        // 2019-03-20T12:07Z: the sun is close to overhead at (0 N, 0 E).
        let e = solar_elevation_deg(1_553_083_620.0, 0.0, 0.0);
        assert!(e > 88.0, "elevation {e}");
        // Local midnight on the opposite meridian: far below the horizon.
        assert!(solar_elevation_deg(1_553_083_620.0, 0.0, 180.0) < -88.0);
    }
}
