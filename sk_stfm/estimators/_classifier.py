"""STClassifier: one label per window, from the backbone's embedding."""

import math

import numpy as np
import torch
from scipy.special import log_softmax, softmax
from sklearn.base import ClassifierMixin
from sklearn.model_selection import StratifiedShuffleSplit
from torch import nn

from ._backbone_config import MLPConfig, PatchTSTConfig
from ._base import BaseSTEstimator
from ._docs import fill_shared_docs
from ._targets import check_class_labels


class _EmbeddingClassifier(nn.Module):
    """Class logits from the backbone's node embeddings.

    The embeddings ``(batch, n_nodes, d)`` of :meth:`BaseBackbone.embed`
    are flattened to ``(batch, n_nodes * d)``, layer-normalized (backbones
    differ widely in the scale of their representation) and mapped to one
    logit per class. The backbone's own forecasting head is not used.

    Parameters
    ----------
    backbone : BaseBackbone
        The (possibly pre-trained) backbone.
    n_classes : int
        Number of classes.
    frozen_encoder : bool, default=False
        Keep the backbone in evaluation mode while training (the
        ``finetune="frozen"`` linear probe of pre-training objectives; their
        hook acts on ``backbone(x)``, which this module does not call).
    """

    def __init__(self, backbone, n_classes, frozen_encoder=False):
        super().__init__()
        self.backbone = backbone
        self.frozen_encoder = frozen_encoder
        n_features = backbone.representation_size("embed")
        self.norm = nn.LayerNorm(n_features)
        self.classifier = nn.Linear(n_features, n_classes)

    def forward(self, x):
        """Return class logits of a batch of windows.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.

        Returns
        -------
        logits : torch.Tensor of shape (batch, n_classes)
            Unnormalized class scores.
        """
        if self.frozen_encoder:
            self.backbone.eval()
        embedding = self.backbone.embed(x)
        return self.classifier(self.norm(embedding.flatten(start_dim=1)))


class _StratifiedValidationSplit:
    """skorch ``train_split`` for independent labelled windows.

    A stratified random draw of ``fraction`` of the windows validates (every
    class keeps its share), seeded so that every call returns the same
    split. skorch's ``ValidSplit(stratified=True)`` would need ``y`` passed
    to ``net.fit`` and returns ``torch.utils.data.Subset`` objects, which the
    tensor batch loader cannot slice; this split reads the labels from the
    :class:`WindowDataset` and keeps it a ``WindowDataset``.

    Parameters
    ----------
    fraction : float
        Share of the windows used for validation.
    validation : WindowDataset or None, default=None
        Explicit validation windows; when given, all windows train.
    random_state : int, default=0
        Seed of the draw.
    """

    # Windows are independent samples: none is left out between the parts
    # (the attribute is read by the base's pre-training stage).
    gap = 0

    def __init__(self, fraction, validation=None, random_state=0):
        self.fraction = fraction
        self.validation = validation
        self.random_state = random_state

    def __call__(self, dataset, y=None, **kwargs):
        if self.validation is not None:
            return dataset, self.validation
        labels = dataset.y.numpy()
        counts = np.bincount(labels)
        counts = counts[counts > 0]
        n_valid = max(math.ceil(self.fraction * len(labels)), len(counts))
        # Too few windows for every class to be in both parts: train on all.
        if self.fraction == 0 or counts.min() < 2 or len(labels) - n_valid < len(counts):
            return dataset, None
        splitter = StratifiedShuffleSplit(
            n_splits=1, test_size=n_valid, random_state=self.random_state
        )
        train, valid = next(splitter.split(np.zeros(len(labels)), labels))
        return (
            dataset.subset(torch.from_numpy(np.sort(train))),
            dataset.subset(torch.from_numpy(np.sort(valid))),
        )


