"""Dumps every numeric or fixed-string dataset of an HDF5 file with h5py, as an independent reader.

Usage: h5_dump.py FILE OUTDIR
Writes OUTDIR/manifest.json: a list of {path, dtype, shape, file} where file holds the dataset's raw
little-endian bytes (row-major). Datasets h5py cannot read as plain arrays are listed with "skipped".
"""

import json
import sys
from pathlib import Path

import h5py
import numpy as np


def main() -> None:
    source, outdir = sys.argv[1], Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    entries = []

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset):
            return
        entry = {"path": "/" + name, "shape": list(obj.shape)}
        dtype = obj.dtype
        if dtype.kind in "iuf" or (dtype.kind == "S" and dtype.itemsize > 0):
            data = np.ascontiguousarray(obj[()])
            if dtype.kind in "iuf":
                data = data.astype(dtype.newbyteorder("<"), copy=False)
            file = f"{len(entries)}.bin"
            (outdir / file).write_bytes(data.tobytes())
            entry.update({"dtype": dtype.str, "file": file})
        else:
            entry.update({"dtype": str(dtype), "skipped": "not a plain numeric or fixed-string array"})
        entries.append(entry)

    with h5py.File(source, "r") as f:
        f.visititems(visit)
    (outdir / "manifest.json").write_text(json.dumps(entries, indent=1))


if __name__ == "__main__":
    main()
