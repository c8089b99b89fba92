"""Times the SlideRule 5.x client against `firn serve` (not a test; the README's figures).

Usage: sliderule_bench.py ADDRESS REQUEST [RUNS]
REQUEST is a JSON file {"parms": {...}, "resources": [...]}. Prints one JSON line per run: seconds
for icesat2.atl06p in-band (records decoded by the client) and with the GeoParquet file sent back
(output to a local path, open_on_complete True), and the rows of each.
"""

import json
import sys
import tempfile
import time

import sliderule
from sliderule import icesat2


def main() -> None:
    address, request = sys.argv[1], json.load(open(sys.argv[2]))
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    sliderule.init(address, organization=None, rethrow=True)
    parms, resources = request["parms"], request.get("resources")
    with tempfile.TemporaryDirectory() as tmp:
        back = dict(parms, output={"path": f"{tmp}/back.parquet", "format": "geoparquet",
                                   "open_on_complete": True})
        for _ in range(runs):
            start = time.perf_counter()
            in_band = icesat2.atl06p(parms, resources=resources)
            middle = time.perf_counter()
            returned = icesat2.atl06p(back, resources=resources)
            end = time.perf_counter()
            print(json.dumps({"in_band_s": round(middle - start, 2), "in_band_rows": len(in_band),
                              "file_back_s": round(end - middle, 2),
                              "file_back_rows": len(returned)}), flush=True)


if __name__ == "__main__":
    main()
