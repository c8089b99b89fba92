//! Record framing: an 8-byte big-endian header, the NUL-terminated type name, the payload.

use bytes::{BufMut, Bytes, BytesMut};

/// The record format version the clients accept.
pub(crate) const RECORD_VERSION: u16 = 2;

/// Bytes of the header: version (u16), type-name length with its NUL (u16), payload length (u32).
pub(crate) const HEADER_BYTES: usize = 8;

/// The largest payload a record may carry: the clients read the length as a signed 32-bit number.
pub(crate) const MAX_PAYLOAD: usize = i32::MAX as usize;

/// One framed record: header, `rectype` and its NUL, then `payload`.
///
/// The record constructors bound their payloads far below [`MAX_PAYLOAD`] and use static type
/// names, so the lengths always fit.
pub(crate) fn frame(rectype: &str, payload: &[u8]) -> Bytes {
    let name_len = u16::try_from(rectype.len() + 1).expect("record type names are short");
    assert!(payload.len() <= MAX_PAYLOAD, "record payloads are bounded");
    let mut out = BytesMut::with_capacity(HEADER_BYTES + rectype.len() + 1 + payload.len());
    out.put_u16(RECORD_VERSION);
    out.put_u16(name_len);
    out.put_u32(payload.len() as u32);
    out.put_slice(rectype.as_bytes());
    out.put_u8(0);
    out.put_slice(payload);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_big_endian_and_counts_the_nul() {
        let record = frame("abc", &[1, 2, 3, 4, 5]);
        assert_eq!(
            record.as_ref(),
            [0, 2, 0, 4, 0, 0, 0, 5, b'a', b'b', b'c', 0, 1, 2, 3, 4, 5]
        );
    }
}
