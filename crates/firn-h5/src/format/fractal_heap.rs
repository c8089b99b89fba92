//! Level 1: the fractal heap, where a new-style group with many members stores its link messages
//! ("dense" link storage).
//!
//! The reader does not use the group's name index (a version-2 B-tree): it walks the heap's
//! managed blocks — the root direct block, or the root indirect block and its children — and decodes
//! the link messages stored back to back in each direct block, until it has found as many objects as
//! the heap header counts. Walks are bounded: blocks are never visited twice and indirect blocks nest
//! at most [`MAX_DEPTH`] deep.

use std::collections::HashSet;

use super::Reader;
use super::checksum;
use super::messages::link::{self, Link};
use crate::cursor::Cursor;
use crate::error::{Error, Result};

/// Deepest nesting of indirect blocks followed.
const MAX_DEPTH: usize = 16;
/// Longest fractal heap header with 8-byte fields and no I/O filters.
const HEADER_MAX: u64 = 4 + 1 + 2 + 2 + 1 + 4 + 12 * 8 + 2 + 8 + 8 + 2 + 2 + 8 + 2 + 4;

/// The heap header fields the walk needs.
#[derive(Debug, Clone)]
struct Header {
    /// Direct blocks carry a checksum.
    checksummed: bool,
    /// Managed objects in the heap.
    objects: u64,
    table_width: u64,
    start_block: u64,
    max_direct_block: u64,
    /// Bytes of the "block offset" field in block headers.
    offset_bytes: usize,
    root: Option<u64>,
    root_rows: u64,
}

impl Header {
    /// Size of the blocks in row `row` of an indirect block.
    fn row_size(&self, row: u64) -> Option<u64> {
        if row == 0 {
            Some(self.start_block)
        } else {
            u32::try_from(row - 1)
                .ok()
                .and_then(|shift| self.start_block.checked_shl(shift))
        }
    }

    /// Rows of an indirect block that hold direct blocks.
    fn direct_rows(&self) -> u64 {
        u64::from(self.max_direct_block.ilog2() - self.start_block.ilog2()) + 2
    }
}

/// Every link stored in the fractal heap at `address`.
pub(crate) fn links(reader: &Reader, address: u64, path: &str) -> Result<Vec<Link>> {
    let header = read_header(reader, address, path)?;
    let mut walk = Walk {
        reader,
        header: &header,
        path,
        seen: HashSet::new(),
        links: Vec::new(),
    };
    if let Some(root) = header.root {
        if header.root_rows == 0 {
            walk.direct(root, header.start_block)?;
        } else {
            walk.indirect(root, header.root_rows, 0)?;
        }
    }
    if (walk.links.len() as u64) < header.objects {
        return Err(Error::Corrupt {
            offset: reader.absolute(address, path).unwrap_or(address),
            context: path.to_owned(),
            detail: format!(
                "fractal heap counts {} links but its blocks hold {}",
                header.objects,
                walk.links.len()
            ),
        });
    }
    Ok(walk.links)
}

fn read_header(reader: &Reader, address: u64, path: &str) -> Result<Header> {
    let mut c = reader.cursor_upto(address, HEADER_MAX, path)?;
    c.signature(b"FRHP")?;
    let version = c.u8()?;
    if version != 0 {
        return Err(c.unsupported(format!("fractal heap version {version}")));
    }
    let _heap_id_len = c.u16()?;
    let filter_len = c.u16()?;
    let flags = c.u8()?;
    let _max_managed = c.u32()?;
    let _next_huge_id = c.length()?;
    let _huge_btree = c.address()?;
    let _free_space = c.length()?;
    let _free_manager = c.address()?;
    let _managed_space = c.length()?;
    let _allocated = c.length()?;
    let _iterator = c.length()?;
    let objects = c.length()?;
    let _huge_size = c.length()?;
    let huge = c.length()?;
    let _tiny_size = c.length()?;
    let tiny = c.length()?;
    let table_width = u64::from(c.u16()?);
    let start_block = c.length()?;
    let max_direct_block = c.length()?;
    let max_heap_bits = c.u16()?;
    let _start_rows = c.u16()?;
    let root = c.address()?;
    let root_rows = u64::from(c.u16()?);
    if filter_len > 0 {
        return Err(c.unsupported("fractal heap with I/O filters (compressed link storage)"));
    }
    if huge > 0 || tiny > 0 {
        return Err(c.unsupported("fractal heap with huge or tiny objects"));
    }
    checksum::verify(&mut c, 0, "fractal heap header")?;
    let power_of_two = |n: u64| n > 0 && n.is_power_of_two();
    if table_width == 0
        || !power_of_two(start_block)
        || !power_of_two(max_direct_block)
        || max_direct_block < start_block
        || max_heap_bits == 0
        || max_heap_bits > 64
        || root_rows > 64
    {
        return Err(c.corrupt(format!(
            "fractal heap geometry is invalid: width {table_width}, starting block {start_block}, \
             largest direct block {max_direct_block}, heap bits {max_heap_bits}, root rows {root_rows}"
        )));
    }
    Ok(Header {
        checksummed: flags & 0x02 != 0,
        objects,
        table_width,
        start_block,
        max_direct_block,
        offset_bytes: usize::from(max_heap_bits).div_ceil(8),
        root,
        root_rows,
    })
}

