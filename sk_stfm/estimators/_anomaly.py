"""STAnomalyDetector: windows that the model cannot reconstruct are anomalous."""

import math
import numbers
import warnings

import numpy as np
import torch
from sklearn.base import OutlierMixin
from sklearn.utils.validation import check_is_fitted

from ..utils._compat import Interval
from ._backbone_config import MLPConfig
from ._base import BaseSTEstimator
from ._docs import fill_shared_docs
from ._window_tasks import BaseWindowTaskEstimator


def round_robin_masks(n_steps, patch_len, n_masks):
    """Complementary masks that hide every time patch exactly once.

    Mask ``k`` hides the patches ``k, k + n_masks, k + 2 * n_masks, ...``.

    Parameters
    ----------
    n_steps : int
        Window length.
    patch_len : int
        Steps per patch.
    n_masks : int
        Number of masks.

    Returns
    -------
    masks : ndarray of bool of shape (n_masks, n_steps)
        ``masks[k, t]`` is True when step ``t`` is hidden by mask ``k``.

    Examples
    --------
    >>> from sk_stfm.estimators import round_robin_masks
    >>> round_robin_masks(6, 1, 2).astype(int)
    array([[1, 0, 1, 0, 1, 0],
           [0, 1, 0, 1, 0, 1]])
    """
    patch = np.arange(n_steps) // patch_len
    return np.stack([patch % n_masks == k for k in range(n_masks)])


