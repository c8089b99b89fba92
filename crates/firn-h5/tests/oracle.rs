//! Synthetic files written by libhdf5 (hdf5-metno) in both group/header styles, read back with
//! firn-h5 and compared bit for bit with what libhdf5 reads.

mod common;

use std::sync::Arc;

use common::{Libver, Spec, write_suite};
use firn_h5::source::{CountingSource, FileSource};
use firn_h5::{EntryKind, Error, File};

fn check_suite(libver: Libver, superblock: u8) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.h5");
    let specs = write_suite(&path, libver);
    let ours = File::open(&path).unwrap();
    let theirs = hdf5::File::open(&path).unwrap();
    assert_eq!(ours.superblock_version(), superblock);
    for spec in &specs {
        let dataset = ours
            .dataset(&spec.path)
            .unwrap_or_else(|e| panic!("{}: {e}", spec.path));
        check_spec(&dataset, spec);
        common::assert_same(&dataset, &theirs.dataset(&spec.path).unwrap());
    }
    // The walk finds every dataset written, with no errors, and every group on the way.
    let entries = ours.walk();
    for spec in &specs {
        let entry = entries.iter().find(|e| e.path == spec.path).unwrap();
        assert_eq!(entry.kind, EntryKind::Dataset);
        assert!(entry.error.is_none(), "{}: {:?}", spec.path, entry.error);
    }
    for group in ["/", "/types", "/shapes", "/many", "/a", "/a/b", "/a/b/c"] {
        assert!(
            entries
                .iter()
                .any(|e| e.path == group && e.kind == EntryKind::Group),
            "{group}"
        );
    }
    let members = ours.group("/many").unwrap().members().unwrap();
    assert_eq!(members.len(), 20);
    assert!(
        members
            .iter()
            .all(|m| m.kind == EntryKind::Dataset && m.name().starts_with("member_"))
    );
}

fn check_spec(dataset: &firn_h5::Dataset, spec: &Spec) {
    assert_eq!(dataset.shape(), spec.shape.as_slice(), "{}", spec.path);
    assert_eq!(dataset.dtype(), &spec.dtype, "{}", spec.path);
    assert_eq!(
        dataset.chunk_shape().map(<[u64]>::to_vec),
        spec.chunk,
        "{}",
        spec.path
    );
    assert_eq!(dataset.filters(), spec.filters.as_slice(), "{}", spec.path);
}

#[test]
fn old_style_files_match_libhdf5() {
    check_suite(Libver::Earliest, 0);
}

#[test]
fn new_style_files_match_libhdf5() {
    check_suite(Libver::V18, 2);
}

#[test]
fn layout_v4_chunk_indexes_are_typed_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latest.h5");
    let specs = write_suite(&path, Libver::Latest);
    let ours = File::open(&path).unwrap();
    let theirs = hdf5::File::open(&path).unwrap();
    for spec in &specs {
        match ours.dataset(&spec.path) {
            Ok(dataset) => common::assert_same(&dataset, &theirs.dataset(&spec.path).unwrap()),
            Err(Error::Unsupported { feature, path, .. }) => {
                assert!(spec.chunk.is_some(), "{}: {feature}", spec.path);
                assert!(feature.contains("chunk index type"), "{feature}");
                assert_eq!(path, spec.path);
            }
            Err(other) => panic!("{}: {other}", spec.path),
        }
    }
}

#[test]
fn row_ranges_equal_slices_of_the_full_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.h5");
    write_suite(&path, Libver::V18);
    let file = File::open(&path).unwrap();
    for (name, row_len) in [
        ("/types/f64_chunked", 1),
        ("/shapes/f32_n5", 5),
        ("/shapes/f64_n3", 3),
        ("/shapes/i32_split", 5),
        ("/types/u32_contiguous", 1),
        ("/shapes/f64_compact", 1),
    ] {
        let dataset = file.dataset(name).unwrap();
        let rows = dataset.len();
        let full = read_bytes(&file, &dataset, 0..rows);
        let mut ranges = vec![0..0, rows..rows, 0..rows, 0..1, rows - 1..rows];
        for edge in [16, 50, 63, 64, 65, 100, 127, 128, 300] {
            if edge < rows {
                ranges.extend([
                    edge - 1..edge + 1,
                    edge..edge,
                    edge..rows,
                    0..edge,
                    edge / 2..edge,
                ]);
            }
        }
        let esize = dataset.dtype().size() * row_len;
        for range in ranges {
            let part = read_bytes(&file, &dataset, range.clone());
            let want = &full[range.start as usize * esize..range.end as usize * esize];
            assert_eq!(part, want, "{name} rows {range:?}");
        }
        let err = dataset.read_rows::<u8>(0..1).unwrap_err();
        assert!(
            matches!(err, Error::TypeMismatch { .. }) || dataset.dtype().size() == 1,
            "{err}"
        );
        let err = file.read_batch(&[(&dataset, rows..rows + 1)]).unwrap_err();
        assert!(matches!(err, Error::RowRange { .. }), "{err}");
    }
}

