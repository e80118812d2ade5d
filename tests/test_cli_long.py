"""sk-stfm describe, fit and predict on long tables with a graph: Los-loop from CSV files."""

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from cli_fixtures import one_error_line

from sk_stfm.cli import main
from sk_stfm.datasets import load_los_loop

N_STEPS, N_NODES, HISTORY, HORIZON = 900, 10, 12, 6


@pytest.fixture(scope="module")
def los_loop(tmp_path_factory):
    """The first days and sensors of Los-loop as a long CSV, its graph as an edge list and .npz."""
    folder = tmp_path_factory.mktemp("cli_long")
    full = load_los_loop()
    nodes = np.arange(N_NODES)
    adjacency = sp.csr_array(full.adjacency)[nodes][:, nodes]
    names = np.asarray(full.node_names)[nodes]
    data = full.slice_steps(0, N_STEPS)
    # The layout STData.to_frame writes: a bundled graph written as CSV reads back.
    long = data.to_frame("long")
    long = long[long["node"].isin(names)].reset_index(drop=True)
    long.to_csv(folder / "los_loop.csv", index=False)
    edges = sp.coo_array(adjacency)
    pd.DataFrame(
        {"source": names[edges.row], "target": names[edges.col], "weight": edges.data}
    ).to_csv(folder / "edges.csv", index=False)
    sp.save_npz(folder / "adjacency.npz", adjacency)
    return {
        "folder": folder,
        "csv": folder / "los_loop.csv",
        "edges": folder / "edges.csv",
        "npz": folder / "adjacency.npz",
        "names": list(names),
        "values": data.values[:, nodes, 0],
        "timestamps": data.timestamps,
        "adjacency": adjacency.toarray(),
    }


@pytest.fixture(scope="module")
def fitted(los_loop):
    model = los_loop["folder"] / "stid.pt"
    status = main(
        ["fit", str(los_loop["csv"]), "--adjacency", str(los_loop["edges"]), "--model", "stid",
         "--output", str(model), "--history", str(HISTORY), "--horizon", str(HORIZON),
         "--max-epochs", "3", "--lr", "0.01", "--budget", "60"]
    )  # fmt: skip
    assert status == 0
    return model


def test_fit_reads_the_long_csv_and_the_edge_list(los_loop, fitted):
    from sk_stfm.estimators import STForecaster

    metadata = json.loads(fitted.with_name("stid.pt.json").read_text())
    assert metadata["kind"] == "graph" and metadata["layout"] == "long"
    assert metadata["channel_column"] is True
    assert metadata["node_names"] == los_loop["names"]  # the order of first appearance
    assert metadata["channel_names"] == ["speed"] and metadata["frequency"] == "5min"
    mean = np.asarray(metadata["mean"])[0, :, 0]
    n_train = int(round(N_STEPS * 0.8))
    np.testing.assert_allclose(mean, los_loop["values"][:n_train].mean(axis=0), rtol=1e-6)
    # The graph reached the estimator: the edge list's weights in the table's node order.
    model = STForecaster.load(fitted)
    np.testing.assert_allclose(sp.csr_array(model.spatial).toarray(), los_loop["adjacency"])
    test = metadata["test"]
    assert set(test) == {"model", "last_value", "seasonal_naive"}
    assert metadata["seasonal_period"] > HISTORY  # a day of 5-minute steps, read from the series
    assert "describe" in metadata["seasonal_period_source"]
    assert all(np.isfinite(errors["mae"]) for errors in test.values())


def test_predict_writes_the_forecast_back_as_a_long_table(los_loop, fitted, tmp_path, capsys):
    output = tmp_path / "forecast.csv"
    status = main(
        ["predict", str(fitted), str(los_loop["csv"]), "--adjacency", str(los_loop["edges"]),
         "--output", str(output)]
    )  # fmt: skip
    assert status == 0
    assert f"Forecast {HORIZON} steps" in capsys.readouterr().out
    forecast = pd.read_csv(output, dtype={"node": str}, parse_dates=["time"])
    assert list(forecast.columns) == ["time", "node", "channel", "value"]
    assert len(forecast) == HORIZON * N_NODES
    assert set(forecast["node"]) == set(los_loop["names"])
    assert (forecast["channel"] == "speed").all()
    last = los_loop["timestamps"][-1]
    expected = pd.date_range(last + pd.Timedelta(minutes=5), periods=HORIZON, freq="5min")
    np.testing.assert_array_equal(forecast["time"].unique(), expected.to_numpy())
    assert forecast.groupby("time")["node"].apply(list).map(los_loop["names"].__eq__).all()
    speeds = forecast["value"].to_numpy()
    assert np.isfinite(speeds).all() and (speeds > 0).all() and (speeds < 120).all()
    # The forecast reads back as data: appended to the input, it is one longer table.
    appended = pd.concat([pd.read_csv(los_loop["csv"], dtype={"node": str}), forecast])
    appended.to_csv(tmp_path / "appended.csv", index=False)
    assert main(["describe", str(tmp_path / "appended.csv")]) == 0
    assert f"{N_STEPS + HORIZON} steps x {N_NODES} nodes x 1 channel" in capsys.readouterr().out


