//! The datasets an ATL06-SR run reads from each beam (SPEC §2), the workload every contender reads.

/// Photon-rate datasets under `<beam>/heights/`.
pub const HEIGHTS: [&str; 8] = [
    "h_ph",
    "lat_ph",
    "lon_ph",
    "delta_time",
    "dist_ph_along",
    "dist_ph_across",
    "signal_conf_ph",
    "quality_ph",
];

/// Segment-rate datasets under `<beam>/geolocation/`.
pub const GEOLOCATION: [&str; 8] = [
    "segment_id",
    "segment_dist_x",
    "segment_ph_cnt",
    "ph_index_beg",
    "reference_photon_lat",
    "reference_photon_lon",
    "velocity_sc",
    "delta_time",
];

/// 50 Hz datasets under `<beam>/bckgrd_atlas/`.
pub const BACKGROUND: [&str; 2] = ["delta_time", "bckgrd_rate"];

/// The six beam groups, in file order.
pub const BEAMS: [&str; 6] = ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"];

/// Absolute paths of the photon datasets of `beam` (`/gt1l/heights/h_ph`, …).
pub fn photon_datasets(beam: &str) -> Vec<String> {
    HEIGHTS
        .iter()
        .map(|name| format!("/{beam}/heights/{name}"))
        .collect()
}

/// Absolute paths of every dataset an ATL06-SR run reads from `beam`: photons, segments and
/// background rates.
pub fn atl06_datasets(beam: &str) -> Vec<String> {
    let geolocation = GEOLOCATION
        .iter()
        .map(|name| format!("/{beam}/geolocation/{name}"));
    let background = BACKGROUND
        .iter()
        .map(|name| format!("/{beam}/bckgrd_atlas/{name}"));
    photon_datasets(beam)
        .into_iter()
        .chain(geolocation)
        .chain(background)
        .collect()
}

/// The strong beam of the first pair: `gt1l` when the spacecraft flies backward (`sc_orient` 0),
/// `gt1r` when forward (1) (SPEC §2).
pub fn first_strong_beam(sc_orient: i8) -> &'static str {
    if sc_orient == 1 { "gt1r" } else { "gt1l" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atl06_run_reads_eighteen_datasets_per_beam() {
        let paths = atl06_datasets("gt2r");
        assert_eq!(paths.len(), 18);
        assert_eq!(paths[0], "/gt2r/heights/h_ph");
        assert!(paths.contains(&"/gt2r/geolocation/ph_index_beg".to_owned()));
        assert_eq!(paths[17], "/gt2r/bckgrd_atlas/bckgrd_rate");
        let mut unique = paths.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), paths.len(), "no dataset twice");
    }

    #[test]
    fn strong_beam_follows_the_spacecraft_orientation() {
        assert_eq!(first_strong_beam(0), "gt1l");
        assert_eq!(first_strong_beam(1), "gt1r");
    }
}
