//! Fit parameters under SlideRule's names, with one validator shared by every caller.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The name of a fit parameter (SlideRule's request keys).
///
/// `FromStr` accepts the request names (`cnt`, `ats`, `maxi`, `H_min_win`, `sigma_r_max`,
/// `pass_invalid`, `len`, `res`) and, as aliases, upstream's descriptive field names
/// (`minimum_photon_count`, `along_track_spread`, `max_iterations`, `minimum_window`,
/// `maximum_robust_dispersion`, `extent_length`, `extent_step`) and `h_min_win`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamKey {
    /// `cnt`: minimum photons in an extent and in a fit.
    Cnt,
    /// `ats`: minimum along-track spread (m).
    Ats,
    /// `maxi`: maximum number of least-squares fits per extent (total, not extra).
    Maxi,
    /// `H_min_win`: minimum surface window (m).
    HMinWin,
    /// `sigma_r_max`: cap on the robust spread (m).
    SigmaRMax,
    /// `pass_invalid`: keep segments that fail checks.
    PassInvalid,
    /// `len`: extent length, in metres here (the caller converts `dist_in_seg` segment counts).
    Len,
    /// `res`: step between extents, in metres here.
    Res,
}

impl ParamKey {
    /// Every key, in request order.
    pub const ALL: [ParamKey; 8] = [
        ParamKey::Cnt,
        ParamKey::Ats,
        ParamKey::Maxi,
        ParamKey::HMinWin,
        ParamKey::SigmaRMax,
        ParamKey::PassInvalid,
        ParamKey::Len,
        ParamKey::Res,
    ];

    /// The request name of the parameter (SlideRule's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKey::Cnt => "cnt",
            ParamKey::Ats => "ats",
            ParamKey::Maxi => "maxi",
            ParamKey::HMinWin => "H_min_win",
            ParamKey::SigmaRMax => "sigma_r_max",
            ParamKey::PassInvalid => "pass_invalid",
            ParamKey::Len => "len",
            ParamKey::Res => "res",
        }
    }
}

impl fmt::Display for ParamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ParamKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "cnt" | "minimum_photon_count" => ParamKey::Cnt,
            "ats" | "along_track_spread" => ParamKey::Ats,
            "maxi" | "max_iterations" => ParamKey::Maxi,
            "H_min_win" | "h_min_win" | "minimum_window" => ParamKey::HMinWin,
            "sigma_r_max" | "maximum_robust_dispersion" => ParamKey::SigmaRMax,
            "pass_invalid" => ParamKey::PassInvalid,
            "len" | "extent_length" => ParamKey::Len,
            "res" | "extent_step" => ParamKey::Res,
            _ => {
                return Err(Error::UnknownParam { name: s.to_owned() });
            }
        })
    }
}

/// The parameters of the ATL06-SR fit (SPEC §4 defaults).
///
/// Fill the fields directly or through [`FitParams::set_number`] / [`FitParams::set_flag`] (which
/// take a [`ParamKey`], so request parsers share the names), then call [`FitParams::validate`] or
/// build a [`Fitter`](crate::Fitter), which validates.
#[derive(Debug, Clone, PartialEq)]
pub struct FitParams {
    /// `cnt`: minimum photons in an extent and in a fit (≥ 1). Default 10.
    pub cnt: u32,
    /// `ats`: minimum along-track spread (m, finite). Default 20.
    pub ats: f64,
    /// `maxi`: maximum number of least-squares fits (≥ 1). Default 5.
    pub maxi: u32,
    /// `H_min_win`: minimum surface window (m, finite, ≥ 0). Default 3.
    pub h_min_win: f64,
    /// `sigma_r_max`: cap on the robust spread (m, finite, ≥ 0). Default 5.
    pub sigma_r_max: f64,
    /// `pass_invalid`: keep invalid segments (with NaN `rms_misfit` and `h_sigma`). Default false.
    pub pass_invalid: bool,
    /// `len` in metres (`len · 20` with `dist_in_seg`; finite, > 0): sets N_pulses. Default 40.
    pub len_m: f64,
    /// `res` in metres (`res · 20` with `dist_in_seg`; finite, > 0): the `dh_fit_dy` pairing
    /// distance is `res_m / 2`. Default 20.
    pub res_m: f64,
}

impl Default for FitParams {
    fn default() -> Self {
        FitParams {
            cnt: 10,
            ats: 20.0,
            maxi: 5,
            h_min_win: 3.0,
            sigma_r_max: 5.0,
            pass_invalid: false,
            len_m: 40.0,
            res_m: 20.0,
        }
    }
}

impl FitParams {
    /// Sets a numeric parameter. `cnt` and `maxi` take whole numbers; `pass_invalid` is a flag and
    /// is rejected here. The value is checked as [`FitParams::validate`] would.
    pub fn set_number(&mut self, key: ParamKey, value: f64) -> Result<()> {
        match key {
            ParamKey::Cnt => self.cnt = whole(key, value)?,
            ParamKey::Maxi => self.maxi = whole(key, value)?,
            ParamKey::Ats => self.ats = value,
            ParamKey::HMinWin => self.h_min_win = value,
            ParamKey::SigmaRMax => self.sigma_r_max = value,
            ParamKey::Len => self.len_m = value,
            ParamKey::Res => self.res_m = value,
            ParamKey::PassInvalid => {
                return Err(Error::WrongType {
                    key,
                    expected: "a boolean",
                });
            }
        }
        self.check(key)
    }

    /// Sets a boolean parameter (only `pass_invalid` is one).
    pub fn set_flag(&mut self, key: ParamKey, value: bool) -> Result<()> {
        match key {
            ParamKey::PassInvalid => {
                self.pass_invalid = value;
                Ok(())
            }
            _ => Err(Error::WrongType {
                key,
                expected: "a number",
            }),
        }
    }

    /// Checks every parameter; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        ParamKey::ALL.iter().try_for_each(|&key| self.check(key))
    }

    fn check(&self, key: ParamKey) -> Result<()> {
        let bad = |value: f64, expected| {
            Err(Error::InvalidParam {
                key,
                value,
                expected,
            })
        };
        match key {
            ParamKey::Cnt if self.cnt < 1 => bad(f64::from(self.cnt), "must be at least 1"),
            ParamKey::Maxi if self.maxi < 1 => bad(f64::from(self.maxi), "must be at least 1"),
            ParamKey::Ats if !self.ats.is_finite() => bad(self.ats, "must be finite"),
            ParamKey::HMinWin if !(self.h_min_win.is_finite() && self.h_min_win >= 0.0) => {
                bad(self.h_min_win, "must be finite and not negative")
            }
            ParamKey::SigmaRMax if !(self.sigma_r_max.is_finite() && self.sigma_r_max >= 0.0) => {
                bad(self.sigma_r_max, "must be finite and not negative")
            }
            ParamKey::Len if !(self.len_m.is_finite() && self.len_m > 0.0) => {
                bad(self.len_m, "must be finite and positive")
            }
            ParamKey::Res if !(self.res_m.is_finite() && self.res_m > 0.0) => {
                bad(self.res_m, "must be finite and positive")
            }
            _ => Ok(()),
        }
    }
}

/// Converts a number to a whole `u32`, naming `key` when it is not one.
fn whole(key: ParamKey, value: f64) -> Result<u32> {
    if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
        // The range check above makes the cast exact.
        Ok(value as u32)
    } else {
        Err(Error::InvalidParam {
            key,
            value,
            expected: "must be a whole number from 0 to 4294967295",
        })
    }
}
