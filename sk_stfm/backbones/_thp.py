"""The Transformer Hawkes process (Zuo et al., 2020)."""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..utils._ranges import IntRange
from ._config import EventBackboneConfig
from ._registry import BackboneTraits, register_backbone
from ._tpp import _TINY, EVENT_TAGS, BaseTPP


class TransformerHawkes(BaseTPP):
    """Transformer Hawkes process (Zuo et al., 2020).

    A causal Transformer over the events, with a sinusoidal encoding of
    their times; the intensity after event ``j`` is
    ``lambda(tau) = softplus(v . h + alpha tau + b)``. Its integral has no
    elementary closed form: it is computed by Gauss-Legendre quadrature
    with ``n_quadrature`` nodes on ``[0, tau]`` (deterministic, so
    log-likelihoods are repeatable; the original uses Monte Carlo). Marks
    come from the categorical head (the original's per-type intensities
    summed into this ground intensity).

    Parameters
    ----------
    n_marks : int, default=0
        Number of mark types; 0 or 1 means unmarked.
    n_features : int, default=0
        Continuous features of each event read by the encoder.
    n_spatial : int, default=0
        Dimensions of the location the spatial head models.
    d_model : int, default=32
        Width of the Transformer.
    n_layers : int, default=2
        Transformer layers.
    n_heads : int, default=2
        Attention heads.
    dropout : float, default=0.0
        Dropout in the Transformer.
    n_spatial_components : int, default=8
        Components of the spatial Gaussian mixture.
    n_quadrature : int, default=32
        Gauss-Legendre nodes of the integral of the intensity.
    log_gap_mean, log_gap_std : float, default=0.0, 1.0
        Standardization of the log times between events.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import TransformerHawkes
    >>> model = TransformerHawkes(d_model=8, n_layers=1)
    >>> tau = torch.tensor([0.5])
    >>> context = torch.zeros(1, 8)
    >>> bool(model.log_density(context, tau) < 0)
    True
    """

    def __init__(
        self,
        n_marks=0,
        n_features=0,
        n_spatial=0,
        d_model=32,
        n_layers=2,
        n_heads=2,
        dropout=0.0,
        n_spatial_components=8,
        n_quadrature=32,
        log_gap_mean=0.0,
        log_gap_std=1.0,
    ):
        super().__init__(
            n_marks,
            n_features,
            n_spatial,
            d_model,
            "transformer",
            n_layers,
            n_heads,
            dropout,
            n_spatial_components,
            log_gap_mean,
            log_gap_std,
        )
        self.intensity = nn.Linear(d_model, 1)
        self.alpha = nn.Parameter(torch.tensor(0.0))
        nodes, weights = np.polynomial.legendre.leggauss(int(n_quadrature))
        # Nodes and weights on [0, 1].
        self.register_buffer("nodes", torch.tensor((nodes + 1) / 2, dtype=torch.float32))
        self.register_buffer("weights", torch.tensor(weights / 2, dtype=torch.float32))

    def _intensity(self, a, tau):
        return F.softplus(a + self.alpha * tau)

    def log_density(self, contexts, tau):
        """Log density ``log lambda(tau) - Lambda(tau)``.

        Parameters
        ----------
        contexts : torch.Tensor of shape (..., d_model)
            History vectors.
        tau : torch.Tensor of shape (...)
            Positive times since the previous event.

        Returns
        -------
        log_f : torch.Tensor of shape (...)
            Log density at ``tau``.
        """
        a = self.intensity(contexts)[..., 0]
        log_lambda = torch.log(self._intensity(a, tau).clamp_min(_TINY))
        return log_lambda + self.log_survival(contexts, tau)

    def log_survival(self, contexts, tau):
        """Log survival ``-int_0^tau lambda``, by Gauss-Legendre quadrature.

        Parameters
        ----------
        contexts : torch.Tensor of shape (..., d_model)
            History vectors.
        tau : torch.Tensor of shape (...)
            Non-negative times since the previous event.

        Returns
        -------
        log_S : torch.Tensor of shape (...)
            Log survival at ``tau``.
        """
        a = self.intensity(contexts)[..., 0]
        nodes = self.nodes.to(tau.dtype)
        weights = self.weights.to(tau.dtype)
        values = self._intensity(a[..., None], tau[..., None] * nodes)
        return -tau * (values * weights).sum(-1)


TransformerHawkesConfig = register_backbone(
    "thp",
    TransformerHawkes,
    EVENT_TAGS,
    "Transformer Hawkes process (Zuo et al., 2020): causal Transformer history, softplus "
    "intensity integrated by Gauss-Legendre quadrature.",
    config=EventBackboneConfig,
    search_space={"d_model": IntRange(16, 64, step=8), "n_layers": IntRange(1, 2)},
    traits=BackboneTraits(2, "Transformer history with a numerically integrated intensity"),
    sizes=lambda level, history, profile: {
        "d_model": (16, 32, 64)[level],
        "n_layers": (1, 2, 3)[level],
    },
    width_parameters=("d_model",),
    test_params={"d_model": 8, "n_layers": 1, "n_quadrature": 8},
).config
