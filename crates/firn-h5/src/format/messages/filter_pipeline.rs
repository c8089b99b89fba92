//! The filter pipeline message (versions 1 and 2). Deflate and shuffle are supported; any other
//! filter is reported by name.

use crate::cursor::Cursor;
use crate::error::Result;

/// A pipeline filter as stored: its id and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterEntry {
    /// Filter id (1 deflate, 2 shuffle, ...).
    pub(crate) id: u16,
    /// Client data values.
    pub(crate) params: Vec<u32>,
    /// Absolute file offset of the entry, for errors.
    pub(crate) offset: u64,
}

/// Most filters in one pipeline (HDF5's own limit).
const MAX_FILTERS: u8 = 32;

/// Parses a filter pipeline message, in write order.
pub(crate) fn parse(c: &mut Cursor<'_>) -> Result<Vec<FilterEntry>> {
    let version = c.u8()?;
    let count = c.u8()?;
    if count > MAX_FILTERS {
        return Err(c.corrupt(format!(
            "filter pipeline of {count} filters exceeds {MAX_FILTERS}"
        )));
    }
    match version {
        1 => c.skip(6)?,
        2 => {}
        other => return Err(c.unsupported(format!("filter pipeline message version {other}"))),
    }
    let mut filters = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let offset = c.offset();
        let id = c.u16()?;
        let name_len = if version == 1 || id >= 256 {
            usize::from(c.u16()?)
        } else {
            0
        };
        let _flags = c.u16()?;
        let values = usize::from(c.u16()?);
        if version == 1 {
            c.skip(name_len.div_ceil(8) * 8)?;
        } else {
            c.skip(name_len)?;
        }
        if values.saturating_mul(4) > c.remaining() {
            return Err(c.corrupt(format!(
                "filter {id} claims {values} parameters, more than the message holds"
            )));
        }
        let mut params = Vec::with_capacity(values);
        for _ in 0..values {
            params.push(c.u32()?);
        }
        if version == 1 && values % 2 == 1 {
            c.skip(4)?;
        }
        filters.push(FilterEntry { id, params, offset });
    }
    Ok(filters)
}

/// The registered name of a filter id, for messages.
pub(crate) fn filter_name(id: u16) -> &'static str {
    match id {
        1 => "deflate",
        2 => "shuffle",
        3 => "fletcher32",
        4 => "szip",
        5 => "nbit",
        6 => "scaleoffset",
        32001 => "blosc",
        32004 => "lz4",
        32008 => "bitshuffle",
        32015 => "zstd",
        _ => "unregistered",
    }
}
