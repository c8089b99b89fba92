//! The crate's one public error type.
//!
//! Every variant names what is wrong: the parameter, the photon channel and index, or the extent.

use std::fmt;

use crate::params::ParamKey;

/// A specialised `Result` for firn-atl06.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A per-photon input array of an extent.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Along-track position (m).
    X,
    /// Photon height (m).
    H,
    /// Latitude (degrees).
    Latitude,
    /// Longitude (degrees).
    Longitude,
    /// Photon time (`delta_time`, s).
    Time,
    /// Across-track position (`dist_ph_across`, m).
    Y,
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::X => "x",
            Channel::H => "h",
            Channel::Latitude => "latitude",
            Channel::Longitude => "longitude",
            Channel::Time => "time",
            Channel::Y => "y",
        })
    }
}

/// Everything that can go wrong when configuring or feeding the fit.
///
/// The fit itself never fails on valid input: a segment that cannot be fitted is an outcome with
/// pflags (see [`FitOutcome`](crate::FitOutcome)), not an error.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A parameter name that the fit does not know.
    #[error("unknown fit parameter `{name}`")]
    UnknownParam {
        /// The name as given.
        name: String,
    },

    /// A parameter was given a value of the wrong kind (a number for a flag or the reverse).
    #[error("parameter `{key}` expects {expected}")]
    WrongType {
        /// The parameter.
        key: ParamKey,
        /// What it expects, in words.
        expected: &'static str,
    },

    /// A parameter value outside its domain.
    #[error("parameter `{key}` = {value:?} is invalid: {expected}")]
    InvalidParam {
        /// The parameter.
        key: ParamKey,
        /// The rejected value.
        value: f64,
        /// The rule it breaks, in words.
        expected: &'static str,
    },

    /// Two per-photon arrays of one extent or beam differ in length.
    #[error("channel `{channel}` holds {len} photons, expected {expected} (the length of x)")]
    LengthMismatch {
        /// The channel whose length is wrong.
        channel: Channel,
        /// Its length.
        len: usize,
        /// The length of `x`.
        expected: usize,
    },

    /// A photon value is NaN or infinite.
    #[error("photon {index}: {channel} is not finite ({value:?})")]
    NonFinite {
        /// The channel holding the value.
        channel: Channel,
        /// The photon index within the array passed in.
        index: usize,
        /// The value.
        value: f64,
    },

    /// A per-extent value (speed, background rate, centre, first-photon values) is out of its domain.
    #[error("extent value `{field}` = {value:?} is invalid: {expected}")]
    InvalidExtentValue {
        /// The field name.
        field: &'static str,
        /// The rejected value.
        value: f64,
        /// The rule it breaks, in words.
        expected: &'static str,
    },

    /// An extent's photon range does not lie within the beam's photon arrays.
    #[error("photon range {start}..{end} is outside the beam's {len} photons")]
    RangeOutOfBounds {
        /// Range start.
        start: usize,
        /// Range end.
        end: usize,
        /// Number of photons in the beam.
        len: usize,
    },

    /// An extent holds more photons than the fit indexes (u32).
    #[error("extent holds {len} photons, more than the fit supports ({max})")]
    TooManyPhotons {
        /// Photons in the extent.
        len: usize,
        /// The supported maximum.
        max: usize,
    },

    /// Speed, background rate and extent length give a non-finite background density.
    #[error(
        "background density is not finite for speed {speed:?} m/s, background rate {rate:?} Hz \
         and extent length {len_m:?} m"
    )]
    BackgroundDensity {
        /// Ground speed (m/s).
        speed: f64,
        /// Background rate (Hz).
        rate: f64,
        /// Extent length (m).
        len_m: f64,
    },

    /// An error about one extent of a beam batch.
    #[error("extent {index}: {source}")]
    Extent {
        /// The extent's position in the batch.
        index: usize,
        /// What is wrong with it.
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// Wraps `self` with the position of the extent it is about.
    pub(crate) fn in_extent(self, index: usize) -> Error {
        Error::Extent {
            index,
            source: Box::new(self),
        }
    }
}
