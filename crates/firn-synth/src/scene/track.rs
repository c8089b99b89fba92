//! The ground track: a great circle on a spherical Earth through the granule centre.

use crate::physics::{EARTH_RADIUS_M, EARTH_ROTATION_RAD_S, GROUND_SPEED_M_S, INCLINATION_DEG};

type Vec3 = [f64; 3];

fn scale(a: Vec3, k: f64) -> Vec3 {
    [a[0] * k, a[1] * k, a[2] * k]
}

fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Ground-track azimuth (deg from north) of an ICESat-2 pass at `lat_deg`: the inertial heading
/// of a 92°-inclination orbit, corrected for the Earth turning eastward underneath.
pub(crate) fn icesat2_heading_deg(lat_deg: f64, ascending: bool) -> f64 {
    let phi = lat_deg.to_radians();
    let sin_az = (INCLINATION_DEG.to_radians().cos() / phi.cos().max(1e-9)).clamp(-1.0, 1.0);
    let inertial = if ascending {
        sin_az.asin()
    } else {
        std::f64::consts::PI - sin_az.asin()
    };
    let east =
        GROUND_SPEED_M_S * inertial.sin() - EARTH_ROTATION_RAD_S * EARTH_RADIUS_M * phi.cos();
    let north = GROUND_SPEED_M_S * inertial.cos();
    east.atan2(north).to_degrees()
}

/// A great circle given by its point at along-track 0 and the unit direction of travel there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Track {
    centre: Vec3,
    forward: Vec3,
    right: Vec3,
}

impl Track {
    /// The track through (`lat`, `lon`) (deg) heading `heading_deg` clockwise from north.
    pub(crate) fn new(lat: f64, lon: f64, heading_deg: f64) -> Self {
        let (phi, lam, az) = (lat.to_radians(), lon.to_radians(), heading_deg.to_radians());
        let centre = [phi.cos() * lam.cos(), phi.cos() * lam.sin(), phi.sin()];
        let north = [-phi.sin() * lam.cos(), -phi.sin() * lam.sin(), phi.cos()];
        let east = [-lam.sin(), lam.cos(), 0.0];
        let forward = add(scale(north, az.cos()), scale(east, az.sin()));
        // forward × up points to the right of travel and is constant along the great circle.
        let right = cross(forward, centre);
        Self {
            centre,
            forward,
            right,
        }
    }

    /// Along-track distance (m) from the ascending node (equator crossing northbound) to the
    /// track's point at along-track 0, in [0, circumference).
    pub(crate) fn distance_from_ascending_node(&self) -> f64 {
        // z(u) = c_z cos u + f_z sin u = A cos(u - φ0); the ascending crossing is at u = φ0 - π/2.
        let phi0 = self.forward[2].atan2(self.centre[2]);
        let u = (std::f64::consts::FRAC_PI_2 - phi0).rem_euclid(std::f64::consts::TAU);
        u * EARTH_RADIUS_M
    }

    /// Unit position vector `x` metres along track and `y` metres to the right of it.
    fn unit(&self, x: f64, y: f64) -> Vec3 {
        let (su, cu) = (x / EARTH_RADIUS_M).sin_cos();
        let (sa, ca) = (y / EARTH_RADIUS_M).sin_cos();
        let on_track = add(scale(self.centre, cu), scale(self.forward, su));
        add(scale(on_track, ca), scale(self.right, sa))
    }

    /// (latitude, longitude) in degrees, longitude in [-180, 180], at (`x`, `y`).
    pub(crate) fn lat_lon(&self, x: f64, y: f64) -> (f64, f64) {
        let p = self.unit(x, y);
        let lat = p[2].clamp(-1.0, 1.0).asin().to_degrees();
        let lon = p[1].atan2(p[0]).to_degrees();
        (lat, lon)
    }

    /// Earth-fixed velocity (m/s) of the ground point at along-track `x`: the direction of travel
    /// times the ground speed.
    pub(crate) fn velocity(&self, x: f64) -> [f64; 3] {
        let (su, cu) = (x / EARTH_RADIUS_M).sin_cos();
        let dir = add(scale(self.centre, -su), scale(self.forward, cu));
        scale(dir, GROUND_SPEED_M_S)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn haversine(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
        let dp = p2 - p1;
        let dl = (b.1 - a.1).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * h.sqrt().asin()
    }

    #[test]
    fn along_and_across_distances_are_metres_on_the_sphere() {
        let t = Track::new(39.0, -108.0, -5.5);
        let a = t.lat_lon(0.0, 0.0);
        assert!((a.0 - 39.0).abs() < 1e-12 && (a.1 + 108.0).abs() < 1e-12);
        let b = t.lat_lon(20_000.0, 0.0);
        assert!((haversine(a, b) - 20_000.0).abs() < 1e-3);
        let c = t.lat_lon(0.0, 3_300.0);
        assert!((haversine(a, c) - 3_300.0).abs() < 1e-3);
        // Heading north-ish and slightly west: latitude grows, longitude falls.
        assert!(b.0 > a.0 && b.1 < a.1);
        // Positive y is to the right of a northbound track: east.
        assert!(c.1 > a.1);
    }

    #[test]
    fn node_distance_matches_the_latitude_on_a_meridian() {
        let asc = Track::new(30.0, 10.0, 0.0);
        let expect = 30f64.to_radians() * EARTH_RADIUS_M;
        assert!((asc.distance_from_ascending_node() - expect).abs() < 1e-6);
        let desc = Track::new(30.0, 10.0, 180.0);
        let expect = 150f64.to_radians() * EARTH_RADIUS_M;
        assert!((desc.distance_from_ascending_node() - expect).abs() < 1e-6);
    }

    #[test]
    fn default_heading_is_near_polar() {
        let h = icesat2_heading_deg(39.0, true);
        assert!((-8.0..-3.0).contains(&h), "ascending heading {h}");
        let d = icesat2_heading_deg(39.0, false);
        assert!((180.0 - d.abs()).abs() < 8.0, "descending heading {d}");
    }

    #[test]
    fn velocity_is_tangent_with_ground_speed() {
        let t = Track::new(-70.0, 170.0, 10.0);
        let v = t.velocity(1_000_000.0);
        let speed = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        assert!((speed - GROUND_SPEED_M_S).abs() < 1e-6);
    }
}
