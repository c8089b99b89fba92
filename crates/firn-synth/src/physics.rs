//! Physical and instrument constants of the simulation (SPEC §7, §11).

/// Speed of light (m/s).
pub const SPEED_OF_LIGHT: f64 = 299_792_458.0;
/// Laser pulse repetition frequency (Hz).
pub const PRF_HZ: f64 = 10_000.0;
/// Ground-track speed (m/s); shots are `GROUND_SPEED / PRF` ≈ 0.695 m apart.
pub const GROUND_SPEED_M_S: f64 = 6_950.0;
/// Nominal spacing of ATL03 geolocation segment starts (m).
pub const SEGMENT_SPACING_M: f64 = 20.0057;
/// Half-width of the uniform jitter added to each segment start (m).
pub const SEGMENT_JITTER_M: f64 = 0.001;
/// Standard deviation of a photon's ground point around the shot centre, along and across (m).
pub const SIGMA_BEAM_M: f64 = 4.25;
/// Transmit pulse width σ (s).
pub const SIGMA_XMIT_S: f64 = 0.68e-9;
/// Range spread of a signal photon: (c/2)·σ_xmit ≈ 0.102 m.
pub const SIGMA_RANGE_M: f64 = SPEED_OF_LIGHT / 2.0 * SIGMA_XMIT_S;
/// Weak beams receive this fraction of the strong beam's signal and background.
pub const WEAK_FRACTION: f64 = 0.25;
/// Across-track distance between the two beams of a pair (m).
pub const BEAM_SPACING_M: f64 = 90.0;
/// Across-track distance between neighbouring pairs (m).
pub const PAIR_SPACING_M: f64 = 3_300.0;
/// Mean Earth radius of the spherical Earth used for the ground track (m).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Earth's rotation rate (rad/s), used to turn the orbit heading into a ground-track heading.
pub const EARTH_ROTATION_RAD_S: f64 = 7.292_115e-5;
/// ICESat-2's orbit inclination (degrees).
pub const INCLINATION_DEG: f64 = 92.0;
/// `/ancillary_data/atlas_sdp_gps_epoch`: GPS seconds of 2018-01-01T00:00:00Z.
pub const ATLAS_SDP_GPS_EPOCH: f64 = 1_198_800_018.0;
/// Unix seconds of the ATLAS SDP epoch as SPEC §2 converts it: Unix s = delta_time + this.
pub const UNIX_AT_DELTA_TIME_ZERO: i64 = 1_514_764_800;
/// Rate of the `bckgrd_atlas` records (Hz).
pub const BACKGROUND_RECORD_HZ: f64 = 50.0;
/// Fraction of photons flagged `quality_ph` = 1 (possible afterpulse).
pub const QUALITY_FLAG_FRACTION: f64 = 1.0e-3;