/// The state of one walk over a heap's blocks.
struct Walk<'a> {
    reader: &'a Reader,
    header: &'a Header,
    path: &'a str,
    seen: HashSet<u64>,
    links: Vec<Link>,
}

impl Walk<'_> {
    fn enter(&mut self, address: u64) -> Result<()> {
        if !self.seen.insert(address) {
            return Err(Error::Corrupt {
                offset: self.reader.absolute(address, self.path).unwrap_or(address),
                context: self.path.to_owned(),
                detail: "fractal heap block is reached twice".to_owned(),
            });
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.links.len() as u64 >= self.header.objects
    }

    /// Decodes the link messages of the direct block at `address`, `size` bytes long.
    fn direct(&mut self, address: u64, size: u64) -> Result<()> {
        self.enter(address)?;
        self.reader.check_extent(address, size, self.path)?;
        let mut c = self.reader.cursor(address, size, self.path)?;
        c.signature(b"FHDB")?;
        c.skip(1)?;
        c.address()?;
        c.skip(self.header.offset_bytes)?;
        if self.header.checksummed {
            let mut check = c.clone();
            let covered = c.position();
            check.seek(covered)?;
            let stored = check.u32()?;
            let mut whole = c.clone();
            whole.seek(0)?;
            let mut bytes = whole.bytes(size as usize)?.to_vec();
            bytes[covered..covered + 4].fill(0);
            let computed = checksum::lookup3(&bytes);
            if stored != computed {
                return Err(check.corrupt(format!(
                    "fractal heap direct block checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"
                )));
            }
            c.skip(4)?;
        }
        // Objects are stored back to back from the start of the block's data; free space (zeros)
        // follows the last one.
        while !self.done() && c.remaining() > 0 && peek(&c)? == 1 {
            self.links.push(link::parse(&mut c)?);
        }
        Ok(())
    }

    /// Walks the indirect block at `address` with `rows` rows.
    fn indirect(&mut self, address: u64, rows: u64, depth: usize) -> Result<()> {
        self.enter(address)?;
        if depth > MAX_DEPTH {
            return Err(Error::Corrupt {
                offset: self.reader.absolute(address, self.path).unwrap_or(address),
                context: self.path.to_owned(),
                detail: format!("fractal heap indirect blocks nest deeper than {MAX_DEPTH}"),
            });
        }
        let sizes = self.reader.sizes();
        let entries = rows * self.header.table_width;
        let prefix = 5 + u64::from(sizes.offset) + self.header.offset_bytes as u64;
        let len = prefix + entries * u64::from(sizes.offset) + 4;
        self.reader.check_extent(address, len, self.path)?;
        let mut c = self.reader.cursor(address, len, self.path)?;
        c.signature(b"FHIB")?;
        c.skip(len as usize - 8)?;
        checksum::verify(&mut c, 0, "fractal heap indirect block")?;
        c.seek(prefix as usize)?;
        let direct_rows = self.header.direct_rows();
        for row in 0..rows {
            let size = self.row_size(row, &c)?;
            for _ in 0..self.header.table_width {
                let child = c.address()?;
                let Some(child) = child else { continue };
                if self.done() {
                    continue;
                }
                if row < direct_rows {
                    self.direct(child, size)?;
                } else {
                    let child_rows = self.indirect_rows(size, &c)?;
                    self.indirect(child, child_rows, depth + 1)?;
                }
            }
        }
        Ok(())
    }

    fn row_size(&self, row: u64, c: &Cursor<'_>) -> Result<u64> {
        self.header
            .row_size(row)
            .ok_or_else(|| c.corrupt(format!("fractal heap row {row} has no valid block size")))
    }

    /// Rows of a child indirect block whose blocks span `size` bytes.
    fn indirect_rows(&self, size: u64, c: &Cursor<'_>) -> Result<u64> {
        let first_row_span = self
            .header
            .start_block
            .saturating_mul(self.header.table_width);
        if first_row_span == 0 || !first_row_span.is_power_of_two() || size < first_row_span {
            return Err(c.corrupt("fractal heap indirect block size does not fit the table width"));
        }
        Ok(u64::from(size.ilog2() - first_row_span.ilog2()) + 1)
    }
}

/// The next byte without consuming it.
fn peek(c: &Cursor<'_>) -> Result<u8> {
    c.clone().u8()
}
