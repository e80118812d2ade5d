"""LogNormMix (Shchur et al., 2020): an intensity-free temporal point process."""

import math

import torch
from torch import nn

from ..utils._ranges import IntRange
from ._config import EventBackboneConfig
from ._registry import BackboneTraits, register_backbone
from ._tpp import _TINY, EVENT_TAGS, BaseTPP


class LogNormMixTPP(BaseTPP):
    """Intensity-free TPP: a log-normal mixture of inter-event times (Shchur et al., 2020).

    A GRU over the events; the time to the next event is a mixture of
    ``n_components`` log-normals whose weights, means and scales come from
    the history vector. Density, survival (``sum_k w_k Phi(-(log tau -
    mu_k) / sigma_k)``) and mean (``sum_k w_k exp(mu_k + sigma_k^2 / 2)``)
    are closed form, and sampling is exact.

    Parameters
    ----------
    n_marks : int, default=0
        Number of mark types; 0 or 1 means unmarked.
    n_features : int, default=0
        Continuous features of each event read by the encoder.
    n_spatial : int, default=0
        Dimensions of the location the spatial head models.
    d_model : int, default=32
        Width of the GRU.
    n_layers : int, default=1
        GRU layers.
    dropout : float, default=0.0
        Dropout between GRU layers.
    n_components : int, default=16
        Log-normal components.
    n_spatial_components : int, default=8
        Components of the spatial Gaussian mixture.
    log_gap_mean, log_gap_std : float, default=0.0, 1.0
        Standardization of the log times between events; the mixture's
        means and scales start around them.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import LogNormMixTPP
    >>> model = LogNormMixTPP(d_model=8, n_components=2)
    >>> context = torch.zeros(3, 8)
    >>> model.sample_gap(context, torch.Generator().manual_seed(0)).shape
    torch.Size([3])
    """

    def __init__(
        self,
        n_marks=0,
        n_features=0,
        n_spatial=0,
        d_model=32,
        n_layers=1,
        dropout=0.0,
        n_components=16,
        n_spatial_components=8,
        log_gap_mean=0.0,
        log_gap_std=1.0,
    ):
        super().__init__(
            n_marks,
            n_features,
            n_spatial,
            d_model,
            "gru",
            n_layers,
            1,
            dropout,
            n_spatial_components,
            log_gap_mean,
            log_gap_std,
        )
        self.n_components = int(n_components)
        self.mixture = nn.Linear(d_model, 3 * self.n_components)

    def _mixture(self, contexts):
        log_weights, means, log_scales = self.mixture(contexts).chunk(3, dim=-1)
        means = self.log_gap_mean + self.log_gap_std * means
        log_scales = (torch.log(self.log_gap_std) + log_scales).clamp(-5.0, 3.0)
        return torch.log_softmax(log_weights, dim=-1), means, log_scales

    def log_density(self, contexts, tau):
        """Log density of the log-normal mixture.

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
        log_weights, means, log_scales = self._mixture(contexts)
        log_tau = torch.log(tau.clamp_min(_TINY))[..., None]
        z = (log_tau - means) / torch.exp(log_scales)
        log_normal = -0.5 * z**2 - log_scales - 0.5 * math.log(2 * math.pi) - log_tau
        return torch.logsumexp(log_weights + log_normal, dim=-1)

    def log_survival(self, contexts, tau):
        """Log survival of the log-normal mixture, closed form (``log_ndtr``).

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
        log_weights, means, log_scales = self._mixture(contexts)
        positive = tau > 0
        log_tau = torch.log(torch.where(positive, tau, torch.ones_like(tau)))[..., None]
        z = (log_tau - means) / torch.exp(log_scales)
        log_s = torch.logsumexp(log_weights + torch.special.log_ndtr(-z), dim=-1)
        return torch.where(positive, log_s, torch.zeros_like(log_s))

    def expected_gap(self, contexts):
        """Mean time to the next event, closed form.

        Parameters
        ----------
        contexts : torch.Tensor of shape (n, d_model)
            History vectors.

        Returns
        -------
        mean : torch.Tensor of shape (n,)
            Expected time to the next event.
        """
        log_weights, means, log_scales = self._mixture(contexts)
        return torch.exp(torch.logsumexp(log_weights + means + torch.exp(2 * log_scales) / 2, -1))

    def sample_gap(self, contexts, generator=None):
        """Draw the time to the next event exactly (component, then log-normal).

        Parameters
        ----------
        contexts : torch.Tensor of shape (n, d_model)
            History vectors.
        generator : torch.Generator or None, default=None
            Source of randomness.

        Returns
        -------
        tau : torch.Tensor of shape (n,)
            Times to the next event.
        """
        log_weights, means, log_scales = self._mixture(contexts)
        component = torch.multinomial(torch.exp(log_weights).cpu(), 1, generator=generator)
        component = component.to(contexts.device)[:, 0]
        rows = torch.arange(len(component), device=contexts.device)
        noise = torch.randn(len(component), generator=generator, dtype=means.dtype)
        return torch.exp(
            means[rows, component] + torch.exp(log_scales[rows, component]) * noise.to(means.device)
        )


LogNormMixConfig = register_backbone(
    "lognorm_mix",
    LogNormMixTPP,
    EVENT_TAGS,
    "LogNormMix (Shchur et al., 2020): intensity-free, log-normal mixture of the time to "
    "the next event; closed-form survival and exact sampling.",
    config=EventBackboneConfig,
    config_name="LogNormMixConfig",
    search_space={"d_model": IntRange(16, 64, log=True), "n_components": [8, 16, 32]},
    traits=BackboneTraits(1, "intensity-free log-normal mixture: exact likelihood and sampling"),
    sizes=lambda level, history, profile: {
        "d_model": (16, 32, 64)[level],
        "n_components": (8, 16, 32)[level],
    },
    width_parameters=("d_model",),
    test_params={"d_model": 8, "n_components": 2},
).config
