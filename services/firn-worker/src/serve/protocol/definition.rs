//! Record definitions: the field layouts `GET /source/definition` hands to clients.
//!
//! A client decodes a record it has not met before by asking for its definition: for every field
//! its type, its offset in **bits** from the start of the payload, its element count (1 a scalar,
//! n a fixed array or string, 0 "the rest of the payload") and its flags (`LE`: little-endian).
//! A field whose type is another record's name holds such records back to back; `__datasize`
//! is the fixed size of a record in bytes, which is how a client steps through them.

/// A field's type, as the clients name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldType {
    /// Signed 32-bit integer.
    Int32,
    /// Signed 64-bit integer.
    Int64,
    /// Unsigned 8-bit integer.
    UInt8,
    /// Unsigned 16-bit integer.
    UInt16,
    /// Unsigned 32-bit integer.
    UInt32,
    /// Unsigned 64-bit integer.
    UInt64,
    /// 32-bit float.
    Float,
    /// 64-bit float.
    Double,
    /// Nanoseconds since 1970-01-01T00:00:00 UTC, as a signed 64-bit integer.
    Time8,
    /// ASCII text, NUL-terminated within its elements.
    String,
    /// Records of another type, back to back.
    Record(&'static str),
}

impl FieldType {
    /// The name the clients know the type by.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Int32 => "INT32",
            Self::Int64 => "INT64",
            Self::UInt8 => "UINT8",
            Self::UInt16 => "UINT16",
            Self::UInt32 => "UINT32",
            Self::UInt64 => "UINT64",
            Self::Float => "FLOAT",
            Self::Double => "DOUBLE",
            Self::Time8 => "TIME8",
            Self::String => "STRING",
            Self::Record(name) => name,
        }
    }
}

/// One field of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldDef {
    /// The field's name (a column name, for row records).
    pub(crate) name: &'static str,
    /// Its type.
    pub(crate) ty: FieldType,
    /// Offset from the start of the payload, in bytes (sent in bits).
    pub(crate) offset: usize,
    /// Elements: 1 a scalar, n a fixed array or string, 0 everything to the end of the payload.
    pub(crate) elements: usize,
}

/// The layout of one record type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordDef {
    /// The record type's name, as sent in each record's header.
    pub(crate) name: &'static str,
    /// Bytes of the fixed part (a field with 0 elements adds to it).
    pub(crate) size: usize,
    /// The fields, in the order clients list them (the column order of row records).
    pub(crate) fields: &'static [FieldDef],
}

impl RecordDef {
    /// The definition as the clients expect it: a JSON object with `__datasize` and one entry per
    /// field, in field order.
    pub(crate) fn to_json(&self) -> String {
        let mut out = format!("{{\"__datasize\":{}", self.size);
        for field in self.fields {
            out.push_str(&format!(
                ",{}:{{\"type\":{},\"offset\":{},\"elements\":{},\"flags\":\"LE\"}}",
                serde_json::Value::from(field.name),
                serde_json::Value::from(field.ty.name()),
                field.offset * 8,
                field.elements
            ));
        }
        out.push('}');
        out
    }

