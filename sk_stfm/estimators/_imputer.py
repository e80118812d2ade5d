"""STImputer: fill missing values by masked reconstruction."""

import numbers

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..data import as_windows
from ..metrics import masked_mae
from ..objectives import Masked
from ._backbone_config import MLPConfig
from ._base import is_probabilistic
from ._docs import fill_shared_docs
from ._window_tasks import BaseWindowTaskEstimator


def hide_at_random(X, fraction, random_state=None):
    """Hide a random share of the observed entries of ``X`` (set them to NaN).

    Parameters
    ----------
    X : ndarray
        Data; NaN entries stay NaN and are never counted as hidden.
    fraction : float
        Share of the observed entries to hide, in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Returns
    -------
    X_hidden : ndarray of float
        A copy of ``X`` with the hidden entries set to NaN.
    hidden : ndarray of bool
        Which entries were hidden.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators import hide_at_random
    >>> X_hidden, hidden = hide_at_random(np.ones((100, 10)), 0.3, random_state=0)
    >>> round(float(hidden.mean()), 2), bool(np.isnan(X_hidden[hidden]).all())
    (0.31, True)
    """
    if not isinstance(fraction, numbers.Real) or not 0 < fraction < 1:
        raise ValueError(f"fraction must be a float in (0, 1); got {fraction!r}.")
    X = np.array(X, dtype=float)
    rng = check_random_state(random_state)
    # Draw over the observed entries only: hiding already missing entries
    # would hide fewer than asked.
    observed = ~np.isnan(X)
    hidden = np.zeros(X.shape, dtype=bool)
    hidden[observed] = rng.random_sample(int(observed.sum())) < fraction
    X[hidden] = np.nan
    return X, hidden


