//! The HDF5 on-disk format, parsed lazily along the path asked for.
//!
//! Modules follow the levels of the HDF5 file-format specification: the superblock (level 0); the
//! B-trees and heaps that index groups and chunks (level 1); object headers and their messages
//! (level 2). Everything reads through [`Reader`], which maps file addresses (relative to the base
//! address) to cached metadata bytes and hands out bounds-checked cursors.

pub(crate) mod btree_v1;
pub(crate) mod checksum;
pub(crate) mod fractal_heap;
pub(crate) mod links;
pub(crate) mod local_heap;
pub(crate) mod messages;
pub(crate) mod object_header;
pub(crate) mod superblock;
pub(crate) mod symbol_table;

use crate::cursor::{Cursor, Sizes};
use crate::error::{Error, Result};
use crate::meta::MetaReader;

/// Metadata access for one file: the block cache, the base address and the field widths.
#[derive(Debug)]
pub(crate) struct Reader {
    meta: MetaReader,
    base: u64,
    sizes: Sizes,
}

impl Reader {
    /// Wraps the metadata cache once the superblock has given the base address and field widths.
    pub(crate) fn new(meta: MetaReader, base: u64, sizes: Sizes) -> Self {
        Self { meta, base, sizes }
    }

    /// The metadata cache (and through it, the byte source).
    pub(crate) fn meta(&self) -> &MetaReader {
        &self.meta
    }

    /// The base address: file addresses are relative to it.
    pub(crate) fn base(&self) -> u64 {
        self.base
    }

    /// The file's address and length widths.
    pub(crate) fn sizes(&self) -> Sizes {
        self.sizes
    }

    /// The absolute file offset of a file address.
    pub(crate) fn absolute(&self, address: u64, context: &str) -> Result<u64> {
        self.base
            .checked_add(address)
            .filter(|&abs| abs < self.meta.file_len())
            .ok_or_else(|| Error::OutOfBounds {
                offset: self.base.saturating_add(address),
                len: 0,
                file_len: self.meta.file_len(),
                context: context.to_owned(),
            })
    }

    /// A cursor over `len` bytes at file address `address`.
    pub(crate) fn cursor<'a>(
        &self,
        address: u64,
        len: u64,
        context: &'a str,
    ) -> Result<Cursor<'a>> {
        let start = self
            .base
            .checked_add(address)
            .ok_or_else(|| Error::OutOfBounds {
                offset: address,
                len,
                file_len: self.meta.file_len(),
                context: context.to_owned(),
            })?;
        let bytes = self.meta.read(start, len, context)?;
        Ok(Cursor::new(bytes, start, self.sizes, context))
    }

    /// A cursor over at most `len` bytes at `address`: clipped at the end of the file, for
    /// structures whose exact size is only known once parsed.
    pub(crate) fn cursor_upto<'a>(
        &self,
        address: u64,
        len: u64,
        context: &'a str,
    ) -> Result<Cursor<'a>> {
        let start = self.absolute(address, context)?;
        let len = len.min(self.meta.file_len() - start);
        self.cursor(address, len, context)
    }

    /// Fails unless `len` bytes at `address` lie inside the file: the guard to apply before
    /// allocating for a declared size.
    pub(crate) fn check_extent(&self, address: u64, len: u64, context: &str) -> Result<()> {
        let file_len = self.meta.file_len();
        let fits = self
            .base
            .checked_add(address)
            .and_then(|s| s.checked_add(len))
            .is_some_and(|end| end <= file_len);
        if fits {
            Ok(())
        } else {
            Err(Error::OutOfBounds {
                offset: self.base.saturating_add(address),
                len,
                file_len,
                context: context.to_owned(),
            })
        }
    }
}
