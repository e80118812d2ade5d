"""Values computed by the harmonization transformers."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.pipeline import make_pipeline

from sk_stfm.data import STData, make_windows
from sk_stfm.harmonize import (
    CalendarFeatures,
    FourierFeatures,
    LaplacianPositionalEncoding,
    MissingValueImputer,
    OutlierClipper,
    STStandardScaler,
    TemporalPatcher,
    add_time_channel,
    laplacian_eigenvectors,
)


def test_scaler_statistics_ignore_nan_per_node_and_channel():
    rng = np.random.default_rng(0)
    X = rng.normal(
        loc=[[5.0, -2.0], [0.0, 10.0]], scale=[[1.0, 2.0], [3.0, 0.5]], size=(40, 8, 2, 2)
    )
    X_nan = X.copy()
    X_nan[::3, ::2, 0, 1] = np.nan
    scaler = STStandardScaler().fit(X_nan)
    expected_mean = np.nanmean(X_nan.reshape(-1, 2, 2), axis=0)
    np.testing.assert_allclose(scaler.mean_, expected_mean)
    np.testing.assert_allclose(scaler.scale_, np.nanstd(X_nan.reshape(-1, 2, 2), axis=0))
    Z = scaler.transform(X_nan)
    assert np.isnan(Z).sum() == np.isnan(X_nan).sum()
    np.testing.assert_allclose(np.nanmean(Z.reshape(-1, 2, 2), axis=0), 0.0, atol=1e-12)


def test_scaler_constant_and_missing_series_pass_through():
    X = np.zeros((3, 4, 2, 1))
    X[..., 0, 0] = 7.0
    X[..., 1, 0] = np.nan
    scaler = STStandardScaler().fit(X)
    np.testing.assert_array_equal(scaler.scale_, [[1.0], [1.0]])
    np.testing.assert_array_equal(scaler.mean_, [[7.0], [0.0]])


def test_imputer_strategies_fill_every_gap():
    X = np.array([np.nan, 2.0, np.nan, np.nan, 8.0, np.nan]).reshape(1, 6, 1, 1)
    other = np.full((1, 6, 1, 1), 4.0)
    data = np.concatenate([X, other])
    linear = MissingValueImputer(strategy="linear").fit(data).transform(X)[0, :, 0, 0]
    np.testing.assert_allclose(linear, [2, 2, 4, 6, 8, 8])
    ffill = MissingValueImputer(strategy="ffill").fit(data).transform(X)[0, :, 0, 0]
    np.testing.assert_allclose(ffill, [2, 2, 2, 2, 8, 8])
    mean = MissingValueImputer(strategy="mean").fit(data).transform(X)[0, :, 0, 0]
    fill = (2 + 8 + 6 * 4) / 8  # the training mean over every observed value
    np.testing.assert_allclose(mean, [fill, 2, fill, fill, 8, fill])


def test_imputer_fills_an_all_missing_window_with_the_training_mean():
    train = np.full((2, 5, 1, 1), 3.0)
    empty = np.full((1, 5, 1, 1), np.nan)
    out = MissingValueImputer(strategy="ffill").fit(train).transform(empty)
    np.testing.assert_array_equal(out, 3.0)


def test_clipper_bounds():
    values = np.concatenate([np.arange(1.0, 11.0), [1000.0]]).reshape(1, 11, 1, 1)
    iqr = OutlierClipper(method="iqr").fit(values)
    q1, q3 = np.percentile(values, [25, 75])
    assert iqr.upper_[0, 0] == pytest.approx(q3 + 1.5 * (q3 - q1))
    assert iqr.transform(values).max() == pytest.approx(iqr.upper_[0, 0])
    z = OutlierClipper(method="zscore", factor=1.0).fit(values)
    assert z.upper_[0, 0] == pytest.approx(values.mean() + values.std())


def test_patcher_tokens_hold_time_major_channels():
    X = np.arange(2 * 6 * 1 * 2, dtype=float).reshape(2, 6, 1, 2)
    tokens = TemporalPatcher(patch_len=3, stride=3).fit_transform(X)
    assert tokens.shape == (2, 2, 1, 6)
    np.testing.assert_array_equal(tokens[0, 1, 0], X[0, 3:6, 0].ravel())
    with pytest.raises(ValueError, match="patch_len"):
        TemporalPatcher(patch_len=7).fit(X)


def test_calendar_features_from_a_time_channel():
    data = STData(
        np.zeros((48, 2, 1)),
        timestamps=pd.date_range("2024-01-01", periods=48, freq="h"),  # a Monday
    )
    X, _ = make_windows(add_time_channel(data), history=24, horizon=0)
    out = CalendarFeatures().fit_transform(X)
    assert out.shape == (25, 24, 2, 1 + 4)
    tod = np.arctan2(out[0, :, 0, 1], out[0, :, 0, 2]) % (2 * np.pi)
    np.testing.assert_allclose(tod, 2 * np.pi * np.arange(24) / 24, atol=1e-9)
    np.testing.assert_allclose(out[0, :, 0, 3], 0.0, atol=1e-12)  # Monday: sin(0)


def test_fourier_features_find_the_planted_frequencies():
    t = np.arange(96)
    series = 3.0 * np.sin(2 * np.pi * t / 24) + 1.0 * np.cos(2 * np.pi * t / 8) + 5.0
    out = FourierFeatures(n_frequencies=2).fit_transform(series.reshape(1, 96, 1, 1))
    np.testing.assert_allclose(out[0, :, 0, 0], [1 / 24, 1 / 8])
    np.testing.assert_allclose(out[0, :, 0, 1], [3.0, 1.0], atol=1e-9)


def test_laplacian_eigenvectors_are_orthonormal_dense_and_sparse():
    rng = np.random.default_rng(0)
    upper = np.triu(rng.random((30, 30)) < 0.2, 1)
    adjacency = (
        (upper | upper.T).astype(float) + np.roll(np.eye(30), 1, 1) + np.roll(np.eye(30), -1, 1)
    )
    values, vectors = laplacian_eigenvectors(adjacency, 5)
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(5), atol=1e-10)
    assert np.all(np.diff(values) >= -1e-12) and values[0] > 1e-9
    _, sparse_vectors = laplacian_eigenvectors(sp.csr_array(adjacency), 5)
    np.testing.assert_allclose(np.abs(sparse_vectors), np.abs(vectors), atol=1e-8)


def test_laplacian_encoding_requires_matching_adjacency():
    X = np.zeros((2, 3, 4, 1))
    with pytest.raises(ValueError, match="adjacency"):
        LaplacianPositionalEncoding().fit(X)
    with pytest.raises(ValueError, match="adjacency"):
        LaplacianPositionalEncoding(adjacency=np.ones((3, 3))).fit(X)


def test_pipeline_of_transformers():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 32, 3, 2))
    X[0, 5, 1, 1] = np.nan
    X[1, 7, 0, 0] = 50.0
    pipe = make_pipeline(
        OutlierClipper(), MissingValueImputer(), STStandardScaler(), TemporalPatcher(patch_len=8)
    )
    tokens = pipe.fit_transform(X)
    assert tokens.shape == (10, 4, 3, 16)
    assert np.isfinite(tokens).all()
