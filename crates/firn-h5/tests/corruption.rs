//! Broken files give errors: never a panic, never a hang, never a giant allocation.
//!
//! Truncated copies and byte flips of the real fixture and of a synthetic old-style file are opened,
//! walked and read in full, each under a time bound; hand-built files check the continuation-cycle
//! guard and absurd dataspace sizes. A counting allocator records the largest single allocation.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use firn_h5::source::MemorySource;
use firn_h5::{Datatype, Error, File};

const FIXTURE: &str = "/work/shared/fixtures/atl03/ATL03_gt1l_subset.h5";
/// No case may take longer than this.
const LIMIT: Duration = Duration::from_secs(20);
/// No single allocation may be larger than this.
const MAX_ALLOCATION: usize = 256 << 20;

/// Records the largest single allocation request.
struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only records sizes.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

/// Opens `bytes`, walks every object and reads every dataset it can open; returns how many
/// errors were met. Never panics on its own.
fn exercise(bytes: Bytes) -> usize {
    let file = match File::from_source(Arc::new(MemorySource::new(bytes, "mutant"))) {
        Ok(file) => file,
        Err(_) => return 1,
    };
    let mut errors = 0;
    for entry in file.walk() {
        errors += usize::from(entry.error.is_some());
        let Some(dataset) = entry.dataset else {
            continue;
        };
        let result = match dataset.dtype() {
            Datatype::FixedString { .. } => dataset.read_strings().map(|_| ()),
            _ => file.read_batch(&[(&dataset, 0..dataset.len())]).map(|_| ()),
        };
        errors += usize::from(result.is_err());
    }
    errors
}

fn run_case(bytes: Bytes, label: String) -> usize {
    common::within(LIMIT, label, move || exercise(bytes))
}

fn check_allocations() {
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(
        largest <= MAX_ALLOCATION,
        "largest allocation {largest} bytes"
    );
}

fn fixture() -> Bytes {
    Bytes::from(std::fs::read(FIXTURE).unwrap())
}

fn synthetic() -> Bytes {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.h5");
    common::write_suite(&path, common::Libver::Earliest);
    Bytes::from(std::fs::read(&path).unwrap())
}

#[test]
fn intact_files_read_without_errors() {
    assert_eq!(run_case(fixture(), "fixture".into()), 0);
    assert_eq!(run_case(synthetic(), "synthetic".into()), 0);
}

fn truncations(bytes: Bytes, name: &str) {
    let len = bytes.len();
    let mut cuts: Vec<usize> = (0..64).map(|i| i * 8).collect();
    cuts.extend((1..120).map(|i| i * len / 120));
    for cut in cuts {
        let errors = run_case(bytes.slice(..cut), format!("{name} truncated to {cut}"));
        assert!(
            errors > 0,
            "{name} truncated to {cut} bytes read without any error"
        );
    }
    check_allocations();
}

#[test]
fn truncated_fixture_gives_errors() {
    truncations(fixture(), "fixture");
}

#[test]
fn truncated_synthetic_file_gives_errors() {
    truncations(synthetic(), "synthetic");
}

fn flips(bytes: Bytes, name: &str) {
    // Every 7th byte of the first 16 KiB (superblock, root group, early headers), then a spread
    // over the whole file; each flipped to its complement and to 0xff.
    let mut offsets: Vec<usize> = (0..16 * 1024).step_by(7).collect();
    offsets.extend((0..400).map(|i| i * bytes.len() / 400 + 3));
    for offset in offsets.into_iter().filter(|&o| o < bytes.len()) {
        for value in [!bytes[offset], 0xff] {
            let mut copy = bytes.to_vec();
            copy[offset] = value;
            run_case(
                Bytes::from(copy),
                format!("{name} byte {offset} set to {value:#x}"),
            );
        }
    }
    check_allocations();
}

#[test]
fn flipped_bytes_in_the_fixture_never_panic_or_hang() {
    flips(fixture(), "fixture");
}

#[test]
fn flipped_bytes_in_a_synthetic_file_never_panic_or_hang() {
    flips(synthetic(), "synthetic");
}

/// A superblock v0 whose root object header (v1) is at offset 96, followed by `header`.
fn hand_built(header: &[u8]) -> Vec<u8> {
    let mut out = vec![0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];
    out.extend([0, 0, 0, 0, 0, 8, 8, 0]); // versions, offsets and lengths of 8 bytes
    out.extend(4u16.to_le_bytes());
    out.extend(16u16.to_le_bytes());
    out.extend(0u32.to_le_bytes());
    out.extend(0u64.to_le_bytes()); // base address
    out.extend(u64::MAX.to_le_bytes()); // free space
    out.extend(0u64.to_le_bytes()); // end of file (unused by the reader)
    out.extend(u64::MAX.to_le_bytes()); // driver info
    out.extend(0u64.to_le_bytes()); // root entry: link name offset
    out.extend(96u64.to_le_bytes()); // root object header address
    out.extend([0; 24]); // cache type, reserved, scratch pad
    assert_eq!(out.len(), 96);
    out.extend(header);
    out
}

