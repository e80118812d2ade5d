"""Several self-supervised objectives in one pre-training stage."""

import numbers

from torch import nn

from ._pretraining import PretrainingObjective


class JointPretext(nn.Module):
    """Run several pretext models on the same windows.

    Parameters
    ----------
    pretexts : list of torch.nn.Module
        Pretext models sharing one backbone.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import MLPBackbone
    >>> from sk_stfm.objectives import ContrastiveViews, JointPretext
    >>> views = ContrastiveViews(MLPBackbone(8, 1, 1, horizon=2), ("jitter",), 1.0, 4)
    >>> len(JointPretext([views])(torch.randn(3, 8, 1, 1)))
    1
    """

    def __init__(self, pretexts):
        super().__init__()
        self.pretexts = nn.ModuleList(pretexts)

    @property
    def backbone(self):
        """The backbone the pretext models share."""
        return self.pretexts[0].backbone

    def forward(self, x):
        """Return the output of every pretext model.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Windows.

        Returns
        -------
        outputs : tuple
            One output per pretext model.
        """
        return tuple(pretext(x) for pretext in self.pretexts)


class WeightedLoss(nn.Module):
    """Weighted sum of the pretext losses.

    Parameters
    ----------
    criteria : list of torch.nn.Module
        One loss per pretext model.
    weights : list of float
        Their weights.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.objectives import WeightedLoss
    >>> class Mean(torch.nn.Module):
    ...     def forward(self, output, target):
    ...         return output.mean()
    >>> WeightedLoss([Mean(), Mean()], [1.0, 0.5])((torch.ones(2), torch.ones(2)), None)
    tensor(1.5000)
    """

    def __init__(self, criteria, weights):
        super().__init__()
        self.criteria = nn.ModuleList(criteria)
        self.weights = list(weights)

    def forward(self, outputs, target):
        """Return the weighted sum of the losses.

        Parameters
        ----------
        outputs : tuple
            Outputs of :class:`JointPretext`.
        target : torch.Tensor
            Targets of the pretext stage (the windows).

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        return sum(
            weight * criterion(output, target)
            for criterion, weight, output in zip(self.criteria, self.weights, outputs, strict=True)
        )


class MultiObjective(PretrainingObjective):
    """A weighted sum of self-supervised objectives in one pre-training stage.

    Each component contributes its pretext task on the shared backbone
    (for example masked reconstruction through the head and contrastive
    agreement of the encoder's representation); their losses are summed
    with the given weights, then the task head is fine-tuned.

    Parameters
    ----------
    objectives : list of (PretrainingObjective, float)
        Components and their weights. At most one may replace the head for
        its pretext task (as :class:`Masked` does).
    pretrain_epochs : int, default=10
        Maximum epochs of the joint pre-training stage.
    finetune : {"full", "head", "frozen"}, default="full"
        What trains in the task stage.
    loss : {"mse", "mae", "huber"}, default="mse"
        Point loss of the task stage.

    Examples
    --------
    >>> from sk_stfm.objectives import Contrastive, Masked, MultiObjective
    >>> objective = MultiObjective([(Masked(), 1.0), (Contrastive(), 0.5)])
    >>> [weight for _, weight in objective.objectives]
    [1.0, 0.5]
    """

    _parameter_constraints: dict = {
        **PretrainingObjective._parameter_constraints,
        "objectives": [list, tuple],
    }

    def __init__(self, objectives, pretrain_epochs=10, finetune="full", loss="mse"):
        self.objectives = objectives
        self.pretrain_epochs = pretrain_epochs
        self.finetune = finetune
        self.loss = loss

    def _components(self):
        components = []
        for entry in self.objectives:
            if not (isinstance(entry, tuple | list) and len(entry) == 2):
                raise ValueError(
                    f"objectives must be a list of (objective, weight) pairs; got {entry!r}."
                )
            objective, weight = entry
            if not isinstance(objective, PretrainingObjective):
                raise TypeError(
                    "objectives must hold self-supervised objectives (Masked, Contrastive, "
                    f"...); got {type(objective).__name__}."
                )
            if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or weight <= 0:
                raise ValueError(f"objective weights must be positive numbers; got {weight!r}.")
            components.append((objective, float(weight)))
        if not components:
            raise ValueError("objectives must hold at least one (objective, weight) pair.")
        return components

    def make_pretext(self, backbone):
        """Return the joint pretext model and the weighted loss.

        Parameters
        ----------
        backbone : BaseBackbone
            The freshly built backbone, shared by every component.

        Returns
        -------
        module : JointPretext
            The model to pre-train.
        criterion : WeightedLoss
            Its loss.
        """
        self._validate_params()
        pretexts, criteria, weights = [], [], []
        for objective, weight in self._components():
            module, criterion = objective.make_pretext(backbone)
            pretexts.append(module)
            criteria.append(criterion)
            weights.append(weight)
        return JointPretext(pretexts), WeightedLoss(criteria, weights)
