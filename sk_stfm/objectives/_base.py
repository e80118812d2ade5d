"""The strategy interface of training objectives."""

from sklearn.base import BaseEstimator

from ..utils import STFMTags


class BaseObjective(BaseEstimator):
    """Base class of training objectives.

    An objective is a configuration object (a scikit-learn ``BaseEstimator``
    so that ``set_params(objective__loss="mae")`` and searches reach its
    parameters) that turns model outputs and targets into a loss. Objectives
    never import estimators; estimators call them.

    Subclasses list their settings as ``__init__`` parameters and implement
    :meth:`make_criterion`.

    Examples
    --------
    A mean absolute error objective, usable as ``objective=`` of any
    estimator:

    >>> import torch
    >>> from sk_stfm.objectives import BaseObjective, MaskedLoss
    >>> class MAE(BaseObjective):
    ...     def make_criterion(self):
    ...         return MaskedLoss("mae")
    >>> criterion = MAE().make_criterion()
    >>> criterion(torch.zeros(2), torch.tensor([1.0, float("nan")]))
    tensor(1.)
    """

    # Configuration objects are not estimators to fit: keep them out of
    # ``all_estimators`` and the common estimator checks.
    _is_estimator = False

    def make_criterion(self):
        """Return the ``torch.nn.Module`` loss used by the training loop.

        Returns
        -------
        criterion : torch.nn.Module
            Called as ``criterion(y_pred, y_true)``; ``y_true`` may contain
            NaN, which the criterion masks out.
        """
        raise NotImplementedError

    # Objectives without a pre-training stage train the task directly.
    pretrain_epochs = 0

    def make_pretext(self, backbone):
        """Return the model and loss of a self-supervised pre-training stage.

        Parameters
        ----------
        backbone : BaseBackbone
            The freshly built backbone.

        Returns
        -------
        pretext : tuple of (torch.nn.Module, torch.nn.Module) or None
            Module and criterion to pre-train with (targets are the input
            windows), or ``None`` when the objective has no such stage.

        Examples
        --------
        >>> from sk_stfm.objectives import Regression
        >>> Regression().make_pretext(backbone=None) is None
        True
        """
        return None

    def prepare_finetuning(self, backbone, horizon, n_targets):
        """Prepare a pre-trained backbone for the task (no-op by default).

        Parameters
        ----------
        backbone : BaseBackbone
            The backbone after pre-training.
        horizon : int
            Output steps of the task.
        n_targets : int
            Output channels of the task.
        """

    # Probabilistic objectives (diffusion) sample; the others predict points.
    probabilistic = False

    def build_module(self, backbone, task):
        """Return the network trained for a task around the backbone.

        Parameters
        ----------
        backbone : BaseBackbone
            The backbone, after any pre-training stage.
        task : str
            The estimator's task (``"forecasting"``, ``"imputation"``, ...).

        Returns
        -------
        module : torch.nn.Module
            The backbone itself by default; probabilistic objectives wrap it.

        Examples
        --------
        >>> from sk_stfm.backbones import MLPBackbone
        >>> from sk_stfm.objectives import Regression
        >>> backbone = MLPBackbone(8, 1, 1, horizon=2)
        >>> Regression().build_module(backbone, "forecasting") is backbone
        True
        """
        return backbone

    def predict(self, module, x):
        """Return point outputs of a module built by :meth:`build_module`.

        Parameters
        ----------
        module : torch.nn.Module
            The trained network.
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.

        Returns
        -------
        y : torch.Tensor
            The network's output for ``x``.
        """
        return module(x)

    def __stfm_tags__(self):
        """Return the spatio-temporal tags of the objective.

        Returns
        -------
        tags : STFMTags
            Tasks the objective serves, and in ``requires`` the backbone
            capabilities it needs.
        """
        return STFMTags(
            data_kinds=("series", "graph", "grid", "video", "trajectory"),
            dependencies=("temporal", "spatial", "spatio-temporal"),
            tasks=self._tasks,
            requires=self._requires,
        )

    _tasks = ("forecasting",)
    _requires = ()

    @classmethod
    def search_space(cls, history=None):
        """The objective's parameters worth searching, for default search spaces.

        Parameters
        ----------
        history : int or None, default=None
            Length of the input windows, when known.

        Returns
        -------
        params : dict
            Parameters fixed for windows of ``history`` steps.
        space : dict
            ``{parameter: list of values, IntRange or FloatRange}``.

        Examples
        --------
        >>> from sk_stfm.objectives import Regression
        >>> Regression.search_space()
        ({}, {'loss': ['mse', 'mae']})
        """
        return {}, dict(cls._search_space)

    # Ranges of the default search spaces (see ``search_space``).
    _search_space = {}
