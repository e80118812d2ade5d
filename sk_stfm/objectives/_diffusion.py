"""Conditional denoising diffusion (CSDI / TMDM style) over forecasts and missing values.

The backbone turns the observed part of a window (the history, or the
visible entries) into a condition: a point estimate of the unknown values.
A small denoising network, trained jointly with the backbone, learns the
distribution of the unknown values around that estimate by denoising
diffusion (DDPM, Ho et al., 2020, in the conditional form of CSDI, Tashiro
et al., 2021). Sampling runs the reverse chain; the median of the samples
is the point prediction.
"""

import numbers
import warnings

import torch
from torch import nn

from ..utils._compat import Interval, StrOptions
from ..utils._ranges import IntRange
from ._base import BaseObjective
from ._interpolation import interpolate_hidden
from ._regression import MaskedLoss

# Floor of the per-series scale, relative to the series' RMS: a flat
# history must not blow residuals up.
_RELATIVE_SCALE_FLOOR = 0.05
# Bound of the clean-value estimate while sampling, in scaled units (a
# residual of ten standard deviations of the history).
_CLEAN_CLIP = 10.0
# The point loss of the conditioning backbone (stateless).
_POINT_LOSS = MaskedLoss("mse")


def noise_schedule(n_steps, schedule="quad", beta_start=1e-4, beta_end=0.5):
    """Return the noise variances (betas) of the steps of a diffusion chain.

    Parameters
    ----------
    n_steps : int
        Number of diffusion steps.
    schedule : {"quad", "linear"}, default="quad"
        ``"linear"``: betas evenly spaced; ``"quad"``: their square roots
        evenly spaced (CSDI's default, gentler at the start).
    beta_start, beta_end : float, default=1e-4, 0.5
        First and last noise variance.

    Returns
    -------
    betas : torch.Tensor of shape (n_steps,)
        Float64 variances, increasing.

    Examples
    --------
    >>> from sk_stfm.objectives import noise_schedule
    >>> betas = noise_schedule(50)
    >>> betas.shape, round(float(betas[0]), 6), round(float(betas[-1]), 6)
    (torch.Size([50]), 0.0001, 0.5)
    """
    if schedule == "quad":
        return torch.linspace(beta_start**0.5, beta_end**0.5, n_steps, dtype=torch.float64) ** 2
    if schedule == "linear":
        return torch.linspace(beta_start, beta_end, n_steps, dtype=torch.float64)
    raise ValueError(f"schedule must be 'quad' or 'linear'; got {schedule!r}.")


class DenoisingNetwork(nn.Module):
    """Predict the noise added to one series from its noisy values and a condition.

    A residual MLP over the series' steps; the diffusion step enters as a
    learned embedding added to every layer's input.

    Parameters
    ----------
    length : int
        Steps of the series being denoised.
    n_conditions : int
        Condition series of the same length given beside the noisy one.
    n_diffusion_steps : int
        Steps of the diffusion chain (size of the step embedding).
    hidden_size : int
        Width of the hidden layers.
    n_layers : int
        Number of residual layers.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.objectives import DenoisingNetwork
    >>> network = DenoisingNetwork(12, 1, n_diffusion_steps=50, hidden_size=32, n_layers=2)
    >>> network(torch.randn(5, 12), torch.randn(5, 1, 12), torch.randint(50, (5,))).shape
    torch.Size([5, 12])
    """

    def __init__(self, length, n_conditions, n_diffusion_steps, hidden_size, n_layers):
        super().__init__()
        self.input = nn.Linear((1 + n_conditions) * length, hidden_size)
        self.step_embedding = nn.Embedding(n_diffusion_steps, hidden_size)
        self.layers = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(hidden_size), nn.SiLU(), nn.Linear(hidden_size, hidden_size))
            for _ in range(n_layers)
        )
        self.output = nn.Sequential(nn.SiLU(), nn.Linear(hidden_size, length))
        # Start from the skip term alone (see _DiffusionChain._predict_noise).
        nn.init.zeros_(self.output[1].weight)
        nn.init.zeros_(self.output[1].bias)

    def forward(self, noisy, conditions, step):
        """Return the predicted noise.

        Parameters
        ----------
        noisy : torch.Tensor of shape (n_series, length)
            Noisy values.
        conditions : torch.Tensor of shape (n_series, n_conditions, length)
            What the values are conditioned on.
        step : torch.Tensor of int of shape (n_series,)
            Diffusion step of each series (0-based).

        Returns
        -------
        noise : torch.Tensor of shape (n_series, length)
            The predicted noise.
        """
        hidden = self.input(torch.cat([noisy, conditions.flatten(1)], dim=1))
        embedding = self.step_embedding(step)
        for layer in self.layers:
            hidden = hidden + layer(hidden + embedding)
        return self.output(hidden)


