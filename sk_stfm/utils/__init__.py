"""Utilities shared across sk_stfm: domain tags, estimator discovery, CPU settings."""

from ._allocator import configure_cpu_allocator
from ._discovery import all_estimators
from ._tags import STFMTags, get_stfm_tags

__all__ = ["all_estimators", "configure_cpu_allocator", "STFMTags", "get_stfm_tags"]
