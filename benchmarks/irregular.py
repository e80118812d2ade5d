"""Irregular data, one command: GeoLife trajectories, then Wikipedia and San Jacinto events.

Runs ``benchmarks/trajectories.py`` (next-location accuracy@1/@5 against
the most-frequent-next-cell baseline, user classification against a
feature + random forest baseline) and ``benchmarks/events.py`` (event
log-likelihood per event of the three neural TPPs against Poisson and
Hawkes), each in a fresh interpreter so that one's allocations do not slow
the other. Their protocols are in their docstrings; each writes its own
``benchmarks/results/{trajectories,events}.json`` and ``.md``.

Run only on an otherwise idle machine::

    python benchmarks/irregular.py [--budget 100]

``--budget`` is the wall-clock seconds per neural event model.
"""

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0)
    args = parser.parse_args()
    for command in (
        [sys.executable, str(HERE / "trajectories.py")],
        [sys.executable, str(HERE / "events.py"), "--budget", str(args.budget)],
    ):
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
