"""Neural temporal point processes: the base of RMTPP, Transformer Hawkes and LogNormMix.

Event backbones do not follow the window signature of the other backbones:
they read padded batches of event sequences and return log-likelihood
terms. Every model is a history encoder (a GRU or a causal Transformer over
the events seen so far) followed by three heads on the history vector
``h_i`` that precedes event ``i``:

- a distribution of the time to the next event ``tau`` (density ``f``,
  survival ``S``; the model's own),
- a categorical distribution of its mark (when ``n_marks >= 2``): marks are
  conditionally independent of the time given the history, so the marked
  intensity is ``lambda_k(t) = p(k | h) lambda(t)``,
- a diagonal Gaussian mixture over its location (when ``n_spatial > 0``,
  e.g. the ``(x, y)`` of an earthquake).

Times are in the units the caller gives (the estimator rescales them); the
survival term ``log S`` from the last event to the end of the observation
window is part of the log-likelihood.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ..utils._tags import STFMTags

# Log of the smallest and largest time to the next event the samplers and
# the numerical mean consider, in the (rescaled) time units of the inputs.
_LOG_TAU_RANGE = (-30.0, 30.0)
_TINY = 1e-30
# Caps of RMTPP's exponents: exp(30 + 40) / 1e-4 stays below float32's maximum.
_MAX_LOG_RATE = 30.0
_MAX_GROWTH = 40.0


def _gather_context(contexts, index):
    """``contexts[b, index[b]]`` for every row ``b``."""
    rows = torch.arange(contexts.shape[0], device=contexts.device)
    return contexts[rows, index]


class BaseTPP(nn.Module):
    """History encoder, mark and spatial heads shared by the event backbones.

    Subclasses define the time-to-next-event distribution through
    :meth:`log_density` and :meth:`log_survival`, and may override
    :meth:`expected_gap` and :meth:`sample_gap` with closed forms.

    Parameters
    ----------
    n_marks : int, default=0
        Number of mark types; 0 or 1 means unmarked (no mark head).
    n_features : int, default=0
        Continuous features of each event read by the history encoder
        (e.g. standardized location and magnitude).
    n_spatial : int, default=0
        Dimensions of the location the spatial head models (0: none).
    d_model : int, default=32
        Width of the history vector.
    encoder : {"gru", "transformer"}, default="gru"
        History encoder.
    n_layers : int, default=1
        Layers of the encoder.
    n_heads : int, default=2
        Attention heads (Transformer encoder only).
    dropout : float, default=0.0
        Dropout in the encoder.
    n_spatial_components : int, default=8
        Components of the spatial Gaussian mixture.
    log_gap_mean, log_gap_std : float, default=0.0, 1.0
        Mean and standard deviation of the log times between events, used
        to standardize the encoder's input.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import LogNormMixTPP
    >>> model = LogNormMixTPP(n_marks=3, d_model=8)
    >>> batch = {
    ...     "gaps": torch.tensor([[0.5, 1.0, 2.0]]),
    ...     "marks": torch.tensor([[0, 2, 1]]),
    ...     "features": torch.zeros(1, 3, 0),
    ...     "locations": torch.zeros(1, 3, 0),
    ...     "valid": torch.tensor([[True, True, True]]),
    ...     "scored": torch.tensor([[True, True, True]]),
    ...     "start_index": torch.tensor([0]),
    ...     "start_gap": torch.tensor([0.0]),
    ...     "end_gap": torch.tensor([0.7]),
    ...     "has_end": torch.tensor([True]),
    ... }
    >>> model(**batch).shape  # time, mark and space log-likelihood, number of events
    torch.Size([1, 4])
    """

    def __init__(
        self,
        n_marks=0,
        n_features=0,
        n_spatial=0,
        d_model=32,
        encoder="gru",
        n_layers=1,
        n_heads=2,
        dropout=0.0,
        n_spatial_components=8,
        log_gap_mean=0.0,
        log_gap_std=1.0,
    ):
        super().__init__()
        if encoder not in ("gru", "transformer"):
            raise ValueError(f"encoder must be 'gru' or 'transformer'; got {encoder!r}.")
        self.n_marks = int(n_marks)
        self.n_features = int(n_features)
        self.n_spatial = int(n_spatial)
        self.d_model = int(d_model)
        self.encoder_kind = encoder
        self.register_buffer("log_gap_mean", torch.tensor(float(log_gap_mean)))
        self.register_buffer("log_gap_std", torch.tensor(float(log_gap_std)))
        self.input = nn.Linear(1 + self.n_features, d_model)
        self.mark_embedding = nn.Embedding(self.n_marks, d_model) if self.n_marks >= 2 else None
        self.start = nn.Parameter(torch.zeros(d_model))
        if encoder == "gru":
            self.encoder = nn.GRU(
                d_model,
                d_model,
                num_layers=n_layers,
                batch_first=True,
                dropout=dropout if n_layers > 1 else 0.0,
            )
        else:
            layer = nn.TransformerEncoderLayer(
                d_model, n_heads, dim_feedforward=2 * d_model, dropout=dropout, batch_first=True
            )
            self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.mark_head = nn.Linear(d_model, self.n_marks) if self.n_marks >= 2 else None
        self.n_spatial_components = int(n_spatial_components)
        self.spatial_head = (
            nn.Linear(d_model, self.n_spatial_components * (1 + 2 * self.n_spatial))
            if self.n_spatial
            else None
        )

    # ------------------------------------------------------------ encoding
    def _time_encoding(self, times):
        """Sinusoidal encoding of (rescaled) absolute times, as in THP."""
        half = self.d_model // 2
        frequencies = torch.exp(
            -math.log(1e4) * torch.arange(half, device=times.device, dtype=times.dtype) / half
        )
        angles = times[..., None] * frequencies
        encoding = torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)
        return F.pad(encoding, (0, self.d_model - 2 * half))

    def encode(self, gaps, marks, features, valid):
        """Return the history vectors before each event and after the last.

        Parameters
        ----------
        gaps : torch.Tensor of shape (batch, length)
            Time since the previous event (padding: any positive value).
        marks : torch.Tensor of int of shape (batch, length)
            Mark codes (ignored when unmarked).
        features : torch.Tensor of shape (batch, length, n_features)
            Continuous features of the events.
        valid : torch.Tensor of bool of shape (batch, length)
            Real events (True) and padding after them (False).

        Returns
        -------
        contexts : torch.Tensor of shape (batch, length + 1, d_model)
            ``contexts[:, i]`` summarizes the events before event ``i``;
            ``contexts[:, n]`` those of a sequence of ``n`` events.
        """
        gaps = torch.where(valid, gaps, torch.ones_like(gaps))
        log_gaps = (torch.log(gaps.clamp_min(_TINY)) - self.log_gap_mean) / self.log_gap_std
        embedded = self.input(torch.cat([log_gaps[..., None], features], dim=-1))
        if self.mark_embedding is not None:
            embedded = embedded + self.mark_embedding(marks)
        if self.encoder_kind == "transformer":
            times = torch.cumsum(torch.where(valid, gaps, torch.zeros_like(gaps)), dim=1)
            embedded = embedded + self._time_encoding(times)
        start = self.start.expand(embedded.shape[0], 1, -1)
        if self.encoder_kind == "gru":
            outputs, _ = self.encoder(embedded)
            return torch.cat([start, outputs], dim=1)
        tokens = torch.cat([start, embedded], dim=1)
        # Causal: padding after a sequence's end never reaches its events.
        causal = nn.Transformer.generate_square_subsequent_mask(
            tokens.shape[1], device=tokens.device, dtype=tokens.dtype
        )
        return self.encoder(tokens, mask=causal, is_causal=True)

    # ------------------------------------------------- time distribution
    def log_density(self, contexts, tau):
        """Log density of the time to the next event.

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
        raise NotImplementedError

    def log_survival(self, contexts, tau):
        """Log probability that no event happens within ``tau``.

        Parameters
        ----------
        contexts : torch.Tensor of shape (..., d_model)
            History vectors.
        tau : torch.Tensor of shape (...)
            Non-negative times since the previous event.

        Returns
        -------
        log_S : torch.Tensor of shape (...)
            Zero at ``tau = 0``.
        """
        raise NotImplementedError

    def expected_gap(self, contexts):
        """Mean time to the next event, ``int_0^inf S(tau) dtau``.

        Numerical: trapezoids over ``log tau`` on 1,024 points from
        ``e^-30`` to ``e^30`` (rescaled units); a distribution with mass
        at infinity (no further event) gets that upper limit's share.

        Parameters
        ----------
        contexts : torch.Tensor of shape (n, d_model)
            History vectors.

        Returns
        -------
        mean : torch.Tensor of shape (n,)
            Expected time to the next event.
        """
        u = torch.linspace(*_LOG_TAU_RANGE, 1024, dtype=contexts.dtype, device=contexts.device)
        tau = torch.exp(u).expand(contexts.shape[0], -1)
        survival = torch.exp(self.log_survival(contexts[:, None, :].expand(-1, len(u), -1), tau))
        return torch.trapezoid(survival * tau, u, dim=-1)

    def sample_gap(self, contexts, generator=None):
        """Draw the time to the next event by inverting the survival function.

        Solves ``S(tau) = U`` with ``U ~ Uniform(0, 1)`` by 60 bisections of
        ``log tau`` in ``[-30, 30]``; ``inf`` when ``S(e^30) > U`` (the model
        puts that much mass on no further event).

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
        log_u = torch.log(
            torch.rand(contexts.shape[0], generator=generator, dtype=contexts.dtype).to(
                contexts.device
            )
        )
        return self._invert_survival(contexts, log_u)

    def quantile_gap(self, contexts, q=0.5):
        """Quantile of the time to the next event (``q=0.5``: the median).

        Solves ``S(tau) = 1 - q`` by bisection, as :meth:`sample_gap`; ``inf``
        when the model leaves more than ``1 - q`` to no further event.

        Parameters
        ----------
        contexts : torch.Tensor of shape (n, d_model)
            History vectors.
        q : float, default=0.5
            Probability level in (0, 1).

        Returns
        -------
        tau : torch.Tensor of shape (n,)
            Times to the next event.
        """
        target = torch.full(
            (contexts.shape[0],), math.log1p(-q), dtype=contexts.dtype, device=contexts.device
        )
        return self._invert_survival(contexts, target)

    def _invert_survival(self, contexts, log_target):
        low = torch.full_like(log_target, _LOG_TAU_RANGE[0])
        high = torch.full_like(log_target, _LOG_TAU_RANGE[1])
        never = self.log_survival(contexts, torch.exp(high)) > log_target
        for _ in range(60):
            middle = (low + high) / 2
            above = self.log_survival(contexts, torch.exp(middle)) > log_target
            low = torch.where(above, middle, low)
            high = torch.where(above, high, middle)
        tau = torch.exp((low + high) / 2)
        return torch.where(never, torch.full_like(tau, math.inf), tau)

    # ------------------------------------------------------------- heads
    def mark_log_proba(self, contexts):
        """Log probabilities of the next event's mark.

        Parameters
        ----------
        contexts : torch.Tensor of shape (..., d_model)
            History vectors.

        Returns
        -------
        log_proba : torch.Tensor of shape (..., n_marks)
            Log probability of each mark.
        """
        if self.mark_head is None:
            raise ValueError("this model is unmarked (n_marks < 2).")
        return torch.log_softmax(self.mark_head(contexts), dim=-1)

    def _spatial_mixture(self, contexts):
        k, s = self.n_spatial_components, self.n_spatial
        raw = self.spatial_head(contexts)
        logits = raw[..., :k]
        means = raw[..., k : k + k * s].unflatten(-1, (k, s))
        log_std = raw[..., k + k * s :].unflatten(-1, (k, s)).clamp(-7.0, 5.0)
        return torch.log_softmax(logits, dim=-1), means, log_std

    def spatial_log_density(self, contexts, locations):
        """Log density of the next event's location (Gaussian mixture).

        Parameters
        ----------
        contexts : torch.Tensor of shape (..., d_model)
            History vectors.
        locations : torch.Tensor of shape (..., n_spatial)
            Locations, in the (standardized) units of the inputs.

        Returns
        -------
        log_g : torch.Tensor of shape (...)
            Log density at ``locations``.
        """
        log_weights, means, log_std = self._spatial_mixture(contexts)
        z = (locations[..., None, :] - means) / torch.exp(log_std)
        log_normal = (-0.5 * z**2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
        return torch.logsumexp(log_weights + log_normal, dim=-1)

    def sample_location(self, contexts, generator=None):
        """Draw the next event's location from the spatial mixture.

        Parameters
        ----------
        contexts : torch.Tensor of shape (n, d_model)
            History vectors.
        generator : torch.Generator or None, default=None
            Source of randomness.

        Returns
        -------
        locations : torch.Tensor of shape (n, n_spatial)
            Drawn locations.
        """
        log_weights, means, log_std = self._spatial_mixture(contexts)
        component = torch.multinomial(torch.exp(log_weights).cpu(), 1, generator=generator)
        component = component.to(contexts.device)[:, 0]
        rows = torch.arange(len(component), device=contexts.device)
        noise = torch.randn(means.shape[0], self.n_spatial, generator=generator, dtype=means.dtype)
        return means[rows, component] + torch.exp(log_std[rows, component]) * noise.to(means.device)

    # ----------------------------------------------------------- forward
    def forward(
        self,
        gaps,
        marks,
        features,
        locations,
        valid,
        scored,
        start_index,
        start_gap,
        end_gap,
        has_end,
    ):
        """Log-likelihood terms of a padded batch of sequences (pieces).

        For each row: ``sum_i [log f(tau_i) + log p(m_i) + log g(x_i)]`` over
        the scored events, ``+ log S(end_gap)`` after the last event when
        the row ends the observation window, ``- log S(start_gap)`` at
        ``start_index`` (conditioning on no event between the previous
        event and the start of the window).

        Parameters
        ----------
        gaps : torch.Tensor of shape (batch, length)
            Time since the previous event (the first: since the window's
            start, when the row has no history).
        marks : torch.Tensor of int of shape (batch, length)
            Mark codes.
        features : torch.Tensor of shape (batch, length, n_features)
            Continuous features read by the encoder.
        locations : torch.Tensor of shape (batch, length, n_spatial)
            Locations scored by the spatial head.
        valid : torch.Tensor of bool of shape (batch, length)
            Real events.
        scored : torch.Tensor of bool of shape (batch, length)
            Events whose likelihood counts (the others are history).
        start_index : torch.Tensor of int of shape (batch,)
            Context of the first scored interval.
        start_gap : torch.Tensor of shape (batch,)
            Time from the event before the window to the window's start.
        end_gap : torch.Tensor of shape (batch,)
            Time from the last event to the end of the window.
        has_end : torch.Tensor of bool of shape (batch,)
            Whether the survival term applies to the row.

        Returns
        -------
        terms : torch.Tensor of shape (batch, 4)
            Temporal, mark and spatial log-likelihood of each row, and its
            number of scored events.
        """
        contexts = self.encode(gaps, marks, features, valid)
        events = contexts[:, :-1]
        safe_gaps = torch.where(scored, gaps, torch.ones_like(gaps)).clamp_min(_TINY)
        zero = torch.zeros_like(gaps)
        time_ll = torch.where(scored, self.log_density(events, safe_gaps), zero).sum(1)
        last = _gather_context(contexts, valid.sum(1))
        survival = self.log_survival(last, end_gap)
        time_ll = time_ll + torch.where(has_end, survival, torch.zeros_like(survival))
        time_ll = time_ll - self.log_survival(_gather_context(contexts, start_index), start_gap)
        mark_ll = torch.zeros_like(time_ll)
        if self.mark_head is not None:
            picked = self.mark_log_proba(events).gather(-1, marks[..., None])[..., 0]
            mark_ll = torch.where(scored, picked, zero).sum(1)
        space_ll = torch.zeros_like(time_ll)
        if self.spatial_head is not None:
            space_ll = torch.where(scored, self.spatial_log_density(events, locations), zero).sum(1)
        return torch.stack([time_ll, mark_ll, space_ll, scored.sum(1).to(time_ll.dtype)], dim=1)


# Temporal point processes read event sequences, not windows (their own
# signature, see BaseTPP); a spatial head makes them spatio-temporal.
EVENT_TAGS = STFMTags(
    data_kinds=("event",),
    dependencies=("temporal", "spatio-temporal"),
    tasks=("forecasting", "generation"),
    requires=(),
)
