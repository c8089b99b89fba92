//! [`Array`]: the typed result of a batch read, one variant per number type; [`ArrayMut`]: a
//! caller-owned buffer a read decodes into.

use crate::dtype::Datatype;

macro_rules! arrays {
    ($(($variant:ident, $ty:ty, $into:ident, $size:literal, $kind:pat)),* $(,)?) => {
        /// A dataset's values, in the Rust type that matches the stored type exactly.
        #[non_exhaustive]
        #[derive(Debug, Clone, PartialEq)]
        pub enum Array {
            $(
                #[doc = concat!("Values stored as `", stringify!($ty), "`.")]
                $variant(Vec<$ty>),
            )*
        }

        impl Array {
            /// A zero-filled array for `count` elements of `dtype`'s Rust type (a buffer to read
            /// into); `None` for non-number types.
            pub fn zeroed(dtype: &Datatype, count: usize) -> Option<Self> {
                $(
                    if matches!(dtype, $kind if dtype.size() == $size) {
                        return Some(Array::$variant(vec![<$ty>::default(); count]));
                    }
                )*
                None
            }

            /// The values' bytes in memory order (little-endian on every target Firn supports),
            /// for bit-exact comparison and hashing.
            pub fn as_bytes(&self) -> &[u8] {
                match self {
                    $(Array::$variant(values) => bytemuck::cast_slice(values),)*
                }
            }

            /// The values' bytes, for the decoder to fill.
            pub(crate) fn as_bytes_mut(&mut self) -> &mut [u8] {
                match self {
                    $(Array::$variant(values) => bytemuck::cast_slice_mut(values),)*
                }
            }

            /// Number of elements.
            pub fn len(&self) -> usize {
                match self {
                    $(Array::$variant(values) => values.len(),)*
                }
            }

            /// The stored type's name (`"i8"`, …, `"f64"`).
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(Array::$variant(_) => stringify!($ty),)*
                }
            }

            $(
                #[doc = concat!("The values if they are `", stringify!($ty), "`, else the array back.")]
                pub fn $into(self) -> Result<Vec<$ty>, Array> {
                    match self {
                        Array::$variant(values) => Ok(values),
                        other => Err(other),
                    }
                }
            )*
        }

        /// A caller-owned buffer that a read decodes into: a mutable slice of the stored type.
        ///
        /// Made from `&mut [T]` or `&mut Vec<T>` with `into()`, or from an [`Array`] with
        /// [`Array::as_array_mut`]; see [`crate::File::read_batch_into`].
        #[non_exhaustive]
        #[derive(Debug, PartialEq)]
        pub enum ArrayMut<'a> {
            $(
                #[doc = concat!("Room for values stored as `", stringify!($ty), "`.")]
                $variant(&'a mut [$ty]),
            )*
        }

        impl ArrayMut<'_> {
            /// Number of elements the buffer holds.
            pub fn len(&self) -> usize {
                match self {
                    $(ArrayMut::$variant(values) => values.len(),)*
                }
            }

            /// The element type's name (`"i8"`, …, `"f64"`).
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(ArrayMut::$variant(_) => stringify!($ty),)*
                }
            }

            /// The buffer's bytes in memory order, for bit-exact comparison.
            pub fn as_bytes(&self) -> &[u8] {
                match self {
                    $(ArrayMut::$variant(values) => bytemuck::cast_slice(values),)*
                }
            }

            /// Whether values stored as `dtype` read into this buffer.
            pub(crate) fn holds(&self, dtype: &Datatype) -> bool {
                match self {
                    $(ArrayMut::$variant(_) => matches!(dtype, $kind if dtype.size() == $size),)*
                }
            }

            /// The buffer's bytes, for the decoder to fill.
            pub(crate) fn as_bytes_mut(&mut self) -> &mut [u8] {
                match self {
                    $(ArrayMut::$variant(values) => bytemuck::cast_slice_mut(values),)*
                }
            }
        }

        impl Array {
            /// The values as a buffer to read into (the array keeps its length).
            pub fn as_array_mut(&mut self) -> ArrayMut<'_> {
                match self {
                    $(Array::$variant(values) => ArrayMut::$variant(values),)*
                }
            }

            /// Elements `range` as a buffer to read into; `None` when the range is outside the
            /// array. A buffer kept at its largest size serves shorter reads this way without
            /// being shrunk (and zero-filled again when it grows back).
            pub fn slice_mut(&mut self, range: std::ops::Range<usize>) -> Option<ArrayMut<'_>> {
                match self {
                    $(Array::$variant(values) => values.get_mut(range).map(ArrayMut::$variant),)*
                }
            }
        }

        $(
            impl<'a> From<&'a mut [$ty]> for ArrayMut<'a> {
                fn from(values: &'a mut [$ty]) -> Self {
                    ArrayMut::$variant(values)
                }
            }

            impl<'a> From<&'a mut Vec<$ty>> for ArrayMut<'a> {
                fn from(values: &'a mut Vec<$ty>) -> Self {
                    ArrayMut::$variant(values)
                }
            }

            impl From<Vec<$ty>> for Array {
                fn from(values: Vec<$ty>) -> Self {
                    Array::$variant(values)
                }
            }

            impl TryFrom<Array> for Vec<$ty> {
                type Error = Array;

                fn try_from(array: Array) -> Result<Self, Array> {
                    array.$into()
                }
            }
        )*
    };
}

arrays!(
    (I8, i8, into_i8, 1, Datatype::Integer { signed: true, .. }),
    (U8, u8, into_u8, 1, Datatype::Integer { signed: false, .. }),
    (
        I16,
        i16,
        into_i16,
        2,
        Datatype::Integer { signed: true, .. }
    ),
    (
        U16,
        u16,
        into_u16,
        2,
        Datatype::Integer { signed: false, .. }
    ),
    (
        I32,
        i32,
        into_i32,
        4,
        Datatype::Integer { signed: true, .. }
    ),
    (
        U32,
        u32,
        into_u32,
        4,
        Datatype::Integer { signed: false, .. }
    ),
    (
        I64,
        i64,
        into_i64,
        8,
        Datatype::Integer { signed: true, .. }
    ),
    (
        U64,
        u64,
        into_u64,
        8,
        Datatype::Integer { signed: false, .. }
    ),
    (F32, f32, into_f32, 4, Datatype::Float { .. }),
    (F64, f64, into_f64, 8, Datatype::Float { .. }),
);

impl ArrayMut<'_> {
    /// Whether the buffer has no room.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Array {
    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as `Vec<T>` if `T` is the stored type, else the array back.
    pub fn into_vec<T>(self) -> Result<Vec<T>, Array>
    where
        Vec<T>: TryFrom<Array, Error = Array>,
    {
        Vec::<T>::try_from(self)
    }
}
