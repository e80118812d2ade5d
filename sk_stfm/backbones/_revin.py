"""Reversible instance normalization (RevIN, Kim et al., ICLR 2022)."""

import torch
from torch import nn

from ._base import _check_int


class RevIN(nn.Module):
    """Reversible instance normalization.

    Each series of each sample is standardized with its own mean and standard
    deviation over time before the model sees it, and the model's output is
    mapped back with the same statistics. This removes the level and scale
    shifts between windows (distribution shift) that otherwise dominate the
    error of forecasting models (Kim et al., "Reversible Instance
    Normalization for Accurate Time-Series Forecasting against Distribution
    Shift", ICLR 2022).

    The statistics are detached from the graph, as in the reference
    implementation, so gradients do not flow through them.

    Parameters
    ----------
    n_features : int
        Size of the last axis (the channels); the affine parameters have one
        entry per feature, shared by all nodes.
    eps : float, default=1e-5
        Added to the variance for numerical stability.
    affine : bool, default=True
        Whether to learn a per-feature scale and shift applied after
        normalization (and undone before denormalization).
    subtract_last : bool, default=False
        Center on the last observed value instead of the mean.
    time_dim : int, default=1
        Axis over which the statistics are computed.

    Attributes
    ----------
    affine_weight : torch.nn.Parameter of shape (n_features,)
        Learned scale, only when ``affine=True``.
    affine_bias : torch.nn.Parameter of shape (n_features,)
        Learned shift, only when ``affine=True``.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import RevIN
    >>> revin = RevIN(n_features=3)
    >>> x = 10 + 5 * torch.randn(4, 32, 2, 3)
    >>> z, stats = revin.normalize(x)
    >>> z.shape
    torch.Size([4, 32, 2, 3])
    >>> torch.allclose(revin.denormalize(z, stats), x, atol=1e-4)
    True
    """

    def __init__(self, n_features, eps=1e-5, affine=True, subtract_last=False, time_dim=1):
        super().__init__()
        self.n_features = _check_int(n_features, "n_features")
        self.eps = float(eps)
        self.affine = bool(affine)
        self.subtract_last = bool(subtract_last)
        self.time_dim = int(time_dim)
        if self.affine:
            self.affine_weight = nn.Parameter(torch.ones(self.n_features))
            self.affine_bias = nn.Parameter(torch.zeros(self.n_features))
        self._statistics = None

    def statistics(self, x):
        """Compute the per-series center and scale of ``x``.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, ..., n_features)
            Input series, time on ``time_dim``.

        Returns
        -------
        statistics : tuple of (center, scale)
            Tensors with ``time_dim`` reduced to size 1, detached.
        """
        if self.subtract_last:
            center = x.narrow(self.time_dim, x.shape[self.time_dim] - 1, 1)
        else:
            center = x.mean(dim=self.time_dim, keepdim=True)
        variance = x.var(dim=self.time_dim, keepdim=True, unbiased=False)
        scale = torch.sqrt(variance + self.eps)
        return center.detach(), scale.detach()

    def normalize(self, x):
        """Normalize ``x`` per series over time.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, ..., n_features)
            Input series.

        Returns
        -------
        z : torch.Tensor of the same shape as ``x``
            Normalized series.
        statistics : tuple of (center, scale)
            What :meth:`denormalize` needs to map outputs back.
        """
        statistics = self.statistics(x)
        center, scale = statistics
        z = (x - center) / scale
        if self.affine:
            z = z * self.affine_weight + self.affine_bias
        return z, statistics

    def denormalize(self, z, statistics):
        """Map normalized values back to the units of the input.

        Parameters
        ----------
        z : torch.Tensor of shape (batch, horizon, ..., n_features)
            Values in normalized units; only the time length may differ
            from the normalized input.
        statistics : tuple of (center, scale)
            As returned by :meth:`normalize`.

        Returns
        -------
        x : torch.Tensor of the same shape as ``z``
            Values in the input's units.
        """
        center, scale = statistics
        if self.affine:
            # eps**2 keeps the division finite if the scale is learned to 0,
            # as in the reference implementation.
            z = (z - self.affine_bias) / (self.affine_weight + self.eps * self.eps)
        return z * scale + center

    def forward(self, x, mode="norm"):
        """Normalize (``mode="norm"``) or denormalize (``mode="denorm"``).

        This stateful form mirrors the reference implementation: ``"norm"``
        remembers the statistics that the next ``"denorm"`` uses. Backbones
        use the stateless :meth:`normalize` / :meth:`denormalize` pair.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, ..., n_features)
            Input series or model output.
        mode : {"norm", "denorm"}, default="norm"
            Direction.

        Returns
        -------
        out : torch.Tensor of the same shape as ``x``
            Normalized or denormalized values.
        """
        if mode == "norm":
            out, self._statistics = self.normalize(x)
            return out
        if mode == "denorm":
            if self._statistics is None:
                raise RuntimeError("RevIN: call with mode='norm' before mode='denorm'.")
            return self.denormalize(x, self._statistics)
        raise ValueError(f"mode must be 'norm' or 'denorm'; got {mode!r}.")

    def extra_repr(self):
        return (
            f"{self.n_features}, eps={self.eps}, affine={self.affine}, "
            f"subtract_last={self.subtract_last}"
        )
