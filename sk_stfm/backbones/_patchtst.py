"""PatchTST: a channel-independent Transformer over patches of each series."""

import inspect

import torch
from torch import nn

from ..utils._ranges import FloatRange, IntRange
from ._base import BaseBackbone, _check_fraction, _check_int
from ._layers import ByteDropout, TransformerEncoderLayer, make_norm
from ._registry import LEARNED_TEMPORAL_TAGS, AutoChoice, BackboneTraits, register_backbone
from ._revin import RevIN


def count_patches(n_steps, patch_len, stride, padding_patch="end"):
    """Number of patches PatchTST cuts from a window.

    Parameters
    ----------
    n_steps : int
        Window length ``T``.
    patch_len : int
        Length of a patch.
    stride : int
        Steps between the starts of consecutive patches.
    padding_patch : {"end", None}, default="end"
        With ``"end"``, the window is first extended by ``stride`` copies of
        its last value, which adds one patch.

    Returns
    -------
    n_patches : int
        ``(T - patch_len) // stride + 1``, plus one with end padding.

    Examples
    --------
    >>> from sk_stfm.backbones._patchtst import count_patches
    >>> count_patches(336, patch_len=16, stride=8)
    42
    """
    padded = n_steps + (stride if padding_patch == "end" else 0)
    if padded < patch_len:
        raise ValueError(
            f"patch_len={patch_len} is longer than the (padded) window of {padded} steps."
        )
    return (padded - patch_len) // stride + 1


def patch_series(x, patch_len, stride, padding_patch="end"):
    """Cut every (node, channel) series of a batch into patches.

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
        Input windows.
    patch_len, stride : int
        Length of a patch and steps between their starts.
    padding_patch : {"end", None}, default="end"
        ``"end"`` first extends each series with ``stride`` copies of its
        last value (see :func:`count_patches`).

    Returns
    -------
    patches : torch.Tensor of shape (batch * n_nodes * n_channels, n_patches, patch_len)
        Series ordered as (batch, node, channel).

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones._patchtst import patch_series
    >>> patch_series(torch.zeros(2, 64, 3, 1), patch_len=16, stride=8).shape
    torch.Size([6, 8, 16])
    """
    series = x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])  # (B*N*C, T)
    if padding_patch == "end":
        series = torch.cat((series, series[:, -1:].expand(-1, stride)), dim=1)
    return series.unfold(-1, patch_len, stride)


class _FlattenHead(nn.Module):
    """Flatten the patch representations of each series and project to the horizon."""

    def __init__(self, n_features, horizon, dropout):
        super().__init__()
        self.linear = nn.Linear(n_features, horizon)
        self.dropout = nn.Dropout(dropout)

    def forward(self, z):  # (B, N, C, P, D) -> (B, H, N, C)
        out = self.dropout(self.linear(z.flatten(start_dim=-2)))
        return out.permute(0, 3, 1, 2)


