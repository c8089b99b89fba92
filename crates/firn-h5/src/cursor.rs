//! The bounds-checked cursor: the only way the format parser reads bytes.
//!
//! A [`Cursor`] walks a buffer that was read from a known absolute file offset, so every error it
//! returns names the byte offset where the read failed and the object path being parsed.

use bytes::Bytes;

use crate::error::{Error, Result};

/// Widths of addresses ("offsets") and lengths in this file, from the superblock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sizes {
    /// Bytes per file address (2, 4 or 8).
    pub(crate) offset: u8,
    /// Bytes per length field (2, 4 or 8).
    pub(crate) length: u8,
}

/// A read position in a buffer that starts at absolute file offset `start`.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    data: Bytes,
    start: u64,
    pos: usize,
    sizes: Sizes,
    context: &'a str,
}

impl<'a> Cursor<'a> {
    /// A cursor over `data`, whose first byte is at absolute offset `start`; `context` names what is
    /// parsed (the object path) for errors.
    pub(crate) fn new(data: Bytes, start: u64, sizes: Sizes, context: &'a str) -> Self {
        Self {
            data,
            start,
            pos: 0,
            sizes,
            context,
        }
    }

    /// The file's address and length widths.
    pub(crate) fn sizes(&self) -> Sizes {
        self.sizes
    }

    /// Absolute file offset of the next byte.
    pub(crate) fn offset(&self) -> u64 {
        self.start + self.pos as u64
    }

    /// Position relative to the start of the buffer.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left in the buffer.
    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// A corruption error at the current offset.
    pub(crate) fn corrupt(&self, detail: impl Into<String>) -> Error {
        Error::Corrupt {
            offset: self.offset(),
            context: self.context.to_owned(),
            detail: detail.into(),
        }
    }

    /// An unsupported-feature error at the current offset.
    pub(crate) fn unsupported(&self, feature: impl Into<String>) -> Error {
        Error::Unsupported {
            feature: feature.into(),
            path: self.context.to_owned(),
            offset: self.offset(),
        }
    }

    /// Fails unless `n` more bytes are available.
    fn need(&self, n: usize, what: &str) -> Result<()> {
        if n > self.remaining() {
            return Err(self.corrupt(format!(
                "{what} needs {n} bytes but only {} remain in the structure",
                self.remaining()
            )));
        }
        Ok(())
    }

    /// Moves the position to `pos` bytes from the start of the buffer.
    pub(crate) fn seek(&mut self, pos: usize) -> Result<()> {
        if pos > self.data.len() {
            return Err(self.corrupt(format!(
                "position {pos} is past the structure's {} bytes",
                self.data.len()
            )));
        }
        self.pos = pos;
        Ok(())
    }

    /// Skips `n` bytes.
    pub(crate) fn skip(&mut self, n: usize) -> Result<()> {
        self.need(n, "skip")?;
        self.pos += n;
        Ok(())
    }

    /// Takes the next `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize) -> Result<Bytes> {
        self.need(n, "field")?;
        let out = self.data.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(out)
    }

    /// Reads a little-endian unsigned integer of `n` bytes (0 to 8).
    pub(crate) fn uint(&mut self, n: usize) -> Result<u64> {
        if n > 8 {
            return Err(self.corrupt(format!("integer field of {n} bytes is wider than 8")));
        }
        self.need(n, "integer")?;
        let value = self.data[self.pos..self.pos + n]
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        self.pos += n;
        Ok(value)
    }

    /// Reads one byte.
    pub(crate) fn u8(&mut self) -> Result<u8> {
        self.need(1, "u8")?;
        let value = self.data[self.pos];
        self.pos += 1;
        Ok(value)
    }

    /// Reads a little-endian u16.
    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(self.uint(2)? as u16)
    }

    /// Reads a little-endian u32.
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(self.uint(4)? as u32)
    }

    /// Reads a little-endian u64.
    pub(crate) fn u64(&mut self) -> Result<u64> {
        self.uint(8)
    }

    /// Reads a length field (the file's length width).
    pub(crate) fn length(&mut self) -> Result<u64> {
        self.uint(usize::from(self.sizes.length))
    }

    /// Reads an address field; `None` for the undefined address (all bits set).
    pub(crate) fn address(&mut self) -> Result<Option<u64>> {
        let width = usize::from(self.sizes.offset);
        let value = self.uint(width)?;
        let undefined = if width == 8 {
            u64::MAX
        } else {
            (1u64 << (width * 8)) - 1
        };
        Ok((value != undefined).then_some(value))
    }

    /// Reads an address that must be defined; `what` names it for the error.
    pub(crate) fn defined_address(&mut self, what: &str) -> Result<u64> {
        let at = self.offset();
        self.address()?.ok_or_else(|| Error::Corrupt {
            offset: at,
            context: self.context.to_owned(),
            detail: format!("{what} address is undefined"),
        })
    }

    /// Checks a 4-byte signature.
    pub(crate) fn signature(&mut self, expected: &[u8; 4]) -> Result<()> {
        let at = self.offset();
        let found = self.bytes(4)?;
        if found.as_ref() != expected {
            return Err(Error::Corrupt {
                offset: at,
                context: self.context.to_owned(),
                detail: format!(
                    "expected signature {:?}, found {:?}",
                    String::from_utf8_lossy(expected),
                    String::from_utf8_lossy(&found)
                ),
            });
        }
        Ok(())
    }

    /// The buffer's bytes from `from` (relative) up to the current position.
    pub(crate) fn since(&self, from: usize) -> &[u8] {
        &self.data[from.min(self.pos)..self.pos]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZES: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    #[test]
    fn reads_are_little_endian_and_bounded() {
        let mut c = Cursor::new(Bytes::from_static(&[1, 2, 3, 4, 5]), 100, SIZES, "/x");
        assert_eq!(c.u16().unwrap(), 0x0201);
        assert_eq!(c.offset(), 102);
        let err = c.u32().unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("byte offset 102") && text.contains("/x"),
            "{text}"
        );
        assert_eq!(c.u8().unwrap(), 3, "a failed read does not move the cursor");
    }

    #[test]
    fn undefined_addresses_are_none() {
        let mut c = Cursor::new(Bytes::from(vec![0xff; 12]), 0, SIZES, "");
        assert_eq!(c.address().unwrap(), None);
        let mut c = Cursor::new(
            Bytes::from(vec![0xff; 4]),
            0,
            Sizes {
                offset: 4,
                length: 4,
            },
            "",
        );
        assert_eq!(c.address().unwrap(), None);
    }
}
