//! Datatypes the reader understands, and the Rust types they are read into.

use std::fmt;

/// A stored element type. Only little-endian numbers and fixed-length strings are representable;
/// anything else is rejected when the datatype message is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Datatype {
    /// A little-endian two's-complement or unsigned integer of `size` bytes (1, 2, 4 or 8).
    Integer {
        /// Bytes per element.
        size: usize,
        /// Whether the integer is signed.
        signed: bool,
    },
    /// A little-endian IEEE 754 float of `size` bytes (4 or 8).
    Float {
        /// Bytes per element.
        size: usize,
    },
    /// A fixed-length string of `size` bytes.
    FixedString {
        /// Bytes per element.
        size: usize,
        /// How the unused tail of each string is filled.
        padding: StringPadding,
    },
}

/// How a fixed-length string fills its unused bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringPadding {
    /// Terminated by a NUL, the rest undefined.
    NullTerminated,
    /// Padded with NULs.
    NullPadded,
    /// Padded with spaces.
    SpacePadded,
}

impl Datatype {
    /// Bytes per element.
    pub fn size(&self) -> usize {
        match *self {
            Datatype::Integer { size, .. }
            | Datatype::Float { size }
            | Datatype::FixedString { size, .. } => size,
        }
    }

    /// Whether this datatype is the one `T` reads.
    pub fn matches<T: H5Type>(&self) -> bool {
        *self == T::datatype()
    }
}

impl fmt::Display for Datatype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Datatype::Integer { size, signed } => {
                write!(f, "{}{}", if *signed { "i" } else { "u" }, size * 8)
            }
            Datatype::Float { size } => write!(f, "f{}", size * 8),
            Datatype::FixedString { size, .. } => write!(f, "string[{size}]"),
        }
    }
}

/// A Rust number type that a dataset can be read into without conversion.
pub trait H5Type: bytemuck::Pod + Default + Send + Sync + 'static {
    /// The stored datatype this type reads.
    fn datatype() -> Datatype;
    /// The Rust type's name, for messages.
    const NAME: &'static str;
}

macro_rules! h5_type {
    ($ty:ty, $name:literal, $dtype:expr) => {
        impl H5Type for $ty {
            fn datatype() -> Datatype {
                $dtype
            }
            const NAME: &'static str = $name;
        }
    };
}

h5_type!(
    i8,
    "i8",
    Datatype::Integer {
        size: 1,
        signed: true
    }
);
h5_type!(
    u8,
    "u8",
    Datatype::Integer {
        size: 1,
        signed: false
    }
);
h5_type!(
    i16,
    "i16",
    Datatype::Integer {
        size: 2,
        signed: true
    }
);
h5_type!(
    u16,
    "u16",
    Datatype::Integer {
        size: 2,
        signed: false
    }
);
h5_type!(
    i32,
    "i32",
    Datatype::Integer {
        size: 4,
        signed: true
    }
);
h5_type!(
    u32,
    "u32",
    Datatype::Integer {
        size: 4,
        signed: false
    }
);
h5_type!(
    i64,
    "i64",
    Datatype::Integer {
        size: 8,
        signed: true
    }
);
h5_type!(
    u64,
    "u64",
    Datatype::Integer {
        size: 8,
        signed: false
    }
);
h5_type!(f32, "f32", Datatype::Float { size: 4 });
h5_type!(f64, "f64", Datatype::Float { size: 8 });
