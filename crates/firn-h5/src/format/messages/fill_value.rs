//! The fill value messages (old form, and versions 1 to 3): the value of never-written elements.

use bytes::Bytes;

use crate::cursor::Cursor;
use crate::error::Result;

/// Parses the old fill value message: a size and the value.
pub(crate) fn parse_old(c: &mut Cursor<'_>) -> Result<Option<Bytes>> {
    let size = c.u32()? as usize;
    (size > 0).then(|| c.bytes(size)).transpose()
}

/// Parses the fill value message; `None` when no value is defined (zeros are used).
pub(crate) fn parse(c: &mut Cursor<'_>) -> Result<Option<Bytes>> {
    let version = c.u8()?;
    match version {
        1 | 2 => {
            // Space allocation time, fill value write time.
            c.skip(2)?;
            let defined = c.u8()? != 0;
            if version == 1 || defined {
                let size = c.u32()? as usize;
                let value = c.bytes(size)?;
                return Ok((defined && size > 0).then_some(value));
            }
            Ok(None)
        }
        3 => {
            let flags = c.u8()?;
            if flags & 0x20 != 0 {
                let size = c.u32()? as usize;
                let value = c.bytes(size)?;
                return Ok((size > 0).then_some(value));
            }
            Ok(None)
        }
        other => Err(c.unsupported(format!("fill value message version {other}"))),
    }
}
