//! The deflate filter (HDF5 filter 1): a zlib stream, inflated with libdeflate.

use std::cell::RefCell;

use libdeflater::{DecompressionError, Decompressor};

thread_local! {
    static DECOMPRESSOR: RefCell<Decompressor> = RefCell::new(Decompressor::new());
}

/// Inflates the zlib stream `input` into `output`, which must be exactly the decoded size.
///
/// Returns a message naming the problem when the stream is corrupt, its checksum fails, or it does
/// not decode to exactly `output.len()` bytes.
pub(crate) fn inflate_zlib(input: &[u8], output: &mut [u8]) -> Result<(), String> {
    let expected = output.len();
    let result = DECOMPRESSOR.with(|d| d.borrow_mut().zlib_decompress(input, output));
    match result {
        Ok(n) if n == expected => Ok(()),
        Ok(n) => Err(format!(
            "deflate stream of {} bytes inflated to {n} bytes, expected {expected}",
            input.len()
        )),
        Err(DecompressionError::InsufficientSpace) => Err(format!(
            "deflate stream of {} bytes inflates to more than the chunk's {expected} bytes",
            input.len()
        )),
        Err(DecompressionError::BadData) => Err(format!(
            "deflate stream of {} bytes is corrupt (bad data or checksum)",
            input.len()
        )),
    }
}
