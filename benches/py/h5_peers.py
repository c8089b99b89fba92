"""Python peers of the h5_read benchmark: h5py, h5coro-hidefix and (optionally) pure h5coro.

Reads the datasets an ATL06-SR run needs from every beam of a granule (the same workload as
`cargo run --release -p firn-benches --bin h5_read`), best of K runs, and prints seconds and MB/s
of decoded bytes. The page cache is warmed first by reading the file once.

    .venv/bin/pip install h5coro h5coro-hidefix      # peers, into the repository venv
    .venv/bin/python benches/py/h5_peers.py GRANULE.h5 [--repeat 3] [--h5coro]

h5py and hidefix return every dataset whole; their bytes are checked against each other.
"""

import argparse
import os
import sys
import time

import h5py
import numpy as np

HEIGHTS = ["h_ph", "lat_ph", "lon_ph", "delta_time", "dist_ph_along", "dist_ph_across",
           "signal_conf_ph", "quality_ph"]
GEOLOCATION = ["segment_id", "segment_dist_x", "segment_ph_cnt", "ph_index_beg",
               "reference_photon_lat", "reference_photon_lon", "velocity_sc", "delta_time"]
BACKGROUND = ["delta_time", "bckgrd_rate"]
BEAMS = ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"]


def workload(path):
    """The ATL06-SR datasets of every beam present in the file."""
    with h5py.File(path, "r") as f:
        beams = [b for b in BEAMS if b in f]
    paths = []
    for beam in beams:
        paths += [f"/{beam}/heights/{n}" for n in HEIGHTS]
        paths += [f"/{beam}/geolocation/{n}" for n in GEOLOCATION]
        paths += [f"/{beam}/bckgrd_atlas/{n}" for n in BACKGROUND]
    return paths


def warm(path):
    start = time.perf_counter()
    with open(path, "rb") as f:
        while f.read(8 << 20):
            pass
    return time.perf_counter() - start


def best_of(repeat, work):
    best, out = float("inf"), None
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        out = work()
        best = min(best, time.perf_counter() - start)
    return best, out


def read_h5py(path, paths):
    with h5py.File(path, "r") as f:
        return {p: f[p][()] for p in paths}


def read_hidefix(path, paths):
    import h5coro_hidefix as hx

    index = hx.Index(path)
    return {p: index.read(p) for p in paths}


def read_hidefix_indexed(index, paths):
    return {p: index.read(p) for p in paths}


def read_h5coro(path, paths):
    from h5coro import h5coro, filedriver

    h5 = h5coro.H5Coro(path, filedriver.FileDriver, errorChecking=True, verbose=False)
    promise = h5.readDatasets(paths, block=True)
    return {p: promise[p] for p in paths}


def nbytes(arrays):
    return sum(np.asarray(a).nbytes for a in arrays.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("granule")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--h5coro", action="store_true",
                        help="also time pure-Python h5coro (slow: several times hidefix)")
    args = parser.parse_args()

    size = os.path.getsize(args.granule)
    print(f"granule {args.granule} ({size / 1e9:.2f} GB); page cache warmed in "
          f"{warm(args.granule):.2f} s")
    paths = workload(args.granule)
    print(f"workload: {len(paths)} datasets; best of {args.repeat} runs each\n")

    rows = []
    seconds, reference = best_of(args.repeat, lambda: read_h5py(args.granule, paths))
    decoded = nbytes(reference)
    rows.append(("h5py (libhdf5)", seconds, decoded))

    try:
        import h5coro_hidefix as hx
    except ImportError:
        print("h5coro-hidefix is not installed: pip install h5coro-hidefix", file=sys.stderr)
        hx = None
    if hx is not None:
        seconds, arrays = best_of(args.repeat, lambda: read_hidefix(args.granule, paths))
        check(reference, arrays, "hidefix")
        rows.append(("h5coro-hidefix (index + read)", seconds, nbytes(arrays)))
        index = hx.Index(args.granule)
        seconds, arrays = best_of(args.repeat, lambda: read_hidefix_indexed(index, paths))
        rows.append(("h5coro-hidefix (read, index built)", seconds, nbytes(arrays)))
        del arrays
    if args.h5coro:
        seconds, arrays = best_of(1, lambda: read_h5coro(args.granule, paths))
        check(reference, arrays, "h5coro")
        rows.append(("h5coro (pure Python, 1 run)", seconds, nbytes(arrays)))
        del arrays

    width = max(len(r[0]) for r in rows)
    print(f"{'contender':<{width}}  {'seconds':>9}  {'MB/s':>9}")
    for name, seconds, nbytes_ in rows:
        print(f"{name:<{width}}  {seconds:>9.3f}  {nbytes_ / seconds / 1e6:>9.0f}")
    print(f"\ndecoded {decoded / 1e6:.1f} MB; divide by the floor's seconds from h5_read for its ratio")


def check(reference, arrays, name):
    for path, expected in reference.items():
        got = np.asarray(arrays[path])
        if got.shape != expected.shape or got.tobytes() != expected.tobytes():
            sys.exit(f"{name} differs from h5py on {path}: shape {got.shape} vs {expected.shape}")


if __name__ == "__main__":
    main()
