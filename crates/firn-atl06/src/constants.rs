//! Physical and instrument constants of the fit (SPEC §7).

/// Speed of light (m/s).
pub const SPEED_OF_LIGHT: f64 = 299_792_458.0;
/// Laser pulse repetition frequency (Hz).
pub const PRF: f64 = 10_000.0;
/// Transmitted pulse width σ (s).
pub const SIGMA_XMIT: f64 = 0.68e-9;
/// Footprint σ along track (m): turns slope into height spread.
pub const SIGMA_BEAM: f64 = 4.25;
/// Unix time of the ATLAS epoch 2018-01-01T00:00:00Z (s): Unix s = `delta_time` + this.
pub const ATLAS_EPOCH_UNIX_S: i64 = 1_514_764_800;
