//! Bad granules give clear errors that name the granule and the dataset, never a panic.

use std::path::Path;

use firn_atl03::{Beam, BeamExtractor, Error, ExtractParams, Granule};

/// What a minimal one-beam ATL03 file holds; tests break one piece at a time.
struct MiniGranule {
    ph_cnt: Vec<i32>,
    ph_index_beg: Vec<i64>,
    photons: usize,
    with_velocity: bool,
    segment_rows: usize,
}

impl MiniGranule {
    fn valid() -> Self {
        Self {
            ph_cnt: vec![3, 0, 2, 4],
            ph_index_beg: vec![1, 0, 4, 6],
            photons: 9,
            with_velocity: true,
            segment_rows: 4,
        }
    }

    fn write(&self, path: &Path) {
        let file = hdf5::File::create(path).unwrap();
        let geo = file.create_group("gt2l/geolocation").unwrap();
        let heights = file.create_group("gt2l/heights").unwrap();
        let bg = file.create_group("gt2l/bckgrd_atlas").unwrap();
        let n = self.segment_rows;
        let seg_ids: Vec<i32> = (0..n as i32).map(|k| 1000 + k).collect();
        let sdx: Vec<f64> = (0..n).map(|k| 5e6 + 20.0 * k as f64).collect();
        geo.new_dataset_builder()
            .with_data(&seg_ids)
            .create("segment_id")
            .unwrap();
        geo.new_dataset_builder()
            .with_data(&sdx)
            .create("segment_dist_x")
            .unwrap();
        geo.new_dataset_builder()
            .with_data(&self.ph_cnt)
            .create("segment_ph_cnt")
            .unwrap();
        geo.new_dataset_builder()
            .with_data(&self.ph_index_beg)
            .create("ph_index_beg")
            .unwrap();
        let lat: Vec<f64> = (0..n).map(|k| 39.0 + k as f64 * 1e-4).collect();
        let lon = vec![-108.0f64; n];
        geo.new_dataset_builder()
            .with_data(&lat)
            .create("reference_photon_lat")
            .unwrap();
        geo.new_dataset_builder()
            .with_data(&lon)
            .create("reference_photon_lon")
            .unwrap();
        if self.with_velocity {
            let v = velocity(n);
            let ds = geo
                .new_dataset::<f32>()
                .shape([n, 3])
                .create("velocity_sc")
                .unwrap();
            ds.write_raw(&v).unwrap();
        }
        let t: Vec<f64> = (0..n).map(|k| 5e7 + k as f64 * 0.003).collect();
        geo.new_dataset_builder()
            .with_data(&t)
            .create("delta_time")
            .unwrap();
        let p = self.photons;
        let f32s = |v: f32| vec![v; p];
        heights
            .new_dataset_builder()
            .with_data(&f32s(1500.0))
            .create("h_ph")
            .unwrap();
        heights
            .new_dataset_builder()
            .with_data(&vec![39.0f64; p])
            .create("lat_ph")
            .unwrap();
        heights
            .new_dataset_builder()
            .with_data(&vec![-108.0f64; p])
            .create("lon_ph")
            .unwrap();
        heights
            .new_dataset_builder()
            .with_data(&vec![5e7f64; p])
            .create("delta_time")
            .unwrap();
        let along: Vec<f32> = (0..p).map(|i| (i % 3) as f32 * 6.0).collect();
        heights
            .new_dataset_builder()
            .with_data(&along)
            .create("dist_ph_along")
            .unwrap();
        heights
            .new_dataset_builder()
            .with_data(&f32s(0.0))
            .create("dist_ph_across")
            .unwrap();
        let conf = heights
            .new_dataset::<i8>()
            .shape([p, 5])
            .create("signal_conf_ph")
            .unwrap();
        conf.write_raw(&vec![4i8; p * 5]).unwrap();
        heights
            .new_dataset_builder()
            .with_data(&vec![0i8; p])
            .create("quality_ph")
            .unwrap();
        heights
            .new_dataset_builder()
            .with_data(&vec![200u8; p])
            .create("weight_ph")
            .unwrap();
        bg.new_dataset_builder()
            .with_data(&[5e7f64, 5e7 + 1.0])
            .create("delta_time")
            .unwrap();
        bg.new_dataset_builder()
            .with_data(&[1e6f32, 1e6])
            .create("bckgrd_rate")
            .unwrap();
    }
}

