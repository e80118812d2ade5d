"""STForecaster: windows in, future windows out."""

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..metrics import _check_quantiles as check_quantiles
from ..metrics import masked_r2
from ..objectives import Regression
from ._backbone_config import window_test_params
from ._base import BaseSTEstimator, is_probabilistic
from ._docs import fill_shared_docs
from ._targets import check_score_target, restore_target_layout


@fill_shared_docs
class STForecaster(RegressorMixin, BaseSTEstimator):
    """Spatio-temporal forecaster: a backbone trained by skorch.

    ``fit(X, y)`` learns to map input windows ``X`` (the past) to target
    windows ``y`` (the future), for any registered backbone, objective and
    spatial context. The training loop is a skorch ``NeuralNet`` (``net_``):
    early stopping on a temporal validation split (the last
    ``validation_fraction`` of the windows, never a random draw) restores
    the best-validation weights at the end; ``checkpoint_dir`` saves every
    epoch for resuming.

    Parameters
    ----------
    backbone : str or BackboneConfig, default="auto"
        ``"auto"`` is the backbone the registry prefers for the task and the
        windows (:func:`~sk_stfm.backbones.auto_backbone`: PatchTST, or an
        MLP for windows shorter than one of its 16-step patches); recorded
        in ``backbone_``.
        The model: a registered name (``"dlinear"``, ``"patchtst"``,
        ``"mlp"``, see :func:`~sk_stfm.backbones.list_backbones`) or a
        configuration such as ``PatchTSTConfig(d_model=32)``, whose
        parameters are reachable as ``backbone__d_model``.
    objective : str, BaseObjective or None, default=None
        The training objective; ``None`` and ``"regression"`` mean
        :class:`~sk_stfm.objectives.Regression` (masked MSE);
        :class:`~sk_stfm.objectives.Masked` and
        :class:`~sk_stfm.objectives.Contrastive` pre-train the encoder
        first; :class:`~sk_stfm.objectives.Diffusion` makes the forecaster
        probabilistic (``sample``, ``predict_quantiles``).
    %(training_parameters)s

    Attributes
    ----------
    %(training_attributes)s
    target_shape_ : tuple of int
        Shape of one sample of ``y`` as given to ``fit``.
    output_shape_ : tuple of int
        ``(horizon, n_nodes, n_targets)`` of the network's output.

    See Also
    --------
    sk_stfm.data.make_windows : Cut a long series into ``(X, y)`` windows.

    Notes
    -----
    NaN is allowed in ``X`` and ``y``: inputs are forward-filled along time
    before the network (series with no observation take the training
    mean) and the loss is averaged over observed targets only. A ``y`` with
    no observed value raises ``ValueError``. Predictions never contain NaN.

    ``score`` returns the coefficient of determination R² over all target
    entries (horizon, nodes and channels flattened, uniform average).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import make_windows
    >>> from sk_stfm.estimators import STForecaster
    >>> t = np.arange(400, dtype=np.float32)
    >>> series = np.sin(2 * np.pi * t / 24)[:, None, None]
    >>> X, y = make_windows(series, history=48, horizon=12)
    >>> model = STForecaster(backbone="dlinear", max_epochs=5, random_state=0).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2, 12, 1, 1)
    """

    _task = "forecasting"
    _fitted_attributes = BaseSTEstimator._fitted_attributes + ("target_shape_", "output_shape_")

    @classmethod
    def _test_param_sets(cls):
        # One tiny model per registered window backbone.
        return window_test_params()

    def _baseline_loss(self, validation):
        """Validation loss of repeating the last input step (the naive forecast).

        Only when the loss is comparable: a point regression whose targets are
        the first input channels in the same scaled units.
        """
        horizon, _, n_targets = self.output_shape_
        if (
            not isinstance(self.objective_, Regression)
            or self.output_mean_ is None
            or n_targets > self.window_shape_[2]
            or not np.array_equal(self.output_mean_, self.input_mean_[:, :n_targets])
        ):
            return None
        last = validation.X[:, -1:, :, :n_targets].expand(-1, horizon, -1, -1)
        with torch.no_grad():
            return float(self.objective_.make_criterion()(last, validation.y))

    def fit(self, X, y, validation_data=None):
        """Train the forecaster.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Input windows; 2-D ``(n_samples, n_features)`` is read through
            ``window_shape`` and 3-D ``(n_samples, n_steps, n_channels)`` as
            one node. NaN marks a missing value.
        y : array-like of shape (n_samples, horizon, n_nodes, n_targets)
            Target windows; also ``(n_samples,)`` (one step),
            ``(n_samples, horizon * n_nodes)`` (one target) or
            ``(n_samples, horizon, n_targets)`` (one node). NaN is masked.
        validation_data : tuple (X_val, y_val) or None, default=None
            Explicit validation windows for early stopping, replacing the
            ``validation_fraction`` split (e.g. a protocol's fixed
            validation period).

        Returns
        -------
        self : STForecaster
            The fitted forecaster.
        """
        return self._validated_fit(X, y, validation_data)

    def predict(self, X):
        """Forecast the target windows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Input windows, in the layout used in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, horizon, n_nodes, n_targets)
            Float64 forecasts with the shape and units of ``y`` in ``fit``:
            each sample has the shape ``target_shape_``.
        """
        return restore_target_layout(self._forward_windows(X), self.target_shape_)

    def score(self, X, y, sample_weight=None):
        """Return R² of the forecasts over all target entries.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Input windows.
        y : array-like of shape (n_samples, horizon, n_nodes, n_targets)
            True targets, in the layout of ``y`` in ``fit`` (each sample of
            shape ``target_shape_``); NaN entries are left out.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Weights of the windows.

        Returns
        -------
        score : float
            Coefficient of determination per flattened target entry over its
            observed windows, averaged uniformly (see
            :func:`~sk_stfm.metrics.masked_r2`).
        """
        prediction = self.predict(X)
        y = check_score_target(y, prediction.shape)
        return masked_r2(y, prediction, sample_weight=sample_weight)

    @available_if(is_probabilistic)
    def sample(self, X, n_samples=None, random_state=None):
        """Draw forecast samples (probabilistic objectives such as ``Diffusion``).

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_steps, n_nodes, n_channels)
            Input windows, in the layout used in ``fit``.
        n_samples : int or None, default=None
            Samples per window. ``None`` uses the objective's ``n_samples`` (50 for
            :class:`~sk_stfm.objectives.Diffusion`), as ``predict`` and
            ``predict_quantiles`` do.
        random_state : int, RandomState instance or None, default=None
            Seeds the sampling; ``None`` uses the estimator's
            ``random_state`` (so an int there makes samples repeatable).

        Returns
        -------
        samples : ndarray of shape (n_samples, n_samples_X, horizon, n_nodes, n_targets)
            Float64 samples; each window's sample has the shape
            ``target_shape_`` of ``y`` in ``fit``.
        """
        check_is_fitted(self)
        n_samples = self.objective_.n_samples if n_samples is None else n_samples
        samples = self._sample_windows(X, n_samples, random_state)
        return samples.reshape(samples.shape[:2] + tuple(self.target_shape_))

    @available_if(is_probabilistic)
    def predict_quantiles(self, X, quantiles=(0.1, 0.5, 0.9), n_samples=None, random_state=None):
        """Forecast quantiles from samples (probabilistic objectives).

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_steps, n_nodes, n_channels)
            Input windows.
        quantiles : float or sequence of float, default=(0.1, 0.5, 0.9)
            Levels in (0, 1).
        n_samples : int or None, default=None
            Samples the quantiles are estimated from; ``None`` uses the
            objective's ``n_samples``.
        random_state : int, RandomState instance or None, default=None
            Seeds the sampling (see :meth:`sample`).

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples_X, horizon, n_nodes, n_targets, n_quantiles)
            Empirical quantiles of the samples, last axis in the order of
            ``quantiles``; they never cross (a higher level is never
            below a lower one).
        """
        levels = check_quantiles(quantiles)
        check_is_fitted(self)
        n_samples = self.objective_.n_samples if n_samples is None else n_samples
        samples = self.sample(X, n_samples, random_state)
        return np.moveaxis(np.quantile(samples, levels, axis=0), 0, -1)
