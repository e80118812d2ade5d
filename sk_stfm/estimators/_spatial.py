"""Moved to :mod:`sk_stfm.data._spatial`.

Kept so that estimators pickled before the move, which name
``sk_stfm.estimators._spatial.SpatialContext``, still load.
"""

from ..data._spatial import SpatialContext, resolve_spatial

__all__ = ["SpatialContext", "resolve_spatial"]
