"""Drives `firn serve` with the real SlideRule Python client, the way notebooks call it.

Usage: sliderule_client.py CHECK ADDRESS [ARGS...]; prints one JSON object on stdout, exits non-zero
(with the reason on stderr) when a check fails. The same script runs under the 5.x client (.venv)
and the 4.x client (.venv-sliderule4) for the legacy atl06p call.

Checks:
  inband ADDR REQUEST REFERENCE      icesat2.atl06p in-band → rows equal to the reference file
  local ADDR REQUEST REFERENCE DIR   output to a local path, open_on_complete True and False
  s3 ADDR REQUEST REFERENCE URL ENDPOINT   output to S3 (moto), open_on_complete False → string
  atl03x ADDR REQUEST REFERENCE      sliderule.run("atl03x", {... "fit": {...}}) → GeoDataFrame
  concurrent ADDR REQUEST REFERENCE N      N clients at once, each its own session
  errors ADDR REQUEST                bad requests → clear errors (raised with rethrow, logged)
  token ADDR REQUEST TOKEN           without the token → refused; with it → rows
  busy ADDR REQUEST                  a full server → refused as busy
  hold ADDR REQUEST                  raw stream: one JSON line per exceptrec, until the end

REQUEST is a JSON file {"parms": {...}, "resources": [...]}; REFERENCE is the GeoParquet file
`firn atl06p` wrote for the same request, read back with geopandas as users read it.
"""

import json
import logging
import struct
import sys
import threading

import geopandas
import numpy as np
import requests
import sliderule
from sliderule import icesat2

COLUMNS = ["extent_id", "segment_id", "rgt", "cycle", "region", "spot", "gt", "x_atc", "y_atc",
           "h_mean", "dh_fit_dx", "dh_fit_dy", "n_fit_photons", "w_surface_window_final",
           "rms_misfit", "h_sigma", "pflags"]


