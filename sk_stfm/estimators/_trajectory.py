"""Estimators of raw trajectories: encoder, next-location predictor, classifier.

A trajectory is an array ``(n_points, n_columns)`` with columns ``(time
[s], lat, lon, ...)``; a data set is a list of them, of any lengths. Each
estimator scales the columns, pads the sequences into the layout of
:func:`~sk_stfm.data.sequences_to_padded` and trains a
:class:`~sk_stfm.backbones.TrajectoryTransformer` on the skorch base.
"""

import numbers

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..backbones import compatible_backbones, get_backbone
from ..data import SpatialContext, check_sequences, sequences_to_padded
from ..harmonize import GridTokenizer
from ..harmonize._geodesy import haversine_distance
from ..objectives import BaseObjective, MaskedLoss, objectives_for, resolve_objective
from ..objectives._sequence_pretext import SequencePretext
from ..utils import STFMTags, get_stfm_tags
from ..utils._compat import Interval, StrOptions
from ._backbone_config import BackboneConfig
from ._base import SCALING_ATTRIBUTES, SCHEDULE_ATTRIBUTES, BaseSTEstimator
from ._classifier import _StratifiedValidationSplit
from ._docs import fill_shared_docs
from ._targets import check_class_labels
from ._training import TemporalValidationSplit

SEQUENCE_INPUT_DOC = "list of array-like of shape (n_points, n_columns)"


class TrajectoryTransformerConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.TrajectoryTransformer`.

    The data-dependent settings (vocabulary size, causal attention) are set
    by the estimator.

    Parameters
    ----------
    d_model : int, default=64
        Token width.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=2
        Transformer layers.
    d_ff : int, default=128
        Width of the feed-forward sublayers.
    dropout : float, default=0.1
        Dropout in the layers.
    time_encoding : {"sinusoidal", "learnable"}, default="sinusoidal"
        Encoding of the irregular time stamps.
    pooling : {"mean", "last"}, default="mean"
        Pooling of the points into one embedding.

    Examples
    --------
    >>> from sk_stfm.estimators import TrajectoryTransformerConfig
    >>> TrajectoryTransformerConfig(d_model=8, n_heads=2).build(16, 1, 4, horizon=1).d_model
    8
    """

    backbone_name = "trajectory_transformer"

    def __init__(
        self,
        d_model=64,
        n_heads=4,
        n_layers=2,
        d_ff=128,
        dropout=0.1,
        time_encoding="sinusoidal",
        pooling="mean",
    ):
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.d_ff = d_ff
        self.dropout = dropout
        self.time_encoding = time_encoding
        self.pooling = pooling

    def build(
        self, n_steps, n_nodes, n_channels, horizon, n_targets=None, spatial=None, **data_params
    ):
        """Build the backbone module for padded sequences of a given shape.

        Parameters
        ----------
        n_steps, n_nodes, n_channels : int
            Shape of one padded sequence.
        horizon : int
            Output steps.
        n_targets : int or None, default=None
            Output channels; ``None`` means ``n_channels``.
        spatial : None
            Unused: trajectories carry their coordinates.
        **data_params
            ``n_tokens`` and ``causal``, set by the estimator.

        Returns
        -------
        module : TrajectoryTransformer
            A freshly initialized backbone.
        """
        spec = get_backbone(self.backbone_name)
        try:
            return spec.cls(
                n_steps,
                n_nodes,
                n_channels,
                horizon,
                n_targets,
                **self.hyperparameters(),
                **data_params,
            )
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"invalid backbone parameters for {type(self).__name__} "
                f"(set as backbone__<name>): {exc}"
            ) from exc


def _resolve_trajectory_backbone(backbone):
    if isinstance(backbone, TrajectoryTransformerConfig):
        return clone(backbone)
    if backbone == "trajectory_transformer":
        return TrajectoryTransformerConfig()
    raise ValueError(
        f"backbone must be 'trajectory_transformer' or a TrajectoryTransformerConfig; "
        f"got {backbone!r}. Backbones for trajectories: "
        f"{compatible_backbones('trajectory', 'representation')}."
    )


_TINY_BACKBONE = TrajectoryTransformerConfig(d_model=8, n_heads=2, n_layers=1, d_ff=16, dropout=0.0)


# Parameters of the window estimators that trajectory estimators do not take
# (``backbone`` and ``objective`` they redefine).
_NOT_TRAJECTORY_PARAMETERS = (
    "backbone",
    "objective",
    "adapter",
    "spatial",
    "window_shape",
    "checkpoint_dir",
    "resume",
    "scaling",
    "lr_schedule",
)


def _check_transitions(windows, does):
    """Refuse padded sequences of one point each: a point's target is the next point."""
    if not (~np.isnan(windows[:, 1:, 0, 0])).any():
        raise ValueError(
            f"X must hold at least one sequence of two or more points: the model {does} "
            "the next location of each point."
        )


class BaseTrajectoryEstimator(BaseSTEstimator):
    """Base of the trajectory estimators: sequences in, skorch training of a backbone.

    Validates the list of sequences (:func:`~sk_stfm.data.check_sequences`:
    numbers, 2-D, non-decreasing times, no NaN, no empty sequence), keeps
    the last ``max_length`` points of longer sequences, scales the columns
    with training statistics (time relative to the first point in units of
    ``time_unit``, other columns z-scored) and pads them into the layout of
    :func:`~sk_stfm.data.sequences_to_padded`. Padding stays NaN: the
    backbone masks it, and losses never see it.

    Parameters
    ----------
    backbone : str or TrajectoryTransformerConfig, default="trajectory_transformer"
        The model.
    objective : str, BaseObjective or None, default=None
        Training objective (see each estimator).
    max_length : int, default=128
        Points per sequence seen by the model: longer sequences keep their
        last ``max_length`` points (resample them first, e.g. with
        :class:`~sk_stfm.harmonize.TrajectoryResampler`, to cover their
        whole length).
    time_unit : float, default=60.0
        Seconds per unit of the time encoding.
    max_epochs : int, default=50
        Maximum passes over the training sequences.
    batch_size : int, default=64
        Sequences per optimization step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd"} or torch optimizer class, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty of the optimizer.
    patience : int or None, default=5
        Epochs without validation improvement before stopping.
    validation_fraction : float, default=0.1
        Share of the training sequences that validates (the last ones, or
        a stratified draw for classifiers); ``0`` disables validation.
    device : str, default="cpu"
        Torch device; ``"auto"`` picks CUDA when available.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, dropout, shuffling and augmentations.
    verbose : int, default=0
        ``1`` prints the per-epoch log.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks.
    inference_dtype : {"float64", "float32"}, default="float64"
        Precision of predictions.

    Examples
    --------
    >>> from sk_stfm.estimators import BaseTrajectoryEstimator, TrajectoryEncoder
    >>> issubclass(TrajectoryEncoder, BaseTrajectoryEstimator)
    True
    """

    _fitted_attributes = (
        "n_features_in_",
        "window_shape_",
        "fill_values_",
        "n_epochs_",
        "max_length_",
        "column_mean_",
        "column_scale_",
        *SCHEDULE_ATTRIBUTES,
        *SCALING_ATTRIBUTES,
    )

    _parameter_constraints: dict = {
        "backbone": [str, BackboneConfig],
        "objective": [str, BaseObjective, None],
        "max_length": [Interval(numbers.Integral, 2, None, closed="left")],
        "time_unit": [Interval(numbers.Real, 0, None, closed="neither")],
        **{
            name: constraint
            for name, constraint in BaseSTEstimator._parameter_constraints.items()
            if name not in _NOT_TRAJECTORY_PARAMETERS
        },
    }

    def __init__(
        self,
        backbone="trajectory_transformer",
        objective=None,
        max_length=128,
        time_unit=60.0,
        max_epochs=50,
        batch_size=64,
        lr=1e-3,
        optimizer="adam",
        weight_decay=0.0,
        patience=5,
        validation_fraction=0.1,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        inference_dtype="float64",
    ):
        self.backbone = backbone
        self.objective = objective
        self.max_length = max_length
        self.time_unit = time_unit
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.inference_dtype = inference_dtype

    # The skorch base reads these; trajectories have no checkpoint or adapter here.
    checkpoint_dir = None
    resume = False
    adapter = None
    # Columns are scaled by the trajectory base itself (``column_mean_``);
    # the learning rate stays constant.
    scaling = None
    lr_schedule = "constant"

    # --------------------------------------------------------------- validation
    def _check_sequences(self, X, *, reset):
        if isinstance(X, np.ndarray) and X.ndim not in (3, 4):
            raise ValueError(
                f"X must be a {SEQUENCE_INPUT_DOC} (time first), a 3-D array of equal-length "
                "sequences or the padded 4-D layout, not a 2D array (n_samples, n_features); "
                f"got an array of shape {X.shape}."
            )
        sequences = check_sequences(X, "X", n_columns=None if reset else self.n_features_in_)
        if sequences[0].shape[1] < 2:
            raise ValueError(
                "X must hold sequences with time and at least one more column "
                f"(time, lat, lon, ...); got {sequences[0].shape[1]} column."
            )
        return sequences

    def _cut(self, sequences, *, reset):
        """Sequences the model sees: the last ``max_length`` points of each."""
        return [s[-self.max_length :] for s in sequences]

    def _extra_channels(self, sequences):
        """Channels appended after the scaled columns (cell ids of a tokenizer)."""
        return None

    def _validate_X(self, X, *, reset):
        sequences = self._check_sequences(X, reset=reset)
        if reset:
            self.n_features_in_ = sequences[0].shape[1]
            points = np.concatenate(sequences)[:, 1:]
            self.column_mean_ = points.mean(axis=0)
            scale = points.std(axis=0)
            self.column_scale_ = np.where(scale > 0, scale, 1.0)
        sequences = self._cut(sequences, reset=reset)
        if reset:
            self.max_length_ = max(len(s) for s in sequences)
        extra = self._extra_channels(sequences)
        prepared = []
        for index, sequence in enumerate(sequences):
            columns = [
                (sequence[:, :1] - sequence[0, 0]) / self.time_unit,
                (sequence[:, 1:] - self.column_mean_) / self.column_scale_,
            ]
            if extra is not None:
                columns.append(extra[index][:, None].astype(np.float64))
            # Sequences longer than in fit: the model sees the last max_length_ points.
            prepared.append(np.hstack(columns)[-self.max_length_ :])
        windows = sequences_to_padded(prepared, self.max_length_).astype(np.float32)
        if reset:
            self.window_shape_ = windows.shape[1:]
        return windows, 4

    def _fill_missing(self, windows):
        # NaN rows are padding: the backbone masks them; nothing is filled.
        return windows

    def _validation_gap(self, n_steps):
        # Sequences are independent samples.
        return 0

    def _train_split(self, validation, gap):
        return TemporalValidationSplit(self.validation_fraction_, validation, 0)

    # ----------------------------------------------------------------- building
    def _resolve_components(self, n_nodes):
        self.spatial_ = SpatialContext()
        self.backbone_ = _resolve_trajectory_backbone(self.backbone)
        objective = self._default_objective if self.objective is None else self.objective
        self.objective_ = SequencePretext(resolve_objective(objective))
        tags = self.backbone_.spec().tags
        if "trajectory" not in tags.data_kinds or self._task not in tags.tasks:
            raise ValueError(f"backbone {self.backbone_.backbone_name!r} cannot take trajectories.")
        name = type(self.objective_.objective).__name__
        if self._task not in get_stfm_tags(self.objective_).tasks:
            raise ValueError(
                f"objective {name} cannot train {type(self).__name__}; objectives that fit: "
                f"{objectives_for(self._task)}."
            )

    def _backbone_data_params(self):
        return {}

    def _build_backbone(self):
        n_steps, n_nodes, n_channels = self.window_shape_
        return self.backbone_.build(
            n_steps, n_nodes, n_channels, *self._output_shape(), **self._backbone_data_params()
        )

    def _output_shape(self):
        return 1, self.window_shape_[2]

    def __stfm_tags__(self):
        return STFMTags(
            data_kinds=("trajectory",),
            dependencies=("spatio-temporal",),
            tasks=("forecasting", "classification", "representation"),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Input is a list of sequences (n_points, n_columns) of different
        # lengths, time first: a 2-D (n_samples, n_features) array has no
        # time column and no way to mark sequence ends, so scikit-learn's
        # checks do not apply; tests/test_common.py's sequence harness runs
        # instead.
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = False
        tags.input_tags.allow_nan = False
        return tags


@fill_shared_docs
class TrajectoryEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseTrajectoryEstimator):
    """Self-supervised trajectory encoder: one embedding vector per trajectory.

    ``fit(X)`` pre-trains a :class:`~sk_stfm.backbones.TrajectoryTransformer`
    on the trajectories: contrastive agreement of two augmented views of
    each trajectory (points dropped, a contiguous crop, coordinate noise:
    TrajCL) or reconstruction of randomly hidden points (START / TrajFM).
    ``transform(X)`` returns the pooled embedding of each trajectory, so
    that a trajectory and a noisy or subsampled copy of it are close.

    Parameters
    ----------
    backbone : str or TrajectoryTransformerConfig, default="trajectory_transformer"
        The encoder.
    objective : {"contrastive", "masked"}, Contrastive, Masked or None, default=None
        ``None`` means ``"contrastive"``. Of :class:`~sk_stfm.objectives.Contrastive`,
        ``temperature``, ``strength`` and ``projection_dim`` apply (the
        trajectory augmentations replace ``augmentations``); of
        :class:`~sk_stfm.objectives.Masked`, ``mask_ratio`` (a share of
        points) and ``loss``. ``max_epochs`` bounds training.
    max_length : int, default=128
        Points per trajectory seen by the model: longer ones keep their last
        ``max_length`` points.
    time_unit : float, default=60.0
        Seconds per unit of the time encoding.
    max_epochs : int, default=50
        Maximum training epochs.
    batch_size : int, default=64
        Trajectories per step (the contrastive loss contrasts within a batch).
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd"} or torch optimizer class, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty.
    patience : int or None, default=5
        Early-stopping patience on the last ``validation_fraction`` trajectories.
    validation_fraction : float, default=0.1
        Share of trajectories, from the end, that validates.
    device : str, default="cpu"
        Torch device.
    random_state : int, RandomState instance or None, default=None
        Seed of initialization, shuffling and augmentations.
    verbose : int, default=0
        Verbosity.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks.
    inference_dtype : {"float64", "float32"}, default="float64"
        Precision of ``transform``.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained pretext network, with its ``history``.
    backbone_ : TrajectoryTransformerConfig
        The resolved backbone configuration.
    objective_ : SequencePretext
        The resolved objective, adapted to padded sequences.
    spatial_ : SpatialContext
        Empty: trajectories carry their own coordinates.
    window_shape_ : tuple of int
        ``(max_length_, 1, n_channels)`` of the padded sequences.
    max_length_ : int
        Padded length: the longest training sequence, at most ``max_length``.
    column_mean_, column_scale_ : ndarray of shape (n_columns - 1,)
        Training mean and standard deviation of the columns after time.
    fill_values_ : ndarray of shape (1, n_channels)
        Mean of each padded channel (kept for the skorch base; unused).
    n_epochs_ : int
        Epochs trained.
    %(schedule_attributes)s
    pretrain_history_ : None
        The pretext is the task: no separate pre-training stage.
    n_features_in_ : int
        Columns of each trajectory (time included).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators import TrajectoryEncoder, TrajectoryTransformerConfig
    >>> rng = np.random.default_rng(0)
    >>> trajectories = [np.column_stack([np.arange(20.0) * 30,
    ...                                  39.9 + rng.normal(0, 1e-3, 20).cumsum(),
    ...                                  116.3 + rng.normal(0, 1e-3, 20).cumsum()])
    ...                 for _ in range(16)]
    >>> encoder = TrajectoryEncoder(
    ...     backbone=TrajectoryTransformerConfig(d_model=8, n_heads=2, n_layers=1),
    ...     max_epochs=2, random_state=0).fit(trajectories)
    >>> encoder.transform(trajectories[:3]).shape
    (3, 8)
    """

    _task = "representation"
    _default_objective = "contrastive"
    _test_params = (
        {"backbone": _TINY_BACKBONE, "max_epochs": 2, "batch_size": 16, "max_length": 32},
        {
            "backbone": _TINY_BACKBONE,
            "objective": "masked",
            "max_epochs": 1,
            "batch_size": 16,
            "max_length": 32,
        },
    )

    def _training_targets(self, windows, y, *, reset):
        return windows

    def _pretrain(self, *args, **kwargs):
        # The pretext model is trained as the task itself.
        self.pretrain_history_ = None

    def _task_module(self, backbone):
        return self.objective_.make_pretext(backbone)

    def fit(self, X, y=None):
        """Pre-train the encoder on the trajectories ``X``.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Trajectories, time in seconds in column 0 (non-decreasing).
        y : None
            Ignored.

        Returns
        -------
        self : TrajectoryEncoder
            The fitted encoder.
        """
        return self._validated_fit(X, None)

    def transform(self, X):
        """Embed each trajectory.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Trajectories with the columns used in ``fit``.

        Returns
        -------
        embeddings : ndarray of shape (n_trajectories, d_model)
            Float64 pooled embeddings.
        """
        check_is_fitted(self)
        return self._forward_windows(X, infer=lambda module, x: module.backbone.embed(x).flatten(1))

    @property
    def _n_features_out(self):
        return self.net_.module_.backbone.d_model

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags


class _NextPointModel(nn.Module):
    """Outputs at every point for the next point: cell logits or coordinates."""

    def __init__(self, backbone, n_outputs):
        super().__init__()
        self.backbone = backbone
        self.output = nn.Sequential(
            nn.LayerNorm(backbone.d_model), nn.Linear(backbone.d_model, n_outputs)
        )

    def forward(self, x):
        z, _ = self.backbone.encode_points(x)
        return self.output(z[:, :, 0])

    def last(self, x):
        """Outputs at the last observed point of each sequence."""
        z, valid = self.backbone.encode_points(x)
        steps = torch.arange(valid.shape[1], device=x.device)
        index = torch.where(valid, steps, -1).max(dim=1).values.clamp(min=0)
        return self.output(z[torch.arange(len(x), device=x.device), index, 0])


class _NextCellLoss(nn.Module):
    """Cross-entropy over the points that have a next point (targets -1 elsewhere)."""

    def forward(self, logits, target):
        return nn.functional.cross_entropy(logits.flatten(0, 1), target.flatten(), ignore_index=-1)


def _has_cell_target(estimator):
    return estimator.target == "cell"


@fill_shared_docs
class NextLocationPredictor(ClassifierMixin, BaseTrajectoryEstimator):
    """Predict where a trajectory goes next: a grid cell, or the next point.

    With ``target="cell"`` (default) the points are mapped to grid cells by
    a :class:`~sk_stfm.harmonize.GridTokenizer` fitted on ``X``; a causal
    :class:`~sk_stfm.backbones.TrajectoryTransformer` (each point attends to
    earlier points only) with cell-id embeddings learns, at every point of
    every training trajectory at once, the cell of the next point
    (cross-entropy). ``predict(X)`` returns the next cell after the last
    point of each trajectory, ``predict_proba`` the distribution over
    cells, ``predict_coordinates`` the cell centres. With
    ``target="point"`` the model regresses the next point's coordinates
    (mean squared error on the scaled coordinates) and ``predict`` returns
    latitude and longitude.

    Parameters
    ----------
    tokenizer : GridTokenizer or None, default=None
        Grid of the cells; ``None`` means ``GridTokenizer()`` (500 m cells,
        latitude and longitude in columns 1 and 2). Cloned and fitted on
        the training points. Unused with ``target="point"``.
    target : {"cell", "point"}, default="cell"
        What is predicted.
    backbone : str or TrajectoryTransformerConfig, default="trajectory_transformer"
        The model (made causal by the estimator).
    objective : None or "regression", default=None
        Supervised training on the next points; no pre-training stage.
    max_length : int, default=128
        Points per sequence seen by the model. In ``fit``, longer
        trajectories are split into consecutive pieces of ``max_length``
        points, so that every transition trains; in ``predict``, the last
        ``max_length`` points are the history.
    time_unit : float, default=60.0
        Seconds per unit of the time encoding.
    max_epochs : int, default=50
        Maximum training epochs.
    batch_size : int, default=64
        Sequences per step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd"} or torch optimizer class, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty.
    patience : int or None, default=5
        Early-stopping patience on the last ``validation_fraction`` sequences.
    validation_fraction : float, default=0.1
        Share of the training sequences, from the end, that validates.
    device : str, default="cpu"
        Torch device.
    random_state : int, RandomState instance or None, default=None
        Seed of initialization and shuffling.
    verbose : int, default=0
        Verbosity.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks.
    inference_dtype : {"float64", "float32"}, default="float64"
        Precision of predictions.

    Attributes
    ----------
    tokenizer_ : GridTokenizer or None
        The fitted grid (``None`` with ``target="point"``).
    classes_ : ndarray of shape (n_tokens,)
        Cell ids ``0 .. n_tokens - 1`` (0: outside the training grid), the
        columns of ``predict_proba``; empty with ``target="point"``.
    net_ : skorch.NeuralNet
        The trained network, with its ``history``.
    backbone_ : TrajectoryTransformerConfig
        The resolved backbone configuration.
    objective_ : SequencePretext
        The resolved objective.
    spatial_ : SpatialContext
        Empty.
    window_shape_ : tuple of int
        ``(max_length_, 1, n_channels)`` of the padded sequences.
    max_length_ : int
        Padded length.
    column_mean_, column_scale_ : ndarray of shape (n_columns - 1,)
        Training mean and standard deviation of the columns after time.
    fill_values_ : ndarray of shape (1, n_channels)
        Mean of each padded channel (kept for the skorch base; unused).
    n_epochs_ : int
        Epochs trained.
    %(schedule_attributes)s
    pretrain_history_ : None
        No pre-training stage.
    n_features_in_ : int
        Columns of each trajectory.

    Notes
    -----
    ``score(X, y)`` is the accuracy@1 of ``predict(X)`` against true next
    cell ids ``y`` (``tokenizer_.transform`` of the next points);
    ``score(X)`` scores every next point inside the trajectories ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators import NextLocationPredictor, TrajectoryTransformerConfig
    >>> from sk_stfm.harmonize import GridTokenizer
    >>> ring = np.array([[39.90, 116.30], [39.90, 116.40], [40.00, 116.40], [40.00, 116.30]])
    >>> trajectories = [np.column_stack([np.arange(12.0) * 60, ring[(np.arange(12) + k) % 4]])
    ...                 for k in range(8)]
    >>> model = NextLocationPredictor(
    ...     tokenizer=GridTokenizer(cell_size=2000),
    ...     backbone=TrajectoryTransformerConfig(d_model=16, n_heads=2, n_layers=1, dropout=0.0),
    ...     max_epochs=60, lr=1e-2, random_state=0).fit(trajectories)
    >>> proba = model.predict_proba(trajectories[:2])
    >>> proba.shape, np.allclose(proba.sum(axis=1), 1)
    ((2, 5), True)
    >>> model.predict(trajectories[:2]).shape
    (2,)
    >>> # The next corners of the ring, up to the cell size (2 km, ~0.02 degrees)
    >>> bool(np.abs(model.predict_coordinates(trajectories[:2]) - ring[[0, 1]]).max() < 0.02)
    True
    """

    _task = "forecasting"
    _default_objective = "regression"
    # ``save`` writes the fitted grid tokenizer too (as plain data).
    _fitted_attributes = BaseTrajectoryEstimator._fitted_attributes + ("classes_", "tokenizer_")
    _test_params = (
        {
            "tokenizer": GridTokenizer(cell_size=20_000.0),
            "backbone": _TINY_BACKBONE,
            "max_epochs": 2,
            "batch_size": 16,
            "max_length": 32,
        },
        {"target": "point", "backbone": _TINY_BACKBONE, "max_epochs": 1, "max_length": 16},
    )

    _parameter_constraints: dict = {
        **BaseTrajectoryEstimator._parameter_constraints,
        "tokenizer": [GridTokenizer, None],
        "target": [StrOptions({"cell", "point"})],
    }

    def __init__(
        self,
        tokenizer=None,
        target="cell",
        backbone="trajectory_transformer",
        objective=None,
        max_length=128,
        time_unit=60.0,
        max_epochs=50,
        batch_size=64,
        lr=1e-3,
        optimizer="adam",
        weight_decay=0.0,
        patience=5,
        validation_fraction=0.1,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        inference_dtype="float64",
    ):
        super().__init__(
            backbone=backbone,
            objective=objective,
            max_length=max_length,
            time_unit=time_unit,
            max_epochs=max_epochs,
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer,
            weight_decay=weight_decay,
            patience=patience,
            validation_fraction=validation_fraction,
            device=device,
            random_state=random_state,
            verbose=verbose,
            callbacks=callbacks,
            inference_dtype=inference_dtype,
        )
        self.tokenizer = tokenizer
        self.target = target

    # ------------------------------------------------------------- task hooks
    def _check_sequences(self, X, *, reset):
        sequences = super()._check_sequences(X, reset=reset)
        if reset:
            if self.target == "cell":
                tokenizer = GridTokenizer() if self.tokenizer is None else self.tokenizer
                self.tokenizer_ = clone(tokenizer).fit(sequences)
                self.classes_ = np.arange(self.tokenizer_.n_tokens_)
            else:
                if sequences[0].shape[1] < 3:
                    raise ValueError("target='point' needs columns (time, lat, lon, ...).")
                self.tokenizer_ = None
                self.classes_ = np.arange(0)
        return sequences

    def _cut(self, sequences, *, reset):
        if not reset:
            return super()._cut(sequences, reset=reset)
        # Training: consecutive pieces, so that no transition is lost.
        return [
            s[start : start + self.max_length]
            for s in sequences
            for start in range(0, len(s), self.max_length)
        ]

    def _extra_channels(self, sequences):
        if self.target != "cell":
            return None
        return self.tokenizer_.transform(sequences)

    def _backbone_data_params(self):
        n_tokens = self.tokenizer_.n_tokens_ if self.target == "cell" else 0
        return {"n_tokens": n_tokens, "causal": True}

    def _training_targets(self, windows, y, *, reset):
        if reset:
            _check_transitions(windows, "learns")
        if self.target == "cell":
            ids = np.nan_to_num(windows[:, :, 0, -1], nan=-1.0).astype(np.int64)
            targets = np.full_like(ids, -1)
            targets[:, :-1] = ids[:, 1:]
            return targets
        coordinates = windows[:, :, 0, 2:4]
        targets = np.full_like(coordinates, np.nan)
        targets[:, :-1] = coordinates[:, 1:]
        return targets

    def _task_module(self, backbone):
        if self.target == "cell":
            return _NextPointModel(backbone, self.tokenizer_.n_tokens_), _NextCellLoss()
        return _NextPointModel(backbone, 2), MaskedLoss("mse")

    def _infer(self, module, x):
        return module.last(x)

    # ------------------------------------------------------------- public API
    def fit(self, X, y=None):
        """Learn the next location at every point of the trajectories ``X``.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Trajectories ``(time, lat, lon, ...)``, time in seconds.
        y : None
            Ignored: the targets are the next points of ``X``.

        Returns
        -------
        self : NextLocationPredictor
            The fitted model.
        """
        return self._validated_fit(X, None)

    def _outputs(self, X):
        return self._forward_windows(X)

    @available_if(_has_cell_target)
    def predict_proba(self, X):
        """Return the probability of each cell being the next one.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Histories: the next location after the last point is predicted.

        Returns
        -------
        proba : ndarray of shape (n_trajectories, n_tokens)
            Float64 probabilities over ``classes_``; rows sum to 1.
        """
        return softmax(self._outputs(X), axis=1)

    def predict(self, X):
        """Predict the next cell id (or, with ``target="point"``, the next point).

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Histories.

        Returns
        -------
        y_pred : ndarray of shape (n_trajectories,) or (n_trajectories, 2)
            Cell ids from ``classes_``, or latitude and longitude (float64).
        """
        outputs = self._outputs(X)
        if self.target == "cell":
            return self.classes_[np.argmax(outputs, axis=1)]
        return outputs * self.column_scale_[:2] + self.column_mean_[:2]

    def predict_coordinates(self, X):
        """Predict the next location as latitude and longitude.

        Parameters
        ----------
        X : list of array-like of shape (n_trajectories, n_columns)
            Histories.

        Returns
        -------
        coordinates : ndarray of shape (n_trajectories, 2)
            The centre of the predicted cell, or the regressed point.
        """
        prediction = self.predict(X)
        if self.target == "cell":
            return self.tokenizer_.cell_centers_[prediction]
        return prediction

    def score(self, X, y=None, sample_weight=None):
        """Score next-location predictions.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Trajectories (``y=None``) or histories (with ``y``).
        y : array-like of shape (n_trajectories,) or None, default=None
            True next cell ids of the histories ``X`` (``target="cell"``);
            ``None`` scores the prediction of every next point inside
            ``X`` (within the last ``max_length`` points), as in ``fit``.
        sample_weight : array-like of shape (n_trajectories,) or None, default=None
            Weights of the histories, with ``y`` only.

        Returns
        -------
        score : float
            ``target="cell"``: accuracy@1. ``target="point"``: minus the mean
            error in metres (haversine), so that higher is better.
        """
        if y is not None:
            if self.target == "point":
                raise ValueError("y must be None with target='point'; the targets are in X.")
            return super().score(X, y, sample_weight=sample_weight)
        check_is_fitted(self)
        windows, _ = self._validate_X(X, reset=False)
        _check_transitions(windows, "scores")
        targets = self._training_targets(windows, None, reset=False)
        outputs = self._forward_windows(X, infer=lambda module, x: module(x))
        if self.target == "cell":
            scored = targets >= 0
            return float((outputs.argmax(axis=-1)[scored] == targets[scored]).mean())
        scored = ~np.isnan(targets[..., 0])
        predicted = outputs[scored] * self.column_scale_[:2] + self.column_mean_[:2]
        true = targets[scored] * self.column_scale_[:2] + self.column_mean_[:2]
        distance = haversine_distance(predicted[:, 0], predicted[:, 1], true[:, 0], true[:, 1])
        return -float(distance.mean())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.target_tags.multi_output = False
        tags.target_tags.single_output = True
        tags.classifier_tags.multi_label = False
        return tags


class _SequenceClassifier(nn.Module):
    """Class logits from the pooled sequence embedding."""

    def __init__(self, backbone, n_classes):
        super().__init__()
        self.backbone = backbone
        self.norm = nn.LayerNorm(backbone.d_model)
        self.classifier = nn.Linear(backbone.d_model, n_classes)

    def forward(self, x):
        return self.classifier(self.norm(self.backbone.embed(x).flatten(1)))


@fill_shared_docs
class TrajectoryClassifier(ClassifierMixin, BaseTrajectoryEstimator):
    """Classify whole trajectories (which user, which transport mode).

    The pooled embedding of a :class:`~sk_stfm.backbones.TrajectoryTransformer`
    is layer-normalized and mapped to class logits, trained with
    cross-entropy; early stopping validates on a stratified random share of
    the trajectories. With ``objective="contrastive"`` or ``"masked"`` the
    encoder is first pre-trained self-supervised on ``X`` (see
    :class:`TrajectoryEncoder`), then fine-tuned.

    Parameters
    ----------
    backbone : str or TrajectoryTransformerConfig, default="trajectory_transformer"
        The encoder.
    objective : {"regression", "contrastive", "masked"}, BaseObjective or None, default=None
        ``None`` means supervised training only; the pre-training
        objectives' ``pretrain_epochs`` and ``finetune`` apply.
    max_length : int, default=128
        Points per trajectory seen by the model: longer ones keep their last
        ``max_length`` points.
    time_unit : float, default=60.0
        Seconds per unit of the time encoding.
    max_epochs : int, default=50
        Maximum training epochs.
    batch_size : int, default=64
        Trajectories per step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd"} or torch optimizer class, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty.
    patience : int or None, default=5
        Early-stopping patience.
    validation_fraction : float, default=0.1
        Stratified share of trajectories that validates.
    device : str, default="cpu"
        Torch device.
    random_state : int, RandomState instance or None, default=None
        Seed of initialization, shuffling and the validation draw.
    verbose : int, default=0
        Verbosity.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks.
    inference_dtype : {"float64", "float32"}, default="float64"
        Precision of predictions.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    net_ : skorch.NeuralNet
        The trained network, with its ``history``.
    backbone_ : TrajectoryTransformerConfig
        The resolved backbone configuration.
    objective_ : SequencePretext
        The resolved objective.
    spatial_ : SpatialContext
        Empty.
    window_shape_ : tuple of int
        ``(max_length_, 1, n_channels)`` of the padded sequences.
    max_length_ : int
        Padded length.
    column_mean_, column_scale_ : ndarray of shape (n_columns - 1,)
        Training mean and standard deviation of the columns after time.
    fill_values_ : ndarray of shape (1, n_channels)
        Mean of each padded channel (kept for the skorch base; unused).
    n_epochs_ : int
        Epochs trained (task stage).
    %(schedule_attributes)s
    pretrain_history_ : skorch.History or None
        History of the pre-training stage, if any.
    n_features_in_ : int
        Columns of each trajectory.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators import TrajectoryClassifier, TrajectoryTransformerConfig
    >>> rng = np.random.default_rng(0)
    >>> def walk(lat, lon):
    ...     steps = rng.normal(0, 1e-3, (15, 2)).cumsum(axis=0)
    ...     return np.column_stack([np.arange(15.0) * 60, lat + steps[:, 0], lon + steps[:, 1]])
    >>> X = [walk(39.9, 116.3) for _ in range(10)] + [walk(40.1, 116.5) for _ in range(10)]
    >>> y = ["a"] * 10 + ["b"] * 10
    >>> clf = TrajectoryClassifier(
    ...     backbone=TrajectoryTransformerConfig(d_model=8, n_heads=2, n_layers=1),
    ...     max_epochs=30, lr=1e-2, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['a', 'b'], dtype='<U1')
    >>> clf.score(X, y)
    1.0
    """

    _task = "classification"
    _fitted_attributes = BaseTrajectoryEstimator._fitted_attributes + ("classes_",)
    _test_params = (
        {"backbone": _TINY_BACKBONE, "max_epochs": 2, "batch_size": 16, "max_length": 32},
        {
            "backbone": _TINY_BACKBONE,
            "objective": "contrastive",
            "max_epochs": 1,
            "max_length": 16,
        },
    )

    def _resolve_components(self, n_nodes):
        super()._resolve_components(n_nodes)
        # Keep the test settings tiny: pre-training is bounded by max_epochs too.
        objective = self.objective_.objective
        if "pretrain_epochs" in objective.get_params():
            objective.set_params(pretrain_epochs=min(objective.pretrain_epochs, self.max_epochs))

    def _training_targets(self, windows, y, *, reset):
        y = check_class_labels(y, len(windows), type(self).__name__)
        if reset:
            self.classes_, encoded = np.unique(y, return_inverse=True)
            return encoded.astype(np.int64)
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(f"validation_data y has labels not seen in y: {unseen.tolist()}.")
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _train_split(self, validation, gap):
        return _StratifiedValidationSplit(self.validation_fraction_, validation, self._seed())

    def _task_module(self, backbone):
        horizon, n_targets = self._output_shape()
        self.objective_.prepare_finetuning(backbone, horizon, n_targets)
        return _SequenceClassifier(backbone, len(self.classes_)), nn.CrossEntropyLoss()

    def fit(self, X, y, validation_data=None):
        """Train the classifier.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Trajectories, time in seconds in column 0.
        y : array-like of shape (n_trajectories,)
            Class labels.
        validation_data : tuple (X_val, y_val) or None, default=None
            Explicit validation trajectories for early stopping.

        Returns
        -------
        self : TrajectoryClassifier
            The fitted classifier.
        """
        return self._validated_fit(X, y, validation_data)

    def predict_proba(self, X):
        """Return class probabilities.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Trajectories.

        Returns
        -------
        proba : ndarray of shape (n_trajectories, n_classes)
            Float64 probabilities in the order of ``classes_``; rows sum to 1.
        """
        return softmax(self._forward_windows(X), axis=1)

    def predict(self, X):
        """Predict the class of each trajectory.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Trajectories.

        Returns
        -------
        y_pred : ndarray of shape (n_trajectories,)
            Labels from ``classes_``.
        """
        logits = self._forward_windows(X)  # raises NotFittedError first
        return self.classes_[np.argmax(logits, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        tags.target_tags.single_output = True
        tags.classifier_tags.multi_label = False
        return tags
