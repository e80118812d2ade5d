"""Utilities shared across sk_stfm: domain tags, search ranges, estimator discovery, CPU settings."""

from ._allocator import configure_cpu_allocator
from ._discovery import all_estimators
from ._ranges import FloatRange, IntRange
from ._tags import STFMTags, get_stfm_tags

__all__ = [
    "FloatRange",
    "IntRange",
    "STFMTags",
    "all_estimators",
    "configure_cpu_allocator",
    "get_stfm_tags",
]
