//! firn-h5 against independent readers: h5py (libhdf5 through Python) on the real NASA fixture, and
//! the same reads through a real S3 server (moto on 127.0.0.1).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use firn_h5::source::{CountingSource, ObjectStoreSource};
use firn_h5::{EntryKind, File};
use firn_tests::{MotoServer, fixture, run_python};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStoreExt, PutPayload};
use serde_json::Value;

/// Every dataset h5py can read, as {path: (dtype, shape, raw little-endian bytes)}.
fn h5py_dump(file: &Path) -> BTreeMap<String, (String, Vec<u64>, Vec<u8>)> {
    let out = tempfile::tempdir().unwrap();
    run_python("h5_dump.py", &[file.as_os_str(), out.path().as_os_str()]);
    let manifest: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("manifest.json")).unwrap())
            .unwrap();
    manifest
        .into_iter()
        .filter(|e| e.get("skipped").is_none())
        .map(|e| {
            let path = e["path"].as_str().unwrap().to_owned();
            let dtype = e["dtype"].as_str().unwrap().to_owned();
            let shape = e["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap())
                .collect();
            let bytes = std::fs::read(out.path().join(e["file"].as_str().unwrap())).unwrap();
            (path, (dtype, shape, bytes))
        })
        .collect()
}

/// Reads every numeric dataset of `file` with firn-h5 and compares it with h5py, bit for bit.
fn assert_matches_h5py(file: &File, reference: &BTreeMap<String, (String, Vec<u64>, Vec<u8>)>) {
    let mut compared = 0;
    for entry in file.walk() {
        if entry.kind != EntryKind::Dataset {
            continue;
        }
        let Some((dtype, shape, expected)) = reference.get(&entry.path) else {
            continue;
        };
        let dataset = entry.dataset.as_ref().unwrap_or_else(|| {
            panic!(
                "{}: h5py reads it ({dtype}) but firn-h5 cannot: {:?}",
                entry.path, entry.error
            )
        });
        assert_eq!(dataset.shape(), shape.as_slice(), "{}", entry.path);
        if dtype.starts_with("|S") {
            continue; // fixed strings are compared by the crate's own oracle tests
        }
        let rows = if shape.is_empty() { 1 } else { dataset.len() };
        let values = file
            .read_batch(&[(dataset, 0..rows)])
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(
            values.as_bytes(),
            expected.as_slice(),
            "{} differs from h5py",
            entry.path
        );
        compared += 1;
    }
    assert!(
        compared >= reference.len() * 9 / 10,
        "compared only {compared} of {} datasets",
        reference.len()
    );
}

#[test]
fn every_dataset_of_the_real_fixture_reads_as_h5py_reads_it() {
    let path = fixture("atl03/ATL03_gt1l_subset.h5");
    let reference = h5py_dump(&path);
    assert!(
        reference.len() >= 70,
        "the fixture has {} numeric datasets",
        reference.len()
    );
    let file = File::open(&path).unwrap();
    assert_matches_h5py(&file, &reference);
}

#[test]
fn synthetic_granules_in_both_layouts_read_as_h5py_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    for (layout, superblock) in [(firn_synth::Layout::Old, 0), (firn_synth::Layout::New, 2)] {
        let spec = firn_synth::GranuleSpec {
            length_km: 6.0,
            chunk_rows: 1_000,
            layout,
            ..firn_synth::GranuleSpec::default()
        };
        let options = firn_synth::WriteOptions {
            photon_truth: false,
            progress: None,
        };
        let out = firn_synth::write_granule_with(
            &spec,
            &dir.path().join(format!("{layout:?}")),
            &options,
        )
        .unwrap();
        let file = File::open(&out.h5_path).unwrap();
        assert_eq!(file.superblock_version(), superblock, "{layout:?}");
        let reference = h5py_dump(&out.h5_path);
        assert!(
            reference.len() >= 6 * 19,
            "{layout:?}: {} datasets",
            reference.len()
        );
        assert_matches_h5py(&file, &reference);
    }
}

#[test]
fn the_fixture_reads_the_same_through_s3() {
    let path = fixture("atl03/ATL03_gt1l_subset.h5");
    let bytes = std::fs::read(&path).unwrap();
    let server = MotoServer::start();
    server.create_bucket("nsidc");
    let store = server.store("nsidc");
    let key = ObjectPath::from("ATLAS/ATL03/006/2018/10/14/ATL03_gt1l_subset.h5");
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(store.put(&key, PutPayload::from(bytes)))
        .unwrap();

    let s3 = ObjectStoreSource::open(store, key, "s3://nsidc/ATL03_gt1l_subset.h5").unwrap();
    let counting = Arc::new(CountingSource::new(Arc::new(s3)));
    let file = File::from_source(counting.clone()).unwrap();
    let opened = counting.stats();
    assert!(opened.requests <= 2, "opening took {opened:?}");

    let reference = h5py_dump(&path);
    assert_matches_h5py(&file, &reference);

    // One beam's photon datasets in one batch: few requests, whatever the dataset count.
    counting.reset();
    let names = [
        "h_ph",
        "lat_ph",
        "lon_ph",
        "delta_time",
        "dist_ph_along",
        "dist_ph_across",
        "signal_conf_ph",
        "quality_ph",
    ];
    let datasets: Vec<_> = names
        .iter()
        .map(|n| file.dataset(&format!("/gt1l/heights/{n}")).unwrap())
        .collect();
    let reads: Vec<_> = datasets.iter().map(|d| (d, 0..d.len())).collect();
    file.read_batch(&reads).unwrap();
    let stats = counting.stats();
    assert!(stats.requests <= 8, "photon datasets took {stats:?}");
}
