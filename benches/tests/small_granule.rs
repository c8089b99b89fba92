//! The benchmark machinery on a small synthetic granule: the floor, firn-h5 and libhdf5 must
//! return the same bytes, the chunk tables must describe the file, and the S3 path must read
//! what the local path reads while recording every GET.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use firn_benches::chunks;
use firn_benches::datasets::{atl06_datasets, photon_datasets};
use firn_benches::readers::{
    WindowedReader, firn_read, firn_read_granule, libhdf5_read, libhdf5_read_granule, same_bytes,
};
use firn_benches::s3::{RecordingSource, upload};
use firn_benches::{Error, Floor, granule};
use firn_h5::Array;
use firn_h5::source::{CountingSource, ObjectStoreSource};
use firn_synth::{Beam, GranuleSpec};
use firn_tests::MotoServer;
use object_store::path::Path as ObjectPath;

/// A 3 km granule with one strong and one weak beam, 2,000-row chunks so datasets span many.
fn small_granule(dir: &Path) -> PathBuf {
    let spec = GranuleSpec {
        length_km: 3.0,
        chunk_rows: 2_000,
        beams: vec![Beam::Gt1l, Beam::Gt1r],
        ..granule::bench_spec(3.0)
    };
    let (path, generated) = granule::ensure_granule(&spec, dir).unwrap();
    assert!(generated);
    let (again, generated) = granule::ensure_granule(&spec, dir).unwrap();
    assert_eq!(
        (again.as_path(), generated),
        (path.as_path(), false),
        "cached"
    );
    path
}

fn per_beam() -> Vec<Vec<String>> {
    vec![atl06_datasets("gt1l"), atl06_datasets("gt1r")]
}

#[test]
fn floor_firn_h5_and_libhdf5_return_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_granule(dir.path());
    let per_beam = per_beam();
    let all: Vec<String> = per_beam.iter().flatten().cloned().collect();

    let mut floor = Floor::load(&path, chunks::query_all(&path, &all).unwrap()).unwrap();
    floor.inflate().unwrap();
    let serial: Vec<Vec<u8>> = floor.outputs().map(|(_, b)| b.to_vec()).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| floor.inflate_parallel()).unwrap();

    let firn = firn_h5::File::open(&path).unwrap();
    let libhdf5 = hdf5::File::open(&path).unwrap();
    let firn_arrays = firn_read(&firn, &all).unwrap();
    let mut total = 0u64;
    for (((name, floor_bytes), serial), ours) in floor.outputs().zip(&serial).zip(&firn_arrays) {
        let theirs = libhdf5_read(&libhdf5, name).unwrap();
        let theirs = theirs.as_bytes();
        assert!(!theirs.is_empty(), "{name} is empty in the test granule");
        same_bytes(name, ("floor", floor_bytes), ("libhdf5", theirs)).unwrap();
        same_bytes(name, ("serial floor", serial), ("libhdf5", theirs)).unwrap();
        same_bytes(name, ("firn-h5", ours.as_bytes()), ("libhdf5", theirs)).unwrap();
        total += theirs.len() as u64;
    }
    assert_eq!(floor.decoded_bytes(), total);
    assert_eq!(firn_read_granule(&path, &per_beam).unwrap(), total);
    assert_eq!(libhdf5_read_granule(&path, &per_beam).unwrap(), total);
}

#[test]
fn chunk_tables_match_the_file_and_a_corrupted_chunk_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_granule(dir.path());
    let firn = firn_h5::File::open(&path).unwrap();
    let file_len = std::fs::metadata(&path).unwrap().len();
    let tables = chunks::query_all(&path, &atl06_datasets("gt1l")).unwrap();
    for table in &tables {
        let dataset = firn.dataset(&table.path).unwrap();
        assert_eq!(table.shape, dataset.shape(), "{}", table.path);
        assert_eq!(Some(table.chunk_rows), dataset.chunk_shape().map(|c| c[0]));
        assert_eq!(table.element_size, dataset.dtype().size());
        let integer = !dataset.dtype().to_string().starts_with('f');
        assert_eq!(
            table.shuffle, integer,
            "{}: shuffle on integers only",
            table.path
        );
        assert_eq!(
            table.chunks.len() as u64,
            table.rows().div_ceil(table.chunk_rows)
        );
        for (i, chunk) in table.chunks.iter().enumerate() {
            assert_eq!(chunk.row, i as u64 * table.chunk_rows);
            assert!(chunk.size > 0 && chunk.range().end <= file_len);
        }
        let middle = table.rows() / 2;
        let expected = if table.rows() == 0 { 0 } else { 1 };
        assert_eq!(table.overlapping(&(middle..middle + 1)).count(), expected);
        assert_eq!(
            table.overlapping(&(0..table.rows())).count(),
            table.chunks.len()
        );
    }

    // Flip bytes inside the first stored chunk of h_ph: the floor must name the dataset and offset.
    let h_ph = &tables[0];
    let chunk = h_ph.chunks[0];
    let mut bytes = std::fs::read(&path).unwrap();
    for b in &mut bytes[chunk.address as usize + 2..(chunk.address + chunk.size) as usize] {
        *b ^= 0x5a;
    }
    let broken = dir.path().join("broken.h5");
    std::fs::write(&broken, bytes).unwrap();
    let mut floor = Floor::load(&broken, vec![h_ph.clone()]).unwrap();
    match floor.inflate() {
        Err(Error::Inflate {
            dataset, offset, ..
        }) => {
            assert_eq!(
                (dataset.as_str(), offset),
                ("/gt1l/heights/h_ph", chunk.address)
            );
        }
        other => panic!("expected an inflate error, got {other:?}"),
    }
}

