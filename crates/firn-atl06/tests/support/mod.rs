//! Test helpers shared by the integration tests (each test binary uses a subset).

pub(crate) mod reference;
pub(crate) mod sim;

use firn_atl06::{
    ExtentMeta, ExtentPhotons, FitOutcome, FitParams, FitScratch, Fitter, PhotonSlices,
};

/// An extent whose columns are owned, so tests can build it in one expression.
#[derive(Debug, Clone)]
pub(crate) struct Owned {
    pub(crate) x: Vec<f64>,
    pub(crate) h: Vec<f64>,
    pub(crate) lat: Vec<f64>,
    pub(crate) lon: Vec<f64>,
    pub(crate) time: Vec<f64>,
    pub(crate) y: Vec<f64>,
    pub(crate) meta: ExtentMeta,
}

/// ATLAS delta_time of the test extents (s): mid-2023.
pub(crate) const T0: f64 = 172_000_000.0;

impl Owned {
    /// Photons at `x` (relative to the centre) and `h`, with latitude, longitude, time and y
    /// linear in x, speed 7000 m/s and the given background rate (Hz).
    pub(crate) fn new(x: &[f64], h: &[f64], background_rate: f64) -> Owned {
        let lat = x.iter().map(|x| 70.0 + 1e-5 * x).collect();
        let lon = x.iter().map(|x| -45.0 + 2e-5 * x).collect();
        let time = x.iter().map(|x| T0 + x / 7000.0).collect();
        let y = x.iter().map(|x| 45.0 + 0.01 * x).collect();
        Owned {
            x: x.to_vec(),
            h: h.to_vec(),
            lat,
            lon,
            time,
            y,
            meta: ExtentMeta {
                x_atc: 0.0,
                speed: 7000.0,
                background_rate,
                lon_p0: -45.0 + 2e-5 * x.first().copied().unwrap_or(0.0),
                time_p0: T0 + x.first().copied().unwrap_or(0.0) / 7000.0,
                extent: 0,
            },
        }
    }

    /// The validated view.
    pub(crate) fn view(&self) -> ExtentPhotons<'_, f64> {
        let slices = PhotonSlices {
            x: &self.x,
            h: &self.h,
            lat: &self.lat,
            lon: &self.lon,
            time: &self.time,
            y: &self.y,
        };
        ExtentPhotons::new(slices, self.meta).expect("test extents are valid")
    }

    /// Fits with `params`.
    pub(crate) fn fit(&self, params: FitParams) -> FitOutcome {
        let fitter = Fitter::new(params).expect("test parameters are valid");
        fitter
            .fit_extent(&self.view(), &mut FitScratch::new())
            .expect("test densities are finite")
    }
}

/// Asserts |a - b| ≤ tol with a readable message.
#[track_caller]
pub(crate) fn close(a: f64, b: f64, tol: f64) {
    assert!(
        (a - b).abs() <= tol,
        "{a} differs from {b} by more than {tol}"
    );
}
