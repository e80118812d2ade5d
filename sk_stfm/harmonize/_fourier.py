"""Frequency features: the strongest Fourier components of each window."""

import numbers

import numpy as np

from ..utils._compat import Interval
from ._base import BaseSTTransformer


class FourierFeatures(BaseSTTransformer):
    """Describe each window by its strongest frequencies.

    For every window, node and channel, the series (NaN filled with its
    mean) is transformed with a real FFT and the ``n_frequencies`` bins of
    largest amplitude are kept, strongest first, each as
    ``(frequency, amplitude, phase)``.

    Parameters
    ----------
    n_frequencies : int, default=3
        Number of frequency tokens per window.
    exclude_dc : bool, default=True
        Whether to leave out the zero frequency (the window mean).
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads each row as a
        univariate window.

    Attributes
    ----------
    n_nodes_ : int
        Number of nodes seen in ``fit``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Number of features per sample seen in ``fit``.

    Notes
    -----
    The output has shape ``(n_samples, n_frequencies, n_nodes, 3 *
    n_channels)``: token ``k`` is the ``k``-th strongest frequency and
    ``out[..., k, :, 3 * c:3 * c + 3]`` holds, for channel ``c``, the
    frequency in cycles per step, the amplitude (in the units of the data,
    so a sine of amplitude ``a`` gives ``a``) and the phase in radians of a
    cosine. Windows with fewer bins than ``n_frequencies`` are zero-padded.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import FourierFeatures
    >>> t = np.arange(48)
    >>> X = (2.0 * np.cos(2 * np.pi * t / 12)).reshape(1, 48, 1, 1)
    >>> out = FourierFeatures(n_frequencies=1).fit_transform(X)
    >>> out[0, 0, 0].round(4) + 0.0  # 1/12 cycles per step, amplitude 2, phase 0
    array([0.0833, 2.    , 0.    ])
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        "n_frequencies": [Interval(numbers.Integral, 1, None, closed="left")],
        "exclude_dc": ["boolean"],
    }
    _test_params = [{"n_frequencies": 2}, {"n_frequencies": 1, "exclude_dc": False}]

    def __init__(self, *, n_frequencies=3, exclude_dc=True, window_shape=None):
        self.n_frequencies = n_frequencies
        self.exclude_dc = exclude_dc
        self.window_shape = window_shape

    def _transform(self, windows):
        n_samples, n_steps, n_nodes, n_channels = windows.shape
        series = windows.astype(np.float64)
        observed = ~np.isnan(series)
        counts = observed.sum(axis=1, keepdims=True)
        means = np.where(observed, series, 0.0).sum(axis=1, keepdims=True) / np.maximum(counts, 1)
        series = np.where(observed, series, means)
        spectrum = np.fft.rfft(series, axis=1)
        # One-sided amplitude: interior bins count twice, DC and Nyquist once.
        weight = np.full(spectrum.shape[1], 2.0)
        weight[0] = 1.0
        if n_steps % 2 == 0:
            weight[-1] = 1.0
        amplitude = np.abs(spectrum) * weight.reshape(1, -1, 1, 1) / n_steps
        phase = np.angle(spectrum)
        frequency = np.broadcast_to(np.fft.rfftfreq(n_steps).reshape(1, -1, 1, 1), spectrum.shape)
        first = 1 if self.exclude_dc else 0
        amplitude, phase, frequency = (a[:, first:] for a in (amplitude, phase, frequency))
        # Stable sort: equal amplitudes keep the lower frequency first.
        order = np.argsort(-amplitude, axis=1, kind="stable")[:, : self.n_frequencies]
        tokens = np.stack(
            [np.take_along_axis(a, order, axis=1) for a in (frequency, amplitude, phase)],
            axis=-1,
        )  # (n, k', N, C, 3)
        out = np.zeros((n_samples, self.n_frequencies, n_nodes, n_channels, 3))
        out[:, : tokens.shape[1]] = tokens
        return out.reshape(n_samples, self.n_frequencies, n_nodes, 3 * n_channels).astype(
            windows.dtype
        )