def test_a_npz_adjacency_gives_the_graph_of_the_edge_list(los_loop, fitted, tmp_path, capsys):
    from sk_stfm.cli._data import load_data

    from_edges = load_data(str(los_loop["csv"]), adjacency=str(los_loop["edges"]))
    from_npz = load_data(str(los_loop["csv"]), adjacency=str(los_loop["npz"]))
    np.testing.assert_allclose(from_npz.adjacency.toarray(), from_edges.adjacency.toarray())
    dense = tmp_path / "dense.npz"
    np.savez(dense, los_loop["adjacency"])
    assert load_data(str(los_loop["csv"]), adjacency=str(dense)).kind == "graph"
    assert main(["describe", str(los_loop["csv"]), "--adjacency", str(dense)]) == 0
    out = capsys.readouterr().out
    assert "graph (900 steps x 10 nodes x 1 channel)" in out and "on the adjacency" in out
    status = main(
        ["predict", str(fitted), str(los_loop["csv"]), "--adjacency", str(los_loop["npz"]),
         "--output", str(tmp_path / "forecast.csv")]
    )  # fmt: skip
    assert status == 0
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.ones((N_NODES, N_NODES)))
    status = main(
        ["predict", str(fitted), str(los_loop["csv"]), "--adjacency", str(wrong),
         "--output", str(tmp_path / "forecast.csv")]
    )  # fmt: skip
    assert status == 1
    assert "differs from the one the model was fitted with" in one_error_line(capsys)


def test_value_columns_are_written_back_as_value_columns(tmp_path):
    from sk_stfm.cli._long_table import long_forecast_frame

    rng = np.random.default_rng(0)
    times = pd.date_range("2024-01-01", periods=200, freq="h")
    t = np.arange(200)
    frame = pd.concat(
        [
            pd.DataFrame({"time": times, "node": f"n{node}",
                          "flow": 10 + np.sin(2 * np.pi * t / 24 + node) + rng.normal(0, .1, 200),
                          "speed": 50 + rng.normal(0, 1, 200)})
            for node in range(3)
        ]
    )  # fmt: skip
    frame.to_csv(tmp_path / "wide_values.csv", index=False)
    model, output = tmp_path / "mlp.pt", tmp_path / "forecast.csv"
    assert main(["fit", str(tmp_path / "wide_values.csv"), "--model", "mlp", "--output",
                 str(model), "--history", "24", "--horizon", "4", "--max-epochs", "1"]) == 0  # fmt: skip
    assert main(["predict", str(model), str(tmp_path / "wide_values.csv"), "--output",
                 str(output)]) == 0  # fmt: skip
    forecast = pd.read_csv(output)
    assert list(forecast.columns) == ["time", "node", "flow", "speed"]
    assert list(forecast["node"]) == ["n0", "n1", "n2"] * 4
    assert pd.to_datetime(forecast["time"]).iloc[0] == times[-1] + pd.Timedelta(hours=1)
    values = np.arange(6.0).reshape(1, 3, 2)
    written = long_forecast_frame(values, pd.RangeIndex(1), ["a", "b", "c"], ["x", "y"], True)
    assert written["value"].tolist() == values.ravel().tolist()
    assert written["channel"].tolist() == ["x", "y"] * 3


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda frame, edges: (frame, pd.concat([edges, pd.DataFrame(
            {"source": ["nowhere"], "target": [edges["target"][0]], "weight": [1.0]})])),
         "1 nodes of the edge list are not in the table's node column: nowhere"),
        (lambda frame, edges: (pd.concat([frame, frame.iloc[[3]]]), edges),
         "appears more than once"),
        (lambda frame, edges: (frame.drop(columns="channel"), edges.drop(columns="source")),
         "lacks columns ['source']"),
        (lambda frame, edges: (frame.drop(index=7), edges), "has no row at time"),
        (lambda frame, edges: (frame, pd.concat([edges, edges.iloc[[0]]])),
         "is listed more than once"),
    ],
)  # fmt: skip
def test_broken_tables_and_edge_lists_end_in_one_line(los_loop, tmp_path, capsys, edit, message):
    frame = pd.read_csv(los_loop["csv"], dtype={"node": str})
    edges = pd.read_csv(los_loop["edges"], dtype={"source": str, "target": str})
    frame, edges = edit(frame, edges)
    frame.to_csv(tmp_path / "data.csv", index=False)
    edges.to_csv(tmp_path / "edges.csv", index=False)
    status = main(["describe", str(tmp_path / "data.csv"), "--adjacency", str(tmp_path / "edges.csv")])
    assert status == 1
    assert message in one_error_line(capsys)


def test_missing_columns_and_a_graph_for_wide_data_are_refused(los_loop, tmp_path, capsys):
    frame = pd.read_csv(los_loop["csv"], dtype={"node": str}).drop(columns="node")
    frame.to_csv(tmp_path / "no_node.csv", index=False)
    assert main(["describe", str(tmp_path / "no_node.csv"), "--layout", "long"]) == 1
    assert "missing ['node']" in one_error_line(capsys)
    assert main(["describe", "ili", "--adjacency", str(los_loop["edges"])]) == 1
    assert "--adjacency is for long tables" in one_error_line(capsys)
    wide = pd.DataFrame({"date": pd.date_range("2024", periods=5, freq="D"), "x": range(5)})
    wide.to_csv(tmp_path / "wide.csv", index=False)
    assert main(["describe", str(tmp_path / "wide.csv"), "--adjacency", str(los_loop["npz"])]) == 1
    assert "--adjacency needs a long table" in one_error_line(capsys)
