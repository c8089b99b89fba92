//! Mutates the real ATL03 fixture and opens, walks and reads every dataset of the result.
//!
//! The input is a list of 4-byte edits: a 24-bit little-endian offset (modulo the file length)
//! and the byte to write there. Reaching deep parse paths needs a real file, so the fixture is read
//! at start-up from `FIRN_H5_FIXTURE` (default: the shared fixture path); it is never copied into
//! the repository. Checked properties: no panic, no hang (libFuzzer's timeout), and an unmutated
//! file reads every dataset without error.

#![no_main]

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use firn_h5::source::MemorySource;
use firn_h5::{Datatype, File};
use libfuzzer_sys::fuzz_target;

const DEFAULT_FIXTURE: &str = "/work/shared/fixtures/atl03/ATL03_gt1l_subset.h5";

fn fixture() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let path = std::env::var("FIRN_H5_FIXTURE").unwrap_or_else(|_| DEFAULT_FIXTURE.to_owned());
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read the fixture {path}: {e}"))
    })
}

/// Opens, walks and reads everything; returns the number of errors met.
fn exercise(bytes: Vec<u8>) -> usize {
    let source = Arc::new(MemorySource::new(Bytes::from(bytes), "fuzz"));
    let Ok(file) = File::from_source(source) else {
        return 1;
    };
    let mut errors = 0;
    for entry in file.walk() {
        errors += usize::from(entry.error.is_some());
        let Some(dataset) = entry.dataset else {
            continue;
        };
        let result = match dataset.dtype() {
            Datatype::FixedString { .. } => dataset.read_strings().map(drop),
            _ => file.read_batch(&[(&dataset, 0..dataset.len())]).map(drop),
        };
        errors += usize::from(result.is_err());
    }
    errors
}

fuzz_target!(|data: &[u8]| {
    let original = fixture();
    let mut bytes = original.to_vec();
    for edit in data.chunks_exact(4) {
        let offset =
            (usize::from(edit[0]) | usize::from(edit[1]) << 8 | usize::from(edit[2]) << 16)
                % bytes.len();
        bytes[offset] = edit[3];
    }
    let unchanged = bytes == original;
    let errors = exercise(bytes);
    assert!(
        !unchanged || errors == 0,
        "the intact fixture must read without errors"
    );
});
