//! What to simulate: [`GranuleSpec`] and its parts.

use chrono::{DateTime, TimeZone, Utc};

use crate::{Beam, Error, Result, ScOrient, Terrain};

/// Area centroid of `fixtures/regions/grandmesa.geojson` (Grand Mesa, Colorado), latitude (deg).
pub const GRAND_MESA_LAT: f64 = 39.026_870;
/// Centroid of `fixtures/regions/grandmesa.geojson`, longitude (deg).
pub const GRAND_MESA_LON: f64 = -108.063_518;

/// How the HDF5 file is laid out on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Layout {
    /// libver earliest: superblock v0, object header v1, symbol-table groups (v1 B-tree + local
    /// heap), layout message v3 with v1 B-tree chunk indexes. Like older ATL03 files.
    Old,
    /// libver bounds (v18, v18): superblock v2, object header v2, link messages, dense link
    /// storage (fractal heap) in groups with more than 8 links, layout message v3 with v1 B-tree
    /// chunk indexes. Like the real release-006 fixture.
    #[default]
    New,
    /// libver bounds (v110, v110): superblock v3 and layout message v4 chunk indexes (extensible
    /// array for resizable datasets). Not what ATL03 uses: it exists to test that a reader
    /// rejects those indexes with a clear error.
    Latest,
}

/// Stretches along track where something is missing (cloud, telemetry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gaps {
    /// Expected fraction (0 ≤ f < 1) of the track covered by gaps.
    pub fraction: f64,
    /// Shortest gap (m).
    pub min_len_m: f64,
    /// Longest gap (m).
    pub max_len_m: f64,
}

impl Gaps {
    /// No gaps at all.
    pub const NONE: Gaps = Gaps {
        fraction: 0.0,
        min_len_m: 100.0,
        max_len_m: 500.0,
    };

    fn validate(&self, parameter: &'static str) -> Result<()> {
        if !(0.0..1.0).contains(&self.fraction) {
            return Err(Error::param(
                parameter,
                format!("fraction {} not within 0..1", self.fraction),
            ));
        }
        if !(self.min_len_m > 0.0 && self.min_len_m <= self.max_len_m && self.max_len_m.is_finite())
        {
            return Err(Error::param(
                parameter,
                format!(
                    "lengths must satisfy 0 < min_len_m <= max_len_m < inf, got {} and {}",
                    self.min_len_m, self.max_len_m
                ),
            ));
        }
        Ok(())
    }
}

/// Everything that defines one synthetic granule. Build it with struct-update syntax from
/// [`GranuleSpec::default`] and check it with [`GranuleSpec::validate`] (the generators do).
#[derive(Debug, Clone, PartialEq)]
pub struct GranuleSpec {
    /// Seed of every random draw; the same spec always gives the same bytes.
    pub seed: u64,
    /// UTC time of the first shot; also the time in the file name.
    pub start_time: DateTime<Utc>,
    /// Reference ground track, 1 … 1387.
    pub rgt: u16,
    /// Cycle number, 1 … 99.
    pub cycle: u8,
    /// Region (granule within the orbit), 1 … 14.
    pub region: u8,
    /// Release, three digits ("006").
    pub release: String,
    /// Granule version, the `_NN` after the release (1 … 99).
    pub version: u8,
    /// Along-track length (km); ~40 for tests, up to ~2,900 for a full granule.
    pub length_km: f64,
    /// Latitude (deg) of the point at the middle of the granule that the reference track passes.
    pub centre_lat: f64,
    /// Longitude (deg) of that point.
    pub centre_lon: f64,
    /// Ground-track azimuth at the centre (deg clockwise from north). `None` derives it from
    /// ICESat-2's 92° inclination and Earth's rotation at `centre_lat` (about −5.5° ascending
    /// at Grand Mesa).
    pub heading_deg: Option<f64>,
    /// With a derived heading: ascending (northbound) or descending pass.
    pub ascending: bool,
    /// Spacecraft orientation: selects which beam of each pair is strong.
    pub sc_orient: ScOrient,
    /// On-disk HDF5 layout.
    pub layout: Layout,
    /// Rows per chunk of every photon- and segment-rate dataset (10,000 in 006, 100,000 in 007).
    pub chunk_rows: usize,
    /// The surface.
    pub terrain: Terrain,
    /// Strong-beam signal photons per shot under a clear sky (λ); weak beams get ¼.
    pub signal_per_shot: f64,
    /// Strong-beam background rate (MHz); weak beams get ¼.
    pub background_mhz: f64,
    /// Half-height H (m) of the telemetry window around the surface in which noise is simulated.
    pub window_half_m: f64,
    /// Cloud stretches: no signal (transmission 0), background continues.
    pub clouds: Gaps,
    /// Telemetry gaps: segments starting inside one hold no photons at all.
    pub empty: Gaps,
    /// Surface-type columns of `signal_conf_ph` that are "considered" (land, ocean, sea ice,
    /// land ice, inland water). The others hold −1. Column 0 (land) should stay on.
    pub surface_types: [bool; 5],
    /// Which beams to write, in any order (written in file order).
    pub beams: Vec<Beam>,
}

