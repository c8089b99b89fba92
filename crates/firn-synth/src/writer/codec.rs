//! The HDF5 filter pipeline done by hand: byte shuffle, then a zlib stream (the deflate filter).
//!
//! Hand-written so that chunks compress on all cores with libdeflate and go to the file with
//! `H5Dwrite_chunk`; libhdf5's own pipeline runs single-threaded under its global lock.

use libdeflater::{CompressionLvl, Compressor};

/// HDF5 deflate level used for every dataset (as in ATL03).
pub(crate) const DEFLATE_LEVEL: i32 = 6;

/// The shuffle filter: byte `b` of element `i` goes to `b * n + i`.
pub(crate) fn shuffle(raw: &[u8], elem_size: usize) -> Vec<u8> {
    if elem_size <= 1 {
        return raw.to_vec();
    }
    let n = raw.len() / elem_size;
    let mut out = vec![0u8; raw.len()];
    for (i, elem) in raw.chunks_exact(elem_size).enumerate() {
        for (b, &byte) in elem.iter().enumerate() {
            out[b * n + i] = byte;
        }
    }
    out
}

/// A zlib stream of `data` at [`DEFLATE_LEVEL`]; an error if libdeflate reports no room (it cannot
/// with a buffer of the bound size).
pub(crate) fn zlib(compressor: &mut Compressor, data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; compressor.zlib_compress_bound(data.len())];
    let n = compressor
        .zlib_compress(data, &mut out)
        .map_err(|e| e.to_string())?;
    out.truncate(n);
    Ok(out)
}

/// A compressor at the ATL03 level.
pub(crate) fn compressor() -> Compressor {
    // Level 6 is inside libdeflate's 0..=12 range, so this cannot fail; fall back to default.
    CompressionLvl::new(DEFLATE_LEVEL).map_or_else(
        |_| Compressor::new(CompressionLvl::default()),
        Compressor::new,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_groups_bytes_by_significance() {
        let raw: Vec<u8> = [1u32, 2, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(shuffle(&raw, 4), vec![1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(shuffle(&raw, 1), raw);
    }

    #[test]
    fn zlib_round_trips_through_libdeflate() {
        let data: Vec<u8> = (0..10_000u32)
            .flat_map(|v| (v % 97).to_le_bytes())
            .collect();
        let z = zlib(&mut compressor(), &data).expect("compress");
        let mut back = vec![0u8; data.len()];
        let n = libdeflater::Decompressor::new()
            .zlib_decompress(&z, &mut back)
            .expect("inflate");
        assert_eq!(&back[..n], &data[..]);
    }
}
