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

import torch
from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn

from ._base import BaseObjective
from ._regression import MaskedLoss

# Floor of the per-series scale, relative to the series' RMS: a flat
# history must not blow residuals up.
_RELATIVE_SCALE_FLOOR = 0.05


def noise_schedule(n_steps, schedule="quad", beta_start=1e-4, beta_end=0.5):
    """Return the noise variances ``beta_1 ... beta_n`` of a diffusion chain.

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
    std = values.std(dim=1, keepdim=True, unbiased=False)
    rms = values.pow(2).mean(dim=1, keepdim=True).sqrt()
    scale = torch.maximum(std, _RELATIVE_SCALE_FLOOR * rms).clamp(min=1e-6)
    if n_targets > x.shape[-1]:
        scale = scale.mean(dim=-1, keepdim=True).expand(*scale.shape[:-1], n_targets)
    return scale


class _DiffusionOutput(tuple):
    """What a diffusion model returns while training: its condition and itself.

    A tuple ``(condition, scale, model)`` handed to :class:`DiffusionLoss`,
    which asks ``model`` for the denoising loss against the targets.
    """

    __slots__ = ()

    def __new__(cls, condition, scale, model):
        return super().__new__(cls, (condition, scale, model))


class ConditionalDiffusion(nn.Module):
    """A backbone conditioning a denoising diffusion over its output.

    The backbone maps the input window to a point estimate ``c`` of the
    targets (trained with the point loss); the targets' residuals around
    ``c``, scaled by each series' history scale, are modelled by a
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

    def __init__(self, backbone, n_diffusion_steps, schedule, hidden_size, n_layers, beta_end=0.5):
        super().__init__()
        self.backbone = backbone
        self.n_diffusion_steps = int(n_diffusion_steps)
        self.denoiser = DenoisingNetwork(
            backbone.horizon, 1, self.n_diffusion_steps, hidden_size, n_layers
        )
        betas = noise_schedule(self.n_diffusion_steps, schedule, beta_end=beta_end)
        alpha_bars = torch.cumprod(1.0 - betas, dim=0)
        self.register_buffer("betas", betas.float())
        self.register_buffer("alpha_bars", alpha_bars.float())
        self.point_loss = MaskedLoss("mse")

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
        return _DiffusionOutput(self.backbone(x), _history_scale(x, self.backbone.n_targets), self)

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
        n_series = residual.shape[0] * residual.shape[2] * residual.shape[3]
        step = torch.randint(0, self.n_diffusion_steps, (n_series,), device=target.device)
        noise = torch.randn(n_series, residual.shape[1], device=target.device, dtype=target.dtype)
        alpha_bar = self.alpha_bars[step].unsqueeze(1)
        noisy = alpha_bar.sqrt() * _to_series(residual) + (1 - alpha_bar).sqrt() * noise
        predicted = self.denoiser(noisy, _to_series(condition / scale).unsqueeze(1), step)
        weight = _to_series(observed.to(noise.dtype))
        denoising = ((predicted - noise) ** 2 * weight).sum() / weight.sum().clamp(min=1)
        return denoising + self.point_loss(condition, target)

    @torch.no_grad()
    def sample(self, x, n_samples):
        """Draw samples of the targets given the input windows.

        Runs the reverse (ancestral DDPM) chain from Gaussian noise, using
        the global torch random number generator.

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
        shape = condition.shape
        conditions = _to_series(condition / scale).unsqueeze(1).repeat(n_samples, 1, 1)
        values = torch.randn(conditions.shape[0], shape[1], dtype=x.dtype, device=x.device)
        alphas = 1.0 - self.betas
        for t in range(self.n_diffusion_steps - 1, -1, -1):
            step = torch.full((len(values),), t, dtype=torch.long, device=x.device)
            noise = self.denoiser(values, conditions, step)
            values = (
                values - self.betas[t] / (1 - self.alpha_bars[t]).sqrt() * noise
            ) / alphas[t].sqrt()
            if t > 0:
                # Posterior variance of DDPM (beta tilde).
                variance = self.betas[t] * (1 - self.alpha_bars[t - 1]) / (1 - self.alpha_bars[t])
                values = values + variance.sqrt() * torch.randn_like(values)
        residuals = values.reshape(n_samples, -1, shape[1])
        return torch.stack(
            [condition + scale * _from_series(r, shape) for r in residuals.unbind(0)]
        )


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
        return output[2].denoising_loss(output, target)


class Diffusion(BaseObjective):
    """Conditional denoising diffusion: a probabilistic forecaster (CSDI, TMDM).

    The backbone becomes the conditioning network of a denoising diffusion
    model: it maps the history to a point estimate of the targets (trained
    with the MSE), and a residual MLP, trained jointly, denoises each
    target series' residual around that estimate given the estimate and
    the diffusion step. The residuals are scaled by each series' standard
    deviation over the input window, so one model serves series of any
    level and scale. ``predict`` returns the median of ``n_samples``
    samples of the reverse chain; estimators also offer
    ``predict_quantiles`` and ``sample``.

    Parameters
    ----------
    n_steps : int, default=50
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
    >>> Diffusion(n_steps=20, schedule="linear").probabilistic
    True
    """

    probabilistic = True
    _tasks = ("forecasting",)

    _parameter_constraints: dict = {
        "n_steps": [Interval(numbers.Integral, 2, None, closed="left")],
        "schedule": [StrOptions({"quad", "linear"})],
        "beta_end": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_layers": [Interval(numbers.Integral, 0, None, closed="left")],
    }

    def __init__(
        self, n_steps=50, schedule="quad", beta_end=0.5, n_samples=50, hidden_size=128, n_layers=3
    ):
        self.n_steps = n_steps
        self.schedule = schedule
        self.beta_end = beta_end
        self.n_samples = n_samples
        self.hidden_size = hidden_size
        self.n_layers = n_layers

    def build_module(self, backbone, task):
        """Wrap the backbone into a :class:`ConditionalDiffusion`.

        Parameters
        ----------
        backbone : BaseBackbone
            The conditioning backbone.
        task : str
            The estimator's task.

        Returns
        -------
        module : ConditionalDiffusion
            The diffusion model.
        """
        self._validate_params()
        return ConditionalDiffusion(
            backbone, self.n_steps, self.schedule, self.hidden_size, self.n_layers, self.beta_end
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
        """Return the median of ``n_samples`` samples.

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
        return self.sample(module, x, self.n_samples).median(dim=0).values
