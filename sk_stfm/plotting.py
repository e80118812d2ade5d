"""Plots of spatial data: sensor maps, grid heatmaps and strips of frames.

matplotlib is an optional dependency (the ``plot`` extra, ``pip install
'sk-stfm[plot]'``); it is imported when a plot is drawn, not when this module
is. Every function draws on the Axes or Figure it returns, so the caller
can add to it, save it or close it.
"""

import numpy as np
import scipy.sparse as sp

from .data import check_adjacency, check_grid_shape

__all__ = ["plot_frame_strip", "plot_grid_heatmap", "plot_sensor_map"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "sk_stfm.plotting needs matplotlib, an optional dependency; install it "
            "with pip install 'sk-stfm[plot]'."
        ) from error
    return plt


def _colormap(cmap):
    """The colormap ``cmap`` (name or object), with NaN drawn in light grey."""
    import matplotlib

    colormap = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    return colormap.with_extremes(bad="0.85")


def _numeric(values, name):
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers; got dtype {array.dtype}.")
    return array.astype(np.float64, copy=False)


def _as_frame(values, grid_shape, name):
    """Return one frame ``(H, W)`` from values of shape ``(H * W,)`` or ``(H, W)``."""
    frame = _numeric(values, name)
    if frame.ndim == 1:
        if grid_shape is None:
            raise ValueError(
                f"{name} of shape (n_nodes,) needs grid_shape=(H, W) to be drawn as a "
                f"grid; got values of shape {frame.shape} and grid_shape=None."
            )
        return frame.reshape(check_grid_shape(grid_shape, frame.shape[0]))
    if frame.ndim == 2:
        if grid_shape is not None and check_grid_shape(grid_shape, frame.size) != frame.shape:
            raise ValueError(
                f"{name} of shape {frame.shape} does not match grid_shape="
                f"{tuple(grid_shape)}; expected shape (H, W) = {tuple(grid_shape)}."
            )
        return frame
    raise ValueError(
        f"{name} must be an array of shape (n_nodes,) with grid_shape, or (H, W); got "
        f"an array with {frame.ndim} dimension(s) and shape {frame.shape}."
    )


def plot_sensor_map(
    coords,
    values=None,
    *,
    adjacency=None,
    ax=None,
    cmap="viridis",
    vmin=None,
    vmax=None,
    title=None,
    colorbar=True,
    label=None,
    size=30.0,
):
    """Draw sensors as points on a map, coloured by a value such as their error.

    Parameters
    ----------
    coords : array-like of shape (n_sensors, 2)
        Position of each sensor, ``(longitude, latitude)`` as in
        :attr:`STData.coords <sk_stfm.data.STData>`, or any planar ``(x, y)``.
    values : array-like of shape (n_sensors,) or None, default=None
        Value of each sensor (a per-sensor error, a reading); NaN sensors are
        drawn hollow and grey. ``None`` draws plain points.
    adjacency : array-like or scipy sparse matrix of shape (n_sensors, n_sensors) or None, \
            default=None
        Edges to draw as thin grey lines, one per connected pair (a
        directed edge in either direction counts).
    ax : matplotlib Axes or None, default=None
        Where to draw; ``None`` makes a new figure.
    cmap : str or matplotlib Colormap, default="viridis"
        Colours of the values.
    vmin, vmax : float or None, default=None
        Colour limits; ``None`` takes the smallest and largest finite value.
    title : str or None, default=None
        Title of the Axes.
    colorbar : bool, default=True
        Whether to add a colour bar (only with ``values``).
    label : str or None, default=None
        Label of the colour bar.
    size : float, default=30.0
        Marker area, in points squared.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on: its ``collections`` hold the edges (a
        ``LineCollection``, with ``adjacency``), the sensors with a value and
        the sensors without one (each drawn only if there are any).

    Raises
    ------
    ValueError
        If ``coords``, ``values`` or ``adjacency`` do not have the shapes above.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_stfm.plotting import plot_sensor_map
    >>> coords = np.array([[-118.3, 34.1], [-118.2, 34.1], [-118.2, 34.0]])
    >>> ring = np.ones((3, 3)) - np.eye(3)
    >>> ax = plot_sensor_map(coords, [1.0, 2.5, 4.0], adjacency=ring, label="MAE")
    >>> len(ax.collections), [float(v) for v in ax.collections[1].get_clim()]
    (2, [1.0, 4.0])
    """
    plt = _pyplot()
    coords = _numeric(coords, "coords")
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise ValueError(
            "coords must be an array of shape (n_sensors, 2) holding (longitude, "
            f"latitude); got shape {coords.shape}."
        )
    n_sensors = coords.shape[0]
    if values is not None:
        values = _numeric(values, "values")
        if values.shape != (n_sensors,):
            raise ValueError(
                f"values must be an array of shape (n_sensors,) = ({n_sensors},), one "
                f"per row of coords; got shape {values.shape}."
            )
    if ax is None:
        _, ax = plt.subplots()
    if adjacency is not None:
        from matplotlib.collections import LineCollection

        graph = sp.csr_array(check_adjacency(adjacency, n_sensors))
        # One segment per connected pair, whichever direction holds the edge.
        pairs = sp.triu(graph + graph.T, k=1).tocoo()
        segments = coords[np.stack([pairs.row, pairs.col], axis=1)]  # (n_edges, 2, 2)
        ax.add_collection(
            LineCollection(segments, colors="0.6", linewidths=0.5, zorder=1, label="edges")
        )
    if values is None:
        ax.scatter(coords[:, 0], coords[:, 1], s=size, color="C0", zorder=2)
    else:
        known = np.isfinite(values)
        finite = values[known]
        low = vmin if vmin is not None else (finite.min() if finite.size else 0.0)
        high = vmax if vmax is not None else (finite.max() if finite.size else 1.0)
        points = ax.scatter(
            coords[known, 0],
            coords[known, 1],
            c=finite,
            s=size,
            cmap=_colormap(cmap),
            vmin=low,
            vmax=high,
            zorder=2,
        )
        if not known.all():
            ax.scatter(
                coords[~known, 0],
                coords[~known, 1],
                s=size,
                facecolors="none",
                edgecolors="0.5",
                zorder=2,
                label="missing",
            )
        if colorbar:
            ax.figure.colorbar(points, ax=ax, label=label)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    if title is not None:
        ax.set_title(title)
    ax.autoscale_view()
    return ax


