"""Dynamic int8 quantization of the trained network, for faster CPU inference."""

import copy
import warnings

import torch
from torch import nn

from ..utils._compat import StrOptions
from ._base import BaseAdapter

_DTYPES = {"int8": torch.qint8}


class Quantize(BaseAdapter):
    """Dynamic int8 quantization of the linear layers before ``predict``.

    Training is the base adapter's (or the plain backbone's) in float32;
    ``predict`` then runs a copy whose ``nn.Linear`` layers hold int8
    weights and quantize their inputs on the fly
    (:func:`torch.ao.quantization.quantize_dynamic`). On CPU this speeds up
    models dominated by large matrix products (language models) at a small
    change in accuracy, which ``benchmarks/transfer.py`` measures.
    Predictions run in float32 whatever the estimator's ``inference_dtype``.

    Parameters
    ----------
    dtype : {"int8"}, default="int8"
        Weight type of the quantized layers.
    base : BaseAdapter or None, default=None
        The adapter whose trained network is quantized (e.g.
        :class:`FrozenLM`, :class:`LoRA`); ``None``: the estimator's
        backbone.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.adapters import Quantize
    >>> from sk_stfm.estimators import STForecaster
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(64, 32, 1, 1)), rng.normal(size=(64, 8, 1, 1))
    >>> model = STForecaster(backbone="mlp", adapter=Quantize(), max_epochs=1,
    ...                      random_state=0).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2, 8, 1, 1)
    """

    _parameter_constraints: dict = {
        "dtype": [StrOptions(set(_DTYPES))],
        "base": [BaseAdapter, None],
    }
    inference_dtype = "float32"

    def __init__(self, dtype="int8", base=None):
        self.dtype = dtype
        self.base = base

    def _base(self):
        return BaseAdapter() if self.base is None else self.base

    @property
    def replaces_backbone(self):
        """Whether the base adapter replaces the backbone."""
        return self._base().replaces_backbone

    @property
    def generative(self):
        """Never: a generative adapter has no network to quantize."""
        return False

    @property
    def tasks(self):
        """The base adapter's tasks."""
        return self._base().tasks

    def backbone_tags(self):
        """Return the tags of the base adapter's backbone.

        Returns
        -------
        tags : STFMTags
            As the base's.
        """
        return self._base().backbone_tags()

    @property
    def backbone_name(self):
        """Name used in messages."""
        return f"Quantize({self._base().backbone_name})"

    def build_backbone(self, backbone, n_steps, n_nodes, n_channels, horizon, n_targets, spatial):
        """Build the base adapter's backbone (see :meth:`BaseAdapter.build_backbone`).

        Parameters
        ----------
        backbone : BackboneConfig
            The estimator's backbone.
        n_steps, n_nodes, n_channels : int
            Shape of one input window.
        horizon, n_targets : int
            Output steps and channels.
        spatial : SpatialContext
            The estimator's spatial context.

        Returns
        -------
        module : BaseBackbone
            The base's module.
        """
        if self.base is not None and self.base.generative:
            raise ValueError(
                f"Quantize cannot wrap {type(self.base).__name__}: it trains no network."
            )
        return self._base().build_backbone(
            backbone, n_steps, n_nodes, n_channels, horizon, n_targets, spatial
        )

    def adapt(self, module):
        """Apply the base adapter's choice of trainable parameters.

        Parameters
        ----------
        module : torch.nn.Module
            The backbone.

        Returns
        -------
        module : torch.nn.Module
            As the base returns it.
        """
        return self._base().adapt(module)

    def inference_module(self, module):
        """Quantize the linear layers of the (base-prepared) trained network.

        Parameters
        ----------
        module : torch.nn.Module
            A copy of the trained network, in float32.

        Returns
        -------
        module : torch.nn.Module
            With dynamically quantized ``nn.Linear`` layers.
        """
        from torch.ao.quantization import quantize_dynamic

        module = self._base().inference_module(module)
        with warnings.catch_warnings():
            # torch.ao.quantization announces its move to torchao; its eager
            # dynamic quantization still ships and runs on the CPU (fbgemm).
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
            return quantize_dynamic(module, {nn.Linear}, dtype=_DTYPES[self.dtype])


def quantize(estimator, dtype="int8"):
    """Return a copy of a fitted estimator whose predictions run quantized.

    The trained weights are the same; the copy's ``adapter`` becomes
    ``Quantize(dtype, base=<the original adapter>)``, so ``predict`` runs
    the int8 network (see :class:`Quantize`). Use it to compare speed and
    accuracy before and after quantization, or to deploy a model trained
    without it.

    Parameters
    ----------
    estimator : BaseSTEstimator
        A fitted sk_stfm estimator with a trained network.
    dtype : {"int8"}, default="int8"
        Weight type of the quantized layers.

    Returns
    -------
    quantized : BaseSTEstimator
        A fitted copy; the original is unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.adapters import quantize
    >>> from sk_stfm.estimators import STForecaster
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(64, 32, 1, 1)), rng.normal(size=(64, 8, 1, 1))
    >>> model = STForecaster(backbone="mlp", max_epochs=1, random_state=0).fit(X, y)
    >>> fast = quantize(model)
    >>> bool(np.abs(fast.predict(X) - model.predict(X)).max() < 0.1)
    True
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    if not hasattr(estimator, "net_"):
        raise ValueError(
            f"{type(estimator).__name__} has no trained network to quantize (a generative "
            "adapter forecasts without one)."
        )
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {sorted(_DTYPES)}; got {dtype!r}.")
    quantized = copy.deepcopy(estimator)
    base = getattr(estimator, "adapter_", None)
    quantized.adapter_ = Quantize(dtype, base=base)
    quantized.set_params(adapter=Quantize(dtype, base=estimator.adapter))
    return quantized