impl Default for GranuleSpec {
    fn default() -> Self {
        Self {
            seed: 0x5EED,
            start_time: Utc
                .with_ymd_and_hms(2019, 11, 13, 1, 2, 3)
                .single()
                .unwrap_or(DateTime::UNIX_EPOCH),
            rgt: 737,
            cycle: 5,
            region: 2,
            release: "006".to_owned(),
            version: 1,
            length_km: 40.0,
            centre_lat: GRAND_MESA_LAT,
            centre_lon: GRAND_MESA_LON,
            heading_deg: None,
            ascending: true,
            sc_orient: ScOrient::Backward,
            layout: Layout::New,
            chunk_rows: 10_000,
            terrain: Terrain::default(),
            signal_per_shot: 8.0,
            background_mhz: 1.0,
            window_half_m: 30.0,
            clouds: Gaps {
                fraction: 0.05,
                min_len_m: 100.0,
                max_len_m: 500.0,
            },
            empty: Gaps {
                fraction: 0.02,
                min_len_m: 20.0,
                max_len_m: 200.0,
            },
            surface_types: [true, false, false, false, false],
            beams: Beam::ALL.to_vec(),
        }
    }
}

impl GranuleSpec {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        let positive = |name: &'static str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(Error::param(name, format!("{v} is not a finite value > 0")))
            }
        };
        positive("length_km", self.length_km)?;
        if self.length_km > 40_000.0 {
            return Err(Error::param(
                "length_km",
                format!("{} km exceeds one orbit", self.length_km),
            ));
        }
        positive("window_half_m", self.window_half_m)?;
        if !(self.signal_per_shot.is_finite() && (0.0..=100.0).contains(&self.signal_per_shot)) {
            return Err(Error::param(
                "signal_per_shot",
                format!("{} not within 0..=100", self.signal_per_shot),
            ));
        }
        if !(self.background_mhz.is_finite() && (0.0..=100.0).contains(&self.background_mhz)) {
            return Err(Error::param(
                "background_mhz",
                format!("{} not within 0..=100", self.background_mhz),
            ));
        }
        if !(-90.0..=90.0).contains(&self.centre_lat) {
            return Err(Error::param(
                "centre_lat",
                format!("{} not within -90..=90", self.centre_lat),
            ));
        }
        if !(-180.0..=360.0).contains(&self.centre_lon) {
            return Err(Error::param(
                "centre_lon",
                format!("{} not within -180..=360", self.centre_lon),
            ));
        }
        if let Some(h) = self.heading_deg
            && !h.is_finite()
        {
            return Err(Error::param("heading_deg", format!("{h} is not finite")));
        }
        if !(1..=1387).contains(&self.rgt) {
            return Err(Error::param(
                "rgt",
                format!("{} not within 1..=1387", self.rgt),
            ));
        }
        if !(1..=99).contains(&self.cycle) {
            return Err(Error::param(
                "cycle",
                format!("{} not within 1..=99", self.cycle),
            ));
        }
        if !(1..=14).contains(&self.region) {
            return Err(Error::param(
                "region",
                format!("{} not within 1..=14", self.region),
            ));
        }
        if !(1..=99).contains(&self.version) {
            return Err(Error::param(
                "version",
                format!("{} not within 1..=99", self.version),
            ));
        }
        if self.release.len() != 3 || !self.release.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::param(
                "release",
                format!("{:?} is not three digits", self.release),
            ));
        }
        if self.chunk_rows == 0 || self.chunk_rows > 10_000_000 {
            return Err(Error::param(
                "chunk_rows",
                format!("{} not within 1..=10000000", self.chunk_rows),
            ));
        }
        if self.beams.is_empty() {
            return Err(Error::param("beams", "no beam selected"));
        }
        self.clouds.validate("clouds")?;
        self.empty.validate("empty")?;
        self.terrain.validate()
    }

    /// The granule's file stem: `ATL03_YYYYMMDDhhmmss_TTTTCCRR_VVV_NN`.
    pub fn granule_stem(&self) -> String {
        format!(
            "ATL03_{}_{:04}{:02}{:02}_{}_{:02}",
            self.start_time.format("%Y%m%d%H%M%S"),
            self.rgt,
            self.cycle,
            self.region,
            self.release,
            self.version
        )
    }

    /// The granule's file name: [`granule_stem`](Self::granule_stem) + `.h5`.
    pub fn file_name(&self) -> String {
        format!("{}.h5", self.granule_stem())
    }

    /// The selected beams, deduplicated, in file order.
    pub fn beams_in_order(&self) -> Vec<Beam> {
        Beam::ALL
            .into_iter()
            .filter(|b| self.beams.contains(b))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_follows_the_granule_convention() {
        let spec = GranuleSpec {
            rgt: 59,
            cycle: 3,
            region: 11,
            ..GranuleSpec::default()
        };
        assert_eq!(spec.file_name(), "ATL03_20191113010203_00590311_006_01.h5");
    }

    #[test]
    fn validation_names_the_parameter() {
        let spec = GranuleSpec {
            chunk_rows: 0,
            ..GranuleSpec::default()
        };
        match spec.validate() {
            Err(Error::InvalidParameter { parameter, .. }) => assert_eq!(parameter, "chunk_rows"),
            other => panic!("expected an InvalidParameter error, got {other:?}"),
        }
        let spec = GranuleSpec {
            clouds: Gaps {
                fraction: 1.0,
                ..Gaps::NONE
            },
            ..GranuleSpec::default()
        };
        assert!(matches!(
            spec.validate(),
            Err(Error::InvalidParameter {
                parameter: "clouds",
                ..
            })
        ));
    }

    #[test]
    fn grand_mesa_centre_lies_inside_the_fixture_bounding_box() {
        assert!((38.82..39.20).contains(&GRAND_MESA_LAT));
        assert!((-108.35..-107.72).contains(&GRAND_MESA_LON));
    }
}
