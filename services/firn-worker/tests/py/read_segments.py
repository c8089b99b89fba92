"""Reads an atl06p output the way the seed notebook does and compares heights with the truth.

Usage: read_segments.py OUTPUT FORMAT TRUTH_DIR
Prints one JSON object: index range, rgts, cycles, row count, and per beam strength the bias and
spread of h_mean against the synthetic truth interpolated at each segment's x_atc.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.feather as feather

BEAMS = {10: "gt1l", 20: "gt1r", 30: "gt2l", 40: "gt2r", 50: "gt3l", 60: "gt3r"}


def load(path: str, fmt: str) -> pd.DataFrame:
    if fmt == "geoparquet":
        import geopandas as gpd

        df = gpd.read_parquet(path)
        assert df.index.name == "time", df.index.name
        assert str(df.geometry.crs).upper().endswith("CRS84") or df.geometry.crs.to_epsg() == 4326
        df["longitude"] = df.geometry.x
        df["latitude"] = df.geometry.y
        return df
    if fmt == "csv":
        df = pd.read_csv(path)
        df["time"] = pd.to_datetime(df["time"], utc=True)
        return df.set_index("time")
    if fmt == "feather":
        df = feather.read_table(path).to_pandas()
        return df if df.index.name == "time" else df.set_index("time")
    raise SystemExit(f"unknown format {fmt}")


def fetch(url: str) -> str:
    """Downloads s3://bucket/key from the endpoint in FIRN_S3_ENDPOINT to a temporary file."""
    import os
    import tempfile

    import boto3

    bucket, key = url[len("s3://"):].split("/", 1)
    s3 = boto3.client("s3", endpoint_url=os.environ["FIRN_S3_ENDPOINT"], region_name="us-east-1",
                      aws_access_key_id="reader", aws_secret_access_key="reader")
    local = tempfile.NamedTemporaryFile(suffix=Path(key).suffix, delete=False).name
    s3.download_file(bucket, key, local)
    return local


def main() -> None:
    path, fmt, truth_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    if path.startswith("s3://"):
        path = fetch(path)
    df = load(path, fmt)
    truth = {}
    for f in truth_dir.glob("*_truth_segments.parquet"):
        rgt_cycle = f.name.split("_")[2]
        t = pd.read_parquet(f)
        for beam, g in t.groupby("beam"):
            g = g.sort_values("centre_dist_x")
            truth[(int(rgt_cycle[:4]), int(rgt_cycle[4:6]), beam)] = g
    errors = {"strong": [], "weak": []}
    normalised = {"strong": [], "weak": []}
    for (rgt, cycle, gt), rows in df.groupby(["rgt", "cycle", "gt"]):
        g = truth[(int(rgt), int(cycle), BEAMS[int(gt)])]
        true_h = np.interp(rows["x_atc"], g["centre_dist_x"], g["true_height"])
        strength = "strong" if int(rows["spot"].iloc[0]) % 2 == 1 else "weak"
        error = rows["h_mean"].to_numpy() - true_h
        errors[strength].append(error)
        normalised[strength].append(error / rows["h_sigma"].to_numpy())
    stats = {}
    for strength, parts in errors.items():
        e = np.concatenate(parts) if parts else np.array([])
        z = np.concatenate(normalised[strength]) if parts else np.array([])
        stats[strength] = {"n": int(e.size), "bias": float(e.mean()) if e.size else None,
                           "std": float(e.std()) if e.size else None,
                           "std_over_h_sigma": float(z.std()) if z.size else None}
    print(json.dumps({
        "rows": int(len(df)),
        "first": df.index.min().isoformat(),
        "last": df.index.max().isoformat(),
        "rgts": sorted(int(r) for r in df["rgt"].unique()),
        "cycles": sorted(int(c) for c in df["cycle"].unique()),
        "dtypes": {c: str(t) for c, t in df.dtypes.items()},
        "heights": stats,
    }))


if __name__ == "__main__":
    main()
