//! Region subsetting on synthetic granules, checked against what libhdf5 reads from the same file:
//! the segments inside a concave region, the runs (every run by default, upstream's first on
//! request) and the photons read.

use std::sync::{Arc, OnceLock};

use firn_atl03::{Beam, BeamExtractor, ExtractParams, Granule, RegionFilter, RunMode};
use firn_region::Region;

/// A "C" opening west: two prongs (latitude bands) joined east of the track, so a near-polar
/// track crosses it twice and leaves it in between.
const BANDS: [(f64, f64); 2] = [(38.97, 39.00), (39.05, 39.08)];
const C_SHAPE: &str = r#"{"type": "Polygon", "coordinates": [[
    [-108.5, 38.97], [-107.5, 38.97], [-107.5, 39.08], [-108.5, 39.08], [-108.5, 39.05],
    [-107.6, 39.05], [-107.6, 39.00], [-108.5, 39.00], [-108.5, 38.97]]]}"#;

fn granule_path() -> &'static str {
    static PATH: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    &PATH
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let spec = firn_synth::GranuleSpec {
                length_km: 20.0,
                chunk_rows: 2_000,
                ..firn_synth::GranuleSpec::default()
            };
            let options = firn_synth::WriteOptions {
                photon_truth: false,
                progress: None,
            };
            let out = firn_synth::write_granule_with(&spec, dir.path(), &options).unwrap();
            let path = out.h5_path.to_string_lossy().into_owned();
            (dir, path)
        })
        .1
}

/// Photons in segments whose reference photon is inside the C, and the number of inside runs,
/// computed from libhdf5's reading of the file.
fn expected(beam: Beam) -> (u64, usize) {
    let file = hdf5::File::open(granule_path()).unwrap();
    let read = |name: &str| -> Vec<f64> {
        file.dataset(&format!("{}/geolocation/{name}", beam.name()))
            .unwrap()
            .read_raw()
            .unwrap()
    };
    let (lat, lon) = (read("reference_photon_lat"), read("reference_photon_lon"));
    let counts: Vec<i32> = file
        .dataset(&format!("{}/geolocation/segment_ph_cnt", beam.name()))
        .unwrap()
        .read_raw()
        .unwrap();
    let inside: Vec<bool> = lat
        .iter()
        .zip(&lon)
        .map(|(&la, &lo)| {
            lo > -108.5 && lo < -107.6 && BANDS.iter().any(|&(a, b)| la > a && la < b)
        })
        .collect();
    let photons = inside
        .iter()
        .zip(&counts)
        .filter(|(i, _)| **i)
        .map(|(_, &c)| c as u64)
        .sum();
    // Runs: inside segments with photons, separated by outside segments with photons.
    let mut runs = 0;
    let mut in_run = false;
    for (&i, &c) in inside.iter().zip(&counts) {
        if c == 0 {
            continue;
        }
        if i && !in_run {
            runs += 1;
        }
        in_run = i;
    }
    (photons, runs)
}

fn extract(beam: Beam, runs: RunMode) -> firn_atl03::BeamStats {
    extract_with_ids(beam, runs).0
}

/// The beam's stats and the extent ids of every extent with photons.
fn extract_with_ids(beam: Beam, runs: RunMode) -> (firn_atl03::BeamStats, Vec<u64>) {
    let granule = Granule::open(granule_path()).unwrap();
    let region = Region::from_geojson_str(C_SHAPE).unwrap();
    let params = ExtractParams {
        region: Some(RegionFilter::Polygon(Arc::new(region.prepare()))),
        runs,
        window_photons: 50_000,
        ..ExtractParams::default()
    };
    let mut extractor = BeamExtractor::new(&granule, beam, params).unwrap();
    let mut ids = Vec::new();
    while let Some(batch) = extractor.next_batch().unwrap() {
        ids.extend(batch.extents.iter().map(|e| e.extent_id));
    }
    (extractor.stats(), ids)
}

