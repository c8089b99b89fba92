//! Local outputs in every format, read back with geopandas, pandas and pyarrow as users do.

mod support;

use std::path::Path;

use firn_output::{Destination, Format, OutputSpec, OutputWriter, SegmentBatch, WriterOptions};
use serde_json::json;
use support::{assert_absent, metadata_with_secret, readback, segments, truth};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET";

/// Writes `batches` to `path` in `format` and returns the summary's row count and bbox.
fn write(path: &Path, format: Format, batches: &[SegmentBatch], options: &WriterOptions) {
    let spec = OutputSpec::new(Destination::Local(path.to_path_buf()), format);
    let metadata = metadata_with_secret(path.to_str().expect("utf-8"), SECRET);
    let mut writer = OutputWriter::create_with(&spec, &metadata, options).expect("create");
    for batch in batches {
        writer.write(batch).expect("write");
    }
    let summary = writer.finish().expect("finish");
    let rows: usize = batches.iter().map(|b| b.time_ns.len()).sum();
    assert_eq!(summary.rows, rows as u64);
    assert_eq!(summary.bytes, std::fs::metadata(path).expect("file").len());
}

fn three_batches() -> Vec<SegmentBatch> {
    vec![
        segments(0, 1500, 1),
        segments(1500, 700, 2),
        segments(2200, 1300, 3),
    ]
}

#[test]
fn geoparquet_reads_back_in_geopandas_with_time_index_and_valid_geo_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("out.parquet");
    let batches = three_batches();
    write(
        &path,
        Format::GeoParquet,
        &batches,
        &WriterOptions::default(),
    );

    let report = readback("geoparquet", &path, &truth(&batches));
    assert_eq!(report["codecs"], json!(["ZSTD"]));
    assert_eq!(report["keys"], json!(["firn", "geo", "pandas"]));
    assert_eq!(report["geo"]["version"], "1.1.0");
    assert_eq!(
        report["geo"]["columns"]["geometry"]["geometry_types"],
        json!(["Point"])
    );
    assert!(report["geo"]["columns"]["geometry"].get("crs").is_none());
    assert_eq!(report["crs"], "OGC:CRS84");
    assert_eq!(report["time_type"], "timestamp[ns, tz=UTC]");
    let firn = &report["firn"];
    assert_eq!(
        firn["granules"],
        json!(["ATL03_20200101000000_00100610_006_01.h5"])
    );
    assert_eq!(firn["request"]["len"], json!(40.0));
    assert!(firn["request"]["output"].get("credentials").is_none());
    assert_absent(
        &std::fs::read(&path).expect("read"),
        SECRET,
        "the GeoParquet file",
    );
}

#[test]
fn geoparquet_of_250k_rows_has_100k_row_groups() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.parquet");
    // Written in beam-sized pieces that do not line up with row groups.
    let batches: Vec<SegmentBatch> = (0..10).map(|i| segments(i * 25_000, 25_000, 7)).collect();
    write(
        &path,
        Format::GeoParquet,
        &batches,
        &WriterOptions::default(),
    );
    let report = readback("geoparquet", &path, &truth(&batches));
    assert_eq!(report["row_groups"], json!([100_000, 100_000, 50_000]));
    assert_eq!(report["codecs"], json!(["ZSTD"]));
}

#[test]
fn plain_parquet_has_latitude_longitude_and_no_geo_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("plain.parquet");
    let batches = three_batches();
    write(&path, Format::Parquet, &batches, &WriterOptions::default());
    let report = readback("parquet", &path, &truth(&batches));
    assert_eq!(report["keys"], json!(["firn", "pandas"]));
    assert_eq!(report["codecs"], json!(["ZSTD"]));
}

#[test]
fn csv_reads_back_in_pandas_with_iso_times() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("out.csv");
    let batches = three_batches();
    write(&path, Format::Csv, &batches, &WriterOptions::default());
    let report = readback("csv", &path, &truth(&batches));
    let first = report["first_time"].as_str().expect("time text");
    assert!(
        first.starts_with("2020-01-01T00:00:00.") && first.ends_with('Z'),
        "{first}"
    );
    assert_eq!(first.len(), "2020-01-01T00:00:00.000000000Z".len());
}

#[test]
fn feather_reads_back_in_pyarrow_and_pandas() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("out.feather");
    let batches = three_batches();
    write(&path, Format::Feather, &batches, &WriterOptions::default());
    let report = readback("feather", &path, &truth(&batches));
    assert_eq!(report["keys"], json!(["firn", "pandas"]));
    assert!(
        report["firn"]["request"]["output"]
            .get("credentials")
            .is_none()
    );
    assert_absent(
        &std::fs::read(&path).expect("read"),
        SECRET,
        "the Feather file",
    );
}

#[test]
fn unfinished_or_aborted_writers_leave_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dropped = dir.path().join("dropped.parquet");
    let aborted = dir.path().join("aborted.csv");
    let metadata = metadata_with_secret("x", SECRET);
    {
        let spec = OutputSpec::new(Destination::Local(dropped.clone()), Format::GeoParquet);
        let mut writer = OutputWriter::create(&spec, &metadata).expect("create");
        writer.write(&segments(0, 300_000, 1)).expect("write");
        assert!(writer.bytes_written() > 0, "row groups were flushed");
    }
    let spec = OutputSpec::new(Destination::Local(aborted.clone()), Format::Csv);
    let mut writer = OutputWriter::create(&spec, &metadata).expect("create");
    writer.write(&segments(0, 100, 1)).expect("write");
    writer.abort();
    assert!(
        writer.write(&segments(0, 1, 1)).is_err(),
        "aborted writer refuses rows"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn inconsistent_batch_is_rejected_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.parquet");
    let spec = OutputSpec::new(Destination::Local(path.clone()), Format::GeoParquet);
    let mut writer =
        OutputWriter::create(&spec, &metadata_with_secret("x", SECRET)).expect("create");
    let mut batch = segments(0, 10, 1);
    batch.pflags.pop();
    let message = writer.write(&batch).expect_err("short column").to_string();
    assert_eq!(
        message,
        "segment batch: column pflags: 9 values, but time has 10"
    );
}
