"""Reads a Firn output the way users do and checks it against the truth the Rust test wrote.

usage: readback.py FORMAT FILE TRUTH.json [SCHEMA.json]

FORMAT is geoparquet, parquet, csv or feather. TRUTH.json holds {"columns": {name: [values]}}
with time as integer nanoseconds (UTC). Prints a JSON report on success; exits non-zero with
the first mismatch otherwise.
"""

import json
import sys

import numpy as np
import pandas as pd

DTYPES = {
    "extent_id": "uint64", "segment_id": "uint32", "rgt": "uint16", "cycle": "uint8",
    "region": "uint8", "spot": "uint8", "gt": "uint8", "x_atc": "float64", "y_atc": "float32",
    "h_mean": "float64", "dh_fit_dx": "float32", "dh_fit_dy": "float32",
    "n_fit_photons": "int32", "w_surface_window_final": "float32", "rms_misfit": "float32",
    "h_sigma": "float32", "pflags": "uint16",
}
LATLON = {"latitude": "float64", "longitude": "float64"}


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def check_index(df, truth):
    index = df.index
    if index.name != "time" or not isinstance(index, pd.DatetimeIndex):
        fail(f"index is {type(index).__name__} named {index.name!r}, not a DatetimeIndex 'time'")
    if str(index.tz) != "UTC":
        fail(f"index time zone is {index.tz}, not UTC")
    got = index.as_unit("ns").asi8
    want = np.asarray(truth["time"], dtype="int64")
    if not np.array_equal(got, want):
        fail(f"time differs at row {int(np.argmax(got != want))}")


def check_columns(df, truth, dtypes, exact_dtypes=True):
    for name, dtype in dtypes.items():
        if name not in df.columns:
            fail(f"column {name} missing; have {list(df.columns)}")
        column = df[name]
        if exact_dtypes and str(column.dtype) != dtype:
            fail(f"column {name} has dtype {column.dtype}, expected {dtype}")
        got = column.to_numpy().astype(dtype)
        want = np.asarray(truth[name]).astype(dtype)
        if not np.array_equal(got, want, equal_nan=got.dtype.kind == "f"):
            fail(f"column {name} differs at row {int(np.argmax(got != want))}")


def parquet_report(path):
    import pyarrow.parquet as pq

    f = pq.ParquetFile(path)
    meta = f.metadata
    codecs = {
        meta.row_group(g).column(c).compression
        for g in range(meta.num_row_groups)
        for c in range(meta.num_columns)
    }
    # What pyarrow users see: the schema metadata (not only the raw footer).
    kv = {k.decode(): v.decode() for k, v in (pq.read_schema(path).metadata or {}).items()}
    return {
        "row_groups": [meta.row_group(g).num_rows for g in range(meta.num_row_groups)],
        "codecs": sorted(codecs),
        "keys": sorted(kv),
        "firn": json.loads(kv["firn"]) if "firn" in kv else None,
        "geo": json.loads(kv["geo"]) if "geo" in kv else None,
        "arrow_columns": f.schema_arrow.names,
        "time_type": str(f.schema_arrow.field("time").type),
    }


def geoparquet(path, truth, schema_path):
    import geopandas
    import jsonschema

    gdf = geopandas.read_parquet(path)
    check_index(gdf, truth)
    expected = list(DTYPES) + ["geometry"]
    if list(gdf.columns) != expected:
        fail(f"columns {list(gdf.columns)} != {expected}")
    check_columns(gdf, truth, DTYPES)
    if not np.array_equal(gdf.geometry.x.to_numpy(), np.asarray(truth["longitude"])):
        fail("geometry x != longitude")
    if not np.array_equal(gdf.geometry.y.to_numpy(), np.asarray(truth["latitude"])):
        fail("geometry y != latitude")
    if gdf.crs is None or gdf.crs.to_string() not in ("OGC:CRS84", "EPSG:4326"):
        fail(f"crs is {gdf.crs}")
    report = parquet_report(path)
    with open(schema_path) as f:
        jsonschema.validate(report["geo"], json.load(f))
    lon, lat = np.asarray(truth["longitude"]), np.asarray(truth["latitude"])
    want_bbox = [lon.min(), lat.min(), lon.max(), lat.max()]
    if report["geo"]["columns"]["geometry"]["bbox"] != want_bbox:
        fail(f"file bbox {report['geo']['columns']['geometry']['bbox']} != {want_bbox}")
    # The covering column: per-row boxes equal the points.
    import pyarrow.parquet as pq

    bbox = pq.read_table(path, columns=["bbox"]).column("bbox").combine_chunks()
    if not np.array_equal(bbox.field("xmin").to_numpy(), lon) or not np.array_equal(
        bbox.field("ymax").to_numpy(), lat
    ):
        fail("bbox covering column does not match the points")
    report["crs"] = gdf.crs.to_string()
    return report


def parquet(path, truth):
    df = pd.read_parquet(path)
    check_index(df, truth)
    expected = list(DTYPES) + list(LATLON)
    if list(df.columns) != expected:
        fail(f"columns {list(df.columns)} != {expected}")
    check_columns(df, truth, {**DTYPES, **LATLON})
    return parquet_report(path)


def csv(path, truth):
    df = pd.read_csv(path)
    expected = ["time"] + list(DTYPES) + list(LATLON)
    if list(df.columns) != expected:
        fail(f"columns {list(df.columns)} != {expected}")
    df = df.set_index(pd.DatetimeIndex(pd.to_datetime(df["time"], format="ISO8601"), name="time"))
    check_index(df, truth)
    check_columns(df, truth, {**DTYPES, **LATLON}, exact_dtypes=False)
    return {"first_time": str(pd.read_csv(path, nrows=1)["time"][0])}


def feather(path, truth):
    import pyarrow.feather

    table = pyarrow.feather.read_table(path)
    df = pd.read_feather(path)
    check_index(df, truth)
    check_columns(df, truth, {**DTYPES, **LATLON})
    keys = sorted(k.decode() for k in (table.schema.metadata or {}))
    return {"keys": keys, "firn": json.loads(table.schema.metadata[b"firn"])}


def main():
    fmt, path, truth_path = sys.argv[1:4]
    with open(truth_path) as f:
        truth = json.load(f)["columns"]
    if fmt == "geoparquet":
        report = geoparquet(path, truth, sys.argv[4])
    elif fmt == "parquet":
        report = parquet(path, truth)
    elif fmt == "csv":
        report = csv(path, truth)
    elif fmt == "feather":
        report = feather(path, truth)
    else:
        fail(f"unknown format {fmt}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
