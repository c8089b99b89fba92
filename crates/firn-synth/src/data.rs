//! In-memory beam data: the arrays a granule stores, plus the truth behind them.

use crate::Beam;

/// Photon-rate arrays of one beam (ATL03 `heights/`), in file order, with per-photon truth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Photons {
    /// Height above the ellipsoid (m).
    pub h_ph: Vec<f32>,
    /// Latitude of the photon's ground point (deg).
    pub lat_ph: Vec<f64>,
    /// Longitude of the photon's ground point (deg, −180 … 180).
    pub lon_ph: Vec<f64>,
    /// Shot time, seconds since 2018-01-01T00:00:00Z.
    pub delta_time: Vec<f64>,
    /// Along-track offset of the shot centre from the photon's segment start (m).
    pub dist_ph_along: Vec<f32>,
    /// Across-track offset of the ground point from the reference ground track (m).
    pub dist_ph_across: Vec<f32>,
    /// Confidence per surface type (land, ocean, sea ice, land ice, inland water).
    pub signal_conf_ph: Vec<[i8; 5]>,
    /// 0 nominal, 1 possible afterpulse.
    pub quality_ph: Vec<i8>,
    /// YAPC-like signal score, higher for signal.
    pub weight_ph: Vec<u8>,
    /// Truth: the photon is a surface return (signal), not background.
    pub is_signal: Vec<bool>,
    /// Truth: surface height at the photon's ground point (the ground under a canopy).
    pub surface_height: Vec<f64>,
    /// Truth: the photon was returned by the canopy top.
    pub is_canopy: Vec<bool>,
}

impl Photons {
    /// Number of photons.
    pub fn len(&self) -> usize {
        self.h_ph.len()
    }

    /// True when there is no photon.
    pub fn is_empty(&self) -> bool {
        self.h_ph.is_empty()
    }

    pub(crate) fn append(&mut self, other: &mut Photons) {
        self.h_ph.append(&mut other.h_ph);
        self.lat_ph.append(&mut other.lat_ph);
        self.lon_ph.append(&mut other.lon_ph);
        self.delta_time.append(&mut other.delta_time);
        self.dist_ph_along.append(&mut other.dist_ph_along);
        self.dist_ph_across.append(&mut other.dist_ph_across);
        self.signal_conf_ph.append(&mut other.signal_conf_ph);
        self.quality_ph.append(&mut other.quality_ph);
        self.weight_ph.append(&mut other.weight_ph);
        self.is_signal.append(&mut other.is_signal);
        self.surface_height.append(&mut other.surface_height);
        self.is_canopy.append(&mut other.is_canopy);
    }
}

/// Segment-rate arrays of one beam (ATL03 `geolocation/`), with per-segment truth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Segments {
    /// Continuous 20 m segment id.
    pub segment_id: Vec<i32>,
    /// Along-track distance of the segment start from the ascending node (m).
    pub segment_dist_x: Vec<f64>,
    /// Distance to the next segment start (m), ≈ 20.0057.
    pub segment_length: Vec<f64>,
    /// Photons in the segment.
    pub segment_ph_cnt: Vec<i32>,
    /// 1-based index of the segment's first photon in this beam; 0 when empty.
    pub ph_index_beg: Vec<i64>,
    /// Latitude of the reference photon (the segment centre on the beam track when empty).
    pub reference_photon_lat: Vec<f64>,
    /// Longitude of the reference photon (the segment centre on the beam track when empty).
    pub reference_photon_lon: Vec<f64>,
    /// Earth-fixed velocity (m/s) whose magnitude is the ground speed.
    pub velocity_sc: Vec<[f32; 3]>,
    /// Time at the segment centre, seconds since 2018-01-01T00:00:00Z.
    pub delta_time: Vec<f64>,
    /// Solar elevation at the segment centre (deg).
    pub solar_elevation: Vec<f32>,
    /// Truth: along-track distance of the segment centre from the ascending node (m).
    pub centre_dist_x: Vec<f64>,
    /// Truth: surface height at the segment centre on the beam track (m).
    pub true_height: Vec<f64>,
    /// Truth: along-track surface slope at the segment centre.
    pub true_slope: Vec<f64>,
    /// Truth: latitude of the segment centre on the beam track (deg).
    pub centre_lat: Vec<f64>,
    /// Truth: longitude of the segment centre on the beam track (deg).
    pub centre_lon: Vec<f64>,
}

impl Segments {
    /// Number of segments.
    pub fn len(&self) -> usize {
        self.segment_id.len()
    }

    /// True when there is no segment.
    pub fn is_empty(&self) -> bool {
        self.segment_id.is_empty()
    }

    /// Appends `other`, whose `ph_index_beg` counts from its own first photon, after
    /// `photons_before` photons of this beam.
    pub(crate) fn append(&mut self, other: &mut Segments, photons_before: i64) {
        self.ph_index_beg.extend(
            other
                .ph_index_beg
                .iter()
                .map(|&i| if i == 0 { 0 } else { i + photons_before }),
        );
        other.ph_index_beg.clear();
        self.segment_id.append(&mut other.segment_id);
        self.segment_dist_x.append(&mut other.segment_dist_x);
        self.segment_length.append(&mut other.segment_length);
        self.segment_ph_cnt.append(&mut other.segment_ph_cnt);
        self.reference_photon_lat
            .append(&mut other.reference_photon_lat);
        self.reference_photon_lon
            .append(&mut other.reference_photon_lon);
        self.velocity_sc.append(&mut other.velocity_sc);
        self.delta_time.append(&mut other.delta_time);
        self.solar_elevation.append(&mut other.solar_elevation);
        self.centre_dist_x.append(&mut other.centre_dist_x);
        self.true_height.append(&mut other.true_height);
        self.true_slope.append(&mut other.true_slope);
        self.centre_lat.append(&mut other.centre_lat);
        self.centre_lon.append(&mut other.centre_lon);
    }
}

/// The 50 Hz background records of one beam (ATL03 `bckgrd_atlas/`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Background {
    /// Record time, seconds since 2018-01-01T00:00:00Z.
    pub delta_time: Vec<f64>,
    /// The background rate simulated for this beam (Hz).
    pub bckgrd_rate: Vec<f32>,
}

/// One beam generated in memory: its photons, segments and background, with truth.
#[derive(Debug, Clone, PartialEq)]
pub struct BeamData {
    /// Which beam.
    pub beam: Beam,
    /// Whether it was simulated as a strong beam.
    pub strong: bool,
    /// Number of laser shots over its segments.
    pub shots: u64,
    /// Photon-rate arrays.
    pub photons: Photons,
    /// Segment-rate arrays.
    pub segments: Segments,
    /// Background records.
    pub background: Background,
}