/// Reads rows as raw bytes whatever the type, through the batch API.
fn read_bytes(file: &File, dataset: &firn_h5::Dataset, rows: std::ops::Range<u64>) -> Vec<u8> {
    file.read_batch(&[(dataset, rows)]).unwrap()[0]
        .as_bytes()
        .to_vec()
}

#[test]
fn typed_reads_check_the_type_and_scalars_and_strings_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.h5");
    write_suite(&path, Libver::Earliest);
    let file = File::open(&path).unwrap();
    let scalar = file.dataset("/shapes/f64_scalar").unwrap();
    assert_eq!(scalar.read_scalar::<f64>().unwrap(), -273.15);
    assert_eq!(scalar.len(), 1);
    let err = scalar.read_scalar::<f32>().unwrap_err();
    assert!(
        matches!(&err, Error::TypeMismatch { stored, requested, .. } if stored == "f64" && *requested == "f32"),
        "{err}"
    );
    assert_eq!(
        file.dataset("/shapes/i8_one")
            .unwrap()
            .read_scalar::<i8>()
            .unwrap(),
        1
    );
    assert_eq!(
        file.dataset("/shapes/str_scalar")
            .unwrap()
            .read_string()
            .unwrap(),
        "hello ICESat-2"
    );
    assert_eq!(
        file.dataset("/shapes/str_1d")
            .unwrap()
            .read_strings()
            .unwrap(),
        ["a", "bcd", "efghijkl"]
    );
    let fill = file
        .dataset("/shapes/fill_only")
        .unwrap()
        .read::<f64>()
        .unwrap();
    assert_eq!(fill, vec![7.5; 100]);
    let err = file
        .read_batch(&[(&file.dataset("/shapes/str_1d").unwrap(), 0..1)])
        .unwrap_err();
    assert!(matches!(err, Error::TypeMismatch { .. }), "{err}");
}

#[test]
fn batch_reads_match_single_reads_in_fewer_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.h5");
    {
        // Datasets beyond the first 2 MiB that are read at open, so their chunks must be fetched.
        let file = common::create(&path, Libver::V18);
        let types = file.create_group("types").unwrap();
        types
            .new_dataset::<f64>()
            .shape(200_000)
            .chunk(4096)
            .deflate(6)
            .create("f64_chunked")
            .unwrap()
            .write_raw(&common::values::<f64>(200_000, 1))
            .unwrap();
        types
            .new_dataset::<i16>()
            .shape(200_000)
            .chunk(4096)
            .shuffle()
            .deflate(6)
            .create("i16_chunked")
            .unwrap()
            .write_raw(&common::values::<i16>(200_000, 2))
            .unwrap();
        types
            .new_dataset::<u8>()
            .shape(1_000_000)
            .create("u8_contiguous")
            .unwrap()
            .write_raw(&common::values::<u8>(1_000_000, 3))
            .unwrap();
        file.create_group("shapes")
            .unwrap()
            .new_dataset::<f32>()
            .shape((200_000, 5))
            .chunk((4096, 5))
            .shuffle()
            .deflate(6)
            .create("f32_n5")
            .unwrap()
            .write_raw(&common::values::<f32>(1_000_000, 4))
            .unwrap();
    }
    let counting = Arc::new(CountingSource::new(Arc::new(
        FileSource::open(&path).unwrap(),
    )));
    let file = File::from_source(counting.clone()).unwrap();
    let names = [
        "/types/f64_chunked",
        "/types/i16_chunked",
        "/shapes/f32_n5",
        "/types/u8_contiguous",
    ];
    let datasets: Vec<_> = names.iter().map(|n| file.dataset(n).unwrap()).collect();
    let reads: Vec<_> = datasets.iter().map(|d| (d, 5..d.len() - 3)).collect();
    counting.reset();
    let batch = file.read_batch(&reads).unwrap();
    let batch_stats = counting.stats();
    // The same reads one by one, on a fresh handle (nothing cached beyond what opening reads).
    let file = File::from_source(counting.clone()).unwrap();
    let datasets: Vec<_> = names.iter().map(|n| file.dataset(n).unwrap()).collect();
    counting.reset();
    let f64s: Vec<f64> = datasets[0].read_rows(reads[0].1.clone()).unwrap();
    let i16s: Vec<i16> = datasets[1].read_rows(reads[1].1.clone()).unwrap();
    let f32s: Vec<f32> = datasets[2].read_rows(reads[2].1.clone()).unwrap();
    let u8s: Vec<u8> = datasets[3].read_rows(reads[3].1.clone()).unwrap();
    let single_stats = counting.stats();
    assert!(
        batch_stats.batches < single_stats.batches && batch_stats.requests <= single_stats.requests,
        "batch {batch_stats:?} vs single {single_stats:?}"
    );
    let mut batch = batch.into_iter();
    assert_eq!(
        bytemuck::cast_slice::<f64, u8>(&batch.next().unwrap().into_f64().unwrap()),
        bytemuck::cast_slice::<f64, u8>(&f64s)
    );
    assert_eq!(Vec::<i16>::try_from(batch.next().unwrap()).unwrap(), i16s);
    assert_eq!(
        bytemuck::cast_slice::<f32, u8>(&batch.next().unwrap().into_vec::<f32>().unwrap()),
        bytemuck::cast_slice::<f32, u8>(&f32s)
    );
    assert_eq!(batch.next().unwrap().into_u8().unwrap(), u8s);
    let theirs = hdf5::File::open(&path).unwrap();
    let rows = reads[0].1.start as usize..reads[0].1.end as usize;
    let want: Vec<f64> = theirs.dataset(names[0]).unwrap().read_raw().unwrap();
    assert_eq!(
        bytemuck::cast_slice::<f64, u8>(&f64s),
        bytemuck::cast_slice::<f64, u8>(&want[rows.clone()])
    );
    let want: Vec<f32> = theirs.dataset(names[2]).unwrap().read_raw().unwrap();
    assert_eq!(
        bytemuck::cast_slice::<f32, u8>(&f32s),
        bytemuck::cast_slice::<f32, u8>(&want[rows.start * 5..rows.end * 5])
    );
}

