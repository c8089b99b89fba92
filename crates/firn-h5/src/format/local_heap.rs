//! Level 1: the local heap, where an old-style group keeps its member names.

use bytes::Bytes;

use super::Reader;
use crate::error::{Error, Result};

/// A local heap's data segment.
#[derive(Debug, Clone)]
pub(crate) struct LocalHeap {
    data: Bytes,
    /// Absolute file offset of the data segment, for errors.
    offset: u64,
}

impl LocalHeap {
    /// Reads the heap whose header is at `address`.
    pub(crate) fn read(reader: &Reader, address: u64, path: &str) -> Result<Self> {
        let sizes = reader.sizes();
        let header_len = 8 + 2 * u64::from(sizes.length) + u64::from(sizes.offset);
        let mut c = reader.cursor(address, header_len, path)?;
        c.signature(b"HEAP")?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.unsupported(format!("local heap version {version}")));
        }
        c.skip(3)?;
        let size = c.length()?;
        // Offset to the head of the free list.
        c.length()?;
        let data_address = c.defined_address("local heap data segment")?;
        reader.check_extent(data_address, size, path)?;
        let data = reader.cursor(data_address, size, path)?;
        let offset = data.offset();
        let mut data = data;
        let data = data.bytes(data.remaining())?;
        Ok(Self { data, offset })
    }

    /// The NUL-terminated string at `offset` in the data segment.
    pub(crate) fn string(&self, offset: u64, path: &str) -> Result<String> {
        let bytes = usize::try_from(offset)
            .ok()
            .and_then(|start| self.data.get(start..))
            .ok_or_else(|| Error::Corrupt {
                offset: self.offset,
                context: path.to_owned(),
                detail: format!(
                    "name offset {offset} is outside the local heap's {} bytes",
                    self.data.len()
                ),
            })?;
        let end = bytes
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| Error::Corrupt {
                offset: self.offset.saturating_add(offset),
                context: path.to_owned(),
                detail: "name in the local heap has no terminating NUL".to_owned(),
            })?;
        Ok(String::from_utf8_lossy(&bytes[..end]).into_owned())
    }
}