    /// The field called `name`.
    #[cfg(test)]
    pub(crate) fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const fn field(name: &'static str, ty: FieldType, offset: usize, elements: usize) -> FieldDef {
    FieldDef {
        name,
        ty,
        offset,
        elements,
    }
}

/// Bytes of the fixed file-name field of the `arrowrec` records (a path of at most 1023 bytes).
pub(crate) const FILE_NAME_BYTES: usize = 1024;

/// `exceptrec`: a log line, progress report or error: code, level, text.
pub(crate) const EXCEPTREC: RecordDef = RecordDef {
    name: "exceptrec",
    size: 8,
    fields: &[
        field("code", FieldType::Int32, 0, 1),
        field("level", FieldType::Int32, 4, 1),
        field("text", FieldType::String, 8, 0),
    ],
};

/// `atl06rec.elevation`: one ATL06-SR segment, the SPEC §8 columns in their order.
pub(crate) const ELEVATION: RecordDef = RecordDef {
    name: "atl06rec.elevation",
    size: 88,
    fields: &[
        field("time", FieldType::Time8, 0, 1),
        field("extent_id", FieldType::UInt64, 8, 1),
        field("segment_id", FieldType::UInt32, 48, 1),
        field("rgt", FieldType::UInt16, 80, 1),
        field("cycle", FieldType::UInt8, 84, 1),
        field("region", FieldType::UInt8, 85, 1),
        field("spot", FieldType::UInt8, 86, 1),
        field("gt", FieldType::UInt8, 87, 1),
        field("x_atc", FieldType::Double, 16, 1),
        field("y_atc", FieldType::Float, 52, 1),
        field("h_mean", FieldType::Double, 24, 1),
        field("dh_fit_dx", FieldType::Float, 56, 1),
        field("dh_fit_dy", FieldType::Float, 60, 1),
        field("n_fit_photons", FieldType::Int32, 64, 1),
        field("w_surface_window_final", FieldType::Float, 68, 1),
        field("rms_misfit", FieldType::Float, 72, 1),
        field("h_sigma", FieldType::Float, 76, 1),
        field("pflags", FieldType::UInt16, 82, 1),
        field("latitude", FieldType::Double, 32, 1),
        field("longitude", FieldType::Double, 40, 1),
    ],
};

/// `atl06rec`: a batch of elevations (at most [`ELEVATIONS_PER_RECORD`](super::ELEVATIONS_PER_RECORD)).
pub(crate) const ATL06REC: RecordDef = RecordDef {
    name: "atl06rec",
    size: 0,
    fields: &[field("elevation", FieldType::Record(ELEVATION.name), 0, 0)],
};

/// `arrowrec.meta`: a file transfer begins: the name to write it under and its size.
pub(crate) const ARROW_META: RecordDef = RecordDef {
    name: "arrowrec.meta",
    size: FILE_NAME_BYTES + 8,
    fields: &[
        field("filename", FieldType::String, 0, FILE_NAME_BYTES),
        field("size", FieldType::Int64, FILE_NAME_BYTES, 1),
    ],
};

/// `arrowrec.data`: the next bytes of a file.
pub(crate) const ARROW_DATA: RecordDef = RecordDef {
    name: "arrowrec.data",
    size: FILE_NAME_BYTES,
    fields: &[
        field("filename", FieldType::String, 0, FILE_NAME_BYTES),
        field("data", FieldType::UInt8, FILE_NAME_BYTES, 0),
    ],
};

/// `arrowrec.eof`: a file transfer ended: the sum of its bytes.
pub(crate) const ARROW_EOF: RecordDef = RecordDef {
    name: "arrowrec.eof",
    size: FILE_NAME_BYTES + 8,
    fields: &[
        field("filename", FieldType::String, 0, FILE_NAME_BYTES),
        field("checksum", FieldType::UInt64, FILE_NAME_BYTES, 1),
    ],
};

/// `arrowrec.remote`: the output was written to object storage: its size and URL.
pub(crate) const ARROW_REMOTE: RecordDef = RecordDef {
    name: "arrowrec.remote",
    size: 8,
    fields: &[
        field("size", FieldType::Int64, 0, 1),
        field("url", FieldType::String, 8, 0),
    ],
};

/// Every record type the server sends.
pub(crate) const ALL: [&RecordDef; 7] = [
    &EXCEPTREC,
    &ATL06REC,
    &ELEVATION,
    &ARROW_META,
    &ARROW_DATA,
    &ARROW_EOF,
    &ARROW_REMOTE,
];

/// The definition of the record type called `name`.
pub(crate) fn definition(name: &str) -> Option<&'static RecordDef> {
    ALL.into_iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size_of(ty: FieldType) -> usize {
        match ty {
            FieldType::UInt8 | FieldType::String => 1,
            FieldType::UInt16 => 2,
            FieldType::Int32 | FieldType::UInt32 | FieldType::Float => 4,
            FieldType::Int64 | FieldType::UInt64 | FieldType::Double | FieldType::Time8 => 8,
            FieldType::Record(name) => definition(name).expect("a known record").size,
        }
    }

    #[test]
    fn exceptrec_definition_is_golden() {
        assert_eq!(
            EXCEPTREC.to_json(),
            r#"{"__datasize":8,"code":{"type":"INT32","offset":0,"elements":1,"flags":"LE"},"level":{"type":"INT32","offset":32,"elements":1,"flags":"LE"},"text":{"type":"STRING","offset":64,"elements":0,"flags":"LE"}}"#
        );
        assert_eq!(
            ATL06REC.to_json(),
            r#"{"__datasize":0,"elevation":{"type":"atl06rec.elevation","offset":0,"elements":0,"flags":"LE"}}"#
        );
    }

    #[test]
    fn fields_tile_the_fixed_part_without_overlap() {
        for def in ALL {
            let mut spans: Vec<(usize, usize)> = def
                .fields
                .iter()
                .map(|f| (f.offset, f.offset + size_of(f.ty) * f.elements))
                .collect();
            spans.sort_unstable();
            let fixed: usize = spans.iter().map(|(a, b)| b - a).sum();
            assert_eq!(fixed, def.size, "{}: fields cover the fixed part", def.name);
            for pair in spans.windows(2) {
                assert!(pair[0].1 <= pair[1].0, "{}: fields overlap", def.name);
            }
            let open: Vec<_> = def.fields.iter().filter(|f| f.elements == 0).collect();
            assert!(
                open.len() <= 1,
                "{}: one open-ended field at most",
                def.name
            );
            if let Some(last) = open.first() {
                assert_eq!(
                    last.offset, def.size,
                    "{}: the open field comes last",
                    def.name
                );
            }
            let json: serde_json::Value = serde_json::from_str(&def.to_json()).unwrap();
            assert_eq!(json.as_object().unwrap().len(), def.fields.len() + 1);
        }
    }

    #[test]
    fn the_elevation_lists_the_spec_columns_in_order() {
        let names: Vec<_> = ELEVATION.fields.iter().map(|f| f.name).collect();
        // SPEC §8, with the latitude/longitude pair of the non-geo layouts.
        let spec = [
            "time",
            "extent_id",
            "segment_id",
            "rgt",
            "cycle",
            "region",
            "spot",
            "gt",
            "x_atc",
            "y_atc",
            "h_mean",
            "dh_fit_dx",
            "dh_fit_dy",
            "n_fit_photons",
            "w_surface_window_final",
            "rms_misfit",
            "h_sigma",
            "pflags",
            "latitude",
            "longitude",
        ];
        assert_eq!(names, spec);
        assert_eq!(definition("atl06rec.elevation"), Some(&ELEVATION));
        assert_eq!(definition("atl08rec"), None);
    }
}
