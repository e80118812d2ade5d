"""Published baseline numbers for the bundled data sets, with their sources."""

import numpy as np
import pandas as pd

# Test MSE / MAE under the standard ETT protocol (normalized scale, 7
# channels). Sources: DLinear (Zeng et al., AAAI 2023), PatchTST/64 and /42
# (Nie et al., ICLR 2023, Table 3), repeat-last-value (FITS, Xu et al.,
# ICLR 2024); collected in shared/data/ett/SOURCE.md.
_ETT = {
    "ETTh1": {
        "DLinear": {
            96: (0.375, 0.399),
            192: (0.405, 0.416),
            336: (0.439, 0.443),
            720: (0.472, 0.490),
        },
        "PatchTST/64": {
            96: (0.370, 0.400),
            192: (0.413, 0.429),
            336: (0.422, 0.440),
            720: (0.447, 0.468),
        },
        "PatchTST/42": {
            96: (0.375, 0.399),
            192: (0.414, 0.421),
            336: (0.431, 0.436),
            720: (0.449, 0.466),
        },
        "Repeat": {
            96: (1.295, 0.713),
            192: (1.325, 0.733),
            336: (1.323, 0.744),
            720: (1.339, 0.756),
        },
    },
    "ETTh2": {
        "DLinear": {
            96: (0.289, 0.353),
            192: (0.383, 0.418),
            336: (0.448, 0.465),
            720: (0.605, 0.551),
        },
        "PatchTST/64": {
            96: (0.274, 0.337),
            192: (0.341, 0.382),
            336: (0.329, 0.384),
            720: (0.379, 0.422),
        },
        "PatchTST/42": {
            96: (0.274, 0.336),
            192: (0.339, 0.379),
            336: (0.331, 0.380),
            720: (0.379, 0.422),
        },
        "Repeat": {
            96: (0.432, 0.422),
            192: (0.534, 0.473),
            336: (0.591, 0.508),
            720: (0.588, 0.517),
        },
    },
}
_SOURCES = {
    "DLinear": "Zeng et al., Are Transformers Effective for Time Series Forecasting?, AAAI 2023",
    "PatchTST/64": "Nie et al., A Time Series is Worth 64 Words, ICLR 2023 (look-back 512)",
    "PatchTST/42": "Nie et al., A Time Series is Worth 64 Words, ICLR 2023 (look-back 336)",
    "Repeat": "Xu et al., FITS, ICLR 2024 (repeat the last value)",
}

# NYCBike1 test split under the ST-SSL protocol (one step ahead, raw counts;
# MAE and MAPE only where the true value > 5). ST-SSL: paper Table 2 as quoted
# in ST-SSL issue #15, mean of runs (+- 0.02); its MAPE in that issue looks
# copied from a user's run, so it is left out. The naive predictors were
# computed on the published test windows (shared/data/nycbike1_grid/SOURCE.md)
# and are checked again by the tests. MAPE is a fraction, as masked_mape returns.
_NYCBIKE1_MASK = 5.0
_NYCBIKE1 = (
    # model, channel, mae, mape, source
    ("ST-SSL", "inflow", 4.94, np.nan,
     "Ji et al., Spatio-Temporal Self-Supervised Learning for Traffic Flow "
     "Prediction, AAAI 2023, Table 2 (mean of runs, +- 0.02)"),
    ("ST-SSL", "outflow", 5.26, np.nan,
     "Ji et al., Spatio-Temporal Self-Supervised Learning for Traffic Flow "
     "Prediction, AAAI 2023, Table 2 (mean of runs, +- 0.02)"),
    ("Repeat", "inflow", 10.70, 0.4479, "repeat the last input frame (offset 0)"),
    ("Repeat", "outflow", 11.07, 0.4624, "repeat the last input frame (offset 0)"),
    ("DailyRepeat", "inflow", 10.46, 0.4798, "the same hour one day before (offset -23)"),
    ("DailyRepeat", "outflow", 10.84, 0.4944, "the same hour one day before (offset -23)"),
    ("DailyMean3", "inflow", 10.83, 0.4923,
     "mean of the same hour on the 3 previous days (offsets -71, -47, -23)"),
    ("DailyMean3", "outflow", 11.14, 0.5033,
     "mean of the same hour on the 3 previous days (offsets -71, -47, -23)"),
)  # fmt: skip

