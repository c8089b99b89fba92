//! Level 0: the superblock, found at offset 0 or after a user block at 512, 1024, 2048, … bytes.

use super::checksum;
use crate::cursor::{Cursor, Sizes};
use crate::error::{Error, Result};
use crate::meta::MetaReader;

/// The eight signature bytes that open every superblock.
const SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];
/// The first possible superblock location after offset 0.
const FIRST_USER_BLOCK: u64 = 512;
/// Enough bytes for any superblock version with 8-byte fields.
const MAX_SUPERBLOCK: u64 = 128;
/// What errors name while the superblock is parsed.
const CONTEXT: &str = "superblock";

/// The parsed superblock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Superblock {
    /// Superblock version (0 to 3).
    pub(crate) version: u8,
    /// Absolute offset of the superblock; file addresses are relative to it.
    pub(crate) base: u64,
    /// Address and length widths.
    pub(crate) sizes: Sizes,
    /// The root group's object header address.
    pub(crate) root: u64,
}

/// Finds and parses the superblock.
pub(crate) fn read(meta: &MetaReader) -> Result<Superblock> {
    let file_len = meta.file_len();
    let mut at = 0u64;
    loop {
        if at.saturating_add(SIGNATURE.len() as u64) > file_len {
            return Err(Error::Corrupt {
                offset: 0,
                context: CONTEXT.to_owned(),
                detail: format!(
                    "no HDF5 signature at offset 0 or any power of two from 512 up to the file length {file_len}"
                ),
            });
        }
        if meta.read(at, SIGNATURE.len() as u64, CONTEXT)?.as_ref() == SIGNATURE {
            return parse(meta, at);
        }
        at = if at == 0 { FIRST_USER_BLOCK } else { at * 2 };
    }
}

fn parse(meta: &MetaReader, at: u64) -> Result<Superblock> {
    let len = MAX_SUPERBLOCK.min(meta.file_len() - at);
    let bytes = meta.read(at, len, CONTEXT)?;
    let provisional = Sizes {
        offset: 8,
        length: 8,
    };
    let mut c = Cursor::new(bytes, at, provisional, CONTEXT);
    c.skip(SIGNATURE.len())?;
    let version = c.u8()?;
    match version {
        0 | 1 => parse_v0(c, at, version),
        2 | 3 => parse_v2(c, at, version),
        other => Err(c.unsupported(format!("superblock version {other}"))),
    }
}

fn sizes_from(c: &Cursor<'_>, offset: u8, length: u8) -> Result<Sizes> {
    let ok = |n: u8| matches!(n, 2 | 4 | 8);
    if !ok(offset) || !ok(length) {
        return Err(c.corrupt(format!(
            "size of offsets {offset} / size of lengths {length} must be 2, 4 or 8"
        )));
    }
    Ok(Sizes { offset, length })
}

fn parse_v0(mut c: Cursor<'_>, at: u64, version: u8) -> Result<Superblock> {
    // Free-space, root symbol table and shared header versions, one reserved byte.
    c.skip(4)?;
    let offset = c.u8()?;
    let length = c.u8()?;
    let sizes = sizes_from(&c, offset, length)?;
    let mut c = Cursor::new(bytes_from(&c)?, c.offset(), sizes, CONTEXT);
    // Reserved byte, group leaf and internal node K, file consistency flags.
    c.skip(1 + 2 + 2 + 4)?;
    if version == 1 {
        // Indexed storage internal node K and two reserved bytes.
        c.skip(4)?;
    }
    // Base, free-space info, end-of-file and driver info addresses.
    c.address()?;
    c.address()?;
    c.address()?;
    c.address()?;
    // Root group symbol table entry: link name offset, then the object header address.
    c.address()?;
    let header = c.defined_address("root group object header")?;
    Ok(Superblock {
        version,
        base: at,
        sizes,
        root: header,
    })
}

fn parse_v2(mut c: Cursor<'_>, at: u64, version: u8) -> Result<Superblock> {
    let offset = c.u8()?;
    let length = c.u8()?;
    let sizes = sizes_from(&c, offset, length)?;
    let start_of_fields = c.position();
    let mut c2 = Cursor::new(bytes_from(&c)?, c.offset(), sizes, CONTEXT);
    // File consistency flags.
    c2.skip(1)?;
    // Base address, superblock extension address (skipped: it holds nothing a reader needs),
    // end-of-file address.
    c2.address()?;
    c2.address()?;
    c2.address()?;
    let header = c2.defined_address("root group object header")?;
    // The checksum covers everything from the signature to here.
    let fields_len = c2.position();
    c.seek(0)?;
    c.skip(start_of_fields + fields_len)?;
    checksum::verify(&mut c, 0, "superblock")?;
    Ok(Superblock {
        version,
        base: at,
        sizes,
        root: header,
    })
}

/// The rest of the cursor's buffer, for re-reading with the real field widths.
fn bytes_from(c: &Cursor<'_>) -> Result<bytes::Bytes> {
    let mut rest = c.clone();
    rest.bytes(c.remaining())
}