@fill_shared_docs
class STAnomalyDetector(OutlierMixin, BaseWindowTaskEstimator):
    """Spatio-temporal anomaly detector scoring windows by reconstruction error.

    ``fit(X)`` trains masked reconstruction on (mostly normal) windows. A
    window is scored by reconstructing each of its entries while it is
    hidden: at each scale in ``patch_lens``, complementary masks hide every
    patch of that length once, so no entry is scored from itself. A
    patch's error (its mean squared error, divided by the series' mean
    training error at that scale) is high where the window departs from
    what its surroundings predict; the window's anomaly is its worst patch,
    relative to the median of that over the training windows, at the scale
    where this is largest. A spike stands out at the step scale, a level
    shift at the patch scale, neither is averaged away over the window.
    Follows scikit-learn's outlier-detector conventions
    (:class:`~sklearn.ensemble.IsolationForest`): ``score_samples`` is
    higher for normal windows, ``decision_function`` is negative for
    outliers, ``predict`` returns +1 (inlier) or -1 (outlier).

    Parameters
    ----------
    backbone : str or BackboneConfig, default="auto"
        ``"auto"`` is the backbone the registry prefers for the task and the
        windows (:func:`~sk_stfm.backbones.auto_backbone`: PatchTST, or an
        MLP for windows shorter than one of its 16-step patches); recorded
        in ``backbone_``.
        The reconstruction model; it needs a learned encoder.
    objective : str, Masked or None, default=None
        ``None`` and ``"masked"`` mean :class:`~sk_stfm.objectives.Masked`;
        its ``mask_ratio`` (also the share of each scoring mask) and
        ``patch_len`` shape both training and scoring.
    contamination : float, default=0.1
        Expected share of outliers in the training windows: the threshold
        ``offset_`` is the ``contamination`` quantile of their scores.
    patch_lens : tuple of int or None, default=None
        Lengths of the hidden patches the window is scored at; ``None``
        means ``(1, objective.patch_len)``: single steps catch spikes,
        patches catch level shifts and changed shapes.
    %(training_parameters)s

    Attributes
    ----------
    %(training_attributes)s
    output_shape_ : tuple of int
        ``(n_steps, n_nodes, n_channels)`` reconstructed per window.
    error_scale_ : ndarray of shape (n_scales, n_nodes, n_channels)
        Mean squared reconstruction error of each node and channel on the
        training windows, at each scale of ``patch_lens``.
    score_scale_ : ndarray of shape (n_scales,)
        Median over the training windows of their worst scaled patch error,
        at each scale.
    offset_ : float
        Threshold: ``decision_function = score_samples - offset_``.

    See Also
    --------
    STImputer : The same reconstruction model, filling missing values.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import make_windows
    >>> from sk_stfm.estimators import STAnomalyDetector
    >>> t = np.arange(3000, dtype=np.float32)
    >>> X, _ = make_windows(np.sin(2 * np.pi * t / 24)[:, None, None], 48, 1, stride=12)
    >>> detector = STAnomalyDetector(backbone="mlp", max_epochs=5, random_state=0).fit(X)
    >>> X_test = X[:4].copy()
    >>> X_test[0, 20] += 5.0  # a spike
    >>> int(detector.predict(X_test)[0]), int(detector.score_samples(X_test).argmin())
    (-1, 0)
    """

    _task = "anomaly_detection"
    _default_objective = "masked"
    _fitted_attributes = BaseWindowTaskEstimator._fitted_attributes + (
        "error_scale_",
        "score_scale_",
        "offset_",
    )
    _test_params = (
        {
            "backbone": MLPConfig(hidden_sizes=(16,), revin=False),
            "max_epochs": 5,
            "lr": 1e-2,
            "batch_size": 32,
        },
    )

    _parameter_constraints: dict = {
        **BaseSTEstimator._parameter_constraints,
        "contamination": [Interval(numbers.Real, 0, 0.5, closed="right")],
        "patch_lens": [tuple, list, None],
    }

    def __init__(
        self,
        backbone="auto",
        objective=None,
        contamination=0.1,
        patch_lens=None,
        adapter=None,
        spatial=None,
        window_shape=None,
        scaling="standard",
        max_epochs="auto",
        batch_size="auto",
        lr="auto",
        lr_schedule="auto",
        optimizer="adam",
        weight_decay=0.0,
        patience="auto",
        validation_fraction="auto",
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        checkpoint_dir=None,
        resume=False,
        warm_start=False,
        inference_dtype="float64",
    ):
        self.backbone = backbone
        self.objective = objective
        self.contamination = contamination
        self.patch_lens = patch_lens
        self.adapter = adapter
        self.spatial = spatial
        self.window_shape = window_shape
        self.scaling = scaling
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.warm_start = warm_start
        self.inference_dtype = inference_dtype

    def _fill_missing(self, windows):
        # Missing entries stay NaN: they are hidden, never scored.
        return windows

    def fit(self, X, y=None):
        """Train the reconstruction model and set the outlier threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Training windows, NaN where missing; 2-D and 3-D layouts as in
            :class:`STForecaster`.
        y : None
            Ignored.

        Returns
        -------
        self : STAnomalyDetector
            The fitted detector.
        """
        self._validated_fit(X, None)
        windows, _ = self._validate_X(X, reset=False)
        errors = self._patch_errors(X, windows)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # series never observed
            scales = np.stack([np.nanmean(e, axis=(0, 1)) for e in errors])
        self.error_scale_ = np.where(np.isfinite(scales) & (scales > 0), scales, 1.0)
        worst = self._worst_patches(errors)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            typical = np.nanmedian(np.where(np.isfinite(worst), worst, np.nan), axis=0)
        self.score_scale_ = np.where(np.isfinite(typical) & (typical > 0), typical, 1.0)
        self.offset_ = float(np.quantile(self._scores(worst), self.contamination))
        return self

    def _scales(self):
        n_steps = self.window_shape_[0]
        lengths = (1, self.objective_.patch_len) if self.patch_lens is None else self.patch_lens
        return sorted({min(int(length), n_steps) for length in lengths})

    def _patch_errors(self, X, windows):
        """Per scale, the mean squared error of each hidden patch of each series.

        Returns a list (one entry per scale) of arrays ``(n, n_patches,
        n_nodes, n_channels)``, NaN where a patch has no observed entry.
        """
        n_steps = self.window_shape_[0]
        masks = {}  # patch length -> its complementary masks (n_masks, n_steps)
        for patch_len in self._scales():
            n_patches = math.ceil(n_steps / patch_len)
            n_masks = min(max(2, round(1 / self.objective_.mask_ratio)), n_patches)
            masks[patch_len] = round_robin_masks(n_steps, patch_len, n_masks)
        every_mask = torch.from_numpy(np.concatenate(list(masks.values())))

        def reconstruct_under_each_mask(module, x):
            hide = every_mask.reshape(len(every_mask), 1, n_steps, 1, 1)
            return torch.stack(
                [module.reconstruct(x, h.expand_as(x) | torch.isnan(x)) for h in hide]
            )

        # One pass over X for all masks: (n_masks_total, n, T, N, C).
        reconstructions = self._forward_windows(X, infer=reconstruct_under_each_mask)
        errors, first = [], 0
        for patch_len, scale_masks in masks.items():
            reconstruction = np.zeros(windows.shape)
            for mask, output in zip(scale_masks, reconstructions[first:], strict=False):
                reconstruction[:, mask] = output[:, mask]
            first += len(scale_masks)
            n_patches = math.ceil(n_steps / patch_len)
            padded = np.full((len(windows), n_patches * patch_len, *windows.shape[2:]), np.nan)
            padded[:, :n_steps] = (reconstruction - windows) ** 2
            patches = padded.reshape(len(windows), n_patches, patch_len, *windows.shape[2:])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN patches
                errors.append(np.nanmean(patches, axis=2))
        return errors

    def _worst_patches(self, errors):
        """Per scale and window, the largest patch error scaled by its series' training error."""
        worst = []
        for scale_errors, series_scale in zip(errors, self.error_scale_, strict=True):
            scaled = np.where(np.isnan(scale_errors), -np.inf, scale_errors / series_scale)
            worst.append(scaled.reshape(len(scaled), -1).max(axis=1))
        return np.stack(worst, axis=1)  # (n, n_scales)

    def _scores(self, worst):
        with np.errstate(invalid="ignore"):
            anomaly = (worst / self.score_scale_).max(axis=1)
        return np.where(np.isfinite(anomaly), -anomaly, 0.0)

    def score_samples(self, X):
        """Return the normality score of each window (higher is more normal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows in the layout used in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the window's anomaly: its worst patch error relative to
            the training windows, at the scale where it is largest (0 for a
            window with no observed entry).
        """
        check_is_fitted(self)
        windows, _ = self._validate_X(X, reset=False)
        return self._scores(self._worst_patches(self._patch_errors(X, windows)))

    def decision_function(self, X):
        """Return ``score_samples(X) - offset_``: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows in the layout used in ``fit``.

        Returns
        -------
        decision : ndarray of shape (n_samples,)
            The shifted scores.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Label each window as inlier (+1) or outlier (-1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows in the layout used in ``fit``.

        Returns
        -------
        labels : ndarray of int of shape (n_samples,)
            +1 where ``decision_function >= 0``, -1 elsewhere.
        """
        return np.where(self.decision_function(X) < 0, -1, 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "outlier_detector"
        return tags