#[test]
fn every_inside_run_is_kept_and_reads_exactly_its_photons() {
    for beam in [Beam::Gt1l, Beam::Gt2r, Beam::Gt3l] {
        let (photons, runs) = expected(beam);
        assert_eq!(runs, 2, "{beam}: the track crosses the C twice");
        let stats = extract(beam, RunMode::All);
        assert_eq!(stats.runs, 2, "{beam}");
        assert_eq!(stats.photons_read, photons, "{beam}");
        assert!(stats.extents_with_photons > 100, "{beam}: {stats:?}");
    }
}

#[test]
fn the_extent_counter_keeps_counting_across_runs() {
    let (stats, ids) = extract_with_ids(Beam::Gt1l, RunMode::All);
    assert_eq!(stats.runs, 2);
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "extent ids repeat across runs");
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "extent ids increase along the beam"
    );
}

#[test]
fn upstreams_rule_keeps_only_the_first_run() {
    let all = extract(Beam::Gt1l, RunMode::All);
    let first = extract(Beam::Gt1l, RunMode::First);
    assert_eq!(first.runs, 1);
    assert!(first.photons_read > 0 && first.photons_read < all.photons_read);
    assert!(first.extents < all.extents);
}

#[test]
fn a_granule_that_misses_the_region_gives_nothing() {
    let granule = Granule::open(granule_path()).unwrap();
    let far = Region::from_geojson_str(
        r#"{"type": "Polygon", "coordinates": [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]]}"#,
    )
    .unwrap();
    let params = ExtractParams {
        region: Some(RegionFilter::Polygon(Arc::new(far.prepare()))),
        ..ExtractParams::default()
    };
    let mut extractor = BeamExtractor::new(&granule, Beam::Gt2l, params).unwrap();
    assert!(extractor.next_batch().unwrap().is_none());
    assert_eq!(extractor.stats().photons_read, 0);
}

/// Every extent of a beam with its photons' values, in order, whatever the batches were.
fn flattened(beam: Beam, params: ExtractParams) -> (firn_atl03::BeamStats, Vec<String>) {
    let granule = Granule::open(granule_path()).unwrap();
    let mut extractor = BeamExtractor::new(&granule, beam, params).unwrap();
    let mut out = Vec::new();
    while let Some(batch) = extractor.next_batch().unwrap() {
        let p = &batch.photons;
        for e in &batch.extents {
            let rows = e.photons.clone();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let bits32 = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            out.push(format!(
                "{} {} {} {} {} {} {} {} {:?} {:?} {:?} {:?} {:?} {:?}",
                e.counter,
                e.extent_id,
                e.x_atc.to_bits(),
                e.segment_id,
                e.speed.to_bits(),
                e.background_rate.to_bits(),
                e.lon_p0.to_bits(),
                e.time_p0.to_bits(),
                bits(&p.x[rows.clone()]),
                bits32(&p.h[rows.clone()]),
                bits(&p.lat[rows.clone()]),
                bits(&p.lon[rows.clone()]),
                bits(&p.time[rows.clone()]),
                bits32(&p.y[rows]),
            ));
        }
    }
    (extractor.stats(), out)
}

#[test]
fn small_windows_into_reused_buffers_give_what_one_window_gives() {
    let region = Region::from_geojson_str(C_SHAPE).unwrap();
    let mut filtered = Vec::new();
    for yapc in [None, Some(100)] {
        let params = |window_photons| ExtractParams {
            region: Some(RegionFilter::Polygon(Arc::new(region.prepare()))),
            window_photons,
            filter: firn_atl03::filters::PhotonFilter {
                yapc_score: yapc,
                ..firn_atl03::filters::PhotonFilter::default()
            },
            ..ExtractParams::default()
        };
        let (all_stats, all) = flattened(Beam::Gt1l, params(100_000_000));
        // 997 photons per window: windows end inside chunks, extents straddle windows, and the
        // columns are shifted and refilled many times per run.
        let (small_stats, small) = flattened(Beam::Gt1l, params(997));
        assert_eq!(all_stats, small_stats, "yapc {yapc:?}");
        assert!(all.len() > 100, "yapc {yapc:?}: {} extents", all.len());
        assert_eq!(all, small, "yapc {yapc:?}");
        filtered.push(all_stats.photons_filtered);
    }
    // The yapc score (read from weight_ph) removes photons.
    assert!(filtered[1] < filtered[0], "{filtered:?}");
}
