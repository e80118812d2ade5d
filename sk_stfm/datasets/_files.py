"""Reading the shipped data files: locate, verify the sha256, decompress.

Every loader goes through :func:`_read_verified`, so a truncated or altered
installation fails loudly, before parsing, instead of returning wrong
numbers. Files are gzip archives read into memory; nothing is unpickled.
"""

import gzip
import hashlib
import io
import os
from pathlib import Path

import numpy as np

from ._registry import DATASETS

DATA_DIR = Path(__file__).parent / "data"


def check_path(path, name):
    """``path`` as a :class:`~pathlib.Path`, or raise a TypeError naming ``name``."""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a str or path-like (a folder or file path); got {type(path).__name__}."
        )
    return Path(path)


def _read_verified(filename, data_home=None):
    """Return the decompressed bytes of a shipped file after checking its sha256."""
    folder = DATA_DIR if data_home is None else check_path(data_home, "data_home")
    path = folder / filename
    expected = _expected_sha256(filename)
    if not path.is_file():
        if data_home is not None:
            raise FileNotFoundError(
                f"The data file {filename!r} is missing from data_home={str(folder)!r}; "
                "pass a folder that holds a copy of it, or data_home=None for the "
                "files shipped with sk_stfm."
            )
        raise FileNotFoundError(
            f"The data file {filename!r} is missing from {folder}. The sk_stfm "
            "installation is incomplete; reinstall sk-stfm."
        )
    content = path.read_bytes()
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected:
        fix = (
            "The installation is corrupted (the file was altered or truncated); reinstall sk-stfm."
            if data_home is None
            else "The copy in data_home is altered or truncated; replace it with the "
            "original file, or pass data_home=None for the files shipped with sk_stfm."
        )
        raise ValueError(
            f"The data file {str(path)!r} failed its checksum verification: "
            f"expected sha256 {expected}, got {actual}. {fix}"
        )
    return gzip.decompress(content)


def _read_verified_npy(filename, data_home=None):
    """Load a verified ``.npy.gz`` file; pickled (object) arrays are refused."""
    return np.load(io.BytesIO(_read_verified(filename, data_home)), allow_pickle=False)


def _expected_sha256(filename):
    for record in DATASETS.values():
        if filename in record.sha256:
            return record.sha256[filename]
    raise KeyError(f"{filename!r} is not a registered data file.")


def _context(name):
    """The provenance fields of :class:`~sk_stfm.data.STData` for a data set."""
    record = DATASETS[name]
    return {
        "kind": record.kind,
        "name": name,
        "description": record.description,
        "citation": record.citation,
        "license": record.license,
    }
