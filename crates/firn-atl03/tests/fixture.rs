//! firn-atl03 on the real NASA fixture: one beam (gt1l), 40 segments in two pieces near 87.3°N,
//! 2,909 photons, no orbit_info or ancillary_data, and a file name that is not a granule name.

use std::path::PathBuf;

use firn_atl03::{
    Beam, BeamExtractor, ExtractParams, Granule, IdentitySource, Orientation, RegionFilter,
};

fn fixture() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/atl03/ATL03_gt1l_subset.h5");
    assert!(path.exists(), "missing fixture {}", path.display());
    path.to_string_lossy().into_owned()
}

#[test]
fn identity_falls_back_with_warnings_and_can_be_stated() {
    let granule = Granule::open(&fixture()).unwrap();
    assert_eq!(granule.beams(), &[Beam::Gt1l]);
    assert_eq!(granule.identity().source, IdentitySource::Unknown);
    assert_eq!(granule.orientation(), Orientation::Transition);
    assert!(!granule.has_orbit_info());
    let warnings = granule.warnings().join("\n");
    assert!(warnings.contains("orbit_info"), "{warnings}");
    assert!(warnings.contains("atlas_sdp_gps_epoch"), "{warnings}");

    let stated = granule.with_identity(235, 1, 4);
    assert_eq!(stated.identity().rgt, 235);
    assert_eq!(stated.identity().source, IdentitySource::Given);
}

#[test]
fn segments_are_read_and_consistent() {
    let granule = Granule::open(&fixture()).unwrap();
    let segments = granule.segments(Beam::Gt1l).unwrap();
    assert_eq!(segments.len(), 40);
    let total: i64 = segments.ph_cnt.iter().map(|&c| i64::from(c)).sum();
    assert_eq!(total, 2909);
    assert_eq!(segments.photon_rows(0..40), 0..2909);
    assert_eq!(
        &segments.segment_id[..5],
        &[490801, 490802, 490803, 490804, 510948]
    );
    // |velocity_sc| of a polar orbit: about 7.1 km/s.
    assert!(
        segments
            .speed
            .iter()
            .all(|&s| (7000.0..7200.0).contains(&s))
    );
}

#[test]
fn whole_beam_extraction_reads_every_photon_once_and_respects_the_discontinuity() {
    let granule = Granule::open(&fixture()).unwrap().with_identity(235, 1, 4);
    let params = ExtractParams {
        window_photons: 700,
        ..ExtractParams::default()
    };
    let mut extractor = BeamExtractor::new(&granule, Beam::Gt1l, params).unwrap();
    let segments = extractor.segments().clone();
    let mut extents = Vec::new();
    while let Some(batch) = extractor.next_batch().unwrap() {
        for extent in &batch.extents {
            let xs = &batch.photons.x[extent.photons.clone()];
            // Photons of one extent lie within len of each other, on one side of the jump.
            let (lo, hi) = xs
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
            assert!(hi - lo < 45.0, "extent {} spans {lo}..{hi}", extent.counter);
            extents.push(extent.clone());
        }
    }
    let stats = extractor.stats();
    assert_eq!(stats.photons_read, 2909);
    assert_eq!(stats.runs, 1);
    assert!(stats.extents >= 38, "{stats:?}");
    assert!(extents.windows(2).all(|w| w[0].counter < w[1].counter));
    // The second piece's grid starts at its own first segment.
    let jump = segments.segment_dist_x[4];
    assert!(
        extents
            .iter()
            .any(|e| (e.x_atc - (jump + 20.0)).abs() < 1e-6)
    );
    for e in &extents {
        assert_eq!(e.extent_id >> 52, 235);
        assert!(e.segment_id >= 490801);
    }
}

#[test]
fn a_region_that_misses_the_track_gives_nothing_without_error() {
    let granule = Granule::open(&fixture()).unwrap();
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/regions/grandmesa.geojson"),
    )
    .unwrap();
    let region = firn_region::Region::from_geojson_str(&text).unwrap();
    let params = ExtractParams {
        region: Some(RegionFilter::Polygon(std::sync::Arc::new(region.prepare()))),
        ..ExtractParams::default()
    };
    let mut extractor = BeamExtractor::new(&granule, Beam::Gt1l, params).unwrap();
    assert!(extractor.next_batch().unwrap().is_none());
    assert_eq!(extractor.stats().runs, 0);
    assert_eq!(extractor.stats().photons_read, 0);
}
