//! File-level metadata: the `firn` key (request, granules, version) and the `pandas` key that
//! makes `time` the index when pandas or GeoPandas read the file.

use arrow::datatypes::{DataType, Schema};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::schema::TIME_ZONE;
use crate::spec::redacted_request;

/// Metadata key holding the Firn request, granules and version.
pub const FIRN_KEY: &str = "firn";
/// Metadata key holding pandas' reconstruction metadata.
pub const PANDAS_KEY: &str = "pandas";
/// Metadata key holding GeoParquet's metadata.
pub const GEO_KEY: &str = "geo";

/// What the `firn` metadata key records about the run that produced a file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FirnMetadata {
    /// The request. Credentials are removed again when written, whatever the caller passed.
    pub request: Value,
    /// The granules whose segments are in the file, in output order.
    pub granules: Vec<String>,
    /// The software version, e.g. `firn 0.1.0`.
    pub version: String,
}

impl FirnMetadata {
    /// The JSON text stored under [`FIRN_KEY`], with every credential removed.
    pub(crate) fn to_json(&self) -> String {
        json!({
            "request": redacted_request(&self.request),
            "granules": self.granules,
            "version": self.version,
        })
        .to_string()
    }
}

/// The pandas metadata for `schema`: `time` is the index (a time-zone-aware UTC
/// `DatetimeIndex`), every other column keeps its NumPy dtype; `bbox`, GeoParquet's covering
/// column, is not listed (GeoPandas does not read it by default).
pub(crate) fn pandas_metadata(schema: &Schema) -> String {
    let columns: Vec<Value> = schema
        .fields()
        .iter()
        .filter(|f| f.name() != crate::geoparquet::BBOX)
        .map(|field| {
            let (pandas_type, numpy_type, metadata) = pandas_types(field.data_type());
            json!({
                "name": field.name(),
                "field_name": field.name(),
                "pandas_type": pandas_type,
                "numpy_type": numpy_type,
                "metadata": metadata,
            })
        })
        .collect();
    json!({
        "index_columns": ["time"],
        "column_indexes": [{
            "name": null, "field_name": null, "pandas_type": "unicode",
            "numpy_type": "object", "metadata": {"encoding": "UTF-8"}
        }],
        "columns": columns,
        "creator": {"library": "firn", "version": env!("CARGO_PKG_VERSION")},
        "pandas_version": "2.2.0",
    })
    .to_string()
}

fn pandas_types(data_type: &DataType) -> (&'static str, &'static str, Value) {
    match data_type {
        DataType::Timestamp(_, Some(_)) => (
            "datetimetz",
            "datetime64[ns]",
            json!({"timezone": TIME_ZONE}),
        ),
        DataType::Timestamp(_, None) => ("datetime", "datetime64[ns]", Value::Null),
        DataType::UInt8 => ("uint8", "uint8", Value::Null),
        DataType::UInt16 => ("uint16", "uint16", Value::Null),
        DataType::UInt32 => ("uint32", "uint32", Value::Null),
        DataType::UInt64 => ("uint64", "uint64", Value::Null),
        DataType::Int32 => ("int32", "int32", Value::Null),
        DataType::Float32 => ("float32", "float32", Value::Null),
        DataType::Float64 => ("float64", "float64", Value::Null),
        DataType::Binary => ("bytes", "object", Value::Null),
        _ => ("object", "object", Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firn_key_has_no_credentials() {
        let meta = FirnMetadata {
            request: json!({"output": {"path": "s3://b/k",
                "credentials": {"aws_secret_access_key": "SHHH"}}}),
            granules: vec!["ATL03_x.h5".into()],
            version: "firn 0".into(),
        };
        let text = meta.to_json();
        assert!(
            !text.contains("SHHH") && !text.contains("credentials"),
            "{text}"
        );
        assert!(text.contains("ATL03_x.h5"));
    }
}
