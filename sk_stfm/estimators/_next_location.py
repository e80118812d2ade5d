"""Where a trajectory goes next: the next grid cell, or the next point.

:class:`NextLocationPredictor` classifies the next cell of a grid;
:class:`NextPointRegressor` regresses the next point's coordinates. Both
train a causal :class:`~sk_stfm.backbones.TrajectoryTransformer` on every
transition of every training trajectory at once.
"""

import warnings

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin, RegressorMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..harmonize import GridTokenizer
from ..harmonize._geodesy import haversine_distance
from ..objectives import MaskedLoss
from ..utils._compat import StrOptions
from ._docs import fill_shared_docs
from ._trajectory import _TINY_BACKBONE, BaseTrajectoryEstimator, _check_transitions


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
    return estimator._target() == "cell"


class _NextLocationBase(BaseTrajectoryEstimator):
    """Shared training and prediction of the next-location estimators.

    ``_target()`` says what is learned: ``"cell"`` (the grid cell of the
    next point, a classification) or ``"point"`` (its coordinates, a
    regression).
    """

    _task = "forecasting"
    _default_objective = "regression"

    def _target(self):
        return self.target

    # ------------------------------------------------------------- task hooks
    def _check_sequences(self, X, *, reset):
        sequences = super()._check_sequences(X, reset=reset)
        if reset:
            if self._target() == "cell":
                tokenizer = GridTokenizer() if self.tokenizer is None else self.tokenizer
                self.tokenizer_ = clone(tokenizer).fit(sequences)
                self.classes_ = np.arange(self.tokenizer_.n_tokens_)
            else:
                if sequences[0].shape[1] < 3:
                    raise ValueError("target='point' needs columns (time, lat, lon, ...).")
                self.tokenizer_ = None
                if isinstance(self, ClassifierMixin):
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
        if self._target() != "cell":
            return None
        return self.tokenizer_.transform(sequences)

    def _backbone_data_params(self):
        n_tokens = self.tokenizer_.n_tokens_ if self._target() == "cell" else 0
        return {"n_tokens": n_tokens, "causal": True}

    def _training_targets(self, windows, y, *, reset):
        if reset:
            _check_transitions(windows, "learns")
        if self._target() == "cell":
            ids = np.nan_to_num(windows[:, :, 0, -1], nan=-1.0).astype(np.int64)
            targets = np.full_like(ids, -1)
            targets[:, :-1] = ids[:, 1:]
            return targets
        coordinates = windows[:, :, 0, 2:4]
        targets = np.full_like(coordinates, np.nan)
        targets[:, :-1] = coordinates[:, 1:]
        return targets

    def _task_module(self, backbone):
        if self._target() == "cell":
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
        if self._target() == "cell":
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
        if self._target() == "cell":
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
            if self._target() == "point":
                raise ValueError("y must be None with target='point'; the targets are in X.")
            return ClassifierMixin.score(self, X, y, sample_weight=sample_weight)
        check_is_fitted(self)
        windows, _ = self._validate_X(X, reset=False)
        _check_transitions(windows, "scores")
        targets = self._training_targets(windows, None, reset=False)
        outputs = self._forward_windows(X, infer=lambda module, x: module(x))
        if self._target() == "cell":
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
        if tags.classifier_tags is not None:
            tags.classifier_tags.multi_label = False
        return tags


@fill_shared_docs
class NextLocationPredictor(ClassifierMixin, _NextLocationBase):
    """Predict the grid cell a trajectory goes to next.

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
        What is predicted. ``"point"`` is deprecated: use
        :class:`NextPointRegressor`.
    backbone : str or TrajectoryTransformerConfig, default="auto"
        ``"auto"`` is the trajectory backbone the registry prefers for the task
        (:func:`~sk_stfm.backbones.auto_backbone`); recorded in ``backbone_``.
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
    %(checkpoint_parameters)s
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
            checkpoint_dir=checkpoint_dir,
            resume=resume,
            inference_dtype=inference_dtype,
        )
        self.tokenizer = tokenizer
        self.target = target

    def fit(self, X, y=None):
        """Learn the next cell at every point of the trajectories ``X``.

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
        if self.target == "point":
            warnings.warn(
                "NextLocationPredictor(target='point') is deprecated and will be removed in the "
                "next release; use NextPointRegressor, the regressor of the next point.",
                FutureWarning,
                stacklevel=2,
            )
        return super().fit(X, y)

    # ClassifierMixin's score comes first in the method order; the shared one
    # scores trajectories without y too.
    score = _NextLocationBase.score

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The targets are the next points of X itself (after ClassifierMixin's tags).
        tags.target_tags.required = False
        return tags


@fill_shared_docs
class NextPointRegressor(RegressorMixin, _NextLocationBase):
    """Predict the coordinates of the next point of a trajectory.

    A causal :class:`~sk_stfm.backbones.TrajectoryTransformer` (each point
    attends to earlier points only) learns, at every point of every
    training trajectory at once, the latitude and longitude of the next
    point (mean squared error on the scaled coordinates). ``predict(X)``
    returns the next point after the last point of each trajectory. For the
    next grid cell, a classification, use :class:`NextLocationPredictor`.

    Parameters
    ----------
    backbone : str or TrajectoryTransformerConfig, default="auto"
        ``"auto"`` is the trajectory backbone the registry prefers for the task
        (:func:`~sk_stfm.backbones.auto_backbone`); recorded in ``backbone_``.
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
    %(checkpoint_parameters)s
    inference_dtype : {"float64", "float32"}, default="float64"
        Precision of predictions.

    Attributes
    ----------
    tokenizer_ : None
        No grid (kept for the shared code of :class:`NextLocationPredictor`).
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

    See Also
    --------
    NextLocationPredictor : The next grid cell, with probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators import NextPointRegressor, TrajectoryTransformerConfig
    >>> ring = np.array([[39.90, 116.30], [39.90, 116.40], [40.00, 116.40], [40.00, 116.30]])
    >>> trajectories = [np.column_stack([np.arange(12.0) * 60, ring[(np.arange(12) + k) % 4]])
    ...                 for k in range(8)]
    >>> model = NextPointRegressor(
    ...     backbone=TrajectoryTransformerConfig(d_model=16, n_heads=2, n_layers=1, dropout=0.0),
    ...     max_epochs=60, lr=1e-2, random_state=0).fit(trajectories)
    >>> model.predict(trajectories[:2]).shape
    (2, 2)
    >>> bool(model.score(trajectories) > -5000)  # minus the mean error in metres
    True
    """

    _test_params = ({"backbone": _TINY_BACKBONE, "max_epochs": 1, "max_length": 16},)

    def _target(self):
        return "point"

    def score(self, X, y=None, sample_weight=None):
        """Score next-point predictions.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Trajectories (``y=None``) or histories (with ``y``).
        y : array-like of shape (n_trajectories, 2) or None, default=None
            True next points (latitude, longitude) of the histories ``X``:
            the coefficient of determination R^2 of ``predict(X)``. ``None``
            scores the prediction of every next point inside ``X``.
        sample_weight : array-like of shape (n_trajectories,) or None, default=None
            Weights of the histories, with ``y`` only.

        Returns
        -------
        score : float
            R^2 with ``y``; without it, minus the mean error in metres
            (haversine), so that higher is better.
        """
        if y is not None:
            return RegressorMixin.score(self, X, y, sample_weight=sample_weight)
        return _NextLocationBase.score(self, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The targets are the next points of X itself.
        tags.target_tags.required = False
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags
