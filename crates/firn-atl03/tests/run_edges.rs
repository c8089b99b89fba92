//! Empty segments at the edges of an inside run are read as none (SPEC §5): on a small synthetic
//! granule whose region edges fall inside stretches of empty segments (`segment_ph_cnt` 0,
//! `ph_index_beg` 0), the run starts at the first inside segment with photons, keeps the empty
//! segments of its tail, derives its photon rows from the segments that have photons, and reads
//! exactly their photons. Everything is checked against libhdf5's reading of the same file.

use std::sync::{Arc, OnceLock};

use firn_atl03::filters::{ConfidenceSet, PhotonFilter, QualitySet, SurfaceType};
use firn_atl03::{Beam, BeamExtractor, ExtractParams, Granule, RegionFilter, RunMode, select_runs};
use firn_region::{Region, RegionMask};

const BEAM: Beam = Beam::Gt1l;

/// A 6 km granule, one strong beam, with many telemetry gaps of three to six segments.
fn granule_path() -> &'static str {
    static PATH: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    &PATH
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let spec = firn_synth::GranuleSpec {
                length_km: 6.0,
                chunk_rows: 1_000,
                beams: vec![firn_synth::Beam::Gt1l],
                empty: firn_synth::Gaps {
                    fraction: 0.15,
                    min_len_m: 60.0,
                    max_len_m: 120.0,
                },
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

/// A dataset of the beam, as libhdf5 reads it.
fn read<T: hdf5::H5Type>(file: &hdf5::File, path: &str) -> Vec<T> {
    file.dataset(&format!("{}/{path}", BEAM.name()))
        .unwrap()
        .read_raw()
        .unwrap()
}

/// The beam's segments as libhdf5 reads them.
struct Segments {
    lat: Vec<f64>,
    count: Vec<i32>,
    /// `ph_index_beg` (1-based, 0 when empty).
    first: Vec<i64>,
}

impl Segments {
    fn read() -> Self {
        let file = hdf5::File::open(granule_path()).unwrap();
        Segments {
            lat: read(&file, "geolocation/reference_photon_lat"),
            count: read(&file, "geolocation/segment_ph_cnt"),
            first: read(&file, "geolocation/ph_index_beg"),
        }
    }

    fn empty(&self, k: usize) -> bool {
        self.count[k] == 0
    }
}

/// The test's region: the latitude band between the middles of two stretches of empty segments
/// (northbound track), as the indices of the segments either side of each band edge.
struct Band {
    /// Last segment south of the band and first inside it; both empty.
    south: (usize, usize),
    /// Last segment inside the band and first north of it; both empty.
    north: (usize, usize),
    lat_min: f64,
    lat_max: f64,
}

impl Band {
    /// Picks two pairs of neighbouring empty segments with photons before the first pair and
    /// after the second, about 2 km apart.
    fn choose(s: &Segments) -> Self {
        let pair = |from: usize| {
            (from..s.count.len() - 1)
                .find(|&k| s.empty(k) && s.empty(k + 1))
                .unwrap_or_else(|| panic!("no two neighbouring empty segments after {from}"))
        };
        let south = pair(20);
        let north = pair(south + 100);
        assert!(
            north + 30 < s.count.len(),
            "the granule must go on after the band"
        );
        let middle = |k: usize| 0.5 * (s.lat[k] + s.lat[k + 1]);
        Band {
            south: (south, south + 1),
            north: (north, north + 1),
            lat_min: middle(south),
            lat_max: middle(north),
        }
    }

    fn geojson(&self) -> String {
        let (a, b) = (self.lat_min, self.lat_max);
        format!(
            r#"{{"type": "Polygon", "coordinates": [[[-109, {a}], [-107, {a}], [-107, {b}], [-109, {b}], [-109, {a}]]]}}"#
        )
    }

    fn contains(&self, lat: f64) -> bool {
        lat > self.lat_min && lat < self.lat_max
    }
}

/// Everything the test expects, derived from libhdf5's segments and the band alone.
struct Expected {
    /// The run's segments.
    run: std::ops::Range<usize>,
    /// Its photon rows (0-based).
    rows: std::ops::Range<u64>,
}

fn expected(s: &Segments, band: &Band) -> Expected {
    let inside: Vec<bool> = s.lat.iter().map(|&lat| band.contains(lat)).collect();
    let changes = inside.windows(2).filter(|w| w[0] != w[1]).count();
    assert_eq!(
        changes, 2,
        "the track enters the band once and leaves it once"
    );
    let start = (0..s.count.len())
        .find(|&k| inside[k] && !s.empty(k))
        .expect("an inside segment with photons");
    let end = (start..s.count.len())
        .find(|&k| !inside[k] && !s.empty(k))
        .unwrap_or(s.count.len());
    let last = (start..end).rev().find(|&k| !s.empty(k)).unwrap();
    Expected {
        run: start..end,
        rows: (s.first[start] - 1) as u64..(s.first[last] - 1 + i64::from(s.count[last])) as u64,
    }
}

/// Accepts every photon, so the photons handed out are exactly the photons read.
fn every_photon() -> PhotonFilter {
    PhotonFilter {
        surface: SurfaceType::Dynamic,
        confidence: ConfidenceSet::at_least(-2).unwrap(),
        quality: QualitySet::exactly(&(i8::MIN..=i8::MAX).collect::<Vec<_>>()),
        yapc_score: None,
    }
}

fn filters(band: &Band) -> [(&'static str, RegionFilter); 2] {
    let text = band.geojson();
    let region = Region::from_geojson_str(&text).unwrap();
    let mask = RegionMask::from_geojson(&text, 0.001).unwrap();
    [
        ("poly", RegionFilter::Polygon(Arc::new(region.prepare()))),
        ("region_mask", RegionFilter::Mask(Arc::new(mask))),
    ]
}

#[test]
fn the_band_edges_sit_in_empty_segments() {
    let s = Segments::read();
    let band = Band::choose(&s);
    let (south_out, south_in) = band.south;
    let (north_in, north_out) = band.north;
    for k in [south_out, south_in, north_in, north_out] {
        assert_eq!((s.count[k], s.first[k]), (0, 0), "segment {k} is empty");
    }
    assert!(!band.contains(s.lat[south_out]) && band.contains(s.lat[south_in]));
    assert!(band.contains(s.lat[north_in]) && !band.contains(s.lat[north_out]));
    assert!(
        (0..south_out).any(|k| !s.empty(k)),
        "photons before the band"
    );
    assert!(
        (north_out..s.count.len()).any(|k| !s.empty(k)),
        "photons after it"
    );
}

#[test]
fn empty_segments_never_start_or_end_the_run() {
    let s = Segments::read();
    let band = Band::choose(&s);
    let want = expected(&s, &band);
    // The leading empty inside segment is not in the run; the run's tail keeps the empty
    // segments inside and outside the band up to the next segment with photons.
    assert!(want.run.start > band.south.1, "{:?}", want.run);
    assert!(want.run.end > band.north.1, "{:?}", want.run);
    assert!(s.empty(want.run.end - 1) && !s.empty(want.run.end));

    let granule = Granule::open(granule_path()).unwrap();
    let segments = granule.segments(BEAM).unwrap();
    assert_eq!(segments.ph_cnt, s.count);
    for (name, filter) in filters(&band) {
        for mode in [RunMode::All, RunMode::First] {
            let runs = select_runs(&granule, BEAM, &segments, Some(&filter), mode).unwrap();
            assert_eq!(runs, vec![want.run.clone()], "{name} {mode:?}");
            assert_eq!(segments.photon_rows(runs[0].clone()), want.rows, "{name}");
        }
    }
}

#[test]
fn the_run_reads_exactly_the_photons_of_its_segments() {
    let s = Segments::read();
    let band = Band::choose(&s);
    let want = expected(&s, &band);
    let file = hdf5::File::open(granule_path()).unwrap();
    let rows = want.rows.start as usize..want.rows.end as usize;
    let h: Vec<f32> = read(&file, "heights/h_ph");
    let lat: Vec<f64> = read(&file, "heights/lat_ph");
    let lon: Vec<f64> = read(&file, "heights/lon_ph");
    let time: Vec<f64> = read(&file, "heights/delta_time");
    let photons: u64 = s.count[want.run.clone()].iter().map(|&c| c as u64).sum();
    assert_eq!(photons, want.rows.end - want.rows.start);

    let granule = Granule::open(granule_path()).unwrap();
    for (name, filter) in filters(&band) {
        let params = ExtractParams {
            filter: every_photon(),
            region: Some(filter),
            // One window holds the whole run, so one batch hands out every photon once.
            window_photons: 1 << 20,
            ..ExtractParams::default()
        };
        let mut extractor = BeamExtractor::new(&granule, BEAM, params).unwrap();
        let batch = extractor
            .next_batch()
            .unwrap()
            .expect("the run has photons");
        assert!(
            extractor.next_batch().unwrap().is_none(),
            "{name}: one batch"
        );
        let stats = extractor.stats();
        assert_eq!(stats.runs, 1, "{name}");
        assert_eq!(stats.segments_selected, want.run.len() as u64, "{name}");
        assert_eq!(stats.photons_read, photons, "{name}");
        assert_eq!(stats.photons_filtered, photons, "{name}");
        let p = &batch.photons;
        assert_eq!(p.h, h[rows.clone()], "{name}: h_ph");
        assert_eq!(p.lat, lat[rows.clone()], "{name}: lat_ph");
        assert_eq!(p.lon, lon[rows.clone()], "{name}: lon_ph");
        assert_eq!(p.time, time[rows.clone()], "{name}: delta_time");
    }
}
