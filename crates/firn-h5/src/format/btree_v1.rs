//! Level 1: version-1 B-trees, for group nodes (type 0) and dataset chunks (type 1).
//!
//! Every node records its level, and a child must sit exactly one level below its parent, so a
//! walk ends after at most 255 levels; a node is never visited twice, so corrupt links cannot make
//! it loop. The chunk walk is pruned by row range: only children whose keys can overlap the
//! requested rows are read.

use std::collections::HashSet;
use std::ops::Range;

use super::Reader;
use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::storage::ChunkRecord;

/// Most entries a node may hold (2 × the largest K of 16 bits).
const MAX_ENTRIES: u64 = 2 * 65535;

/// One node: its level and its children with the keys around them.
struct Node {
    level: u8,
    /// `keys[i]` and `keys[i + 1]` bound `children[i]`.
    keys: Vec<Key>,
    children: Vec<u64>,
}

/// A parsed key.
#[derive(Debug, Clone)]
enum Key {
    /// Group nodes: a heap offset (unused by the reader).
    Group,
    /// Chunk nodes.
    Chunk {
        size: u32,
        filter_mask: u32,
        /// Chunk offsets in elements, including the trailing element-size dimension.
        offsets: Vec<u64>,
    },
}

/// Which tree is walked.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Group,
    /// Chunk index of a dataset with this many layout dimensions (rank + 1).
    Chunk {
        dims: usize,
    },
}

impl Kind {
    fn code(self) -> u8 {
        match self {
            Kind::Group => 0,
            Kind::Chunk { .. } => 1,
        }
    }

    fn key_len(self, reader: &Reader) -> u64 {
        match self {
            Kind::Group => u64::from(reader.sizes().length),
            Kind::Chunk { dims } => 8 + 8 * dims as u64,
        }
    }
}

fn read_node(reader: &Reader, address: u64, kind: Kind, path: &str) -> Result<Node> {
    let sizes = reader.sizes();
    let prefix_len = 8 + 2 * u64::from(sizes.offset);
    let mut c = reader.cursor(address, prefix_len, path)?;
    c.signature(b"TREE")?;
    let node_type = c.u8()?;
    if node_type != kind.code() {
        return Err(c.corrupt(format!(
            "B-tree node of type {node_type} where type {} was expected",
            kind.code()
        )));
    }
    let level = c.u8()?;
    let entries = u64::from(c.u16()?);
    if entries > MAX_ENTRIES {
        return Err(c.corrupt(format!("B-tree node with {entries} entries")));
    }
    let key_len = kind.key_len(reader);
    let body_len = (entries + 1) * key_len + entries * u64::from(sizes.offset);
    let body_address = address
        .checked_add(prefix_len)
        .ok_or_else(|| c.corrupt("B-tree node address overflows"))?;
    reader.check_extent(body_address, body_len, path)?;
    let mut c = reader.cursor(body_address, body_len, path)?;
    let mut keys = Vec::with_capacity(entries as usize + 1);
    let mut children = Vec::with_capacity(entries as usize);
    for i in 0..=entries {
        keys.push(read_key(&mut c, kind)?);
        if i < entries {
            children.push(c.defined_address("B-tree child")?);
        }
    }
    Ok(Node {
        level,
        keys,
        children,
    })
}

fn read_key(c: &mut Cursor<'_>, kind: Kind) -> Result<Key> {
    match kind {
        Kind::Group => {
            c.length()?;
            Ok(Key::Group)
        }
        Kind::Chunk { dims } => {
            let size = c.u32()?;
            let filter_mask = c.u32()?;
            let offsets = (0..dims).map(|_| c.u64()).collect::<Result<Vec<_>>>()?;
            Ok(Key::Chunk {
                size,
                filter_mask,
                offsets,
            })
        }
    }
}

/// Checks that a child's level is one below its parent's.
fn check_level(reader: &Reader, address: u64, parent: u8, child: u8, path: &str) -> Result<()> {
    if parent.checked_sub(1) != Some(child) {
        return Err(Error::Corrupt {
            offset: reader.absolute(address, path).unwrap_or(address),
            context: path.to_owned(),
            detail: format!("B-tree node at level {child} below a node at level {parent}"),
        });
    }
    Ok(())
}

/// Marks a node visited; a second visit means the tree's links form a cycle.
fn visit(seen: &mut HashSet<u64>, reader: &Reader, address: u64, path: &str) -> Result<()> {
    if !seen.insert(address) {
        return Err(Error::Corrupt {
            offset: reader.absolute(address, path).unwrap_or(address),
            context: path.to_owned(),
            detail: "B-tree node is reached twice (the tree's links form a cycle)".to_owned(),
        });
    }
    Ok(())
}

/// The symbol table node (SNOD) addresses of an old-style group's B-tree, in order.
pub(crate) fn group_nodes(reader: &Reader, root: u64, path: &str) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![(root, None::<u8>)];
    while let Some((address, parent)) = stack.pop() {
        visit(&mut seen, reader, address, path)?;
        let node = read_node(reader, address, Kind::Group, path)?;
        if let Some(parent) = parent {
            check_level(reader, address, parent, node.level, path)?;
        }
        if node.level == 0 {
            out.extend(&node.children);
        } else {
            stack.extend(node.children.iter().rev().map(|&c| (c, Some(node.level))));
        }
    }
    Ok(out)
}

