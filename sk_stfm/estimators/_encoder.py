"""STEncoder: self-supervised embeddings of windows, as a scikit-learn transformer."""

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._backbone_config import MLPConfig
from ._docs import fill_shared_docs
from ._window_tasks import BaseWindowTaskEstimator


@fill_shared_docs
class STEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseWindowTaskEstimator):
    """Self-supervised encoder: windows in, one embedding vector per window out.

    ``fit(X)`` pre-trains the backbone's encoder with a self-supervised
    objective (contrastive agreement of augmented views by default, or
    masked reconstruction); ``transform(X)`` returns the backbone's node
    embeddings (:meth:`~sk_stfm.backbones.BaseBackbone.embed`) of each
    window, concatenated over nodes. The embeddings feed any scikit-learn
    model: ``make_pipeline(STEncoder(), Ridge())``.

    Parameters
    ----------
    backbone : str or BackboneConfig, default="auto"
        ``"auto"`` is the backbone the registry prefers for the task and the
        windows (:func:`~sk_stfm.backbones.auto_backbone`: PatchTST, or an
        MLP for windows shorter than one of its 16-step patches); recorded
        in ``backbone_``.
        The encoder; it needs learned encoder weights (not ``"dlinear"``).
    objective : str, BaseObjective or None, default=None
        ``None`` and ``"contrastive"`` mean
        :class:`~sk_stfm.objectives.Contrastive`; ``"masked"``,
        :class:`~sk_stfm.objectives.Masked` and
        :class:`~sk_stfm.objectives.MultiObjective` also work. Their
        ``pretrain_epochs`` and ``finetune`` do not apply: ``max_epochs``
        bounds training.
    %(training_parameters)s

    Attributes
    ----------
    %(training_attributes)s
    output_shape_ : tuple of int
        ``(n_steps, n_nodes, n_channels)`` of the training windows.

    See Also
    --------
    STClassifier : A backbone and a classification head, trained end to end.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import make_windows
    >>> from sk_stfm.estimators import STEncoder
    >>> t = np.arange(2000, dtype=np.float32)
    >>> X, _ = make_windows(np.sin(2 * np.pi * t / 24)[:, None, None], 48, 1, stride=4)
    >>> encoder = STEncoder(backbone="mlp", max_epochs=2, random_state=0).fit(X)
    >>> encoder.transform(X[:3]).shape
    (3, 64)
    """

    _task = "representation"
    _default_objective = "contrastive"
    _test_params = (
        {
            "backbone": MLPConfig(hidden_sizes=(8,), revin=False),
            "max_epochs": 2,
            "batch_size": 32,
        },
    )

    def fit(self, X, y=None):
        """Pre-train the encoder on the windows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows, NaN where missing (forward-filled for the encoder);
            2-D and 3-D layouts as in :class:`STForecaster`.
        y : None
            Ignored.

        Returns
        -------
        self : STEncoder
            The fitted encoder.
        """
        return self._validated_fit(X, None)

    @property
    def _n_features_out(self):
        # Read by get_feature_names_out; derived from the fitted network.
        return self.net_.module_.backbone.representation_size("embed")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

    def transform(self, X):
        """Embed each window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows in the layout used in ``fit``.

        Returns
        -------
        embeddings : ndarray of shape (n_samples, n_nodes * embedding_size)
            Float64 embeddings, node after node.
        """
        check_is_fitted(self)
        return self._forward_windows(
            X, infer=lambda module, x: module.backbone.embed(x).flatten(1), unscale=False
        )
