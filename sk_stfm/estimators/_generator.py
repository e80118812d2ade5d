"""STGenerator: learn the distribution of windows and sample new ones."""

import warnings

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..data import input_ndim, restore_layout
from ._backbone_config import MLPConfig
from ._base import check_n_samples
from ._docs import fill_shared_docs
from ._window_tasks import BaseWindowTaskEstimator


@fill_shared_docs
class STGenerator(BaseWindowTaskEstimator):
    """Spatio-temporal generator: a diffusion model of whole windows.

    ``fit(X)`` standardizes every node and channel with its training mean
    and standard deviation and trains a denoising diffusion model of the
    windows (:class:`~sk_stfm.objectives.GenerativeDiffusion`: at every
    step the backbone reads the noisy window, and a denoising network
    conditioned on its output predicts each series' noise).
    ``sample(n_samples)`` runs the reverse chain and returns new windows in
    the units and layout of ``X``.

    Parameters
    ----------
    backbone : str or BackboneConfig, default="auto"
        ``"auto"`` is the backbone the registry prefers for the task and the
        windows (:func:`~sk_stfm.backbones.auto_backbone`: PatchTST, or an
        MLP for windows shorter than one of its 16-step patches); recorded
        in ``backbone_``.
        The network reading the noisy windows.
    objective : str, Diffusion or None, default=None
        ``None`` and ``"diffusion"`` mean
        :class:`~sk_stfm.objectives.Diffusion` (its ``n_steps``,
        ``schedule``, ``hidden_size`` and ``n_layers`` apply).
    %(training_parameters)s

    Attributes
    ----------
    %(training_attributes)s
    output_shape_ : tuple of int
        ``(n_steps, n_nodes, n_channels)`` of a generated window.
    location_ : ndarray of shape (n_nodes, n_channels)
        Training mean of each node and channel.
    scale_ : ndarray of shape (n_nodes, n_channels)
        Training standard deviation of each node and channel (1 where
        constant).
    input_ndim_ : int
        Dimensions of ``X`` in ``fit``; samples come back in that layout.

    See Also
    --------
    STImputer : Diffusion over the missing entries of given windows.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import make_windows
    >>> from sk_stfm.estimators import STGenerator
    >>> t = np.arange(2000, dtype=np.float32)
    >>> X, _ = make_windows(np.sin(2 * np.pi * t / 24)[:, None, None], 24, 1, stride=2)
    >>> generator = STGenerator(backbone="mlp", max_epochs=3, random_state=0).fit(X)
    >>> generator.sample(5, random_state=0).shape
    (5, 24, 1, 1)
    """

    _task = "generation"
    # Samples are drawn in the units of ``location_`` and ``scale_``,
    # learned from the windows in ``_training_targets``.
    _output_units = None
    _default_objective = "diffusion"
    _fitted_attributes = BaseWindowTaskEstimator._fitted_attributes + (
        "location_",
        "scale_",
        "input_ndim_",
    )
    _test_params = (
        {
            "backbone": MLPConfig(hidden_sizes=(16,), revin=False),
            "objective": "diffusion",
            "max_epochs": 3,
            "batch_size": 32,
        },
    )

    def _training_targets(self, windows, y, *, reset):
        if reset:
            self.output_shape_ = windows.shape[1:]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices
                location = np.nanmean(windows, axis=(0, 1))
                scale = np.nanstd(windows, axis=(0, 1))
            self.location_ = np.where(np.isfinite(location), location, 0.0)
            self.scale_ = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        return ((windows - self.location_) / self.scale_).astype(np.float32)

    def fit(self, X, y=None):
        """Train the diffusion model on the windows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Training windows, NaN where missing (left out of the loss);
            2-D and 3-D layouts as in :class:`STForecaster`.
        y : None
            Ignored.

        Returns
        -------
        self : STGenerator
            The fitted generator.
        """
        self._validated_fit(X, None)
        self.input_ndim_ = input_ndim(X)
        return self

    def sample(self, n_samples=1, random_state=None):
        """Generate new windows.

        Parameters
        ----------
        n_samples : int, default=1
            Number of windows.
        random_state : int, RandomState instance or None, default=None
            Seeds the sampling; ``None`` uses the estimator's
            ``random_state``.

        Returns
        -------
        windows : ndarray of shape (n_samples, n_steps, n_nodes, n_channels)
            Float64 windows in the units of ``X`` and in its layout (2-D or
            3-D when ``X`` was).
        """
        check_is_fitted(self)
        n_samples = check_n_samples(n_samples, sample_size=np.prod(self.output_shape_))
        module = self._inference_module()
        seed = self._seed(random_state)
        batches = []
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for start in range(0, n_samples, self.batch_size_):
                size = min(self.batch_size_, n_samples - start)
                batches.append(module.sample(size).cpu())
        windows = torch.cat(batches).numpy() * self.scale_ + self.location_
        return restore_layout(windows, self.input_ndim_)
