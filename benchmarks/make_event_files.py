"""Convert the staged event data into the files shipped in ``sk_stfm/datasets/data/``.

Run once, by hand; the loaders never import this script. It reads

- ``../shared/data/tpp_wikipedia_yelp/wikipedia.npz`` (IFL-TPP, object
  arrays of Python lists, so read here with ``allow_pickle=True`` once),
- ``../shared/data/earthquake_sanjac/SanJac_catalog.csv`` and
  ``../shared/data/earthquake_japan/Japan_catalog.csv`` (EarthquakeNPP),

and writes flat integer arrays (no object arrays, no pickle) in one
uncompressed ``.npz`` per data set, gzip-compressed reproducibly (no name or
time in the header, like ``gzip -9 -n``). Each integer array is stored as
its byte planes, ``(itemsize, n)`` uint8 (the k-th byte of every value, then
the next byte, ...), which gzip compresses about 20 % better than the
interleaved values; :func:`sk_stfm.datasets._event_loaders._unshuffle`
reverses it. Everything is lossless with respect to the sources at their
published precision:

- Wikipedia: integer seconds, so ``gap`` (int32, seconds since the previous
  event of the sequence, the first since 0) and ``mark`` (int16, the page
  ids, already the contiguous codes 0..8226) plus ``lengths`` (int32).
- Earthquakes: ``dt_ms`` (int64, milliseconds since the previous event; the
  first since 1970-01-01 UTC), ``x_m`` / ``y_m`` (int32, the catalog's
  projected x / y in km, rounded to the metre) and ``magnitude_c`` (int16,
  magnitude times 100; the catalogs give two decimals at most).

Usage::

    python benchmarks/make_event_files.py        # then paste the printed sha256
"""

import gzip
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "sk_stfm" / "datasets" / "data"


def _planes(values, dtype):
    values = np.ascontiguousarray(values, dtype=dtype)
    return np.ascontiguousarray(values.view(np.uint8).reshape(len(values), -1).T)


def _write(name, arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    content = gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0)
    path = OUT / name
    path.write_bytes(content)
    print(f"{name}: {len(content):,} bytes, sha256 {hashlib.sha256(content).hexdigest()}")


def wikipedia():
    archive = np.load(SHARED / "tpp_wikipedia_yelp" / "wikipedia.npz", allow_pickle=True)
    times = [np.asarray(t, dtype=np.float64) for t in archive["arrival_times"]]
    marks = [np.asarray(m, dtype=np.int64) for m in archive["marks"]]
    flat = np.concatenate(times)
    assert np.array_equal(flat, np.round(flat)), "times are not whole seconds"
    gaps = np.concatenate([np.diff(t, prepend=0.0) for t in times])
    mark = np.concatenate(marks)
    assert mark.min() == 0 and mark.max() == len(np.unique(mark)) - 1 < 2**15
    _write(
        "wikipedia_events.npz.gz",
        {
            "gap": _planes(gaps, np.int32),
            "mark": _planes(mark, np.int16),
            "lengths": np.array([len(t) for t in times], dtype=np.int32),
        },
    )


def earthquakes(folder, filename, out):
    catalog = pd.read_csv(SHARED / folder / filename, parse_dates=["time"])
    ms = catalog["time"].astype("datetime64[ms]").astype(np.int64).to_numpy()
    magnitude = np.round(catalog["magnitude"].to_numpy() * 100)
    assert np.allclose(magnitude / 100, catalog["magnitude"].to_numpy(), atol=1e-9)
    _write(
        out,
        {
            "dt_ms": _planes(np.diff(ms, prepend=0), np.int64),
            "x_m": _planes(np.round(catalog["x"].to_numpy() * 1000), np.int32),
            "y_m": _planes(np.round(catalog["y"].to_numpy() * 1000), np.int32),
            "magnitude_c": _planes(magnitude, np.int16),
        },
    )


if __name__ == "__main__":
    wikipedia()
    earthquakes("earthquake_sanjac", "SanJac_catalog.csv", "earthquake_sanjac.npz.gz")
    earthquakes("earthquake_japan", "Japan_catalog.csv", "earthquake_japan.npz.gz")
