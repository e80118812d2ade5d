"""Test-session settings."""

import os
import sys
from pathlib import Path

import torch

# The docs' page generators (docs/sphinxext) are tested here too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "sphinxext"))


def pytest_configure(config):
    # Under pytest-xdist every worker gets one intra-op thread: with one
    # worker per core, torch's default (one thread per core, per worker)
    # oversubscribes the cores, and the spinning OpenMP threads slow small
    # models down by an order of magnitude.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        torch.set_num_threads(1)


# Importing the toy backbone registers it: test_registry.py imports it and
# unregisters it again; collecting it for doctests would leave it registered.
collect_ignore = ["toy_backbone.py"]
