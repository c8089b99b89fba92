//! The dataspace message (versions 1 and 2): the dataset's rank and dimensions.

use crate::cursor::Cursor;
use crate::error::Result;

/// Most dimensions HDF5 allows.
const MAX_RANK: u8 = 32;

/// A dataset's extent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dataspace {
    /// One element, shape `[]`.
    Scalar,
    /// No elements at all.
    Null,
    /// An array of these dimensions.
    Simple(Vec<u64>),
}

/// Parses a dataspace message.
pub(crate) fn parse(c: &mut Cursor<'_>) -> Result<Dataspace> {
    let version = c.u8()?;
    let rank = c.u8()?;
    let flags = c.u8()?;
    if rank > MAX_RANK {
        return Err(c.corrupt(format!("dataspace rank {rank} exceeds {MAX_RANK}")));
    }
    let kind = match version {
        1 => {
            c.skip(5)?;
            if rank == 0 { 0 } else { 1 }
        }
        2 => c.u8()?,
        other => return Err(c.unsupported(format!("dataspace message version {other}"))),
    };
    let mut dims = Vec::with_capacity(usize::from(rank));
    for _ in 0..rank {
        dims.push(c.length()?);
    }
    match kind {
        0 => Ok(Dataspace::Scalar),
        1 => {
            if flags & 0x01 != 0 {
                // Maximum dimensions follow; they do not change what can be read.
                c.skip(usize::from(rank) * usize::from(c.sizes().length))?;
            }
            Ok(Dataspace::Simple(dims))
        }
        2 => Ok(Dataspace::Null),
        other => Err(c.corrupt(format!(
            "dataspace type {other} is not scalar, simple or null"
        ))),
    }
}
