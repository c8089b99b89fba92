//! Level 1: old-style groups — a version-1 B-tree of symbol table nodes ("SNOD") whose entries
//! name their members through the group's local heap.

use super::Reader;
use super::btree_v1;
use super::local_heap::LocalHeap;
use super::messages::link::{Link, LinkTarget};
use super::messages::symbol_table::SymbolTableMessage;
use crate::error::Result;

/// Most entries one symbol table node may hold (2 × the largest K of 16 bits).
const MAX_SYMBOLS: u64 = 2 * 65535;
/// Cache type of an entry that is a soft link (its scratch pad holds the link value's heap offset).
const CACHE_SOFT_LINK: u32 = 2;

/// Every member of an old-style group, in B-tree (name) order.
pub(crate) fn links(reader: &Reader, table: SymbolTableMessage, path: &str) -> Result<Vec<Link>> {
    let heap = LocalHeap::read(reader, table.heap, path)?;
    let mut out = Vec::new();
    for node in btree_v1::group_nodes(reader, table.btree, path)? {
        read_node(reader, node, &heap, path, &mut out)?;
    }
    Ok(out)
}

fn read_node(
    reader: &Reader,
    address: u64,
    heap: &LocalHeap,
    path: &str,
    out: &mut Vec<Link>,
) -> Result<()> {
    let sizes = reader.sizes();
    let mut c = reader.cursor(address, 8, path)?;
    c.signature(b"SNOD")?;
    let version = c.u8()?;
    if version != 1 {
        return Err(c.unsupported(format!("symbol table node version {version}")));
    }
    c.skip(1)?;
    let count = u64::from(c.u16()?);
    if count > MAX_SYMBOLS {
        return Err(c.corrupt(format!("symbol table node with {count} entries")));
    }
    let entry_len = 2 * u64::from(sizes.offset) + 24;
    let body = address
        .checked_add(8)
        .ok_or_else(|| c.corrupt("symbol table node address overflows"))?;
    reader.check_extent(body, count * entry_len, path)?;
    let mut c = reader.cursor(body, count * entry_len, path)?;
    for _ in 0..count {
        let name_offset = c.address()?.unwrap_or(u64::MAX);
        let header = c.address()?;
        let cache_type = c.u32()?;
        c.skip(4)?;
        let mut scratch = c.clone();
        c.skip(16)?;
        let name = heap.string(name_offset, path)?;
        let target = if cache_type == CACHE_SOFT_LINK {
            let value_offset = scratch.u32()?;
            LinkTarget::Soft(heap.string(u64::from(value_offset), path)?)
        } else {
            match header {
                Some(header) => LinkTarget::Hard(header),
                None => {
                    return Err(c.corrupt(format!(
                        "member {name:?} has an undefined object header address"
                    )));
                }
            }
        };
        out.push(Link { name, target });
    }
    Ok(())
}