class PatchTST(BaseBackbone):
    """PatchTST: a channel-independent patch Transformer.

    Each (node, channel) series is normalized on its own (RevIN), cut into
    overlapping patches, embedded linearly with a learned positional
    embedding and encoded by a Transformer; a flatten head maps all patch
    representations of a series to the horizon, and the output is
    denormalized (Nie et al., "A Time Series is Worth 64 Words: Long-term
    Forecasting with Transformers", ICLR 2023). All ``batch * n_nodes *
    n_channels`` series are processed as one batch, with shared weights.

    The defaults are the official ETTh1 configuration (``d_model=16``,
    ``n_heads=4``, ``n_layers=3``, ``d_ff=128``, ``dropout=0.3``,
    ``attn_dropout=0``, ``head_dropout=0``, ``patch_len=16``, ``stride=8``,
    RevIN without affine parameters). The official ``fc_dropout=0.3`` only acts in its
    pre-training head, so it has no counterpart here.

    Parameters
    ----------
    n_steps : int
        Length ``T`` of the input window.
    n_nodes : int
        Number of nodes ``N``.
    n_channels : int
        Number of input channels ``C``.
    horizon : int
        Number of output steps.
    n_targets : int, default=None
        Number of output channels; ``None`` means ``n_channels``. When it
        differs from ``n_channels``, a ``Linear(n_channels -> n_targets)``
        (:attr:`channel_map`, initialized to the identity on the first
        channels) mixes the per-channel forecasts after denormalization.
    patch_len : int, default=16
        Length of a patch.
    stride : int, default=8
        Steps between the starts of consecutive patches.
    padding_patch : {"end", None}, default="end"
        ``"end"`` extends each series with ``stride`` copies of its last
        value before patching, as in the paper.
    d_model : int, default=16
        Width of the patch embedding and the Transformer.
    n_heads : int, default=4
        Attention heads; must divide ``d_model``.
    n_layers : int, default=3
        Transformer encoder layers.
    d_ff : int, default=128
        Width of the feed-forward layers.
    dropout : float, default=0.3
        Dropout after the embedding and on the residual and feed-forward
        branches of the Transformer.
    attn_dropout : float, default=0.0
        Dropout on the attention weights (0 in the official code; it is
        also the costliest dropout on CPU).
    head_dropout : float, default=0.0
        Dropout after the flatten head.
    activation : {"gelu", "relu"}, default="gelu"
        Feed-forward activation.
    norm_first : bool, default=False
        Pre-norm Transformer layers (plus a final normalization) instead of
        the paper's post-norm.
    norm : {"batch", "layer"}, default="batch"
        Normalization inside the Transformer: batch normalization of the
        token features as in the paper, or LayerNorm.
    revin : bool, default=True
        Normalize each series per window and denormalize the output.
    revin_affine : bool, default=False
        Learn RevIN's per-channel scale and shift.
    subtract_last : bool, default=False
        Center each series on its last value instead of its mean.

    Attributes
    ----------
    n_patches : int
        Patches per series (see :func:`count_patches`).
    revin : RevIN or None
        The instance normalization.
    patch_embedding : torch.nn.Linear
        ``Linear(patch_len -> d_model)``.
    positional_embedding : torch.nn.Parameter of shape (n_patches, d_model)
        Learned positional embedding.
    encoder : torch.nn.Sequential
        The Transformer: :class:`TransformerEncoderLayer` blocks (plus a
        final LayerNorm when ``norm_first``).
    head : torch.nn.Module
        Flatten head ``Linear(n_patches * d_model -> horizon)``.
    channel_map : torch.nn.Module
        ``Linear(n_channels -> n_targets)``, or the identity.

    Notes
    -----
    As in the paper, the Transformer normalizes with batch normalization by
    default; in evaluation mode it uses running statistics, so predictions
    do not depend on which windows share a batch. A training batch of a
    single token (one series of one window cut into one patch) is
    normalized with the running statistics too, since it has no spread.
    The optional residual attention of the official code is omitted. The encoder layers
    (:class:`TransformerEncoderLayer`) draw dropout masks from random bytes
    (probabilities rounded to 1/256) and compute attention explicitly,
    which makes a CPU training step about twice as fast.

    :meth:`encode` returns a tensor of shape
    ``(batch, n_nodes, n_channels, n_patches, d_model)`` in normalized units;
    :meth:`embed` averages it over patches, ``(batch, n_nodes, n_channels *
    d_model)``.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import PatchTST
    >>> model = PatchTST(n_steps=64, n_nodes=3, n_channels=2, horizon=16).eval()
    >>> model(torch.randn(4, 64, 3, 2)).shape
    torch.Size([4, 16, 3, 2])
    >>> model.encode(torch.randn(4, 64, 3, 2)).shape
    torch.Size([4, 3, 2, 8, 16])
    """

    def __init__(
        self,
        n_steps,
        n_nodes,
        n_channels,
        horizon,
        n_targets=None,
        *,
        patch_len=16,
        stride=8,
        padding_patch="end",
        d_model=16,
        n_heads=4,
        n_layers=3,
        d_ff=128,
        dropout=0.3,
        attn_dropout=0.0,
        head_dropout=0.0,
        activation="gelu",
        norm_first=False,
        norm="batch",
        revin=True,
        revin_affine=False,
        subtract_last=False,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        self.patch_len = _check_int(patch_len, "patch_len")
        self.stride = _check_int(stride, "stride")
        if padding_patch not in ("end", None):
            raise ValueError(f"padding_patch must be 'end' or None; got {padding_patch!r}.")
        self.padding_patch = padding_patch
        self.d_model = _check_int(d_model, "d_model")
        n_heads = _check_int(n_heads, "n_heads")
        if self.d_model % n_heads:
            raise ValueError(f"n_heads={n_heads} must divide d_model={self.d_model}.")
        if activation not in ("gelu", "relu"):
            raise ValueError(f"activation must be 'gelu' or 'relu'; got {activation!r}.")
        self.head_dropout = _check_fraction(head_dropout, "head_dropout")
        dropout = _check_fraction(dropout, "dropout")
        attn_dropout = _check_fraction(attn_dropout, "attn_dropout")
        self.n_patches = count_patches(self.n_steps, self.patch_len, self.stride, padding_patch)

        self.revin = (
            RevIN(self.n_channels, affine=revin_affine, subtract_last=subtract_last)
            if revin
            else None
        )
        self.patch_embedding = nn.Linear(self.patch_len, self.d_model)
        # Uniform(-0.02, 0.02), the official "zeros" learnable positional encoding.
        self.positional_embedding = nn.Parameter(
            torch.empty(self.n_patches, self.d_model).uniform_(-0.02, 0.02)
        )
        self.embedding_dropout = ByteDropout(dropout)
        layers = [
            TransformerEncoderLayer(
                self.d_model,
                n_heads,
                _check_int(d_ff, "d_ff"),
                dropout=dropout,
                attn_dropout=attn_dropout,
                activation=activation,
                norm_first=bool(norm_first),
                norm=norm,
            )
            for _ in range(_check_int(n_layers, "n_layers"))
        ]
        if norm_first:
            layers.append(make_norm(norm, self.d_model))
        self.encoder = nn.Sequential(*layers)
        self.reset_head(self.horizon, self.n_targets)

    def patch(self, x):
        """Cut the (normalized) input into patches, one row per series.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.

        Returns
        -------
        patches : torch.Tensor of shape (batch * n_nodes * n_channels, n_patches, patch_len)
            Patches of every series, series ordered as (batch, node, channel).
        """
        return patch_series(x, self.patch_len, self.stride, self.padding_patch)

    def _encode(self, x):
        x, statistics = self._normalize(x)
        tokens = self.patch_embedding(self.patch(x)) + self.positional_embedding
        z = self.encoder(self.embedding_dropout(tokens))
        z = z.reshape(x.shape[0], self.n_nodes, self.n_channels, self.n_patches, self.d_model)
        return z, statistics

    def embed(self, x):
        """Return the patch-averaged representation of each node.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.

        Returns
        -------
        embedding : torch.Tensor of shape (batch, n_nodes, n_channels * d_model)
            Node embeddings.
        """
        z = self.encode(x).mean(dim=3)
        return z.reshape(z.shape[0], self.n_nodes, -1)

    def _make_head(self, horizon):
        return _FlattenHead(self.n_patches * self.d_model, horizon, self.head_dropout)


def _n_patches(history, patch_len, stride):
    return (history + stride - patch_len) // stride + 1


def _search_space(history):
    space = {
        "d_model": IntRange(16, 64, step=8),
        "n_layers": IntRange(1, 3),
        "patch_len": [8, 16],
        "dropout": FloatRange(0.0, 0.3),
    }
    if history is None or history >= 32:
        return {}, space
    # Patches of a quarter or half of a short window.
    lengths = sorted({max(1, history // 4), max(1, history // 2)})
    return {"stride": lengths[0]}, {**space, "patch_len": lengths}


def _sizes(level, history, profile):
    patch_len = min(16, max(2, history // 4))
    d_model, n_heads, n_layers, d_ff = ((16, 4, 1, 64), (16, 4, 3, 128), (128, 16, 3, 256))[level]
    return {
        "patch_len": patch_len,
        "stride": max(1, patch_len // 2),
        "d_model": d_model,
        "n_heads": n_heads,
        "n_layers": n_layers,
        "d_ff": d_ff,
        "dropout": (0.2, 0.3, 0.2)[level],
    }


def _memory(params, history, profile):
    patches = _n_patches(history, params["patch_len"], params["stride"])
    layers, heads, width = params["n_layers"], params["n_heads"], params["d_model"]
    series = profile.n_nodes * profile.n_channels
    return series * layers * (patches * width * 16 + heads * patches**2 * 4)


_DEFAULT_PATCH_LEN = inspect.signature(PatchTST).parameters["patch_len"].default

PatchTSTConfig = register_backbone(
    "patchtst",
    PatchTST,
    LEARNED_TEMPORAL_TAGS,
    "PatchTST (Nie et al., 2023): channel-independent Transformer over patches, with RevIN.",
    search_space=_search_space,
    searched_on=("series", "graph", "grid"),
    traits=BackboneTraits(2, "Transformer over patches of each channel", True),
    sizes=_sizes,
    memory=_memory,
    width_parameters=("d_model", "d_ff"),
    test_params={
        "patch_len": 2,
        "stride": 1,
        "d_model": 8,
        "n_heads": 2,
        "n_layers": 1,
        "d_ff": 16,
        "dropout": 0.0,
        "revin": False,
    },
    test_fit_params={"batch_size": 64},
    auto={
        # Windows of at least one patch (its default patch_len).
        "default": AutoChoice(2, min_steps=_DEFAULT_PATCH_LEN),
        # Classes often lie in a window's level and amplitude: no RevIN, and
        # only for multichannel windows long enough for several patches.
        "classification": AutoChoice(
            2, min_steps=2 * _DEFAULT_PATCH_LEN, min_channels=2, params={"revin": False}
        ),
    },
).config
