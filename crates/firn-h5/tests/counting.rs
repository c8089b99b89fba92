//! Reading 1 % of a large chunked dataset fetches only the chunks it needs (chunk sizes and
//! addresses from libhdf5's own chunk index query), plus a few metadata blocks for the pruned
//! B-tree walk.

mod common;

use std::sync::Arc;

use firn_h5::source::{CountingSource, FileSource};
use firn_h5::{File, ReadOptions};

const ROWS: usize = 2_000_000;
const CHUNK: usize = 10_000;
/// The metadata cache reads aligned blocks of this size.
const META_BLOCK: u64 = 64 * 1024;

#[test]
fn one_percent_of_rows_fetches_only_its_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.h5");
    let values = common::values::<f64>(ROWS, 42);
    {
        let file = common::create(&path, common::Libver::V18);
        file.new_dataset::<f64>()
            .shape(ROWS)
            .chunk(CHUNK)
            .deflate(1)
            .create("h")
            .unwrap()
            .write_raw(&values)
            .unwrap();
    }
    let theirs = hdf5::File::open(&path).unwrap().dataset("h").unwrap();
    let chunks: Vec<_> = (0..theirs.num_chunks().unwrap())
        .map(|i| theirs.chunk_info(i).unwrap())
        .collect();
    let total_stored: u64 = chunks.iter().map(|c| c.size).sum();

    let counting = Arc::new(CountingSource::new(Arc::new(
        FileSource::open(&path).unwrap(),
    )));
    let options = ReadOptions {
        coalesce_gap: 0,
        ..ReadOptions::default()
    };
    let file = File::from_source(counting.clone())
        .unwrap()
        .with_read_options(options);
    let dataset = file.dataset("/h").unwrap();
    let rows = 1_005_000u64..1_025_000; // 1 % of the rows, straddling three chunks.
    counting.reset();
    let got: Vec<f64> = dataset.read_rows(rows.clone()).unwrap();
    let stats = counting.stats();

    let want = &values[rows.start as usize..rows.end as usize];
    assert_eq!(
        bytemuck::cast_slice::<f64, u8>(&got),
        bytemuck::cast_slice::<f64, u8>(want)
    );
    let needed: Vec<_> = chunks
        .iter()
        .filter(|c| {
            let first = c.offset[0];
            first < rows.end && first + CHUNK as u64 > rows.start
        })
        .collect();
    assert_eq!(needed.len(), 3);
    let needed_bytes: u64 = needed.iter().map(|c| c.size).sum();
    let metadata = stats.bytes.saturating_sub(needed_bytes);
    eprintln!(
        "read {} of {} rows: fetched {} bytes in {} requests; chunks need {needed_bytes}; dataset stores {total_stored}",
        rows.end - rows.start,
        ROWS,
        stats.bytes,
        stats.requests
    );
    assert!(stats.bytes >= needed_bytes, "every needed chunk is fetched");
    assert!(
        metadata <= 4 * META_BLOCK,
        "only a few B-tree blocks beyond the chunks: {metadata} bytes"
    );
    assert!(
        stats.bytes * 20 < total_stored,
        "far less than the dataset: {} of {total_stored}",
        stats.bytes
    );
}

#[test]
fn a_batch_walks_its_chunk_indexes_level_by_level() {
    // Four datasets of 400 chunks each: two-level chunk B-trees (a root over seven leaves).
    const ROWS: usize = 400_000;
    const CHUNK: usize = 1_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("four.h5");
    let names = ["a", "b", "c", "d"];
    {
        let file = common::create(&path, common::Libver::V18);
        for (seed, name) in names.iter().enumerate() {
            file.new_dataset::<f64>()
                .shape(ROWS)
                .chunk(CHUNK)
                .deflate(1)
                .create(*name)
                .unwrap()
                .write_raw(&common::values::<f64>(ROWS, seed as u64))
                .unwrap();
        }
    }
    let counting = Arc::new(CountingSource::new(Arc::new(
        FileSource::open(&path).unwrap(),
    )));
    let file = File::from_source(counting.clone()).unwrap();
    let datasets: Vec<_> = names
        .iter()
        .map(|n| file.dataset(&format!("/{n}")).unwrap())
        .collect();
    let rows = 203_500u64..207_500;
    let reads: Vec<_> = datasets.iter().map(|d| (d, rows.clone())).collect();
    counting.reset();
    let batch = file.read_batch(&reads).unwrap();
    let stats = counting.stats();
    // One round per B-tree level (roots, leaves), one for the chunks.
    assert!(stats.batches <= 3, "{stats:?}");
    let theirs = hdf5::File::open(&path).unwrap();
    for (name, array) in names.iter().zip(&batch) {
        let want: Vec<f64> = theirs.dataset(name).unwrap().read_raw().unwrap();
        let want = &want[rows.start as usize..rows.end as usize];
        assert_eq!(
            array.as_bytes(),
            bytemuck::cast_slice::<f64, u8>(want),
            "{name}"
        );
    }
    // Reading the datasets one by one walks each index on its own: more rounds.
    let file = File::from_source(counting.clone()).unwrap();
    let datasets: Vec<_> = names
        .iter()
        .map(|n| file.dataset(&format!("/{n}")).unwrap())
        .collect();
    counting.reset();
    for dataset in &datasets {
        dataset.read_rows::<f64>(rows.clone()).unwrap();
    }
    assert!(
        counting.stats().batches > stats.batches,
        "one by one {:?} against batched {stats:?}",
        counting.stats()
    );
}

#[test]
fn chunks_inside_the_blocks_read_at_open_cost_no_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.h5");
    let values = common::values::<f64>(50_000, 9);
    {
        let file = common::create(&path, common::Libver::V18);
        file.new_dataset::<f64>()
            .shape(values.len())
            .chunk(1_000)
            .deflate(1)
            .create("h")
            .unwrap()
            .write_raw(&values)
            .unwrap();
    }
    assert!(std::fs::metadata(&path).unwrap().len() < 2 << 20);
    let counting = Arc::new(CountingSource::new(Arc::new(
        FileSource::open(&path).unwrap(),
    )));
    let file = File::from_source(counting.clone()).unwrap();
    let dataset = file.dataset("/h").unwrap();
    counting.reset();
    let got: Vec<f64> = dataset.read().unwrap();
    assert_eq!(counting.stats().requests, 0, "{:?}", counting.stats());
    let want: Vec<f64> = hdf5::File::open(&path)
        .unwrap()
        .dataset("h")
        .unwrap()
        .read_raw()
        .unwrap();
    assert_eq!(
        bytemuck::cast_slice::<f64, u8>(&got),
        bytemuck::cast_slice::<f64, u8>(&want)
    );
}
