//! A group's members, whichever way the group stores them: a symbol table (old style), link
//! messages in the header (compact), or a fractal heap (dense).

use super::messages::link::{self, Link};
use super::messages::{self, link_info, symbol_table as symbol_table_message};
use super::object_header::{FLAG_SHARED, ObjectHeader};
use super::{Reader, fractal_heap, symbol_table};
use crate::error::Result;

/// Whether the object header describes a group.
pub(crate) fn is_group(header: &ObjectHeader) -> bool {
    [
        messages::SYMBOL_TABLE,
        messages::LINK_INFO,
        messages::LINK,
        messages::GROUP_INFO,
    ]
    .iter()
    .any(|&kind| header.first(kind).is_some())
}

/// Every member of the group whose header is `header`.
pub(crate) fn links(reader: &Reader, header: &ObjectHeader, path: &str) -> Result<Vec<Link>> {
    let sizes = reader.sizes();
    if let Some(message) = header.first(messages::SYMBOL_TABLE) {
        let table = symbol_table_message::parse(&mut message.cursor(sizes, path))?;
        return symbol_table::links(reader, table, path);
    }
    let mut out = Vec::new();
    for message in header.all(messages::LINK) {
        if message.flags & FLAG_SHARED != 0 {
            return Err(message
                .cursor(sizes, path)
                .unsupported("shared link message"));
        }
        out.push(link::parse(&mut message.cursor(sizes, path))?);
    }
    if let Some(message) = header.first(messages::LINK_INFO)
        && let Some(heap) = link_info::parse(&mut message.cursor(sizes, path))?
    {
        out.extend(fractal_heap::links(reader, heap, path)?);
    }
    Ok(out)
}
