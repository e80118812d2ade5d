"""Transformer building blocks tuned for many short sequences on a CPU.

Patch Transformers see thousands of sequences of a few dozen tokens with
tiny attention heads. For that shape two things dominate a training step
on a CPU: drawing dropout masks (a float Bernoulli draw per element) and the
fused attention kernels, which are built for long sequences and wide heads.
These layers draw dropout masks from random bytes and compute attention with
two batched matrix products; on the PatchTST ETTh1 configuration a training
step of the encoder is about twice as fast as with
:class:`torch.nn.TransformerEncoderLayer`, with the same mathematics.
"""

import math

import torch
from torch import nn

_BYTE_LEVELS = 256


class ByteDropout(nn.Module):
    """Dropout whose masks are drawn from random bytes.

    Equivalent to :class:`torch.nn.Dropout` with the drop probability
    rounded to a multiple of 1/256 (``p=0.3`` drops with probability
    77/256 = 0.3008); kept values are scaled by ``1 / (1 - p_rounded)`` so
    the expectation is unchanged. One random byte per element is several
    times cheaper on a CPU than a float Bernoulli draw.

    Parameters
    ----------
    p : float, default=0.5
        Drop probability in [0, 1).

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import ByteDropout
    >>> layer = ByteDropout(0.25).train()
    >>> out = layer(torch.ones(10_000))
    >>> sorted(set(out.tolist()))
    [0.0, 1.3333333730697632]
    >>> ByteDropout(0.25).eval()(torch.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must be in [0, 1); got {p}.")
        self.p = p
        self.threshold = round(p * _BYTE_LEVELS)

    def forward(self, x):
        """Drop elements of ``x`` in training mode; identity in evaluation mode.

        Parameters
        ----------
        x : torch.Tensor
            Input of any shape.

        Returns
        -------
        out : torch.Tensor
            Same shape as ``x``.
        """
        if not self.training or self.threshold == 0:
            return x
        draws = torch.empty(x.shape, dtype=torch.uint8, device=x.device).random_()
        # One float mask, scaled in place: a single multiplication forward and
        # backward.
        mask = (draws >= self.threshold).to(x.dtype)
        mask.mul_(_BYTE_LEVELS / (_BYTE_LEVELS - self.threshold))
        return x * mask

    def extra_repr(self):
        return f"p={self.p}"


class BatchNorm1dAnyBatch(nn.BatchNorm1d):
    """``BatchNorm1d`` that also trains on a single value per feature.

    In training mode :class:`torch.nn.BatchNorm1d` normalizes with the
    statistics of the batch and refuses a batch that holds one value per
    feature (one window of one series and one step, or one token), whose
    variance is undefined. This layer normalizes such a batch with its
    running statistics instead, as in evaluation mode, and leaves them
    unchanged; any other batch is normalized as by ``BatchNorm1d``. Its
    parameters and buffers are those of ``BatchNorm1d``, so saved weights
    load either way.

    Parameters
    ----------
    num_features : int
        Number of features ``C`` of an input ``(N, C)`` or ``(N, C, L)``.
    **kwargs
        Other arguments of :class:`torch.nn.BatchNorm1d` (``eps``,
        ``momentum``, ``affine``, ...); the running statistics must be
        tracked (``track_running_stats=True``, the default).

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones._layers import BatchNorm1dAnyBatch
    >>> norm = BatchNorm1dAnyBatch(8).train()
    >>> norm(torch.randn(1, 8)).shape
    torch.Size([1, 8])
    """

    def forward(self, x):
        """Normalize ``x`` by its batch statistics, or by the running ones for one value.

        Parameters
        ----------
        x : torch.Tensor of shape (N, C) or (N, C, L)
            Input.

        Returns
        -------
        out : torch.Tensor
            Same shape as ``x``.
        """
        if not self.training or x.numel() != x.shape[1]:
            return super().forward(x)
        # One value per feature: its batch variance is undefined and its
        # batch mean is the value itself, which would erase the input. The
        # running statistics are what the layer uses to predict, so the
        # window trains the network as it will be used; one value says
        # nothing about the spread, so they are not updated. (A data set of
        # one window thus keeps the initial statistics, and training and
        # prediction agree exactly.)
        return nn.functional.batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            training=False,
            momentum=0.0,
            eps=self.eps,
        )


class TokenBatchNorm(nn.Module):
    """Batch normalization of token features, as in PatchTST.

    Normalizes each of the ``d_model`` features over all tokens of the batch
    (``BatchNorm1d`` on ``(batch * length, d_model)``). In evaluation mode it
    uses running statistics, so predictions do not depend on the batch; so
    does a training batch of a single token (one window of one series cut
    into one patch), whose batch statistics are undefined.

    Parameters
    ----------
    d_model : int
        Width of the tokens.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import TokenBatchNorm
    >>> TokenBatchNorm(8)(torch.randn(4, 5, 8)).shape
    torch.Size([4, 5, 8])
    """

    def __init__(self, d_model):
        super().__init__()
        self.norm = BatchNorm1dAnyBatch(d_model)

    def forward(self, x):
        """Normalize the features of ``x``.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, length, d_model)
            Tokens.

        Returns
        -------
        out : torch.Tensor of shape (batch, length, d_model)
            Normalized tokens.
        """
        return self.norm(x.reshape(-1, x.shape[-1])).reshape(x.shape)


def make_norm(kind, d_model):
    """Return the normalization layer named ``kind``.

    Parameters
    ----------
    kind : {"layer", "batch"}
        ``"layer"``: :class:`torch.nn.LayerNorm`; ``"batch"``:
        :class:`TokenBatchNorm`.
    d_model : int
        Width of the tokens.

    Returns
    -------
    norm : torch.nn.Module
        The layer.
    """
    if kind == "layer":
        return nn.LayerNorm(d_model)
    if kind == "batch":
        return TokenBatchNorm(d_model)
    raise ValueError(f"norm must be 'layer' or 'batch'; got {kind!r}.")


class TransformerEncoderLayer(nn.Module):
    """Post- or pre-norm Transformer encoder layer for short sequences.

    The same computation as :class:`torch.nn.TransformerEncoderLayer` with
    ``batch_first=True`` (self-attention, residual, LayerNorm, feed-forward,
    residual, LayerNorm), with :class:`ByteDropout` and explicit attention.

    Parameters
    ----------
    d_model : int
        Width of the tokens.
    n_heads : int
        Attention heads; must divide ``d_model``.
    d_ff : int
        Width of the feed-forward layer.
    dropout : float, default=0.1
        Dropout on the residual branches and inside the feed-forward layer.
    attn_dropout : float, default=0.0
        Dropout on the attention weights.
    activation : {"gelu", "relu"}, default="gelu"
        Feed-forward activation.
    norm_first : bool, default=False
        Normalize before each sub-layer instead of after.
    norm : {"layer", "batch"}, default="layer"
        LayerNorm, or batch normalization of the token features
        (:class:`TokenBatchNorm`, PatchTST's choice).
    fused_attention : bool, default=False
        Compute attention with
        :func:`torch.nn.functional.scaled_dot_product_attention`, which never
        stores the ``length x length`` weights: faster and lighter for long
        sequences (attention over hundreds of nodes), slower than the
        explicit products for a few dozen tokens.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import TransformerEncoderLayer
    >>> layer = TransformerEncoderLayer(d_model=16, n_heads=4, d_ff=32).eval()
    >>> layer(torch.randn(8, 10, 16)).shape
    torch.Size([8, 10, 16])
    """

    def __init__(
        self,
        d_model,
        n_heads,
        d_ff,
        dropout=0.1,
        attn_dropout=0.0,
        activation="gelu",
        norm_first=False,
        norm="layer",
        fused_attention=False,
    ):
        super().__init__()
        self.fused_attention = fused_attention
        if d_model % n_heads:
            raise ValueError(f"n_heads={n_heads} must divide d_model={d_model}.")
        if activation not in ("gelu", "relu"):
            raise ValueError(f"activation must be 'gelu' or 'relu'; got {activation!r}.")
        self.n_heads = n_heads
        self.scale = 1.0 / math.sqrt(d_model // n_heads)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.linear1 = nn.Linear(d_model, d_ff)
        self.linear2 = nn.Linear(d_ff, d_model)
        self.norm1 = make_norm(norm, d_model)
        self.norm2 = make_norm(norm, d_model)
        self.attn_dropout = ByteDropout(attn_dropout)
        self.dropout_attention = ByteDropout(dropout)
        self.dropout_ff = ByteDropout(dropout)
        self.dropout_residual = ByteDropout(dropout)
        self.activation = nn.functional.gelu if activation == "gelu" else nn.functional.relu
        self.norm_first = norm_first

    def _attention(self, x):
        batch, length, width = x.shape
        q, k, v = self.qkv(x).view(batch, length, 3, self.n_heads, -1).permute(2, 0, 3, 1, 4)
        if self.fused_attention:
            attended = nn.functional.scaled_dot_product_attention(
                q, k, v, dropout_p=self.attn_dropout.p if self.training else 0.0
            )
            attended = attended.transpose(1, 2).reshape(batch, length, width)
            return self.dropout_attention(self.out_proj(attended))
        weights = self.attn_dropout(((q @ k.transpose(-1, -2)) * self.scale).softmax(dim=-1))
        attended = (weights @ v).transpose(1, 2).reshape(batch, length, width)
        return self.dropout_attention(self.out_proj(attended))

    def _feed_forward(self, x):
        hidden = self.dropout_ff(self.activation(self.linear1(x)))
        return self.dropout_residual(self.linear2(hidden))

    def forward(self, x):
        """Encode a batch of token sequences.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, length, d_model)
            Tokens.

        Returns
        -------
        out : torch.Tensor of shape (batch, length, d_model)
            Encoded tokens.
        """
        if self.norm_first:
            x = x + self._attention(self.norm1(x))
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._attention(x))
        return self.norm2(x + self._feed_forward(x))
