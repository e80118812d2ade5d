"""What the tasks learned from the input windows alone share (no ``y``).

Imputation, anomaly detection and representation learning train the
objective's self-supervised pretext model itself: the pretext *is* the
task, so there is no separate pre-training stage and no task head.
"""

from ..data import input_ndim, restore_layout
from ._base import BaseSTEstimator
from ._docs import fill_shared_docs


@fill_shared_docs
class BaseWindowTaskEstimator(BaseSTEstimator):
    """Base of estimators trained on the windows of ``X`` alone.

    ``fit(X, y=None)`` trains the objective's pretext model (for example
    masked reconstruction) on the windows, with early stopping on the last
    windows; ``y`` is ignored.

    Parameters
    ----------
    backbone : str or BackboneConfig, default="auto"
        ``"auto"`` is the backbone the registry prefers for the task and the
        windows (:func:`~sk_stfm.backbones.auto_backbone`: PatchTST, or an
        MLP for windows shorter than one of its 16-step patches); recorded
        in ``backbone_``.
        The model; its head outputs whole windows.
    objective : str, BaseObjective or None, default=None
        The self-supervised objective; ``None`` means the task's default.
    %(training_parameters)s

    Examples
    --------
    >>> from sk_stfm.estimators import STImputer, BaseWindowTaskEstimator
    >>> issubclass(STImputer, BaseWindowTaskEstimator)
    True
    """

    _fitted_attributes = BaseSTEstimator._fitted_attributes + ("output_shape_",)
    # The pretext model reconstructs the input windows.
    _output_units = "inputs"

    def _training_targets(self, windows, y, *, reset):
        # The pretext targets are the windows, NaN where unobserved.
        if reset:
            self.output_shape_ = windows.shape[1:]
        return windows

    def _output_shape(self):
        n_steps, _, n_channels = self.window_shape_
        return n_steps, n_channels

    def _validation_gap(self, n_steps):
        return n_steps - 1

    def _pretrain(self, *args, **kwargs):
        # The pretext model is trained as the task itself (in ``_task_module``).
        self.pretrain_history_ = None

    def _task_module(self, backbone):
        pretext = self.objective_.make_pretext(backbone)
        if pretext is not None:
            return pretext
        # Objectives without a pretext stage (diffusion) build the task's model.
        return (
            self.objective_.build_module(backbone, self._task),
            self.objective_.make_criterion(),
        )

    def _restore_input_layout(self, windows, X):
        """Windows in the layout (2-D, 3-D or 4-D) of the caller's ``X``."""
        return restore_layout(windows, input_ndim(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.target_tags.multi_output = False
        return tags