class Captured(logging.Handler):
    """Keeps every message the client logs."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def init(address, rethrow=False):
    """sliderule.init as in the notebooks, with only the URL changed; returns the log capture."""
    captured = Captured()
    if sliderule.version.full_version.startswith("v4."):
        ok = sliderule.init(address, organization=None, rethrow=rethrow)
        logging.getLogger("sliderule.session").addHandler(captured)
        logging.getLogger("sliderule.session").setLevel(logging.DEBUG)
    else:
        ok = sliderule.init(address, organization=None, rethrow=rethrow, log_handler=captured,
                            verbose=True, loglevel=logging.DEBUG)
    if ok is not True:
        fail(f"sliderule.init returned {ok!r}")
    return captured


def normalised(gdf):
    """Rows as plain columns, sorted the same way whatever their order: time (UTC, naive), lon, lat
    from the geometry, and the SPEC columns."""
    df = gdf.copy()
    index = df.index
    if getattr(index.dtype, "tz", None) is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    df["time"] = np.asarray(index, dtype="datetime64[ns]")
    df["lon"] = df.geometry.x.to_numpy()
    df["lat"] = df.geometry.y.to_numpy()
    df = df.reset_index(drop=True)[["time"] + COLUMNS + ["lon", "lat"]]
    return df.sort_values(["time", "gt", "extent_id"], kind="stable").reset_index(drop=True)


def compare(gdf, reference_path, what):
    """Fails unless `gdf` holds exactly the rows of the reference file (every column, bit for bit;
    NaN equal to NaN). Returns a summary."""
    if not isinstance(gdf, geopandas.GeoDataFrame):
        fail(f"{what}: expected a GeoDataFrame, got {type(gdf).__name__}: {gdf!r}"[:2000])
    if gdf.index.name != "time":
        fail(f"{what}: index is {gdf.index.name!r}, not time")
    ref = geopandas.read_parquet(reference_path)
    got, want = normalised(gdf), normalised(ref)
    if len(got) != len(want) or len(want) == 0:
        fail(f"{what}: {len(got)} rows, the command line wrote {len(want)}")
    for column in want.columns:
        a, b = got[column].to_numpy(), want[column].to_numpy()
        if a.dtype != b.dtype and column != "time":
            fail(f"{what}: column {column} is {a.dtype}, the command line's is {b.dtype}")
        same = np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        if not same:
            bad = int(np.flatnonzero(a != b)[0])
            fail(f"{what}: column {column} differs at row {bad}: {a[bad]!r} vs {b[bad]!r}")
    return {"rows": len(got), "rgts": sorted(int(r) for r in got.rgt.unique()),
            "cycles": sorted(int(c) for c in got.cycle.unique())}


def load(path):
    with open(path) as f:
        request = json.load(f)
    return request["parms"], request.get("resources")


def check_inband(address, request, reference):
    init(address)
    parms, resources = load(request)
    gdf = icesat2.atl06p(parms, resources=resources, keep_id=True)
    summary = compare(gdf, reference, "in-band atl06p")
    summary["client"] = sliderule.version.full_version
    summary["columns"] = [c for c in gdf.columns]
    return summary


def check_local(address, request, reference, directory):
    init(address)
    parms, resources = load(request)
    opened = dict(parms, output={"path": f"{directory}/opened.parquet", "format": "geoparquet",
                                 "open_on_complete": True})
    gdf = icesat2.atl06p(opened, resources=resources)
    summary = compare(gdf, reference, "open_on_complete True")
    summary["attrs"] = sorted(gdf.attrs)
    path = f"{directory}/kept.parquet"
    kept = dict(parms, output={"path": path, "format": "parquet", "open_on_complete": False})
    returned = icesat2.atl06p(kept, resources=resources)
    if returned != path:
        fail(f"open_on_complete False: expected the path {path!r}, got {returned!r}")
    compare(geopandas.read_parquet(returned), reference, "the file written at the path")
    summary["returned"] = returned
    return summary


def check_s3(address, request, reference, url, endpoint):
    init(address)
    parms, resources = load(request)
    output = {"path": url, "format": "parquet", "open_on_complete": False, "region": "us-east-1",
              "endpoint": endpoint,
              "credentials": {"aws_access_key_id": "AKIAFIRNSERVE",
                              "aws_secret_access_key": "firn-serve-very-secret-value",
                              "aws_session_token": "firn-serve-session-token-value"}}
    returned = icesat2.atl06p(dict(parms, output=output), resources=resources)
    if returned != url:
        fail(f"expected the s3:// string {url!r}, got {returned!r}")
    # As in the seed notebook: geopandas.read_parquet of the string (endpoint and keys from the
    # standard AWS environment, here moto's).
    df = geopandas.read_parquet(returned)
    if str(df.index.dtype) != "datetime64[ns, UTC]":
        fail(f"time index is {df.index.dtype}")
    summary = compare(df, reference, "the S3 object")
    summary["returned"] = returned
    summary["index"] = [str(df.index.min()), str(df.index.max())]
    return summary


def check_atl03x(address, request, reference):
    init(address)
    parms, resources = load(request)
    parms = dict(parms)
    parms["fit"] = {"maxi": parms.pop("maxi")}
    gdf = sliderule.run("atl03x", parms, resources=resources)
    summary = compare(gdf, reference, "sliderule.run atl03x")
    summary["firn"] = gdf.attrs.get("firn", {}).get("version")
    return summary


def check_concurrent(address, request, reference, clients):
    parms, resources = load(request)
    parms = dict(parms)
    parms["fit"] = {"maxi": parms.pop("maxi")}
    results = [None] * clients

    def client(i):
        try:
            session = sliderule.create_session(domain=address, cluster=None, rethrow=True)
            gdf = sliderule.run("atl03x", parms, resources=resources, session=session)
            results[i] = compare(gdf, reference, f"client {i}")["rows"]
        except SystemExit:
            results[i] = "rows differ"
        except Exception as e:  # the report names it
            results[i] = f"{type(e).__name__}: {e}"

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=150)
    if any(t.is_alive() for t in threads):
        fail("a client did not finish within 150 s")
    bad = [r for r in results if not isinstance(r, int)]
    if bad:
        fail(f"{len(bad)} of {clients} clients failed: {bad[:3]}")
    return {"clients": clients, "rows": results}


def check_errors(address, request):
    """Each bad request raises FatalError (rethrow) and the client logs the server's reason."""
    parms, resources = load(request)
    cases = {
        "invalid JSON": ("{not json", None),
        "unknown parameter": (dict(parms, lenn=40), resources),
        "bad polygon": (dict(parms, poly=[{"lat": 39.0, "lon": -108.3}, {"lat": 39.1, "lon": -108.2},
                                          {"lat": 39.0, "lon": -108.1}, {"lat": 39.1, "lon": -108.0},
                                          {"lat": 39.0, "lon": -108.3}]), resources),
        "no granules": (dict(parms, cycle=42), None),
        "unknown granule name": (parms, ["notes.txt"]),
    }
    report = {}
    for case, (body, names) in cases.items():
        captured = init(address, rethrow=True)
        try:
            if isinstance(body, str):
                sliderule.source("atl06p", body, stream=True)
            else:
                icesat2.atl06p(body, resources=names)
            report[case] = {"raised": None, "logged": captured.messages}
        except Exception as e:
            report[case] = {"raised": f"{type(e).__name__}: {e}", "logged": captured.messages}
    # Without rethrow the notebook gets an empty frame and the reason in its log.
    captured = init(address)
    gdf = icesat2.atl06p(dict(parms, lenn=40), resources=resources)
    report["without rethrow"] = {"rows": len(gdf), "logged": captured.messages}
    return report