#[test]
fn a_user_block_moves_the_superblock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ub.h5");
    {
        let file = hdf5::File::with_options()
            .with_fcpl(|p| p.userblock(1024))
            .create(&path)
            .unwrap();
        file.new_dataset::<i64>()
            .shape(5)
            .chunk(2)
            .deflate(3)
            .create("x")
            .unwrap()
            .write_raw(&[1i64, -2, 3, -4, 5])
            .unwrap();
    }
    let file = File::open(&path).unwrap();
    assert_eq!(
        file.dataset("/x").unwrap().read::<i64>().unwrap(),
        vec![1, -2, 3, -4, 5]
    );
}

#[test]
fn unsupported_filters_and_links_are_named_and_listed() {
    for libver in [Libver::Earliest, Libver::V18] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd.h5");
        {
            let file = common::create(&path, libver);
            file.new_dataset::<f32>()
                .shape(10)
                .chunk(5)
                .fletcher32()
                .create("checksummed")
                .unwrap()
                .write_raw(&[1.0f32; 10])
                .unwrap();
            file.new_dataset::<i32>()
                .shape(10)
                .chunk(5)
                .nbit()
                .create("packed")
                .unwrap()
                .write_raw(&[3i32; 10])
                .unwrap();
            file.new_dataset::<u8>()
                .shape(2)
                .create("plain")
                .unwrap()
                .write_raw(&[4u8, 5])
                .unwrap();
            file.link_soft("/plain", "soft").unwrap();
            file.link_external("other.h5", "/x", "external").unwrap();
        }
        let file = File::open(&path).unwrap();
        for (name, filter) in [
            ("/checksummed", "fletcher32 filter"),
            ("/packed", "nbit filter"),
        ] {
            let err = file.dataset(name).unwrap_err();
            assert!(
                matches!(&err, Error::Unsupported { feature, path, .. } if feature.starts_with(filter) && path == name),
                "{libver:?} {name}: {err}"
            );
        }
        let err = file.dataset("/soft").unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported { feature, .. } if feature.contains("soft link to \"/plain\"")),
            "{err}"
        );
        let err = file.dataset("/external").unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported { feature, .. } if feature.contains("external link")),
            "{err}"
        );

        let entries = file.walk();
        let find = |p: &str| {
            entries
                .iter()
                .find(|e| e.path == p)
                .unwrap_or_else(|| panic!("{p} listed"))
        };
        assert_eq!(
            find("/soft").kind,
            EntryKind::SoftLink {
                target: "/plain".into()
            }
        );
        assert_eq!(
            find("/external").kind,
            EntryKind::ExternalLink {
                file: "other.h5".into(),
                target: "/x".into()
            }
        );
        assert!(matches!(
            find("/checksummed").error,
            Some(Error::Unsupported { .. })
        ));
        assert!(find("/plain").error.is_none());
        assert_eq!(
            find("/plain")
                .dataset
                .as_ref()
                .unwrap()
                .read::<u8>()
                .unwrap(),
            vec![4, 5]
        );
    }
}
