//! The link message: one named member of a new-style group.

use crate::cursor::Cursor;
use crate::error::Result;

/// Longest link name accepted.
const MAX_NAME: u64 = 64 * 1024;

/// A link: a name and where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// The member name.
    pub(crate) name: String,
    /// Where the link points.
    pub(crate) target: LinkTarget,
}

/// Where a link points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkTarget {
    /// A hard link: the object header address.
    Hard(u64),
    /// A soft link: a path in this file.
    Soft(String),
    /// An external link: a file name and a path in it.
    External {
        /// The other file.
        file: String,
        /// The object path in that file.
        path: String,
    },
    /// A user-defined link type.
    UserDefined(u8),
}

/// Parses one link message; the cursor ends just past it.
pub(crate) fn parse(c: &mut Cursor<'_>) -> Result<Link> {
    let version = c.u8()?;
    if version != 1 {
        return Err(c.corrupt(format!("link message version {version} (expected 1)")));
    }
    let flags = c.u8()?;
    let kind = if flags & 0x08 != 0 { c.u8()? } else { 0 };
    if flags & 0x04 != 0 {
        c.skip(8)?;
    }
    if flags & 0x10 != 0 {
        c.skip(1)?;
    }
    let name_len = c.uint(1 << (flags & 0x03))?;
    if name_len == 0 || name_len > MAX_NAME {
        return Err(c.corrupt(format!("link name length {name_len}")));
    }
    let name_bytes = c.bytes(name_len as usize)?;
    let name = String::from_utf8_lossy(&name_bytes).into_owned();
    let target = match kind {
        0 => LinkTarget::Hard(c.defined_address("hard link target")?),
        1 => {
            let len = usize::from(c.u16()?);
            let value = c.bytes(len)?;
            LinkTarget::Soft(String::from_utf8_lossy(&value).into_owned())
        }
        64 => {
            let len = usize::from(c.u16()?);
            let value = c.bytes(len)?;
            let mut parts = value.get(1..).unwrap_or_default().split(|&b| b == 0);
            let mut text =
                || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
            let file = text();
            let path = text();
            LinkTarget::External { file, path }
        }
        other => {
            let len = usize::from(c.u16()?);
            c.skip(len)?;
            LinkTarget::UserDefined(other)
        }
    };
    Ok(Link { name, target })
}
