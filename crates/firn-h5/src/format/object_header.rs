//! Level 2: object headers (version 1 and version 2 "OHDR"), with their continuation blocks.
//!
//! An object header is a list of messages, possibly spread over several blocks linked by
//! continuation messages. Parsing collects every message of every block; the callers interpret the
//! ones they need. The number of blocks is bounded and a block is never visited twice, so a cycle of
//! continuation messages is an error, not a hang.

use std::collections::HashSet;

use bytes::Bytes;

use super::Reader;
use super::checksum;
use crate::cursor::{Cursor, Sizes};
use crate::error::Result;

/// Message type of a continuation message.
const CONTINUATION: u16 = 0x10;
/// Most header blocks (the prefix plus continuation blocks) followed for one object.
const MAX_BLOCKS: usize = 1024;
/// Size of the version-1 header prefix (with its alignment padding).
const V1_PREFIX: u64 = 16;
/// Enough bytes for any version-2 prefix.
const V2_PREFIX_MAX: u64 = 4 + 1 + 1 + 16 + 4 + 8;

/// Message flag: the message is shared (stored elsewhere and referenced).
pub(crate) const FLAG_SHARED: u8 = 0x02;

/// One header message.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    /// Message type number.
    pub(crate) kind: u16,
    /// Message flags.
    pub(crate) flags: u8,
    /// Absolute file offset of the message data.
    pub(crate) offset: u64,
    /// The message data.
    pub(crate) data: Bytes,
}

impl Message {
    /// A cursor over the message data.
    pub(crate) fn cursor<'a>(&self, sizes: Sizes, context: &'a str) -> Cursor<'a> {
        Cursor::new(self.data.clone(), self.offset, sizes, context)
    }
}

/// A parsed object header.
#[derive(Debug, Clone)]
pub(crate) struct ObjectHeader {
    /// File address of the header.
    pub(crate) address: u64,
    /// Every message, in order, from every block.
    pub(crate) messages: Vec<Message>,
}

impl ObjectHeader {
    /// The first message of `kind`, if any.
    pub(crate) fn first(&self, kind: u16) -> Option<&Message> {
        self.messages.iter().find(|m| m.kind == kind)
    }

    /// Every message of `kind`.
    pub(crate) fn all(&self, kind: u16) -> impl Iterator<Item = &Message> {
        self.messages.iter().filter(move |m| m.kind == kind)
    }
}

/// Which header format a block belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    V1,
    V2 { creation_order: bool },
}

/// Reads the object header at file address `address`; `path` names the object for errors.
pub(crate) fn read(reader: &Reader, address: u64, path: &str) -> Result<ObjectHeader> {
    let mut prefix = reader.cursor_upto(address, V2_PREFIX_MAX, path)?;
    let first = prefix.clone().u8()?;
    let (format, block_start, block_len) = if first == 1 {
        prefix.skip(1 + 1 + 2 + 4)?;
        let len = u64::from(prefix.u32()?);
        (Format::V1, address + V1_PREFIX, len)
    } else {
        prefix.signature(b"OHDR")?;
        let version = prefix.u8()?;
        if version != 2 {
            return Err(prefix.unsupported(format!("object header version {version}")));
        }
        let flags = prefix.u8()?;
        if flags & 0x20 != 0 {
            prefix.skip(16)?;
        }
        if flags & 0x10 != 0 {
            prefix.skip(4)?;
        }
        let len = prefix.uint(1 << (flags & 0x03))?;
        let format = Format::V2 {
            creation_order: flags & 0x04 != 0,
        };
        (format, address, prefix.position() as u64 + len + 4)
    };

    let mut messages = Vec::new();
    let mut pending = vec![(block_start, block_len, true)];
    let mut seen = HashSet::new();
    while let Some((start, len, is_first)) = pending.pop() {
        if !seen.insert(start) {
            let at = reader.absolute(start, path).unwrap_or(start);
            return Err(crate::Error::Corrupt {
                offset: at,
                context: path.to_owned(),
                detail: "object header continuation blocks form a cycle".to_owned(),
            });
        }
        if seen.len() > MAX_BLOCKS {
            return Err(crate::Error::Corrupt {
                offset: reader.absolute(address, path).unwrap_or(address),
                context: path.to_owned(),
                detail: format!("object header has more than {MAX_BLOCKS} continuation blocks"),
            });
        }
        reader.check_extent(start, len, path)?;
        let mut block = reader.cursor(start, len, path)?;
        let found = read_block(&mut block, format, is_first)?;
        // Continuation blocks are read in the order they are listed.
        let mut continuations = Vec::new();
        for message in found {
            if message.kind == CONTINUATION {
                let mut c = message.cursor(reader.sizes(), path);
                let target = c.defined_address("continuation block")?;
                let target_len = c.length()?;
                continuations.push((target, target_len, false));
            }
            messages.push(message);
        }
        pending.extend(continuations.into_iter().rev());
    }
    Ok(ObjectHeader { address, messages })
}

/// Reads the messages of one header block.
fn read_block(c: &mut Cursor<'_>, format: Format, is_first: bool) -> Result<Vec<Message>> {
    let mut messages = Vec::new();
    match format {
        Format::V1 => {
            while c.remaining() >= 8 {
                let kind = c.u16()?;
                let size = usize::from(c.u16()?);
                let flags = c.u8()?;
                c.skip(3)?;
                let offset = c.offset();
                let data = c.bytes(size)?;
                messages.push(Message {
                    kind,
                    flags,
                    offset,
                    data,
                });
            }
        }
        Format::V2 { creation_order } => {
            if is_first {
                // Re-parse the prefix to find where the messages start.
                c.signature(b"OHDR")?;
                c.skip(1)?;
                let flags = c.u8()?;
                let mut skip = 0;
                if flags & 0x20 != 0 {
                    skip += 16;
                }
                if flags & 0x10 != 0 {
                    skip += 4;
                }
                c.skip(skip + (1 << (flags & 0x03)))?;
            } else {
                c.signature(b"OCHK")?;
            }
            let header_len = if creation_order { 6 } else { 4 };
            let end = c
                .remaining()
                .checked_sub(4)
                .ok_or_else(|| c.corrupt("header block too short for its checksum"))?;
            let end = c.position() + end;
            while end - c.position() >= header_len {
                let kind = u16::from(c.u8()?);
                let size = usize::from(c.u16()?);
                let flags = c.u8()?;
                if creation_order {
                    c.skip(2)?;
                }
                if size > end - c.position() {
                    return Err(c.corrupt(format!(
                        "message of type {kind:#x} claims {size} bytes, more than its block holds"
                    )));
                }
                let offset = c.offset();
                let data = c.bytes(size)?;
                messages.push(Message {
                    kind,
                    flags,
                    offset,
                    data,
                });
            }
            c.seek(end)?;
            checksum::verify(c, 0, "object header")?;
        }
    }
    Ok(messages)
}
