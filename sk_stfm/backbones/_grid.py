"""What grid backbones share: reading flattened nodes back as an image."""

from ..data import check_grid_shape


def resolve_grid_shape(grid_shape, n_nodes, owner):
    """Return ``(H, W)`` for a backbone's nodes, validated against ``n_nodes``.

    Parameters
    ----------
    grid_shape : tuple (int, int) or None
        The grid of the data; ``None`` reads the nodes as one column,
        ``(n_nodes, 1)``, so convolutions run along the node order (and a
        single series is a 1 x 1 image).
    n_nodes : int
        Number of nodes of the windows.
    owner : str
        Name of the backbone, for error messages.

    Returns
    -------
    grid_shape : tuple of int
        ``(H, W)`` with ``H * W == n_nodes``.

    Examples
    --------
    >>> from sk_stfm.backbones._grid import resolve_grid_shape
    >>> resolve_grid_shape((4, 2), 8, "ConvLSTM"), resolve_grid_shape(None, 3, "ConvLSTM")
    ((4, 2), (3, 1))
    """
    if grid_shape is None:
        return (n_nodes, 1)
    return check_grid_shape(grid_shape, n_nodes, name=f"{owner} grid_shape")


def to_frames(x, grid_shape):
    """``(B, T, N, C)`` windows as ``(B, T, C, H, W)`` frames (nodes row-major)."""
    batch, steps, _, channels = x.shape
    return x.permute(0, 1, 3, 2).reshape(batch, steps, channels, *grid_shape)


def from_frames(frames):
    """``(B, T, C, H, W)`` frames back to ``(B, T, N, C)`` windows."""
    batch, steps, channels = frames.shape[:3]
    return frames.reshape(batch, steps, channels, -1).permute(0, 1, 3, 2)
