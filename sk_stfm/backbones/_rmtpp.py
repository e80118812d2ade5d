"""RMTPP (Du et al., 2016): a recurrent marked temporal point process."""

import torch
from torch import nn

from ..utils._ranges import IntRange
from ._config import EventBackboneConfig
from ._registry import BackboneTraits, register_backbone
from ._tpp import _MAX_GROWTH, _MAX_LOG_RATE, EVENT_TAGS, BaseTPP


class RMTPP(BaseTPP):
    """Recurrent marked temporal point process (Du et al., 2016).

    A GRU over the events; the intensity after event ``j`` is
    ``lambda(tau) = exp(v . h + w tau + b)``, so the cumulative intensity
    ``exp(v . h + b) (exp(w tau) - 1) / w`` and the survival are closed
    form. ``w`` is one learned scalar (kept at least ``1e-4`` away from 0);
    with ``w < 0`` the model may predict no further event. It starts at
    ``-0.1``, an intensity that decays after each event as in a Hawkes
    process: a positive start makes ``exp(w tau)`` explode over the long
    gaps of bursty data (on Wikipedia the first epochs then cost thousands
    of nats per event and 100 s of training end below the Poisson
    baseline).

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
    n_spatial_components : int, default=8
        Components of the spatial Gaussian mixture.
    log_gap_mean, log_gap_std : float, default=0.0, 1.0
        Standardization of the log times between events.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import RMTPP
    >>> model = RMTPP(d_model=8)
    >>> context = torch.zeros(2, 8)
    >>> abs(model.log_survival(context, torch.tensor([0.0, 1.0]))[0].item())
    0.0
    """

    def __init__(
        self,
        n_marks=0,
        n_features=0,
        n_spatial=0,
        d_model=32,
        n_layers=1,
        dropout=0.0,
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
        self.intensity = nn.Linear(d_model, 1)
        self.w = nn.Parameter(torch.tensor(-0.1))

    def _w(self):
        sign = torch.where(self.w >= 0, 1.0, -1.0).to(self.w.dtype)
        return torch.where(self.w.abs() < 1e-4, sign * 1e-4, self.w)

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
        return a + self._w() * tau + self.log_survival(contexts, tau)

    def log_survival(self, contexts, tau):
        """Log survival ``-exp(a) (exp(w tau) - 1) / w``, closed form.

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
        w = self._w()
        # Capped exponents keep the cumulative intensity finite in float32 for
        # any gap (a heavy-tailed catalog has gaps of hundreds of mean gaps);
        # the caps bind only where the survival is below exp(-e**40).
        return (
            -torch.exp(a.clamp(max=_MAX_LOG_RATE))
            * torch.expm1((w * tau).clamp(max=_MAX_GROWTH))
            / w
        )


RMTPPConfig = register_backbone(
    "rmtpp",
    RMTPP,
    EVENT_TAGS,
    "RMTPP (Du et al., 2016): GRU history, exponential intensity in the time since the "
    "last event, closed-form likelihood.",
    config=EventBackboneConfig,
    search_space={"d_model": IntRange(16, 64, log=True)},
    traits=BackboneTraits(1, "GRU history with a closed-form intensity: the cheapest TPP"),
    sizes=lambda level, history, profile: {"d_model": (16, 32, 64)[level]},
    width_parameters=("d_model",),
    test_params={"d_model": 8},
).config
