//! The link info message: where a new-style group keeps its links when they are stored densely.

use crate::cursor::Cursor;
use crate::error::Result;

/// Parses a link info message; returns the fractal heap address (`None` when links are compact,
/// stored as link messages in the header).
pub(crate) fn parse(c: &mut Cursor<'_>) -> Result<Option<u64>> {
    let version = c.u8()?;
    if version != 0 {
        return Err(c.unsupported(format!("link info message version {version}")));
    }
    let flags = c.u8()?;
    if flags & 0x01 != 0 {
        // Maximum creation index.
        c.skip(8)?;
    }
    c.address()
}
