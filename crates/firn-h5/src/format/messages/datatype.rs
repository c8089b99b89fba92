//! The datatype message: little-endian integers and IEEE floats, and fixed-length strings.

use crate::cursor::Cursor;
use crate::dtype::{Datatype, StringPadding};
use crate::error::Result;

/// Parses a datatype message; every class but fixed-point, float and string is unsupported.
pub(crate) fn parse(c: &mut Cursor<'_>) -> Result<Datatype> {
    let start = c.clone();
    let class_and_version = c.u8()?;
    let class = class_and_version & 0x0f;
    let bits = [c.u8()?, c.u8()?, c.u8()?];
    let size = c.u32()? as usize;
    let big_endian = bits[0] & 0x01 != 0;
    match class {
        0 => {
            if big_endian {
                return Err(start.unsupported(format!("big-endian {size}-byte integer datatype")));
            }
            let signed = bits[0] & 0x08 != 0;
            let bit_offset = c.u16()?;
            let precision = c.u16()?;
            if !matches!(size, 1 | 2 | 4 | 8)
                || bit_offset != 0
                || usize::from(precision) != size * 8
            {
                return Err(start.unsupported(format!(
                    "integer datatype of {size} bytes with bit offset {bit_offset} and precision {precision}"
                )));
            }
            Ok(Datatype::Integer { size, signed })
        }
        1 => {
            // Bit 6 with bit 0 marks VAX order.
            if big_endian || bits[0] & 0x40 != 0 {
                return Err(start.unsupported(format!("big-endian {size}-byte float datatype")));
            }
            let bit_offset = c.u16()?;
            let precision = c.u16()?;
            if !matches!(size, 4 | 8) || bit_offset != 0 || usize::from(precision) != size * 8 {
                return Err(start.unsupported(format!(
                    "float datatype of {size} bytes with bit offset {bit_offset} and precision {precision}"
                )));
            }
            Ok(Datatype::Float { size })
        }
        3 => {
            let padding = match bits[0] & 0x0f {
                0 => StringPadding::NullTerminated,
                1 => StringPadding::NullPadded,
                2 => StringPadding::SpacePadded,
                other => {
                    return Err(start.corrupt(format!("string padding type {other} is undefined")));
                }
            };
            if size == 0 {
                return Err(start.corrupt("fixed-length string of 0 bytes"));
            }
            Ok(Datatype::FixedString { size, padding })
        }
        other => Err(start.unsupported(format!("{} datatype (class {other})", class_name(other)))),
    }
}

/// The specification's name of a datatype class.
fn class_name(class: u8) -> &'static str {
    match class {
        2 => "time",
        4 => "bitfield",
        5 => "opaque",
        6 => "compound",
        7 => "reference",
        8 => "enumerated",
        9 => "variable-length",
        10 => "array",
        _ => "unknown",
    }
}
