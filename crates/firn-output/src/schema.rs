//! The Arrow schema of SPEC §8 and the conversion of a [`SegmentBatch`] into a `RecordBatch`.
//!
//! Column order: `time`, `extent_id`, `segment_id`, `rgt`, `cycle`, `region`, `spot`, `gt`,
//! `x_atc`, `y_atc`, `h_mean`, `dh_fit_dx`, `dh_fit_dy`, `n_fit_photons`,
//! `w_surface_window_final`, `rms_misfit`, `h_sigma`, `pflags`, then either `geometry` and `bbox`
//! (GeoParquet) or `latitude` and `longitude` (Parquet, CSV, Feather).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Float32Array, Float64Array, Int32Array, RecordBatch,
    TimestampNanosecondArray, UInt8Array, UInt16Array, UInt32Array, UInt64Array,
};
use arrow::datatypes::Float64Type;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::batch::{Bbox, SegmentBatch, extend};
use crate::geoparquet;

/// The time zone of the `time` column: UTC, so readers give time-zone-aware timestamps.
pub const TIME_ZONE: &str = "UTC";

/// Whether the schema carries a WKB geometry (GeoParquet) or latitude/longitude columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    Geo,
    LatLon,
}

/// The SPEC §8 schema for `layout`, without metadata.
pub(crate) fn schema(layout: Layout) -> Schema {
    let mut fields = vec![
        Field::new(
            "time",
            DataType::Timestamp(TimeUnit::Nanosecond, Some(TIME_ZONE.into())),
            false,
        ),
        Field::new("extent_id", DataType::UInt64, false),
        Field::new("segment_id", DataType::UInt32, false),
        Field::new("rgt", DataType::UInt16, false),
        Field::new("cycle", DataType::UInt8, false),
        Field::new("region", DataType::UInt8, false),
        Field::new("spot", DataType::UInt8, false),
        Field::new("gt", DataType::UInt8, false),
        Field::new("x_atc", DataType::Float64, false),
        Field::new("y_atc", DataType::Float32, false),
        Field::new("h_mean", DataType::Float64, false),
        Field::new("dh_fit_dx", DataType::Float32, false),
        Field::new("dh_fit_dy", DataType::Float32, false),
        Field::new("n_fit_photons", DataType::Int32, false),
        Field::new("w_surface_window_final", DataType::Float32, false),
        Field::new("rms_misfit", DataType::Float32, false),
        Field::new("h_sigma", DataType::Float32, false),
        Field::new("pflags", DataType::UInt16, false),
    ];
    match layout {
        Layout::Geo => {
            fields.push(Field::new(geoparquet::GEOMETRY, DataType::Binary, false));
            fields.push(Field::new(geoparquet::BBOX, geoparquet::bbox_type(), false));
        }
        Layout::LatLon => {
            fields.push(Field::new("latitude", DataType::Float64, false));
            fields.push(Field::new("longitude", DataType::Float64, false));
        }
    }
    Schema::new(fields)
}

/// The columns of `batch` as a `RecordBatch` of `schema` (built by [`schema`] for `layout`).
pub(crate) fn record_batch(
    batch: &SegmentBatch,
    schema: &SchemaRef,
    layout: Layout,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(TimestampNanosecondArray::from(batch.time_ns.clone()).with_timezone(TIME_ZONE)),
        Arc::new(UInt64Array::from(batch.extent_id.clone())),
        Arc::new(UInt32Array::from(batch.segment_id.clone())),
        Arc::new(UInt16Array::from(batch.rgt.clone())),
        Arc::new(UInt8Array::from(batch.cycle.clone())),
        Arc::new(UInt8Array::from(batch.region.clone())),
        Arc::new(UInt8Array::from(batch.spot.clone())),
        Arc::new(UInt8Array::from(batch.gt.clone())),
        Arc::new(Float64Array::from(batch.x_atc.clone())),
        Arc::new(Float32Array::from(batch.y_atc.clone())),
        Arc::new(Float64Array::from(batch.h_mean.clone())),
        Arc::new(Float32Array::from(batch.dh_fit_dx.clone())),
        Arc::new(Float32Array::from(batch.dh_fit_dy.clone())),
        Arc::new(Int32Array::from(batch.n_fit_photons.clone())),
        Arc::new(Float32Array::from(batch.w_surface_window_final.clone())),
        Arc::new(Float32Array::from(batch.rms_misfit.clone())),
        Arc::new(Float32Array::from(batch.h_sigma.clone())),
        Arc::new(UInt16Array::from(batch.pflags.clone())),
    ];
    match layout {
        Layout::Geo => {
            columns.push(Arc::new(geoparquet::wkb_points(
                &batch.longitude,
                &batch.latitude,
            )));
            columns.push(Arc::new(geoparquet::bbox_column(
                &batch.longitude,
                &batch.latitude,
            )));
        }
        Layout::LatLon => {
            columns.push(Arc::new(Float64Array::from(batch.latitude.clone())));
            columns.push(Arc::new(Float64Array::from(batch.longitude.clone())));
        }
    }
    RecordBatch::try_new(Arc::clone(schema), columns)
}

/// The bounding box of the finite positions in a record batch of `layout`'s schema: from the
/// `bbox` covering column (GeoParquet) or the `longitude`/`latitude` columns.
pub(crate) fn record_bbox(record: &RecordBatch, layout: Layout) -> Option<Bbox> {
    let (lon, lat) = match layout {
        Layout::Geo => {
            let covering = record.column_by_name(geoparquet::BBOX)?.as_struct_opt()?;
            (
                covering
                    .column_by_name("xmin")?
                    .as_primitive_opt::<Float64Type>()?,
                covering
                    .column_by_name("ymin")?
                    .as_primitive_opt::<Float64Type>()?,
            )
        }
        Layout::LatLon => (
            record
                .column_by_name("longitude")?
                .as_primitive_opt::<Float64Type>()?,
            record
                .column_by_name("latitude")?
                .as_primitive_opt::<Float64Type>()?,
        ),
    };
    (0..lon.len())
        .filter(|&i| lon.is_valid(i) && lat.is_valid(i))
        .map(|i| (lon.value(i), lat.value(i)))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .fold(None, |acc, (x, y)| Some(extend(acc, [x, y, x, y])))
}
