//! The data layout message: compact, contiguous, or chunked with a version-1 B-tree index.

use crate::cursor::Cursor;
use crate::error::Result;
use crate::storage::StorageLayout;

/// Most dimensions of a chunk (dataset rank 32 plus the element-size dimension).
const MAX_CHUNK_DIMS: u8 = 33;

/// A parsed layout: where the data is, and for chunked data the element size the layout records.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// The storage description.
    pub(crate) storage: StorageLayout,
    /// Element size stored as the chunk's last dimension (chunked layouts only).
    pub(crate) chunk_element_size: Option<u64>,
}

/// Parses a data layout message (version 3; version 4 for compact and contiguous storage).
pub(crate) fn parse(c: &mut Cursor<'_>) -> Result<Layout> {
    let version = c.u8()?;
    if !matches!(version, 3 | 4) {
        return Err(c.unsupported(format!("data layout message version {version}")));
    }
    let class = c.u8()?;
    match class {
        0 => {
            let size = usize::from(c.u16()?);
            let data = c.bytes(size)?;
            Ok(Layout {
                storage: StorageLayout::Compact { data },
                chunk_element_size: None,
            })
        }
        1 => {
            let address = c.address()?;
            let size = c.length()?;
            Ok(Layout {
                storage: StorageLayout::Contiguous { address, size },
                chunk_element_size: None,
            })
        }
        2 if version == 3 => {
            let dims = c.u8()?;
            if !(2..=MAX_CHUNK_DIMS).contains(&dims) {
                return Err(c.corrupt(format!("chunked layout with {dims} dimensions")));
            }
            let index_address = c.address()?;
            let mut chunk_shape = Vec::with_capacity(usize::from(dims));
            for _ in 0..dims {
                chunk_shape.push(u64::from(c.u32()?));
            }
            let element_size = chunk_shape.pop();
            Ok(Layout {
                storage: StorageLayout::Chunked {
                    chunk_shape,
                    index_address,
                },
                chunk_element_size: element_size,
            })
        }
        2 => {
            let start = c.clone();
            // Flags, dimensionality, encoded dimension size, then the dimensions and the index type.
            c.skip(1)?;
            let dims = usize::from(c.u8()?);
            let width = usize::from(c.u8()?);
            c.skip(dims.saturating_mul(width))?;
            let index = c.u8()?;
            let name = match index {
                1 => "single chunk",
                2 => "implicit",
                3 => "fixed array",
                4 => "extensible array",
                5 => "version 2 B-tree",
                _ => "unknown",
            };
            Err(start.unsupported(format!(
                "data layout version 4 chunk index type {index} ({name})"
            )))
        }
        3 => Err(c.unsupported("virtual dataset layout")),
        other => Err(c.corrupt(format!("data layout class {other} is undefined"))),
    }
}
