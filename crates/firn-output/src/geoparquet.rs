//! GeoParquet 1.1 pieces: WKB points, the `bbox` covering column and the `geo` footer key.
//!
//! Written by hand because they are small and fixed: a WKB point is 21 bytes (byte order,
//! geometry type 1, x, y), and the `geo` JSON has one column with one geometry type.

use std::sync::Arc;

use arrow::array::{ArrayRef, BinaryBuilder, Float64Array, StructArray};
use arrow::datatypes::{DataType, Field, Fields};
use serde_json::{Value, json};

use crate::batch::Bbox;

/// Name of the geometry column.
pub(crate) const GEOMETRY: &str = "geometry";
/// Name of the bbox covering column.
pub(crate) const BBOX: &str = "bbox";
/// The GeoParquet version written.
pub(crate) const VERSION: &str = "1.1.0";

const BBOX_FIELDS: [&str; 4] = ["xmin", "ymin", "xmax", "ymax"];
/// Little-endian WKB point: byte order (1), geometry type (u32), x (f64), y (f64).
const WKB_POINT_LEN: usize = 1 + 4 + 8 + 8;

/// The type of the `bbox` column: a struct of four doubles.
pub(crate) fn bbox_type() -> DataType {
    DataType::Struct(bbox_fields())
}

fn bbox_fields() -> Fields {
    BBOX_FIELDS
        .iter()
        .map(|name| Field::new(*name, DataType::Float64, false))
        .collect()
}

/// One little-endian WKB point per (lon, lat) pair.
pub(crate) fn wkb_points(lon: &[f64], lat: &[f64]) -> arrow::array::BinaryArray {
    let mut builder = BinaryBuilder::with_capacity(lon.len(), lon.len() * WKB_POINT_LEN);
    let mut point = [0u8; WKB_POINT_LEN];
    point[0] = 1; // little endian
    point[1..5].copy_from_slice(&1u32.to_le_bytes()); // Point
    for (x, y) in lon.iter().zip(lat) {
        point[5..13].copy_from_slice(&x.to_le_bytes());
        point[13..21].copy_from_slice(&y.to_le_bytes());
        builder.append_value(point);
    }
    builder.finish()
}

/// The per-row covering box: a point's box is the point itself.
pub(crate) fn bbox_column(lon: &[f64], lat: &[f64]) -> StructArray {
    let x: ArrayRef = Arc::new(Float64Array::from(lon.to_vec()));
    let y: ArrayRef = Arc::new(Float64Array::from(lat.to_vec()));
    StructArray::new(
        bbox_fields(),
        vec![Arc::clone(&x), Arc::clone(&y), x, y],
        None,
    )
}

/// The `geo` footer value. The file bbox is left out when there are no finite points (as
/// GeoPandas does); no `crs` key means OGC:CRS84 (lon/lat on WGS 84).
pub(crate) fn geo_metadata(bbox: Option<Bbox>) -> Value {
    let covering: serde_json::Map<String, Value> = BBOX_FIELDS
        .iter()
        .map(|name| ((*name).to_owned(), json!([BBOX, name])))
        .collect();
    let mut column = json!({
        "encoding": "WKB",
        "geometry_types": ["Point"],
        "covering": {"bbox": covering},
    });
    if let (Some(b), Some(map)) = (bbox, column.as_object_mut()) {
        map.insert("bbox".to_owned(), json!(b));
    }
    json!({
        "version": VERSION,
        "primary_column": GEOMETRY,
        "columns": {GEOMETRY: column},
    })
}

#[cfg(test)]
mod tests {
    use arrow::array::Array;

    use super::*;

    #[test]
    fn wkb_point_layout() {
        let points = wkb_points(&[-108.25], &[39.5]);
        let bytes = points.value(0);
        assert_eq!(bytes.len(), 21);
        assert_eq!(bytes[0], 1);
        assert_eq!(
            u32::from_le_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]),
            1
        );
        let x = f64::from_le_bytes(bytes[5..13].try_into().expect("8 bytes"));
        let y = f64::from_le_bytes(bytes[13..21].try_into().expect("8 bytes"));
        assert_eq!((x, y), (-108.25, 39.5));
    }

    #[test]
    fn geo_metadata_has_covering_and_bbox() {
        let geo = geo_metadata(Some([1.0, 2.0, 3.0, 4.0]));
        assert_eq!(
            geo["columns"]["geometry"]["bbox"],
            json!([1.0, 2.0, 3.0, 4.0])
        );
        assert_eq!(
            geo["columns"]["geometry"]["covering"]["bbox"]["ymax"],
            json!(["bbox", "ymax"])
        );
        assert!(geo["columns"]["geometry"].get("crs").is_none());
        assert!(
            geo_metadata(None)["columns"]["geometry"]
                .get("bbox")
                .is_none()
        );
        assert_eq!(bbox_column(&[1.0], &[2.0]).len(), 1);
    }
}
