//! Comparing what firn-h5 reads with what independent readers wrote.

use firn_h5::Array;

/// The little-endian bytes of an array's values, for bit-exact comparison.
pub fn array_bytes(array: &Array) -> Vec<u8> {
    fn le<T: Copy, const N: usize>(values: &[T], to: fn(T) -> [u8; N]) -> Vec<u8> {
        values.iter().flat_map(|&v| to(v)).collect()
    }
    match array {
        Array::I8(v) => le(v, i8::to_le_bytes),
        Array::U8(v) => v.clone(),
        Array::I16(v) => le(v, i16::to_le_bytes),
        Array::U16(v) => le(v, u16::to_le_bytes),
        Array::I32(v) => le(v, i32::to_le_bytes),
        Array::U32(v) => le(v, u32::to_le_bytes),
        Array::I64(v) => le(v, i64::to_le_bytes),
        Array::U64(v) => le(v, u64::to_le_bytes),
        Array::F32(v) => le(v, f32::to_le_bytes),
        Array::F64(v) => le(v, f64::to_le_bytes),
        other => panic!("no byte view for {}", other.type_name()),
    }
}
