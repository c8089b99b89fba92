//! The symbol table message: an old-style group's B-tree and local heap.

use crate::cursor::Cursor;
use crate::error::Result;

/// The addresses of an old-style group's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SymbolTableMessage {
    /// Root of the version-1 B-tree (type 0) of symbol table nodes.
    pub(crate) btree: u64,
    /// The local heap holding the member names.
    pub(crate) heap: u64,
}

/// Parses a symbol table message.
pub(crate) fn parse(c: &mut Cursor<'_>) -> Result<SymbolTableMessage> {
    let btree = c.defined_address("group B-tree")?;
    let heap = c.defined_address("group local heap")?;
    Ok(SymbolTableMessage { btree, heap })
}