def check_token(address, request, token):
    parms, resources = load(request)
    init(address, rethrow=True)
    try:
        icesat2.atl06p(parms, resources=resources)
        refused = None
    except Exception as e:
        refused = f"{type(e).__name__}: {e}"
    init(address, rethrow=True)
    # A notebook sets the token on its session (the client sends it as a bearer token).
    # (The package re-exports the module's names, so the live global is read from the module.)
    sys.modules["sliderule.sliderule"].slideruleSession.ps_access_token = token
    gdf = icesat2.atl06p(parms, resources=resources)
    return {"refused": refused, "rows": len(gdf)}


def check_busy(address, request):
    parms, resources = load(request)
    captured = init(address, rethrow=True)
    try:
        icesat2.atl06p(parms, resources=resources)
        raised = None
    except Exception as e:
        raised = f"{type(e).__name__}: {e}"
    return {"raised": raised, "logged": captured.messages}


def records(response):
    """Splits a raw record stream into (type, payload) pairs."""
    buffer = b""
    for chunk in response.iter_content(None):
        buffer += chunk
        while len(buffer) >= 8:
            version, name_len, size = struct.unpack(">hhi", buffer[:8])
            if version != 2:
                fail(f"record version {version}")
            if len(buffer) < 8 + name_len + size:
                break
            name = buffer[8:8 + name_len - 1].decode("ascii")
            yield name, buffer[8 + name_len:8 + name_len + size]
            buffer = buffer[8 + name_len + size:]


def post(address, request):
    with open(request) as f:
        body = f.read()
    return requests.post(f"http://{address}/source/atl06p", data=body, stream=True, timeout=(10, 120))


def check_hold(address, request):
    """Prints each exceptrec as a JSON line as it arrives (flushed), then a summary."""
    response = post(address, request)
    counts = {}
    for name, payload in records(response):
        counts[name] = counts.get(name, 0) + 1
        if name == "exceptrec":
            code, level = struct.unpack("<ii", payload[:8])
            text = payload[8:].split(b"\0")[0].decode("ascii")
            print(json.dumps({"code": code, "level": level, "text": text}), flush=True)
    return {"status": response.status_code, "records": counts}



CHECKS = {"inband": check_inband, "local": check_local, "s3": check_s3, "atl03x": check_atl03x,
          "concurrent": lambda a, r, ref, n: check_concurrent(a, r, ref, int(n)),
          "errors": check_errors, "token": check_token, "busy": check_busy, "hold": check_hold}

if __name__ == "__main__":
    check, args = sys.argv[1], sys.argv[2:]
    print(json.dumps(CHECKS[check](*args)), flush=True)