def plot_grid_heatmap(
    values,
    grid_shape=None,
    *,
    ax=None,
    cmap="viridis",
    vmin=None,
    vmax=None,
    title=None,
    colorbar=True,
    label=None,
):
    """Draw one frame of a grid as an image.

    Parameters
    ----------
    values : array-like of shape (n_nodes,) or (H, W)
        The frame: one value per cell, flattened row-major (as the nodes of
        grid data are) or as an image. NaN cells are light grey.
    grid_shape : tuple of int (H, W) or None, default=None
        Shape of the grid, needed for flat ``values``; one entry may be
        ``-1``.
    ax : matplotlib Axes or None, default=None
        Where to draw; ``None`` makes a new figure.
    cmap : str or matplotlib Colormap, default="viridis"
        Colours of the values.
    vmin, vmax : float or None, default=None
        Colour limits; ``None`` takes the smallest and largest finite value.
    title : str or None, default=None
        Title of the Axes.
    colorbar : bool, default=True
        Whether to add a colour bar.
    label : str or None, default=None
        Label of the colour bar.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on; ``ax.images[0]`` is the frame, row 0 at the top.

    Raises
    ------
    ValueError
        If ``values`` is neither ``(n_nodes,)`` with a matching
        ``grid_shape`` nor ``(H, W)``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_stfm.plotting import plot_grid_heatmap
    >>> ax = plot_grid_heatmap(np.arange(12.0), grid_shape=(3, 4))
    >>> ax.images[0].get_array().shape, [float(v) for v in ax.images[0].get_clim()]
    ((3, 4), [0.0, 11.0])
    """
    plt = _pyplot()
    frame = _as_frame(values, grid_shape, "values")
    if ax is None:
        _, ax = plt.subplots()
    low, high = _limits([frame], vmin, vmax)
    image = ax.imshow(
        np.ma.masked_invalid(frame),
        cmap=_colormap(cmap),
        vmin=low,
        vmax=high,
        origin="upper",
        interpolation="nearest",
    )
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=label)
    if title is not None:
        ax.set_title(title)
    return ax


