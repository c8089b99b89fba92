"""Compares the rows of two atl06p outputs the way users read them (pyarrow datasets).

Usage: compare_rows.py REFERENCE CANDIDATE MODE
REFERENCE and CANDIDATE are GeoParquet files or part-mode prefixes (read as one dataset: names
starting with "_" or "." are skipped, as pyarrow and geopandas do), local or s3://bucket/key
(endpoint in FIRN_S3_ENDPOINT). MODE "ordered": the same rows in the same order; "set": the same
rows in any order; "subset": only rows of the reference. In "set" and "subset" no row may appear
twice in the candidate. Prints a JSON report; exits 1 with the first difference otherwise.
"""

import json
import math
import os
import sys
from collections import Counter

import pyarrow.dataset as ds


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def filesystem_and_path(location):
    if not location.startswith("s3://"):
        return None, location
    from pyarrow import fs

    endpoint = os.environ["FIRN_S3_ENDPOINT"]
    scheme, host = endpoint.split("://", 1)
    s3 = fs.S3FileSystem(access_key="reader", secret_key="reader", region="us-east-1",
                         endpoint_override=host, scheme=scheme)
    return s3, location[len("s3://"):].rstrip("/")


def load(location):
    filesystem, path = filesystem_and_path(location)
    dataset = ds.dataset(path, filesystem=filesystem, format="parquet")
    return dataset.to_table(), len(dataset.files)


def freeze(value):
    """A hashable value that compares equal to itself (NaN included)."""
    if isinstance(value, dict):
        return tuple(freeze(v) for v in value.values())
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def rows(table):
    """Every row as a hashable tuple."""
    columns = [table.column(n).to_pylist() for n in table.column_names]
    return [tuple(freeze(v) for v in row) for row in zip(*columns)]


def main():
    reference, candidate, mode = sys.argv[1:4]
    ref, ref_files = load(reference)
    cand, cand_files = load(candidate)
    if ref.schema.names != cand.schema.names:
        fail(f"columns {cand.schema.names} != {ref.schema.names}")
    cand = cand.select(ref.schema.names).cast(ref.schema)
    report = {"rows": cand.num_rows, "reference_rows": ref.num_rows,
              "reference_files": ref_files, "candidate_files": cand_files, "duplicates": 0}
    if mode == "ordered":
        if ref.num_rows != cand.num_rows:
            fail(f"{cand.num_rows} rows in {candidate}, {ref.num_rows} in {reference}")
        want, got = rows(ref), rows(cand)
        if want != got:
            at = next(i for i, (a, b) in enumerate(zip(want, got)) if a != b)
            fail(f"row {at} differs: {got[at]} != {want[at]}")
    elif mode in ("set", "subset"):
        want, got = Counter(rows(ref)), Counter(rows(cand))
        report["duplicates"] = sum(1 for n in got.values() if n > 1)
        if report["duplicates"]:
            fail(f"{report['duplicates']} rows appear more than once in {candidate}")
        extra = got - want
        if extra:
            fail(f"{sum(extra.values())} rows of {candidate} are not in {reference}, e.g. {next(iter(extra))}")
        lost = want - got
        if mode == "set" and lost:
            fail(f"{sum(lost.values())} rows of {reference} are missing from {candidate}")
    else:
        fail(f"unknown mode {mode}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
