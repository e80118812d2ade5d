"""The ``spatial=`` parameter: adjacency, grid shape or an STData, resolved."""

from dataclasses import dataclass

import numpy as np

from ._grid import check_grid_shape
from ._stdata import STData
from ._validation import check_adjacency


@dataclass(frozen=True)
class SpatialContext:
    """What an estimator knows about the space its nodes live in.

    Parameters
    ----------
    kind : {"series", "graph", "grid", "video"}
        ``"series"`` when nothing spatial is known; ``"video"`` for the
        frames of an :class:`~sk_stfm.data.STData` of that kind.
    adjacency : ndarray or scipy sparse array or None
        Validated edge weights.
    grid_shape : tuple of int or None
        ``(H, W)`` of a grid.
    n_nodes : int or None, default=None
        Number of nodes it describes, when known (that of the
        :class:`~sk_stfm.data.STData` it comes from); estimators check it
        against their windows.

    Examples
    --------
    >>> from sk_stfm.data import SpatialContext
    >>> context = SpatialContext("grid", grid_shape=(2, 3))
    >>> context.available()
    ('grid_shape',)
    """

    kind: str = "series"
    adjacency: object = None
    grid_shape: tuple | None = None
    n_nodes: int | None = None

    def __sklearn_clone__(self):
        # Immutable: clones of an estimator share it.
        return self

    def available(self):
        """Context available to backbones, as in their ``requires`` tag.

        Returns
        -------
        available : tuple of str
            Among ``"adjacency"`` and ``"grid_shape"``.
        """
        return tuple(
            name
            for name, value in (("adjacency", self.adjacency), ("grid_shape", self.grid_shape))
            if value is not None
        )


def resolve_spatial(spatial, n_nodes):
    """Validate the ``spatial`` parameter against the data.

    Parameters
    ----------
    spatial : None, STData, SpatialContext, array-like, sparse matrix, networkx graph or tuple (H, W)
        Spatial context: an adjacency (any matrix form or a graph), a grid
        shape, or an :class:`~sk_stfm.data.STData` carrying either (only
        its :meth:`~sk_stfm.data.STData.spatial_context` is used).
    n_nodes : int
        Number of nodes of the windows.

    Returns
    -------
    context : SpatialContext
        The resolved context.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import resolve_spatial
    >>> resolve_spatial((2, 3), n_nodes=6).kind
    'grid'
    >>> ring = np.roll(np.eye(4), 1, axis=1) + np.roll(np.eye(4), -1, axis=1)
    >>> resolve_spatial(ring, n_nodes=4).available()
    ('adjacency',)
    """
    if spatial is None:
        return SpatialContext()
    if isinstance(spatial, STData):
        spatial = spatial.spatial_context()
    if isinstance(spatial, SpatialContext):
        if spatial.n_nodes is not None and spatial.n_nodes != n_nodes:
            raise ValueError(
                f"spatial describes {spatial.n_nodes} nodes but X has n_nodes={n_nodes}."
            )
        if spatial.grid_shape is not None:
            check_grid_shape(spatial.grid_shape, n_nodes, "spatial")
        if spatial.adjacency is not None:
            check_adjacency(spatial.adjacency, n_nodes, name="spatial")
        return spatial
    if (
        isinstance(spatial, tuple)
        and len(spatial) == 2
        and all(isinstance(s, int | np.integer) for s in spatial)
    ):
        return SpatialContext("grid", grid_shape=check_grid_shape(spatial, n_nodes, "spatial"))
    return SpatialContext("graph", check_adjacency(spatial, n_nodes, name="spatial"))