/// A chunk index to walk: the B-tree at `root` of the dataset at `path`, whose chunks have shape
/// `chunk_shape` (without the element-size dimension), pruned to the chunks holding any of `rows`.
#[derive(Debug, Clone)]
pub(crate) struct ChunkQuery<'a> {
    pub(crate) root: u64,
    pub(crate) chunk_shape: &'a [u64],
    pub(crate) rows: Range<u64>,
    pub(crate) path: &'a str,
}

/// The K that libhdf5 uses for chunk B-trees unless a file asks otherwise: nodes have room for
/// 2K children, which is the size prefetched for each node (a larger node is completed by a
/// second read).
const DEFAULT_CHUNK_K: u64 = 32;

/// The chunks of each query whose rows overlap its `rows`, read from its chunk B-tree.
///
/// The trees are walked together, level by level: the nodes of one level of every tree are
/// prefetched in one coalesced batch (ranges at most `gap` bytes apart share a request of at most
/// `max_request` bytes), so a batch of datasets costs a few requests per level instead of one per
/// node. Only subtrees whose key range can hold a wanted chunk are read.
pub(crate) fn chunks(
    reader: &Reader,
    queries: &[ChunkQuery<'_>],
    gap: u64,
    max_request: u64,
) -> Result<Vec<Vec<ChunkRecord>>> {
    let mut out = vec![Vec::new(); queries.len()];
    let mut seen = vec![HashSet::new(); queries.len()];
    let kind = |q: &ChunkQuery<'_>| Kind::Chunk {
        dims: q.chunk_shape.len() + 1,
    };
    // (query, node address, level of the parent), in key order within each query.
    let mut level: Vec<(usize, u64, Option<u8>)> = queries
        .iter()
        .enumerate()
        .filter(|(_, q)| !q.rows.is_empty())
        .map(|(i, q)| (i, q.root, None))
        .collect();
    while !level.is_empty() {
        let wanted: Vec<Range<u64>> = level
            .iter()
            .filter_map(|&(i, address, _)| {
                let start = reader.base().checked_add(address)?;
                Some(start..start.saturating_add(node_len(reader, kind(&queries[i]))))
            })
            .collect();
        reader.meta().prefetch(&wanted, gap, max_request)?;
        let mut next = Vec::new();
        for (i, address, parent) in level {
            let query = &queries[i];
            visit(&mut seen[i], reader, address, query.path)?;
            let node = read_node(reader, address, kind(query), query.path)?;
            if let Some(parent) = parent {
                check_level(reader, address, parent, node.level, query.path)?;
            }
            for child in wanted_children(reader, &node, query, &mut out[i])? {
                next.push((i, child, Some(node.level)));
            }
        }
        level = next;
    }
    Ok(out)
}

/// Bytes of a chunk B-tree node with room for 2 × [`DEFAULT_CHUNK_K`] children.
fn node_len(reader: &Reader, kind: Kind) -> u64 {
    let offset = u64::from(reader.sizes().offset);
    let entries = 2 * DEFAULT_CHUNK_K;
    8 + 2 * offset + (entries + 1) * kind.key_len(reader) + entries * offset
}

/// Walks one node's entries: a leaf's chunks that overlap the query's rows go to `out`; for an
/// inner node, the children that can hold such chunks are returned, in key order.
fn wanted_children(
    reader: &Reader,
    node: &Node,
    query: &ChunkQuery<'_>,
    out: &mut Vec<ChunkRecord>,
) -> Result<Vec<u64>> {
    let rank = query.chunk_shape.len();
    let rows = &query.rows;
    let chunk_rows = query.chunk_shape.first().copied().unwrap_or(1);
    let mut children = Vec::new();
    for (i, &child) in node.children.iter().enumerate() {
        let (
            Key::Chunk {
                size,
                filter_mask,
                offsets,
            },
            Key::Chunk { offsets: upper, .. },
        ) = (&node.keys[i], &node.keys[i + 1])
        else {
            unreachable!("chunk trees hold chunk keys")
        };
        let first_row = offsets[0];
        if node.level == 0 {
            if first_row < rows.end && first_row.saturating_add(chunk_rows) > rows.start {
                out.push(ChunkRecord {
                    coords: offsets[..rank].to_vec(),
                    address: reader.absolute(child, query.path)?,
                    size: u64::from(*size),
                    filter_mask: *filter_mask,
                });
            }
            continue;
        }
        // Keys are ordered over all dimensions: the child's chunks start at or after `offsets`
        // and before `upper`, so their first row is at most upper[0] (less than it when the
        // upper key's trailing offsets are all zero).
        let last_row = if upper[1..].iter().all(|&o| o == 0) {
            upper[0].saturating_sub(1)
        } else {
            upper[0]
        };
        if first_row < rows.end && last_row.saturating_add(chunk_rows) > rows.start {
            children.push(child);
        }
    }
    Ok(children)
}