#[test]
fn s3_reads_match_local_reads_and_every_get_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_granule(dir.path());
    let server = MotoServer::start();
    server.create_bucket("bench");
    let store = server.store("bench");
    let size = upload(&store, "g.h5", &path).unwrap();
    assert_eq!(size, std::fs::metadata(&path).unwrap().len());

    let s3 = ObjectStoreSource::open(store, ObjectPath::from("g.h5"), "s3://bench/g.h5").unwrap();
    let recording = Arc::new(RecordingSource::new(Arc::new(s3)));
    let counting = Arc::new(CountingSource::new(recording.clone()));
    let remote = firn_h5::File::from_source(counting.clone()).unwrap();
    let local = firn_h5::File::open(&path).unwrap();
    let photons = photon_datasets("gt1l");
    let tables = chunks::query_all(&path, &photons).unwrap();
    let rows = tables[0].rows();
    let range = rows / 2..rows / 2 + rows / 100;

    let read = |file: &firn_h5::File| {
        let datasets: Vec<_> = photons.iter().map(|p| file.dataset(p).unwrap()).collect();
        let reads: Vec<_> = datasets.iter().map(|d| (d, range.clone())).collect();
        file.read_batch(&reads).unwrap()
    };
    let from_s3 = read(&remote);
    let from_disk = read(&local);
    assert_eq!(from_s3, from_disk);

    let ranges = recording.take();
    let stats = counting.stats();
    assert_eq!(ranges.len() as u64, stats.requests);
    assert_eq!(
        ranges.iter().map(|r| r.end - r.start).sum::<u64>(),
        stats.bytes
    );
    // Every chunk of the range was fetched by some GET.
    for table in &tables {
        for chunk in table.overlapping(&range) {
            let covered = ranges
                .iter()
                .any(|r| r.start <= chunk.address && chunk.range().end <= r.end);
            assert!(
                covered,
                "{} chunk at {} was not fetched",
                table.path, chunk.address
            );
        }
    }
    assert!(recording.take().is_empty(), "take forgets");
}

#[test]
fn windowed_reads_into_reused_buffers_match_libhdf5() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_granule(dir.path());
    let firn = firn_h5::File::open(&path).unwrap();
    let libhdf5 = hdf5::File::open(&path).unwrap();
    // Windows of 3,333 rows start and end inside the 2,000-row chunks.
    let mut reader = WindowedReader::new(3_333);
    let mut total = 0;
    for paths in per_beam() {
        let expected: Vec<Array> = paths
            .iter()
            .map(|p| libhdf5_read(&libhdf5, p).unwrap())
            .collect();
        let mut windows = 0;
        total += reader
            .read_beam(&firn, &paths, |i, rows, buffer| {
                let theirs = expected[i].as_bytes();
                let row_bytes = theirs.len() / firn.dataset(&paths[i]).unwrap().len() as usize;
                let want = &theirs[rows.start as usize * row_bytes..rows.end as usize * row_bytes];
                same_bytes(
                    &paths[i],
                    ("windowed firn-h5", buffer.as_bytes()),
                    ("libhdf5", want),
                )
                .unwrap();
                windows += 1;
            })
            .unwrap();
        assert!(
            windows > paths.len(),
            "{windows} reads: the photons took several windows"
        );
    }
    assert_eq!(total, libhdf5_read_granule(&path, &per_beam()).unwrap());
}
