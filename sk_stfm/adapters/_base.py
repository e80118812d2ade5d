"""The contract of transfer adapters, as the estimators use them.

An adapter is a scikit-learn configuration object (cloned, searched and
compared like any other hyperparameter) that changes one of three things
in an estimator's ``fit`` and ``predict``:

* **the backbone** (:meth:`BaseAdapter.build_backbone`): adapters that bring
  a pre-trained language model build the backbone module around it, in
  place of the estimator's ``backbone``;
* **which parameters train** (:meth:`BaseAdapter.adapt`): freezing,
  low-rank updates;
* **the inference network** (:meth:`BaseAdapter.inference_module`):
  quantization.

Generative adapters (``generative = True``, prompting) train no network at
all: :meth:`BaseAdapter.make_forecaster` returns the fitted forecasting
function that the estimator stores and calls in ``predict``.
"""

from sklearn.base import BaseEstimator


class BaseAdapter(BaseEstimator):
    """Base class of transfer adapters (``adapter=`` of the estimators).

    The defaults leave the estimator as it is: its own backbone, every
    parameter trained, the inference network unchanged.

    Examples
    --------
    >>> from sk_stfm.adapters import BaseAdapter
    >>> BaseAdapter().replaces_backbone, BaseAdapter().generative
    (False, False)
    """

    # A configuration is not an estimator to fit (see ``all_estimators``).
    _is_estimator = False
    # Whether the adapter trains no network and forecasts by itself.
    generative = False
    # The dtype predictions must run in, overriding the estimator's
    # ``inference_dtype`` (None: no constraint).
    inference_dtype = None
    # Tasks the adapter serves; the estimator refuses others.
    tasks = ("forecasting", "imputation", "anomaly_detection", "classification", "representation")

    @property
    def replaces_backbone(self):
        """Whether :meth:`build_backbone` ignores the estimator's backbone."""
        return False

    def build_backbone(self, backbone, n_steps, n_nodes, n_channels, horizon, n_targets, spatial):
        """Build the backbone module the estimator trains.

        Parameters
        ----------
        backbone : BackboneConfig
            The estimator's resolved backbone configuration.
        n_steps, n_nodes, n_channels : int
            Shape of one input window.
        horizon, n_targets : int
            Output steps and channels.
        spatial : SpatialContext
            The estimator's resolved spatial context.

        Returns
        -------
        module : BaseBackbone
            By default ``backbone.build(...)``.
        """
        return backbone.build(n_steps, n_nodes, n_channels, horizon, n_targets, spatial=spatial)

    def adapt(self, module):
        """Choose (or add) the parameters that train; return the module.

        Parameters
        ----------
        module : torch.nn.Module
            The backbone, before any pre-training stage.

        Returns
        -------
        module : torch.nn.Module
            By default unchanged, every parameter trainable.
        """
        return module

    def make_pretext(self, module):
        """Return the adapter's self-supervised stage before the task, if any.

        Parameters
        ----------
        module : torch.nn.Module
            The backbone from :meth:`build_backbone` and :meth:`adapt`.

        Returns
        -------
        pretext : tuple of (torch.nn.Module, torch.nn.Module) or None
            ``(module, criterion)`` trained for ``pretrain_epochs`` epochs
            on the input windows, or None (the default): the objective's
            own stage, if it has one, runs instead.
        """
        return None

    def inference_module(self, module):
        """Turn the trained network into the one ``predict`` runs.

        Parameters
        ----------
        module : torch.nn.Module
            A copy of the trained network, in evaluation mode and in the
            estimator's ``inference_dtype``.

        Returns
        -------
        module : torch.nn.Module
            By default unchanged.
        """
        return module

    def make_forecaster(self, windows, targets, *, horizon, n_targets, random_state):
        """Return the fitted forecaster of a generative adapter.

        Parameters
        ----------
        windows : ndarray of shape (n_windows, n_steps, n_nodes, n_channels)
            Training input windows, missing values filled.
        targets : ndarray of shape (n_windows, horizon, n_nodes, n_targets)
            Their targets (NaN where unobserved).
        horizon, n_targets : int
            Output steps and channels.
        random_state : int
            Seed of any draw made while fitting.

        Returns
        -------
        forecaster : object
            Has ``predict(windows, random_state) -> ndarray of shape
            (n_windows, horizon, n_nodes, n_targets)``.
        """
        raise NotImplementedError(f"{type(self).__name__} is not a generative adapter.")