def plot_frame_strip(
    frames,
    grid_shape=None,
    *,
    n_frames=None,
    titles=None,
    vmin=None,
    vmax=None,
    cmap="viridis",
    colorbar=True,
    label=None,
    figsize=None,
):
    """Draw sequences of grid frames side by side, on one colour scale.

    One row per sequence, one column per frame: give a dict such as
    ``{"input": X[0, :, :, 0], "truth": y[0, :, :, 0], "prediction":
    y_pred[0, :, :, 0]}`` to compare a forecast with the truth frame by
    frame.

    Parameters
    ----------
    frames : array-like of shape (n_steps, n_nodes) or (n_steps, H, W), or dict
        A sequence of frames (flat rows need ``grid_shape``), or a dict of
        named sequences, one row each; sequences may have different lengths.
    grid_shape : tuple of int (H, W) or None, default=None
        Shape of the grid, needed for frames of shape ``(n_steps, n_nodes)``.
    n_frames : int or None, default=None
        Most frames drawn per sequence, evenly spaced and including the
        first and the last; ``None`` draws them all.
    titles : list of str or None, default=None
        One title per column, over the top row; ``None`` titles each frame
        with its step, ``"t=0"``, ``"t=1"``, ...
    vmin, vmax : float or None, default=None
        Colour limits shared by every frame; ``None`` takes the smallest and
        largest finite value over all frames.
    cmap : str or matplotlib Colormap, default="viridis"
        Colours of the values.
    colorbar : bool, default=True
        Whether to add one colour bar for the whole figure.
    label : str or None, default=None
        Label of the colour bar.
    figsize : tuple of float or None, default=None
        Size of the figure in inches; ``None`` gives each frame 1.6 inches.

    Returns
    -------
    fig : matplotlib Figure
        The figure; each drawn frame is the only image of its Axes, in
        ``fig.axes`` row by row (unused cells are hidden).

    Raises
    ------
    ValueError
        If a sequence does not have one of the shapes above, or ``titles``
        does not hold one title per column.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_stfm.plotting import plot_frame_strip
    >>> truth = np.random.default_rng(0).random((3, 16))
    >>> fig = plot_frame_strip({"truth": truth, "prediction": truth * 0.9}, grid_shape=(4, 4))
    >>> images = [image for ax in fig.axes for image in ax.images]
    >>> len(images), len({image.get_clim() for image in images})
    (6, 1)
    """
    plt = _pyplot()
    named = frames if isinstance(frames, dict) else {None: frames}
    if not named:
        raise ValueError("frames must hold at least one sequence; got an empty dict.")
    if n_frames is not None and (not isinstance(n_frames, int | np.integer) or n_frames < 1):
        raise ValueError(f"n_frames must be a positive int or None; got {n_frames!r}.")
    rows = {}
    for name, sequence in named.items():
        argument = "frames" if name is None else f"frames[{name!r}]"
        rows[name] = _as_sequence(sequence, grid_shape, argument)
    steps = {name: _frame_steps(len(sequence), n_frames) for name, sequence in rows.items()}
    n_cols = max(len(s) for s in steps.values())
    if titles is not None and len(titles) != n_cols:
        raise ValueError(
            f"titles must hold one title per column, shape ({n_cols},); got {len(titles)}."
        )
    low, high = _limits(list(rows.values()), vmin, vmax)
    colormap = _colormap(cmap)
    if figsize is None:
        figsize = (1.6 * n_cols + (1.0 if colorbar else 0.2), 1.6 * len(rows) + 0.3)
    fig, axes = plt.subplots(
        len(rows), n_cols, figsize=figsize, squeeze=False, layout="constrained"
    )
    image = None
    for row, (name, sequence) in enumerate(rows.items()):
        for col, ax in enumerate(axes[row]):
            ax.set_xticks([])
            ax.set_yticks([])
            if col >= len(steps[name]):
                ax.set_visible(False)
                continue
            step = steps[name][col]
            image = ax.imshow(
                np.ma.masked_invalid(sequence[step]),
                cmap=colormap,
                vmin=low,
                vmax=high,
                origin="upper",
                interpolation="nearest",
            )
            if titles is None:
                ax.set_title(f"t={step}", fontsize="small")
            elif row == 0:
                ax.set_title(titles[col], fontsize="small")
        if name is not None:
            axes[row, 0].set_ylabel(str(name))
    if colorbar:
        fig.colorbar(image, ax=axes, label=label, shrink=0.9)
    return fig


def _as_sequence(sequence, grid_shape, name):
    """Return frames ``(n_steps, H, W)`` from ``(n_steps, n_nodes)`` or ``(n_steps, H, W)``."""
    array = _numeric(sequence, name)
    if array.ndim == 2 and array.shape[0] >= 1:
        if grid_shape is None:
            raise ValueError(
                f"{name} of shape (n_steps, n_nodes) needs grid_shape=(H, W); got shape "
                f"{array.shape} and grid_shape=None."
            )
        return array.reshape((array.shape[0],) + check_grid_shape(grid_shape, array.shape[1]))
    if array.ndim == 3 and array.shape[0] >= 1:
        if grid_shape is not None:
            expected = check_grid_shape(grid_shape, array.shape[1] * array.shape[2])
            if expected != array.shape[1:]:
                raise ValueError(
                    f"{name} of shape {array.shape} does not match grid_shape="
                    f"{tuple(grid_shape)}; expected shape (n_steps, {expected[0]}, "
                    f"{expected[1]})."
                )
        return array
    raise ValueError(
        f"{name} must be an array of shape (n_steps, n_nodes) with grid_shape, or "
        f"(n_steps, H, W), with n_steps >= 1; got shape {array.shape}."
    )


def _frame_steps(n_steps, n_frames):
    """Indices of at most ``n_frames`` evenly spaced steps, first and last included."""
    if n_frames is None or n_frames >= n_steps:
        return list(range(n_steps))
    return sorted(set(np.linspace(0, n_steps - 1, n_frames).round().astype(int).tolist()))


def _limits(arrays, vmin, vmax):
    """Shared colour limits: the given ones, else the finite range of ``arrays``."""
    finite = [a[np.isfinite(a)] for a in arrays]
    finite = np.concatenate([f.ravel() for f in finite]) if finite else np.empty(0)
    low = vmin if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    high = vmax if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    return low, high