@fill_shared_docs
class STClassifier(ClassifierMixin, BaseSTEstimator):
    """Spatio-temporal classifier: one label per window, from a backbone.

    ``fit(X, y)`` learns a class for each input window: the backbone's
    embedding of every node (:meth:`~sk_stfm.backbones.BaseBackbone.embed`)
    is flattened, layer-normalized and mapped linearly to class logits,
    trained with cross-entropy by a skorch ``NeuralNet`` (``net_``). Windows
    are independent samples: early stopping validates on a stratified
    random ``validation_fraction`` of them (not the last windows, as for
    forecasting) and restores the best-validation weights.

    Parameters
    ----------
    backbone : str or BackboneConfig, default="auto"
        ``"auto"`` picks from the windows what the registry prefers for
        classification (:func:`~sk_stfm.backbones.auto_backbone`): an MLP
        over each window (``MLPConfig(hidden_sizes=(256, 256), dropout=0.2,
        revin=False)``), or PatchTST without RevIN for windows of several
        channels and at least 32 steps; recorded in ``backbone_``.
        The encoder: a registered name (``"dlinear"``, ``"patchtst"``,
        ``"mlp"``, see :func:`~sk_stfm.backbones.list_backbones`) or a
        configuration such as ``PatchTSTConfig(d_model=32)``, whose
        parameters are reachable as ``backbone__d_model``.
    objective : str, BaseObjective or None, default=None
        How the encoder is trained. ``None`` and ``"regression"`` mean
        plain supervised training on the labels;
        :class:`~sk_stfm.objectives.Masked`,
        :class:`~sk_stfm.objectives.Contrastive` and
        :class:`~sk_stfm.objectives.MultiObjective` first pre-train the
        encoder self-supervised on the windows of ``X`` (they need a
        backbone with a learned encoder, not ``"dlinear"``), then
        fine-tune as their ``finetune`` says. The task loss is always
        cross-entropy; an objective's ``loss`` applies to its pre-training
        stage only.
    %(training_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    %(training_attributes)s

    See Also
    --------
    STForecaster : The same backbones trained to forecast.

    Notes
    -----
    Axis order: ``X`` is ``(n_samples, n_steps, n_nodes, n_channels)``,
    time before channels. sktime's ``numpy3D`` panels are ``(n_instances,
    n_channels, n_timepoints)``: pass ``X.transpose(0, 2, 1)``.

    ``validation_fraction`` draws a stratified random share of the windows
    (at least one per class); with a class of fewer than two windows, or
    ``0``, training runs without validation and early stopping. An
    objective's pre-training stage validates on the last windows.

    NaN is allowed in ``X``: inputs are forward-filled along time (series
    with no observation take the training mean). Labels may not be NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators import MLPConfig
    >>> from sk_stfm.estimators._classifier import STClassifier
    >>> rng = np.random.default_rng(0)
    >>> t = np.linspace(0, 4 * np.pi, 32)
    >>> X = np.concatenate([np.sin(t) + 0.1 * rng.normal(size=(20, 32)),
    ...                     np.sign(np.sin(t)) + 0.1 * rng.normal(size=(20, 32))])
    >>> y = np.array(["sine"] * 20 + ["square"] * 20)
    >>> clf = STClassifier(backbone=MLPConfig(hidden_sizes=(16,)), max_epochs=30,
    ...                    lr=1e-2, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['sine', 'square'], dtype='<U6')
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _task = "classification"
    _output_units = None
    _fitted_attributes = BaseSTEstimator._fitted_attributes + ("classes_",)
    _test_params = (
        {
            "backbone": MLPConfig(hidden_sizes=(16,), revin=False),
            "max_epochs": 30,
            "lr": 3e-2,
            "batch_size": 32,
        },
        {
            "backbone": PatchTSTConfig(
                patch_len=2,
                stride=1,
                d_model=8,
                n_heads=2,
                n_layers=1,
                d_ff=16,
                dropout=0.0,
                revin=False,
            ),
            "max_epochs": 20,
            "lr": 1e-2,
            "batch_size": 64,
        },
    )

    # ------------------------------------------------------------- task hooks
    def _training_targets(self, windows, y, *, reset):
        """Encode the labels as class indices; with ``reset``, learn ``classes_``."""
        y = check_class_labels(y, len(windows), type(self).__name__)
        if reset:
            self.classes_, encoded = np.unique(y, return_inverse=True)
            return encoded.astype(np.int64)
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(
                f"validation_data y has labels not seen in y: {unseen.tolist()}; "
                f"classes are {self.classes_.tolist()}."
            )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _output_shape(self):
        # The backbone's forecasting head is unused: keep it minimal.
        return 1, self.window_shape_[2]

    def _validation_gap(self, n_steps):
        return 0

    def _train_split(self, validation, gap):
        return _StratifiedValidationSplit(self.validation_fraction_, validation, self._seed())

    def _task_module(self, backbone):
        horizon, n_targets = self._output_shape()
        # Gives a pre-trained encoder its task setting (frozen weights for
        # finetune="head" / "frozen"); the class head below always trains.
        self.objective_.prepare_finetuning(backbone, horizon, n_targets)
        frozen = getattr(self.objective_, "finetune", "full") == "frozen"
        module = _EmbeddingClassifier(backbone, len(self.classes_), frozen_encoder=frozen)
        return module, nn.CrossEntropyLoss()

    # ------------------------------------------------------------- public API
    def fit(self, X, y, validation_data=None):
        """Train the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Input windows; 2-D ``(n_samples, n_features)`` is read through
            ``window_shape`` and 3-D ``(n_samples, n_steps, n_channels)`` as
            one node. NaN marks a missing value.
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings).
        validation_data : tuple (X_val, y_val) or None, default=None
            Explicit validation windows for early stopping, replacing the
            ``validation_fraction`` split; ``y_val`` may only hold labels
            of ``y``.

        Returns
        -------
        self : STClassifier
            The fitted classifier.
        """
        return self._validated_fit(X, y, validation_data)

    def _logits(self, X):
        return self._forward_windows(X)

    def decision_function(self, X):
        """Return the class scores (logits) of the windows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Input windows, in the layout used in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Float64 logits; for two classes, the margin of ``classes_[1]``
            over ``classes_[0]`` (positive means ``classes_[1]``).
        """
        logits = self._logits(X)
        if logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X):
        """Return class probabilities (softmax of the logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Input windows, in the layout used in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Float64 probabilities in the order of ``classes_``; rows sum to 1.
        """
        return softmax(self._logits(X), axis=1)

    def predict_log_proba(self, X):
        """Return the logarithm of the class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Input windows, in the layout used in ``fit``.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Float64 log-probabilities in the order of ``classes_``.
        """
        return log_softmax(self._logits(X), axis=1)

    def predict(self, X):
        """Predict the class of each window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Input windows, in the layout used in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_`` with the highest probability.
        """
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        tags.target_tags.single_output = True
        tags.classifier_tags.multi_label = False
        return tags