def _to_series(values):
    """``(B, L, N, K)`` -> ``(B * N * K, L)``: one row per series."""
    return values.permute(0, 2, 3, 1).reshape(-1, values.shape[1])


def _from_series(series, shape):
    batch, length, n_nodes, n_targets = shape
    return series.reshape(batch, n_nodes, n_targets, length).permute(0, 3, 1, 2)


def _history_scale(x, n_targets):
    """Per-window scale of each target series, ``(B, 1, N, K)``.

    Targets come first among the input channels (data contract); when there
    are more targets than channels, the pooled scale of the node is used.
    """
    values = x[..., :n_targets] if n_targets <= x.shape[-1] else x
    scale = _scale_of(values, torch.ones_like(values, dtype=torch.bool))
    if n_targets > x.shape[-1]:
        scale = scale.mean(dim=-1, keepdim=True).expand(*scale.shape[:-1], n_targets)
    return scale


def _scale_of(values, visible):
    """Std (floored by a share of the RMS) of the visible entries of each series, over time.

    A series with fewer than two visible entries, or with nothing but
    zeros, has no scale of its own and gets 1.
    """
    weight = visible.to(values.dtype)
    count = weight.sum(dim=1, keepdim=True)
    values = torch.where(visible, values, 0.0)
    mean = values.sum(dim=1, keepdim=True) / count.clamp(min=1.0)
    variance = (weight * (values - mean) ** 2).sum(dim=1, keepdim=True) / count.clamp(min=1.0)
    rms = (values**2).sum(dim=1, keepdim=True).div(count.clamp(min=1.0)).sqrt()
    scale = torch.maximum(variance.sqrt(), _RELATIVE_SCALE_FLOOR * rms)
    return torch.where((count >= 2) & (scale > 1e-6), scale, torch.ones_like(scale))


def _uniform_rate_mask(x):
    """CSDI's random training mask: each window hides a uniformly drawn share of entries."""
    rate = torch.rand(x.shape[0], 1, 1, 1, device=x.device)
    return torch.rand(x.shape, device=x.device) < rate


class _DiffusionChain(nn.Module):
    """A DDPM chain over series of one length, with a conditional denoising network."""

    # Condition series the denoiser reads beside the noisy one.
    _n_conditions = 1

    def __init__(self, backbone, n_diffusion_steps, schedule, hidden_size, n_layers, beta_end=0.5):
        super().__init__()
        self.backbone = backbone
        self.n_diffusion_steps = int(n_diffusion_steps)
        self.clip = _CLEAN_CLIP
        self.denoiser = DenoisingNetwork(
            self._series_length(backbone),
            self._n_conditions,
            self.n_diffusion_steps,
            hidden_size,
            n_layers,
        )
        betas = noise_schedule(self.n_diffusion_steps, schedule, beta_end=beta_end)
        self.register_buffer("betas", betas.float())
        self.register_buffer("alpha_bars", torch.cumprod(1.0 - betas, dim=0).float())

    @staticmethod
    def _series_length(backbone):
        """Steps of the series the chain denoises: the backbone's whole window by default."""
        return backbone.n_steps

    def _predict_noise(self, noisy, conditions, step):
        """The denoiser's correction on top of ``sqrt(1 - alpha_bar) * noisy``.

        That skip term is the optimal noise estimate for standard normal
        data, and nearly exact at high noise levels, where sampling divides
        any error by ``sqrt(alpha_bar)``; the network only learns what the
        data adds to it.
        """
        skip = (1 - self.alpha_bars[step]).sqrt().unsqueeze(1) * noisy
        return skip + self.denoiser(noisy, conditions, step)

    def _noise_loss(self, clean, conditions, weight):
        """Denoising loss of ``clean`` series ``(M, L)`` at random steps.

        ``conditions(noisy, step)`` returns the ``(M, n_conditions, L)``
        conditions; ``weight`` marks the entries the loss counts.
        """
        step = torch.randint(0, self.n_diffusion_steps, (clean.shape[0],), device=clean.device)
        noise = torch.randn_like(clean)
        alpha_bar = self.alpha_bars[step].unsqueeze(1)
        noisy = alpha_bar.sqrt() * clean + (1 - alpha_bar).sqrt() * noise
        predicted = self._predict_noise(noisy, conditions(noisy, step), step)
        weight = weight.to(clean.dtype)
        return ((predicted - noise) ** 2 * weight).sum() / weight.sum().clamp(min=1)

    def _reverse(self, shape, conditions, like):
        """Run the reverse (ancestral DDPM) chain from Gaussian noise of ``shape``.

        Each step estimates the clean values from the predicted noise,
        clips them to ``+-clip`` (standardized units) and draws from the
        DDPM posterior given that estimate: without the clip, an imperfect
        noise estimate is amplified by ``1 / sqrt(alpha_bar)`` over the
        chain and a few samples run away.
        """
        values = torch.randn(shape, dtype=like.dtype, device=like.device)
        alpha_bars = self.alpha_bars
        for t in range(self.n_diffusion_steps - 1, -1, -1):
            step = torch.full((shape[0],), t, dtype=torch.long, device=like.device)
            noise = self._predict_noise(values, conditions(values, step), step)
            clean = (values - (1 - alpha_bars[t]).sqrt() * noise) / alpha_bars[t].sqrt()
            clean = clean.clamp(-self.clip, self.clip)
            if t == 0:
                return clean
            previous = alpha_bars[t - 1]
            beta = self.betas[t]
            mean = (
                beta * previous.sqrt() * clean + (1 - previous) * (1 - beta).sqrt() * values
            ) / (1 - alpha_bars[t])
            # sigma_t^2 = beta_t, the DDPM choice that is exact for standard
            # normal data (beta tilde makes samples about 10 % too narrow).
            values = mean + beta.sqrt() * torch.randn_like(values)
        return values


