"""Utilities shared across sk_stfm: domain tags and estimator discovery."""

from ._discovery import all_estimators
from ._tags import STFMTags, get_stfm_tags

__all__ = ["all_estimators", "STFMTags", "get_stfm_tags"]