@fill_shared_docs
class STImputer(TransformerMixin, BaseWindowTaskEstimator):
    """Spatio-temporal imputer: fills NaN by masked reconstruction (STEP-style).

    ``fit(X)`` trains the backbone to reconstruct randomly hidden patches of
    the windows from the visible entries (the objective's pretext task, with
    the loss on hidden, observed entries only); ``transform(X)`` hides the
    missing entries the same way and fills them with the reconstruction.
    Observed entries are returned unchanged.

    Parameters
    ----------
    backbone : str or BackboneConfig, default="auto"
        ``"auto"`` is the backbone the registry prefers for the task and the
        windows (:func:`~sk_stfm.backbones.auto_backbone`: PatchTST, or an
        MLP for windows shorter than one of its 16-step patches); recorded
        in ``backbone_``.
        The model, whose head outputs the whole window (see
        :class:`STForecaster`); it needs a learned encoder.
    objective : str, Masked, Diffusion or None, default=None
        ``None`` means ``Masked(mask_ratio=0.3, patch_len=1)``: training
        hides 30 % of the entries one by one. With a
        :class:`~sk_stfm.objectives.Masked` objective, ``mask_ratio`` and
        ``patch_len`` set how much and in what shape training hides
        entries (``patch_len=1`` matches scattered missing values, longer
        patches match gaps; ``"masked"`` means ``Masked()``, 16-step
        patches). Its
        ``pretrain_epochs`` and ``finetune`` do not apply: ``max_epochs``
        bounds training. ``"diffusion"`` or
        :class:`~sk_stfm.objectives.Diffusion` learns the distribution of
        the missing values (CSDI): ``transform`` fills with the median of
        the samples and :meth:`sample` draws multiple imputations.
    %(training_parameters)s

    Attributes
    ----------
    %(training_attributes)s
    output_shape_ : tuple of int
        ``(n_steps, n_nodes, n_channels)`` reconstructed per window.

    See Also
    --------
    sk_stfm.harmonize.MissingValueImputer : Interpolation and statistics.
    hide_at_random : Hide observed entries, e.g. to evaluate imputation.

    Notes
    -----
    Each window is imputed on its own; cut a long series into
    non-overlapping windows (``make_windows(..., stride=n_steps)``) to
    impute all of it. Windows hide whole patches of a node over all its
    channels during training, so no channel gives a hidden value away.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import make_windows
    >>> from sk_stfm.estimators import STImputer, hide_at_random
    >>> t = np.arange(3000, dtype=np.float32)
    >>> X, _ = make_windows(np.sin(2 * np.pi * t / 24)[:, None, None], 48, 1, stride=12)
    >>> imputer = STImputer(backbone="mlp", max_epochs=5, random_state=0)
    >>> X_missing, hidden = hide_at_random(X, 0.3, random_state=0)
    >>> X_filled = imputer.fit_transform(X_missing)
    >>> bool(np.isnan(X_filled).any())
    False
    """

    _task = "imputation"
    # Scattered hidden entries at the rate of a typical gap-ridden series
    # (see the objective parameter).
    _default_objective = Masked(mask_ratio=0.3, patch_len=1)
    _test_params = (
        {
            "backbone": MLPConfig(hidden_sizes=(16,), revin=False),
            "objective": "masked",
            "max_epochs": 5,
            "lr": 1e-2,
            "batch_size": 32,
        },
    )

    def _observed_windows(self, X):
        """``X`` as float64 windows: observed entries come back exactly as given."""
        self._validate_X(X, reset=False)  # shape and layout errors
        return as_windows(np.asarray(X, dtype=np.float64), self.window_shape)

    def _fill_missing(self, windows):
        # Missing entries stay NaN: the model hides them, it never sees a fill.
        return windows

    def fit(self, X, y=None):
        """Train the reconstruction model on the windows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows, NaN where missing; 2-D and 3-D layouts as in
            :class:`STForecaster`.
        y : None
            Ignored.

        Returns
        -------
        self : STImputer
            The fitted imputer.
        """
        return self._validated_fit(X, None)

    def transform(self, X):
        """Fill the NaN entries of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows in the layout used in ``fit``, NaN where missing.

        Returns
        -------
        X_filled : ndarray of float64, same shape as ``X``
            ``X`` with every NaN replaced by its reconstruction.
        """
        check_is_fitted(self)
        windows = self._observed_windows(X)
        if self.objective_.probabilistic:
            reconstruction = self._forward_windows(X)  # the median of the samples
        else:
            reconstruction = self._forward_windows(
                X, infer=lambda module, x: module.reconstruct(x, torch.isnan(x))
            )
        filled = np.where(np.isnan(windows), reconstruction, windows)
        return self._restore_input_layout(filled, X)

    @available_if(is_probabilistic)
    def sample(self, X, n_samples=None, random_state=None):
        """Draw multiple imputations (probabilistic objectives such as ``Diffusion``).

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_steps, n_nodes, n_channels)
            Windows in the layout used in ``fit``, NaN where missing.
        n_samples : int or None, default=None
            Imputations per window. ``None`` uses the objective's ``n_samples`` (50 for
            :class:`~sk_stfm.objectives.Diffusion`), as ``predict`` and
            ``predict_quantiles`` do.
        random_state : int, RandomState instance or None, default=None
            Seeds the sampling; ``None`` uses the estimator's ``random_state``.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_samples_X, n_steps, n_nodes, n_channels)
            ``X`` with its NaN entries filled, once per sample (4-D windows
            per sample whatever the layout of ``X``).
        """
        check_is_fitted(self)
        n_samples = self.objective_.n_samples if n_samples is None else n_samples
        samples = self._sample_windows(X, n_samples, random_state)
        windows = self._observed_windows(X)
        return np.where(np.isnan(windows), samples, windows)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The network runs in float64 at inference (see STForecaster).
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

    def score(self, X, y=None, missing_fraction=0.2):
        """Return minus the MAE of imputing randomly hidden observed entries.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows; NaN entries are already missing and never scored.
        y : None
            Ignored.
        missing_fraction : float, default=0.2
            Share of the observed entries hidden and imputed, drawn with the
            estimator's ``random_state``.

        Returns
        -------
        score : float
            ``-MAE`` over the hidden entries (higher is better).
        """
        check_is_fitted(self)
        windows = self._observed_windows(X)
        hidden_X, hidden = hide_at_random(windows, missing_fraction, self.random_state)
        if not hidden.any():
            raise ValueError("X has no observed entry to hide and score.")
        filled = self.transform(hidden_X)  # 4-D in, 4-D out
        return -masked_mae(np.where(hidden, windows, np.nan), filled)
