"""Published baseline numbers for the bundled data sets, with their sources."""

import pandas as pd

# Test MSE / MAE under the standard ETT protocol (normalized scale, 7
# channels). Sources: DLinear (Zeng et al., AAAI 2023), PatchTST/64 and /42
# (Nie et al., ICLR 2023, Table 3), repeat-last-value (FITS, Xu et al.,
# ICLR 2024); collected in shared/data/ett/SOURCE.md.
_ETT = {
    "ETTh1": {
        "DLinear": {96: (0.375, 0.399), 192: (0.405, 0.416), 336: (0.439, 0.443), 720: (0.472, 0.490)},
        "PatchTST/64": {96: (0.370, 0.400), 192: (0.413, 0.429), 336: (0.422, 0.440), 720: (0.447, 0.468)},
        "PatchTST/42": {96: (0.375, 0.399), 192: (0.414, 0.421), 336: (0.431, 0.436), 720: (0.449, 0.466)},
        "Repeat": {96: (1.295, 0.713), 192: (1.325, 0.733), 336: (1.323, 0.744), 720: (1.339, 0.756)},
    },
    "ETTh2": {
        "DLinear": {96: (0.289, 0.353), 192: (0.383, 0.418), 336: (0.448, 0.465), 720: (0.605, 0.551)},
        "PatchTST/64": {96: (0.274, 0.337), 192: (0.341, 0.382), 336: (0.329, 0.384), 720: (0.379, 0.422)},
        "PatchTST/42": {96: (0.274, 0.336), 192: (0.339, 0.379), 336: (0.331, 0.380), 720: (0.379, 0.422)},
        "Repeat": {96: (0.432, 0.422), 192: (0.534, 0.473), 336: (0.591, 0.508), 720: (0.588, 0.517)},
    },
}
_SOURCES = {
    "DLinear": "Zeng et al., Are Transformers Effective for Time Series Forecasting?, AAAI 2023",
    "PatchTST/64": "Nie et al., A Time Series is Worth 64 Words, ICLR 2023 (look-back 512)",
    "PatchTST/42": "Nie et al., A Time Series is Worth 64 Words, ICLR 2023 (look-back 336)",
    "Repeat": "Xu et al., FITS, ICLR 2024 (repeat the last value)",
}


def published_baselines(dataset):
    """Return published test errors for a bundled data set's standard protocol.

    Parameters
    ----------
    dataset : {"ETTh1", "ETTh2"}
        Name of the data set.

    Returns
    -------
    baselines : pandas.DataFrame
        One row per (model, horizon) with columns ``model``, ``horizon``,
        ``mse``, ``mae`` and ``source``.

    Examples
    --------
    >>> from sk_stfm.datasets import published_baselines
    >>> table = published_baselines("ETTh1")
    >>> float(table.query("model == 'DLinear' and horizon == 96").mse.iloc[0])
    0.375
    """
    if dataset not in _ETT:
        raise ValueError(f"dataset must be one of {sorted(_ETT)}; got {dataset!r}.")
    rows = [
        {"model": model, "horizon": h, "mse": mse, "mae": mae, "source": _SOURCES[model]}
        for model, by_horizon in _ETT[dataset].items()
        for h, (mse, mae) in by_horizon.items()
    ]
    return pd.DataFrame(rows)