class ConditionalDiffusion(_DiffusionChain):
    """A backbone conditioning a denoising diffusion over its forecast.

    The backbone maps the input window to a point estimate ``c`` of the
    targets (trained with the MSE); the targets' residuals around ``c``,
    scaled by each series' history scale, are modelled by a
    :class:`DenoisingNetwork` conditioned on ``c``.

    Parameters
    ----------
    backbone : BaseBackbone
        Maps ``(batch, n_steps, n_nodes, n_channels)`` to
        ``(batch, horizon, n_nodes, n_targets)``.
    n_diffusion_steps : int
        Steps of the diffusion chain.
    schedule : {"quad", "linear"}
        Noise schedule (see :func:`noise_schedule`).
    hidden_size : int
        Width of the denoising network.
    n_layers : int
        Residual layers of the denoising network.
    beta_end : float, default=0.5
        Noise variance of the last step.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import MLPBackbone
    >>> from sk_stfm.objectives import ConditionalDiffusion
    >>> model = ConditionalDiffusion(MLPBackbone(24, 2, 1, horizon=6), 10, "quad", 32, 2)
    >>> model.sample(torch.randn(3, 24, 2, 1), n_samples=4).shape
    torch.Size([4, 3, 6, 2, 1])
    """

    @staticmethod
    def _series_length(backbone):
        return backbone.horizon

    def forward(self, x):
        """Return the condition of the denoiser (the training output).

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.

        Returns
        -------
        output : tuple
            ``(condition, scale, self)``; :class:`DiffusionLoss` turns it
            into the loss.
        """
        return self.backbone(x), _history_scale(x, self.backbone.n_targets), self

    def denoising_loss(self, output, target):
        """Return the point loss of the condition plus the denoising loss.

        Parameters
        ----------
        output : tuple
            The output of :meth:`forward`.
        target : torch.Tensor of shape (batch, horizon, n_nodes, n_targets)
            Targets; NaN entries are left out of both losses.

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        condition, scale, _ = output
        observed = ~torch.isnan(target)
        residual = torch.where(observed, (target - condition.detach()) / scale, 0.0)
        conditions = _to_series(condition / scale).unsqueeze(1)
        denoising = self._noise_loss(
            _to_series(residual), lambda noisy, step: conditions, _to_series(observed)
        )
        return denoising + _POINT_LOSS(condition, target)

    @torch.no_grad()
    def sample(self, x, n_samples):
        """Draw samples of the targets given the input windows.

        Uses the global torch random number generator.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.
        n_samples : int
            Samples per window.

        Returns
        -------
        samples : torch.Tensor of shape (n_samples, batch, horizon, n_nodes, n_targets)
            Samples in the units of the targets.
        """
        condition = self.backbone(x)
        scale = _history_scale(x, self.backbone.n_targets)
        conditions = _to_series(condition / scale).unsqueeze(1).repeat(n_samples, 1, 1)
        values = self._reverse(
            (conditions.shape[0], condition.shape[1]), lambda values, step: conditions, x
        )
        residuals = values.reshape(n_samples, -1, condition.shape[1])
        return torch.stack(
            [condition + scale * _from_series(r, condition.shape) for r in residuals.unbind(0)]
        )


class ImputationDiffusion(_DiffusionChain):
    """Conditional diffusion over the missing entries of windows (CSDI).

    Training hides a uniformly drawn share of each window's entries (CSDI's
    random strategy); the backbone, whose head outputs the whole window,
    reconstructs them from the visible ones, and a :class:`DenoisingNetwork`
    models each series' residual around the reconstruction given the
    reconstruction, the visible residuals and the visibility mask.

    Parameters
    ----------
    backbone : BaseBackbone
        Maps windows to windows of the same shape.
    n_diffusion_steps : int
        Steps of the diffusion chain.
    schedule : {"quad", "linear"}
        Noise schedule.
    hidden_size : int
        Width of the denoising network.
    n_layers : int
        Residual layers of the denoising network.
    beta_end : float, default=0.5
        Noise variance of the last step.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import MLPBackbone
    >>> from sk_stfm.objectives import ImputationDiffusion
    >>> model = ImputationDiffusion(MLPBackbone(24, 2, 1, horizon=24), 10, "quad", 32, 2)
    >>> x = torch.randn(3, 24, 2, 1)
    >>> x[0, 5] = float("nan")
    >>> samples = model.sample(x, n_samples=4)
    >>> samples.shape, bool(torch.isnan(samples).any()), bool((samples[:, 1] == x[1]).all())
    (torch.Size([4, 3, 24, 2, 1]), False, True)
    """

    # Reconstruction, visible residuals and the visibility mask.
    _n_conditions = 3

    def _condition(self, x, hidden):
        """Reconstruction, scale and denoiser conditions of windows with ``hidden`` entries."""
        visible = ~hidden
        scale = _scale_of(x, visible)
        x = interpolate_hidden(x, hidden)
        reconstruction = self.backbone(x)
        visible_residual = torch.where(hidden, 0.0, (x - reconstruction) / scale)
        conditions = torch.stack(
            [
                _to_series(reconstruction / scale),
                _to_series(visible_residual),
                _to_series(visible.to(x.dtype)),
            ],
            dim=1,
        )
        return reconstruction, scale, conditions

    def forward(self, x):
        """Hide random entries and condition on the rest (the training output).

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Windows; NaN entries count as hidden.

        Returns
        -------
        output : tuple
            ``(reconstruction, scale, hidden, conditions, self)``.
        """
        hidden = _uniform_rate_mask(x) | torch.isnan(x)
        reconstruction, scale, conditions = self._condition(x, hidden)
        return reconstruction, scale, hidden, conditions, self

    def denoising_loss(self, output, target):
        """Return the losses on the hidden, observed entries.

        Parameters
        ----------
        output : tuple
            The output of :meth:`forward`.
        target : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            The windows, NaN where never observed.

        Returns
        -------
        loss : torch.Tensor
            Point loss of the reconstruction plus denoising loss.
        """
        reconstruction, scale, hidden, conditions, _ = output
        scored = hidden & ~torch.isnan(target)
        residual = torch.where(scored, (target - reconstruction.detach()) / scale, 0.0)
        denoising = self._noise_loss(
            _to_series(residual), lambda noisy, step: conditions, _to_series(scored)
        )
        return denoising + _POINT_LOSS(reconstruction, torch.where(scored, target, torch.nan))

    @torch.no_grad()
    def sample(self, x, n_samples):
        """Draw imputations of the NaN entries of ``x``.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Windows, NaN where missing.
        n_samples : int
            Samples per window.

        Returns
        -------
        samples : torch.Tensor of shape (n_samples, batch, n_steps, n_nodes, n_channels)
            ``x`` with its NaN entries filled by each sample.
        """
        hidden = torch.isnan(x)
        reconstruction, scale, conditions = self._condition(x, hidden)
        conditions = conditions.repeat(n_samples, 1, 1)
        values = self._reverse(
            (conditions.shape[0], x.shape[1]), lambda values, step: conditions, x
        )
        residuals = values.reshape(n_samples, -1, x.shape[1])
        return torch.stack(
            [
                torch.where(hidden, reconstruction + scale * _from_series(r, x.shape), x)
                for r in residuals.unbind(0)
            ]
        )


class GenerativeDiffusion(_DiffusionChain):
    """Unconditional diffusion over whole (standardized) windows.

    At every step the backbone reads the current noisy window, so that the
    denoising of each series sees the others (through the backbone's
    channel and node mixing); the :class:`DenoisingNetwork` is conditioned
    on its output.

    Parameters
    ----------
    backbone : BaseBackbone
        Maps windows to windows of the same shape.
    n_diffusion_steps : int
        Steps of the diffusion chain.
    schedule : {"quad", "linear"}
        Noise schedule.
    hidden_size : int
        Width of the denoising network.
    n_layers : int
        Residual layers of the denoising network.
    beta_end : float, default=0.5
        Noise variance of the last step.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import MLPBackbone
    >>> from sk_stfm.objectives import GenerativeDiffusion
    >>> model = GenerativeDiffusion(MLPBackbone(24, 2, 1, horizon=24), 10, "quad", 32, 2)
    >>> model.sample(5).shape
    torch.Size([5, 24, 2, 1])
    """

    def _window_shape(self, n_windows):
        backbone = self.backbone
        return (n_windows, backbone.n_steps, backbone.n_nodes, backbone.n_channels)

    def _conditions(self, values, step):
        # values: (M, L) series of whole windows -> backbone features per series.
        windows = _from_series(values, self._window_shape(values.shape[0] // self._per_window))
        return _to_series(self.backbone(windows)).unsqueeze(1)

    @property
    def _per_window(self):
        return self.backbone.n_nodes * self.backbone.n_channels

    def forward(self, x):
        """Return ``(self,)``: the loss noises the target windows itself.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Windows (unused: the targets are the standardized windows).

        Returns
        -------
        output : tuple
            ``(self,)``.
        """
        return (self,)

    def denoising_loss(self, output, target):
        """Return the denoising loss of the (standardized) windows.

        Parameters
        ----------
        output : tuple
            The output of :meth:`forward`.
        target : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Standardized windows, NaN where missing (left out of the loss).

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        observed = ~torch.isnan(target)
        clean = _to_series(torch.where(observed, target, 0.0))
        return self._noise_loss(clean, self._conditions, _to_series(observed))

    @torch.no_grad()
    def sample(self, n_samples):
        """Draw whole windows from the reverse chain.

        Parameters
        ----------
        n_samples : int
            Number of windows.

        Returns
        -------
        windows : torch.Tensor of shape (n_samples, n_steps, n_nodes, n_channels)
            Standardized windows.
        """
        like = self.betas
        values = self._reverse(
            (n_samples * self._per_window, self.backbone.n_steps), self._conditions, like
        )
        return _from_series(values, self._window_shape(n_samples))


