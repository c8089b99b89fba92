//! The ATL06-SR fitting core: iterative, windowed least squares over one extent's photons.
//!
//! Pure and synchronous: no I/O, no async, no Firn dependency. The ATL03 side builds extents of
//! filtered photons (SPEC §6); this crate fits them exactly as SPEC §7 states and returns
//! [`Segment`] records (SPEC §8 fit fields).
//!
//! # Fit one extent
//!
//! ```
//! use firn_atl06::{ExtentMeta, ExtentPhotons, FitOutcome, FitParams, FitScratch, Fitter, PhotonSlices};
//!
//! // Twelve photons on the line h = 100 + 0.1·x, x relative to the extent centre.
//! let x: Vec<f64> = (0..12).map(|i| -11.0 + 2.0 * i as f64).collect();
//! let h: Vec<f64> = x.iter().map(|x| 100.0 + 0.1 * x).collect();
//! let lat = vec![60.0; 12];
//! let lon = vec![-45.0; 12];
//! let time: Vec<f64> = x.iter().map(|x| 1.7e8 + x / 7000.0).collect();
//! let y = vec![3.0; 12];
//! let meta = ExtentMeta {
//!     x_atc: 0.0, speed: 7000.0, background_rate: 1e6,
//!     lon_p0: -45.0, time_p0: time[0], extent: 7,
//! };
//! let photons = PhotonSlices { x: &x, h: &h, lat: &lat, lon: &lon, time: &time, y: &y };
//! let extent = ExtentPhotons::new(photons, meta)?;
//!
//! let fitter = Fitter::new(FitParams::default())?;
//! let mut scratch = FitScratch::new(); // reuse it for every extent: no allocation per fit
//! let FitOutcome::Fitted(seg) = fitter.fit_extent(&extent, &mut scratch)? else {
//!     panic!("a 22 m line of 12 photons passes the default checks");
//! };
//! assert!((seg.h_mean - 100.0).abs() < 1e-9);
//! assert!((seg.dh_fit_dx - 0.1).abs() < 1e-6);
//! assert_eq!((seg.n_fit_photons, seg.pflags, seg.extent), (12, 0, 7));
//! assert!(seg.rms_misfit < 1e-6);
//! // Time at the centre: t(p0) + 11 m / 7000 m/s, as Unix ns.
//! let want = ((1.7e8 + 1_514_764_800.0) * 1e9) as i64;
//! assert!((seg.time_ns - want).abs() < 1_000);
//! # Ok::<(), firn_atl06::Error>(())
//! ```
//!
//! # Fit a beam
//!
//! A [`BeamExtents`] holds one beam's photons in one set of columns ([`PhotonColumns`]) and its
//! extents as row ranges with their centres ([`ExtentSpec`]); [`Fitter::fit_beam`] fits them in
//! parallel and returns the kept rows in extent order, after the drop rule
//! ([`apply_drop_rule`]). [`fill_dh_fit_dy`] then pairs the two beams of a track.
//!
//! # What is exact
//!
//! Stopping order, the strict window test, `maxi` counting total fits, outputs from the last fit's
//! photon set, the robust-spread index rules ([`robust_spread`]), the drop rule, the longitude
//! unwrap and nanosecond time all follow SPEC §7 literally. Two points the text leaves open are
//! settled here: the background per metre on a zero-width first window (all residuals equal) is 0
//! rather than 0/0, and a determinant that rounds to zero counts as singular.
#![deny(missing_docs)]

mod bins;
pub mod constants;
mod dh_fit_dy;
mod error;
mod extent;
mod fit;
mod fitter;
pub mod flags;
mod intercept;
mod lsq;
mod params;
mod record;
mod reduce;
mod set;
mod sigma;

pub use dh_fit_dy::fill_dh_fit_dy;
pub use error::{Channel, Error, Result};
pub use extent::{
    BeamExtents, ExtentMeta, ExtentPhotons, ExtentSpec, PhotonColumns, PhotonSlices, Real,
};
pub use fit::FitScratch;
pub use fitter::Fitter;
pub use flags::apply_drop_rule;
pub use params::{FitParams, ParamKey};
pub use record::{FitOutcome, Segment};
pub use sigma::{IQR_TO_SIGMA, RobustSpread, SpreadInputs, robust_spread};
