"""Estimators of raw trajectories: encoder, next-location predictor, classifier.

A trajectory is an array ``(n_points, n_columns)`` with columns ``(time
[s], lat, lon, ...)``; a data set is a list of them, of any lengths. Each
estimator scales the columns, pads the sequences into the layout of
:func:`~sk_stfm.data.sequences_to_padded` and trains a
:class:`~sk_stfm.backbones.TrajectoryTransformer` on the skorch base.
"""

import numbers

import numpy as np
from scipy.special import softmax
from sklearn.base import ClassifierMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..backbones import (
    TrajectoryBackboneConfig,
    auto_backbone,
    get_backbone,
    list_backbones,
)
from ..data import SpatialContext, check_sequences, sequences_to_padded
from ..objectives import BaseObjective, objectives_for, resolve_objective
from ..objectives._sequence_pretext import SequencePretext
from ..utils import STFMTags, get_stfm_tags
from ..utils._compat import Interval
from ._base import SCALING_ATTRIBUTES, SCHEDULE_ATTRIBUTES, BaseSTEstimator
from ._classifier import _StratifiedValidationSplit
from ._docs import fill_shared_docs
from ._schedule import AUTO
from ._targets import check_class_labels
from ._training import TemporalValidationSplit

SEQUENCE_INPUT_DOC = "list of array-like of shape (n_points, n_columns)"


def _trajectory_backbones():
    return [
        name
        for name in list_backbones(data_kind="trajectory")
        if issubclass(get_backbone(name).config, TrajectoryBackboneConfig)
    ]


def _resolve_trajectory_backbone(backbone, task):
    if isinstance(backbone, TrajectoryBackboneConfig):
        return clone(backbone)
    if backbone == AUTO:
        return auto_backbone(task, family=TrajectoryBackboneConfig)
    names = _trajectory_backbones()
    if isinstance(backbone, str) and backbone in names:
        return get_backbone(backbone).config()
    raise ValueError(
        f"backbone must be 'auto', a trajectory backbone ({', '.join(names)}) or its "
        "configuration; "
        f"got {backbone!r}."
    )


def _tiny_backbone():
    """The automatic trajectory backbone at its registered test size."""
    config = auto_backbone("representation", family=TrajectoryBackboneConfig)
    return config.set_params(**config.spec().test_params)


_TINY_BACKBONE = _tiny_backbone()


# Parameters of the window estimators that trajectory estimators do not take
# (``backbone`` and ``objective`` they redefine).
_NOT_TRAJECTORY_PARAMETERS = (
    "backbone",
    "objective",
    "adapter",
    "spatial",
    "window_shape",
    "scaling",
    "lr_schedule",
    "warm_start",
)


def _check_transitions(windows, does):
    """Refuse padded sequences of one point each: a point's target is the next point."""
    if not (~np.isnan(windows[:, 1:, 0, 0])).any():
        raise ValueError(
            f"X must hold at least one sequence of two or more points: the model {does} "
            "the next location of each point."
        )


@fill_shared_docs
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
    backbone : str or TrajectoryTransformerConfig, default="auto"
        ``"auto"`` is the trajectory backbone the registry prefers for the task
        (:func:`~sk_stfm.backbones.auto_backbone`); recorded in ``backbone_``.
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
    %(checkpoint_parameters)s
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
        "backbone": [str, TrajectoryBackboneConfig],
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
        backbone="auto",
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
        checkpoint_dir=None,
        resume=False,
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
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.inference_dtype = inference_dtype

    # The skorch base reads it; trajectories have no adapter here.
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
        self.backbone_ = _resolve_trajectory_backbone(self.backbone, self._task)
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
    backbone : str or TrajectoryTransformerConfig, default="auto"
        ``"auto"`` is the trajectory backbone the registry prefers for the task
        (:func:`~sk_stfm.backbones.auto_backbone`); recorded in ``backbone_``.
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
    %(checkpoint_parameters)s
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
    backbone : str or TrajectoryTransformerConfig, default="auto"
        ``"auto"`` is the trajectory backbone the registry prefers for the task
        (:func:`~sk_stfm.backbones.auto_backbone`); recorded in ``backbone_``.
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
    %(checkpoint_parameters)s
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