# Los-loop under the T-GCN protocol (80 / 20 split in time, 12 input steps,
# speeds in mph): the T-GCN paper's Table 1 was not retrievable offline; the
# MindSpore ModelZoo reproduction reports each metric averaged over the 15,
# 30, 45 and 60 minute horizons (shared/data/tgcn_losloop/SOURCE.md).
_LOS_LOOP = (
    # model, mae, rmse, accuracy, r2, source
    ("T-GCN", 3.9640, 6.3652, 0.8916, 0.7872,
     "Zhao et al., T-GCN, IEEE T-ITS 2020, as reproduced by the MindSpore ModelZoo "
     "README (mean of the 15 / 30 / 45 / 60 minute horizons, 1 GPU)"),
)  # fmt: skip

# Chickenpox (Hungary) in PyTorch Geometric Temporal's case study: 4 lags,
# temporal_signal_split(train_ratio=0.2), MSE on standardized counts
# (shared/data/pgt_chickenpox/SOURCE.md).
_CHICKENPOX = (
    ("DCRNN", 0.7418,
     "Rozemberczki et al., PyTorch Geometric Temporal, CIKM 2021: documentation case "
     "study (DCRNN(4, 32, K=1), Adam lr 0.01, 200 epochs)"),
)  # fmt: skip

_DATASETS = ("ETTh1", "ETTh2", "NYCBike1", "Los-loop", "Chickenpox")


def _nycbike1_table():
    rows = [
        {
            "model": model,
            "horizon": 1,
            "channel": channel,
            "mae": mae,
            "mape": mape,
            "mask_threshold": _NYCBIKE1_MASK,
            "source": source,
        }
        for model, channel, mae, mape, source in _NYCBIKE1
    ]
    return pd.DataFrame(rows)


def published_baselines(dataset):
    """Return published test errors for a bundled data set's standard protocol.

    Parameters
    ----------
    dataset : {"ETTh1", "ETTh2", "NYCBike1", "Los-loop", "Chickenpox"}
        Name of the data set (case-insensitive).

    Returns
    -------
    baselines : pandas.DataFrame
        For ETTh1 and ETTh2, one row per (model, horizon) with columns
        ``model``, ``horizon``, ``mse``, ``mae`` (on z-scored values) and
        ``source``. For NYCBike1 (the ST-SSL protocol of
        :func:`nycbike1_windows`: one hour ahead, raw counts), one row per
        (model, channel) with columns ``model``, ``horizon`` (1), ``channel``
        (``"inflow"`` or ``"outflow"``), ``mae``, ``mape`` (a fraction, as
        :func:`~sk_stfm.metrics.masked_mape` returns; NaN where the source
        gives none), ``mask_threshold`` (5: both errors are averaged over
        the entries whose true value exceeds it) and ``source``. Rows
        ``Repeat``, ``DailyRepeat`` and ``DailyMean3`` are naive predictors
        computed on the published test windows. For Los-loop (the T-GCN
        protocol of the spatial benchmark, speeds in mph), one row per model
        with ``mae``, ``rmse``, ``accuracy`` and ``r2`` averaged over the
        15 / 30 / 45 / 60 minute horizons. For Chickenpox (PyTorch Geometric
        Temporal's case study: 4 lags, the first 20 % of the windows train),
        one row per model with the test ``mse`` on standardized counts.

    Raises
    ------
    ValueError
        If ``dataset`` is not one of the names above.

    Examples
    --------
    >>> from sk_stfm.datasets import published_baselines
    >>> table = published_baselines("ETTh1")
    >>> float(table.query("model == 'DLinear' and horizon == 96").mse.iloc[0])
    0.375
    >>> bike = published_baselines("NYCBike1")
    >>> bike.query("model == 'ST-SSL'")[["channel", "mae"]].to_numpy().tolist()
    [['inflow', 4.94], ['outflow', 5.26]]
    >>> float(published_baselines("Los-loop").mae.iloc[0])
    3.964
    """
    names = {name.lower(): name for name in _DATASETS}
    key = names.get(dataset.lower()) if isinstance(dataset, str) else None
    if key is None:
        raise ValueError(f"dataset must be one of {list(_DATASETS)}; got {dataset!r}.")
    if key == "NYCBike1":
        return _nycbike1_table()
    if key == "Los-loop":
        columns = ["model", "mae", "rmse", "accuracy", "r2", "source"]
        table = pd.DataFrame(_LOS_LOOP, columns=columns)
        return table.assign(horizon="mean of 3, 6, 9, 12 steps")[["model", "horizon", *columns[1:]]]
    if key == "Chickenpox":
        table = pd.DataFrame(_CHICKENPOX, columns=["model", "mse", "source"])
        return table.assign(horizon=1)[["model", "horizon", "mse", "source"]]
    rows = [
        {"model": model, "horizon": h, "mse": mse, "mae": mae, "source": _SOURCES[model]}
        for model, by_horizon in _ETT[key].items()
        for h, (mse, mae) in by_horizon.items()
    ]
    return pd.DataFrame(rows)
