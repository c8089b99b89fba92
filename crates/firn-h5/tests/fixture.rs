//! The real ATL03 fixture: every dataset reads bit-identical to libhdf5, or fails with a typed
//! Unsupported error that libhdf5's type description confirms.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use firn_h5::{EntryKind, Error, File};

const FIXTURE: &str = "/work/shared/fixtures/atl03/ATL03_gt1l_subset.h5";

#[test]
fn every_dataset_matches_libhdf5_or_is_typed_unsupported() {
    let ours = File::open(FIXTURE).expect("open with firn-h5");
    let theirs = hdf5::File::open(FIXTURE).expect("open with libhdf5");
    assert_eq!(ours.superblock_version(), 2);

    let entries = ours.walk();
    let mut expected = Vec::new();
    common::hdf5_dataset_paths(&theirs, "", &mut expected);
    let listed: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Dataset)
        .map(|e| e.path.as_str())
        .collect();
    let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(
        listed, expected,
        "the walk lists exactly libhdf5's datasets"
    );

    let (mut compared, mut unsupported) = (0, Vec::new());
    for entry in entries.iter().filter(|e| e.kind == EntryKind::Dataset) {
        let h5 = theirs.dataset(&entry.path).expect("libhdf5 opens it");
        match (&entry.dataset, &entry.error) {
            (Some(dataset), None) => {
                common::assert_same(dataset, &h5);
                compared += 1;
            }
            (None, Some(Error::Unsupported { feature, path, .. })) => {
                assert_eq!(path, &entry.path);
                let descriptor = h5.dtype().and_then(|t| t.to_descriptor());
                let numeric_or_fixed = matches!(
                    descriptor,
                    Ok(hdf5::types::TypeDescriptor::Integer(_)
                        | hdf5::types::TypeDescriptor::Unsigned(_)
                        | hdf5::types::TypeDescriptor::Float(_)
                        | hdf5::types::TypeDescriptor::FixedAscii(_)
                        | hdf5::types::TypeDescriptor::FixedUnicode(_))
                );
                assert!(
                    !numeric_or_fixed || !h5.filters().is_empty(),
                    "{}: reported unsupported ({feature}) but libhdf5 sees a plain supported type",
                    entry.path
                );
                unsupported.push(format!("{}: {feature}", entry.path));
            }
            other => panic!("{}: unexpected listing state {other:?}", entry.path),
        }
    }
    eprintln!("compared {compared} datasets; unsupported: {unsupported:#?}");
    assert!(compared > 50, "only {compared} datasets compared");
    assert!(
        entries
            .iter()
            .all(|e| e.error.is_none() || e.kind == EntryKind::Dataset)
    );
}

#[test]
fn photon_paths_resolve_and_report_their_storage() {
    let file = File::open(FIXTURE).unwrap();
    let h_ph = file.dataset("/gt1l/heights/h_ph").unwrap();
    let theirs = hdf5::File::open(FIXTURE)
        .unwrap()
        .dataset("gt1l/heights/h_ph")
        .unwrap();
    assert_eq!(h_ph.len(), theirs.shape()[0] as u64);
    assert_eq!(
        h_ph.chunk_shape().map(<[u64]>::to_vec),
        theirs
            .chunk()
            .map(|c| c.iter().map(|&d| d as u64).collect())
    );
    assert_eq!(h_ph.filters().len(), theirs.filters().len());
    let err = file.dataset("/gt1l/heights/nope").unwrap_err();
    assert!(
        matches!(err, Error::NotFound { ref path } if path == "/gt1l/heights/nope"),
        "{err}"
    );
    let err = file.dataset("/gt1l/heights").unwrap_err();
    assert!(matches!(err, Error::WrongObjectKind { .. }), "{err}");
    assert!(Path::new(FIXTURE).exists());
}