/// A version-1 object header message.
fn v1_message(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_le_bytes().to_vec();
    out.extend((data.len() as u16).to_le_bytes());
    out.extend([0; 4]);
    out.extend(data);
    out
}

fn v1_header(messages: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = messages.concat();
    let mut out = vec![1, 0];
    out.extend((messages.len() as u16).to_le_bytes());
    out.extend(1u32.to_le_bytes());
    out.extend((body.len() as u32).to_le_bytes());
    out.extend([0; 4]);
    out.extend(body);
    out
}

fn continuation(address: u64, len: u64) -> Vec<u8> {
    let mut data = address.to_le_bytes().to_vec();
    data.extend(len.to_le_bytes());
    v1_message(0x10, &data)
}

#[test]
fn a_cycle_of_continuation_blocks_is_an_error() {
    // Root header at 96 (16-byte prefix, one 24-byte continuation message) continues at 136, whose
    // block continues at itself.
    let mut bytes = hand_built(&v1_header(&[continuation(136, 24)]));
    assert_eq!(bytes.len(), 136);
    bytes.extend(continuation(136, 24));
    let err = common::within(LIMIT, "cycle".into(), move || {
        File::from_source(Arc::new(MemorySource::new(bytes, "cycle")))
            .and_then(|f| f.root())
            .unwrap_err()
    });
    assert!(matches!(err, Error::Corrupt { offset: 136, .. }), "{err}");
    assert!(err.to_string().contains("cycle"), "{err}");
}

fn dataset_header(dims: u64, layout: &[u8]) -> Vec<u8> {
    let mut dataspace = vec![1, 1, 0, 0, 0, 0, 0, 0];
    dataspace.extend(dims.to_le_bytes());
    // Float, 8 bytes, little-endian IEEE.
    let mut datatype = vec![0x11, 0x20, 0x3f, 0];
    datatype.extend(8u32.to_le_bytes());
    datatype.extend([0, 0, 64, 0, 52, 11, 0, 52, 0xff, 0x03, 0, 0]);
    v1_header(&[
        v1_message(0x01, &dataspace),
        v1_message(0x03, &datatype),
        v1_message(0x08, layout),
    ])
}

#[test]
fn absurd_dataspace_sizes_are_errors_without_allocating() {
    // A root "group" that is itself a dataset cannot be opened as a group, so test through a
    // hand-built root that holds a link message to the dataset header.
    for (dims, layout) in [
        // Contiguous, 800 bytes stored at address 0, for 2^60 elements.
        (1u64 << 60, {
            let mut l = vec![3, 1];
            l.extend(0u64.to_le_bytes());
            l.extend(800u64.to_le_bytes());
            l
        }),
        // Chunked with no chunk ever written, for 2^40 elements.
        (1u64 << 40, {
            let mut l = vec![3, 2, 2];
            l.extend(u64::MAX.to_le_bytes());
            l.extend(1000u32.to_le_bytes());
            l.extend(8u32.to_le_bytes());
            l
        }),
        // Compact, 8 bytes, for 2^50 elements.
        (1u64 << 50, {
            let mut l = vec![3, 0];
            l.extend(8u16.to_le_bytes());
            l.extend([0; 8]);
            l
        }),
    ] {
        let dataset = dataset_header(dims, &layout);
        // Root: one link message (hard link "d") to the dataset header that follows it.
        let mut link = vec![1, 0, 1, b'd'];
        let root_len = 16 + 8 + 12 + 4; // prefix, message header, link, padding to 8
        link.extend((96u64 + root_len as u64).to_le_bytes());
        link.extend([0; 4]);
        let mut bytes = hand_built(&v1_header(&[v1_message(0x06, &link)]));
        assert_eq!(bytes.len(), 96 + root_len);
        bytes.extend(dataset);
        bytes.extend([0; 1024]);
        let label = format!("dims {dims}");
        let err = common::within(LIMIT, label.clone(), move || {
            let file = File::from_source(Arc::new(MemorySource::new(bytes, "absurd")))?;
            let dataset = file.dataset("/d")?;
            dataset.read::<f64>().map(|_| ())
        })
        .unwrap_err();
        eprintln!("{label}: {err}");
        assert!(
            matches!(err, Error::Corrupt { .. } | Error::OutOfBounds { .. }),
            "{label}: {err}"
        );
        assert!(
            err.to_string().contains("/d"),
            "{label}: error names the dataset: {err}"
        );
    }
    check_allocations();
}
