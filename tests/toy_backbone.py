"""A backbone added the way a user adds one: one module, one registration.

``tests/test_registry.py`` imports it and finds the backbone everywhere the
package lists backbones, without any other file naming it.
"""

from torch import nn

from sk_stfm.backbones import BackboneTraits, BaseBackbone, register_backbone
from sk_stfm.backbones._registry import TEMPORAL_TAGS
from sk_stfm.utils import IntRange


class ToyMixer(BaseBackbone):
    """A two-layer MLP over each series' window (a test backbone).

    Parameters
    ----------
    n_steps, n_nodes, n_channels : int
        Shape of one input window.
    horizon : int
        Output steps.
    n_targets : int, default=None
        Output channels; ``None`` means ``n_channels``.
    width : int, default=16
        Hidden width.
    """

    def __init__(self, n_steps, n_nodes, n_channels, horizon, n_targets=None, width=16):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        self.width = width
        self.hidden = nn.Sequential(nn.Linear(n_steps, width), nn.GELU())
        self.reset_head(horizon, n_targets)

    def _encode(self, x):
        # (batch, T, N, C) -> (batch, N, C, width)
        return self.hidden(x.movedim(1, -1)), None

    def _make_head(self, horizon):
        return _TimeHead(self.width, horizon)


class _TimeHead(nn.Linear):
    def forward(self, z):
        return super().forward(z).movedim(-1, 1)


SPEC = register_backbone(
    "toy_mixer",
    ToyMixer,
    TEMPORAL_TAGS,
    "A test backbone: an MLP over each series' window.",
    search_space={"width": IntRange(8, 32, step=8)},
    searched_on=("series",),
    traits=BackboneTraits(1, "a test backbone"),
    sizes=lambda level, history, profile: {"width": (8, 16, 32)[level]},
    memory=lambda params, history, profile: profile.n_nodes * history * params["width"],
    width_parameters=("width",),
    test_params={"width": 8},
    overwrite=True,
)
ToyMixerConfig = SPEC.config