fn velocity(n: usize) -> Vec<f32> {
    (0..n).flat_map(|_| [7000.0f32, 0.0, 0.0]).collect()
}

fn extract_all(path: &Path) -> Result<u64, Error> {
    let granule = Granule::open(path.to_str().unwrap())?;
    let mut extractor = BeamExtractor::new(&granule, Beam::Gt2l, ExtractParams::default())?;
    while extractor.next_batch()?.is_some() {}
    Ok(extractor.stats().photons_read)
}

fn write(name: &str, granule: &MiniGranule) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    granule.write(&path);
    (dir, path)
}

#[test]
fn a_valid_minimal_granule_reads() {
    let (_dir, path) = write(
        "ATL03_20200101000000_01230405_006_01.h5",
        &MiniGranule::valid(),
    );
    assert_eq!(extract_all(&path).unwrap(), 9);
    let granule = Granule::open(path.to_str().unwrap()).unwrap();
    assert_eq!(
        granule.beams(),
        &[Beam::Gt2l],
        "absent beams are simply not listed"
    );
    assert_eq!(granule.identity().rgt, 123);
}

#[test]
fn a_file_that_is_not_hdf5_names_the_granule() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ATL03_20200101000000_01230405_006_01.h5");
    std::fs::write(
        &path,
        b"this is not an HDF5 file, just some bytes long enough to look at",
    )
    .unwrap();
    let err = Granule::open(path.to_str().unwrap()).unwrap_err();
    assert!(matches!(err, Error::Open { .. }), "{err}");
    assert!(err.to_string().contains("ATL03_20200101000000"), "{err}");
}

#[test]
fn hdf5_without_beams_is_not_atl03() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.h5");
    let file = hdf5::File::create(&path).unwrap();
    file.new_dataset_builder()
        .with_data(&[1.0f64, 2.0])
        .create("x")
        .unwrap();
    drop(file);
    let err = Granule::open(path.to_str().unwrap()).unwrap_err();
    assert!(matches!(err, Error::NotAtl03 { .. }), "{err}");
    assert!(err.to_string().contains("gt1l"), "{err}");
}

#[test]
fn a_missing_dataset_is_named() {
    let mini = MiniGranule {
        with_velocity: false,
        ..MiniGranule::valid()
    };
    let (_dir, path) = write("g.h5", &mini);
    let err = extract_all(&path).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("/gt2l/geolocation/velocity_sc"),
        "{message}"
    );
}

#[test]
fn ph_index_beg_that_disagrees_with_counts_is_named() {
    let mini = MiniGranule {
        ph_index_beg: vec![1, 0, 5, 6],
        ..MiniGranule::valid()
    };
    let (_dir, path) = write("g.h5", &mini);
    let err = extract_all(&path).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("ph_index_beg"), "{message}");
    assert!(message.contains("disagree"), "{message}");
}

#[test]
fn counts_past_the_photon_datasets_are_named() {
    let mini = MiniGranule {
        photons: 7,
        ..MiniGranule::valid()
    };
    let (_dir, path) = write("g.h5", &mini);
    let err = extract_all(&path).unwrap_err();
    assert!(err.to_string().contains("beam has 7 photons"), "{err}");
}

#[test]
fn segment_datasets_of_different_lengths_are_named() {
    let mut mini = MiniGranule::valid();
    mini.ph_cnt.push(0);
    mini.ph_index_beg.push(0);
    let (_dir, path) = write("g.h5", &mini);
    let err = extract_all(&path).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("rows"), "{message}");
    assert!(message.contains("/gt2l/geolocation/"), "{message}");
}
