//! firn-h5's object-store byte source against a real S3 server (moto on 127.0.0.1).

use std::sync::Arc;

use firn_h5::source::{ByteSource, CountingSource, MemorySource, ObjectStoreSource};
use firn_tests::MotoServer;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};

fn put(store: &Arc<dyn object_store::ObjectStore>, key: &str, bytes: Vec<u8>) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime
        .block_on(store.put(&Path::from(key), PutPayload::from(bytes)))
        .expect("upload to moto");
}

#[test]
fn object_store_source_reads_the_same_bytes_as_memory() {
    let server = MotoServer::start();
    server.create_bucket("granules");
    let store = server.store("granules");
    let data: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    put(&store, "a/b.h5", data.clone());

    let s3 = ObjectStoreSource::open(store, Path::from("a/b.h5"), "s3://granules/a/b.h5").unwrap();
    assert_eq!(s3.len(), data.len() as u64);
    let counting = CountingSource::new(Arc::new(s3));
    let memory = MemorySource::new(data.clone(), "memory");
    let ranges = [
        0..10,
        5..5,
        2_999_990..3_000_000,
        1_000_000..2_500_000,
        17..4_113,
    ];
    let from_s3 = counting.read_ranges(&ranges).unwrap();
    let from_memory = memory.read_ranges(&ranges).unwrap();
    assert_eq!(from_s3, from_memory);
    let stats = counting.stats();
    assert_eq!(stats.requests, ranges.len() as u64);
    assert_eq!(stats.batches, 1);
    let expected: u64 = ranges.iter().map(|r| r.end - r.start).sum();
    assert_eq!(stats.bytes, expected);
}

#[test]
fn ranges_past_the_end_and_missing_objects_are_errors() {
    let server = MotoServer::start();
    server.create_bucket("granules");
    let store = server.store("granules");
    put(&store, "small", vec![1, 2, 3]);
    let source = ObjectStoreSource::open(
        Arc::clone(&store),
        Path::from("small"),
        "s3://granules/small",
    )
    .unwrap();
    let past_the_end = 2..4;
    let err = source
        .read_ranges(std::slice::from_ref(&past_the_end))
        .unwrap_err();
    assert!(err.to_string().contains("past the end"), "{err}");

    let err = ObjectStoreSource::open(store, Path::from("absent.h5"), "s3://granules/absent.h5")
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("s3://granules/absent.h5"), "{message}");
}