class DiffusionLoss(nn.Module):
    """Loss of :class:`ConditionalDiffusion`: point loss plus denoising loss.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import MLPBackbone
    >>> from sk_stfm.objectives import ConditionalDiffusion, DiffusionLoss
    >>> model = ConditionalDiffusion(MLPBackbone(24, 1, 1, horizon=6), 10, "quad", 16, 1)
    >>> loss = DiffusionLoss()(model(torch.randn(8, 24, 1, 1)), torch.randn(8, 6, 1, 1))
    >>> loss.ndim, bool(loss > 0)
    (0, True)
    """

    def __init__(self):
        super().__init__()

    def forward(self, output, target):
        """Return the loss of a training output against the targets.

        Parameters
        ----------
        output : tuple
            Output of :meth:`ConditionalDiffusion.forward`.
        target : torch.Tensor
            Targets, NaN where missing.

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        return output[-1].denoising_loss(output, target)


class Diffusion(BaseObjective):
    """Denoising diffusion: probabilistic forecasts, imputations and windows (CSDI, TMDM).

    The backbone becomes the conditioning network of a denoising diffusion
    model: it maps the history to a point estimate of the targets (trained
    with the MSE), and a residual MLP, trained jointly, denoises each
    target series' residual around that estimate given the estimate and
    the diffusion step. The residuals are scaled by each series' standard
    deviation over the input window, so one model serves series of any
    level and scale. ``predict`` returns the median of ``n_samples``
    samples of the reverse chain; estimators also offer
    ``predict_quantiles`` and ``sample``. For imputation
    (:class:`ImputationDiffusion`) the condition is the backbone's
    reconstruction of randomly hidden entries, as in CSDI; for generation
    (:class:`GenerativeDiffusion`) the backbone reads the noisy window at
    every step.

    Parameters
    ----------
    n_diffusion_steps : int, default=50
        Steps of the diffusion chain (CSDI uses 50).
    schedule : {"quad", "linear"}, default="quad"
        Noise schedule, from ``beta=1e-4`` to ``beta_end``.
    beta_end : float, default=0.5
        Noise variance of the last step.
    n_samples : int, default=50
        Samples drawn per window by ``predict`` (their median).
    hidden_size : int, default=128
        Width of the denoising network.
    n_layers : int, default=3
        Residual layers of the denoising network.
    n_steps : int or "deprecated", default="deprecated"
        Former name of ``n_diffusion_steps`` (it read as the window's
        ``n_steps``); setting it warns with a ``FutureWarning`` and is used
        instead. Removed in the next release.

    Notes
    -----
    Unlike CSDI, whose single network both encodes the observations and
    denoises, the conditioning here is the backbone's point forecast, in
    the spirit of TMDM (Li et al., 2024): any backbone, temporal or
    spatial, becomes the conditional part of a diffusion model, and
    sampling runs the backbone once per window, not once per step.

    Examples
    --------
    >>> from sk_stfm.objectives import Diffusion
    >>> Diffusion(n_diffusion_steps=20, schedule="linear").probabilistic
    True
    """

    probabilistic = True
    _tasks = ("forecasting", "imputation", "generation")
    _search_space = {"hidden_size": IntRange(32, 128, log=True)}

    _parameter_constraints: dict = {
        "n_diffusion_steps": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_steps": [Interval(numbers.Integral, 2, None, closed="left"), StrOptions({"deprecated"})],
        "schedule": [StrOptions({"quad", "linear"})],
        "beta_end": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_layers": [Interval(numbers.Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_diffusion_steps=50,
        schedule="quad",
        beta_end=0.5,
        n_samples=50,
        hidden_size=128,
        n_layers=3,
        n_steps="deprecated",
    ):
        self.n_diffusion_steps = n_diffusion_steps
        self.schedule = schedule
        self.beta_end = beta_end
        self.n_samples = n_samples
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.n_steps = n_steps

    def _chain_length(self):
        """``n_diffusion_steps``, or the deprecated ``n_steps`` with a warning."""
        if self.n_steps == "deprecated":
            return self.n_diffusion_steps
        warnings.warn(
            "Diffusion(n_diffusion_steps=...) is deprecated and will be removed in the next release; "
            "use n_diffusion_steps (n_steps read as the length of the input windows).",
            FutureWarning,
            stacklevel=3,
        )
        return self.n_steps

    def build_module(self, backbone, task):
        """Wrap the backbone into the diffusion model of the task.

        Parameters
        ----------
        backbone : BaseBackbone
            The conditioning backbone.
        task : {"forecasting", "imputation", "generation"}
            The estimator's task.

        Returns
        -------
        module : ConditionalDiffusion, ImputationDiffusion or GenerativeDiffusion
            The diffusion model.
        """
        self._validate_params()
        model = {
            "forecasting": ConditionalDiffusion,
            "imputation": ImputationDiffusion,
            "generation": GenerativeDiffusion,
        }[task]
        return model(
            backbone,
            self._chain_length(),
            self.schedule,
            self.hidden_size,
            self.n_layers,
            self.beta_end,
        )

    def make_criterion(self):
        """Return the loss of the diffusion model.

        Returns
        -------
        criterion : DiffusionLoss
            Point loss of the condition plus denoising loss.
        """
        return DiffusionLoss()

    def sample(self, module, x, n_samples):
        """Draw samples from a trained diffusion model.

        Parameters
        ----------
        module : ConditionalDiffusion
            The trained model.
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.
        n_samples : int
            Samples per window.

        Returns
        -------
        samples : torch.Tensor of shape (n_samples, batch, horizon, n_nodes, n_targets)
            The samples.
        """
        return module.sample(x, n_samples)

    def predict(self, module, x):
        """Return the median of ``n_samples`` samples (their 0.5 quantile).

        Parameters
        ----------
        module : ConditionalDiffusion
            The trained model.
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.

        Returns
        -------
        y : torch.Tensor of shape (batch, horizon, n_nodes, n_targets)
            The sample median.
        """
        # The 0.5 quantile (mean of the two middle samples for an even
        # count), as predict_quantiles computes it.
        return self.sample(module, x, self.n_samples).quantile(0.5, dim=0)
