"""Sensor maps, grid heatmaps and frame strips, drawn with the Agg backend."""

import sys

import numpy as np
import pytest
import scipy.sparse as sp

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from sk_stfm.data import grid_adjacency  # noqa: E402
from sk_stfm.plotting import plot_frame_strip, plot_grid_heatmap, plot_sensor_map  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _clim(artist):
    return tuple(float(v) for v in artist.get_clim())


COORDS = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


# ---------------------------------------------------------------- sensor map


def test_sensor_map_points_edges_and_colour_limits():
    ring = np.roll(np.eye(4), 1, axis=1)  # directed ring: 4 connected pairs
    ax = plot_sensor_map(COORDS, [1.0, 2.0, 3.0, 5.0], adjacency=sp.csr_array(ring), title="MAE")
    edges, points = ax.collections
    assert isinstance(edges, LineCollection) and len(edges.get_segments()) == 4
    assert len(points.get_offsets()) == 4
    assert _clim(points) == (1.0, 5.0)
    assert ax.get_title() == "MAE"
    assert len(ax.figure.axes) == 2  # the colour bar


def test_sensor_map_draws_each_undirected_edge_once_and_missing_values_apart():
    adjacency = grid_adjacency((2, 2)).toarray() + np.eye(4)  # self loops are not drawn
    ax = plot_sensor_map(
        COORDS, [1.0, np.nan, 3.0, 4.0], adjacency=adjacency, vmin=0.0, vmax=10.0, colorbar=False
    )
    edges, known, missing = ax.collections
    assert len(edges.get_segments()) == 4
    assert len(known.get_offsets()) == 3 and len(missing.get_offsets()) == 1
    assert _clim(known) == (0.0, 10.0)
    assert len(ax.figure.axes) == 1


def test_sensor_map_without_values_and_on_given_axes():
    fig, ax = plt.subplots()
    assert plot_sensor_map(COORDS, ax=ax) is ax
    assert len(ax.collections) == 1 and len(fig.axes) == 1


def test_sensor_map_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"coords must be an array of shape \(n_sensors, 2\)"):
        plot_sensor_map(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(
        ValueError, match=r"values must be an array of shape \(n_sensors,\) = \(4,\)"
    ):
        plot_sensor_map(COORDS, np.zeros(5))
    with pytest.raises(ValueError, match=r"adjacency must have shape \(4, 4\)"):
        plot_sensor_map(COORDS, np.zeros(4), adjacency=np.ones((3, 3)))


# ---------------------------------------------------------------- grid heatmap


def test_grid_heatmap_from_flat_and_image_values():
    ax = plot_grid_heatmap(np.arange(12.0), grid_shape=(3, -1), title="t=0")
    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array(), np.arange(12.0).reshape(3, 4))
    assert _clim(image) == (0.0, 11.0)
    assert len(ax.figure.axes) == 2
    frame = np.arange(6.0).reshape(2, 3)
    frame[0, 0] = np.nan
    ax = plot_grid_heatmap(frame, vmax=20.0, colorbar=False)
    (image,) = ax.images
    assert image.get_array().mask[0, 0]  # NaN is masked, drawn grey
    assert _clim(image) == (1.0, 20.0)


def test_grid_heatmap_errors_name_the_argument():
    with pytest.raises(ValueError, match="needs grid_shape"):
        plot_grid_heatmap(np.zeros(12))
    with pytest.raises(ValueError, match="grid_shape"):
        plot_grid_heatmap(np.zeros(12), grid_shape=(5, 5))
    with pytest.raises(ValueError, match=r"expected shape \(H, W\) = \(3, 2\)"):
        plot_grid_heatmap(np.zeros((2, 3)), grid_shape=(3, 2))
    with pytest.raises(ValueError, match=r"values must be an array of shape \(n_nodes,\)"):
        plot_grid_heatmap(np.zeros((2, 3, 4)))


# ---------------------------------------------------------------- frame strip


def test_frame_strip_of_one_sequence():
    frames = np.random.default_rng(0).random((10, 3, 4))
    fig = plot_frame_strip(frames, n_frames=4)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 4
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["t=0", "t=3", "t=6", "t=9"]
    assert {_clim(image) for image in images} == {(float(frames.min()), float(frames.max()))}
    assert len(fig.axes) == 5  # four frames and the colour bar


def test_frame_strip_rows_of_named_sequences_share_one_scale():
    rng = np.random.default_rng(1)
    rows = {
        "input": rng.random((6, 16)),
        "truth": rng.random((3, 16)) + 1.0,
        "prediction": rng.random((3, 16)) - 1.0,
    }
    fig = plot_frame_strip(rows, grid_shape=(4, 4), titles=list("abcdef"), colorbar=False)
    frame_axes = [ax for ax in fig.axes if ax.images]
    assert len(frame_axes) == 12
    assert sum(not ax.get_visible() for ax in fig.axes) == 6  # short rows leave cells empty
    low = min(float(v.min()) for v in rows.values())
    high = max(float(v.max()) for v in rows.values())
    assert {_clim(ax.images[0]) for ax in frame_axes} == {(low, high)}
    assert [ax.get_title() for ax in fig.axes[:6]] == list("abcdef")
    assert [fig.axes[6 * r].get_ylabel() for r in range(3)] == list(rows)
    fixed = plot_frame_strip(rows, grid_shape=(4, 4), vmin=-5.0, vmax=5.0)
    assert {_clim(ax.images[0]) for ax in fixed.axes if ax.images} == {(-5.0, 5.0)}


def test_frame_strip_errors_name_the_argument():
    with pytest.raises(
        ValueError, match=r"frames\['truth'\] of shape \(n_steps, n_nodes\) needs grid_shape"
    ):
        plot_frame_strip({"truth": np.zeros((3, 16))})
    with pytest.raises(ValueError, match=r"frames must be an array of shape \(n_steps, n_nodes\)"):
        plot_frame_strip(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"expected shape \(n_steps, 2, 8\)"):
        plot_frame_strip(np.zeros((3, 4, 4)), grid_shape=(2, 8))
    with pytest.raises(ValueError, match=r"titles must hold one title per column, shape \(3,\)"):
        plot_frame_strip(np.zeros((3, 2, 2)), titles=["a"])
    with pytest.raises(ValueError, match="n_frames"):
        plot_frame_strip(np.zeros((3, 2, 2)), n_frames=0)
    with pytest.raises(ValueError, match="at least one sequence"):
        plot_frame_strip({})


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"sk-stfm\[plot\]"):
        plot_grid_heatmap(np.zeros((2, 2)))
