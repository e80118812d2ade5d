"""Backbone hyperparameters as scikit-learn objects.

Backbones are pure ``nn.Module`` classes; these configurations are their
scikit-learn face, so that ``backbone=PatchTSTConfig(d_model=32)``,
``set_params(backbone__d_model=32)`` and hyperparameter searches work.
"""

from sklearn.base import BaseEstimator, clone

from ..backbones import get_backbone, list_backbones
from ..data import grid_adjacency


def spatial_input(spatial, name):
    """The part ``name`` (``"adjacency"`` or ``"grid_shape"``) of a spatial context.

    Parameters
    ----------
    spatial : SpatialContext or None
        The resolved ``spatial=`` parameter.
    name : {"adjacency", "grid_shape"}
        The part a backbone asks for.

    Returns
    -------
    value : object or None
        The adjacency (a grid's 4-neighbour lattice when only its shape is
        known), the grid shape, or ``None``.
    """
    if spatial is None:
        return None
    value = getattr(spatial, name)
    if value is None and name == "adjacency" and spatial.grid_shape is not None:
        return grid_adjacency(spatial.grid_shape)
    return value


class BackboneConfig(BaseEstimator):
    """Base class of backbone configurations.

    Subclasses set ``backbone_name`` (the registry key) and list the
    backbone's hyperparameters as their ``__init__`` parameters; ``build``
    passes them to the registered module class.

    See Also
    --------
    RegisteredBackbone : Configuration of any registered backbone by name.

    Examples
    --------
    A configuration of the registered ``"mlp"`` backbone with a single
    search parameter, the width of its two hidden layers; ``hyperparameters``
    translates it into the module's keyword arguments:

    >>> from sk_stfm.estimators import BackboneConfig
    >>> class TwoLayerMLPConfig(BackboneConfig):
    ...     backbone_name = "mlp"
    ...     def __init__(self, width=32):
    ...         self.width = width
    ...     def hyperparameters(self):
    ...         return {"hidden_sizes": (self.width, self.width)}
    >>> config = TwoLayerMLPConfig().set_params(width=8)
    >>> config.build(n_steps=24, n_nodes=1, n_channels=2, horizon=6).encoder
    Sequential(...)
    >>> config.hyperparameters()
    {'hidden_sizes': (8, 8)}
    """

    backbone_name = None
    # A configuration is not an estimator to fit (see ``all_estimators``).
    _is_estimator = False

    def hyperparameters(self):
        """Return the keyword arguments passed to the backbone module.

        Returns
        -------
        params : dict
            The configuration's parameters.
        """
        return self.get_params(deep=False)

    def build(self, n_steps, n_nodes, n_channels, horizon, n_targets=None, spatial=None):
        """Build the backbone module for windows of a given shape.

        Parameters
        ----------
        n_steps, n_nodes, n_channels : int
            Shape of one input window.
        horizon : int
            Number of output steps.
        n_targets : int or None, default=None
            Number of output channels; ``None`` means ``n_channels``.
        spatial : SpatialContext or None, default=None
            The resolved ``spatial=`` parameter of the estimator. Backbones
            receive the parts named in their ``spatial_context`` attribute;
            one that takes an adjacency gets the lattice of a grid when only
            a grid shape is known.

        Returns
        -------
        module : torch.nn.Module
            A freshly initialized backbone.
        """
        spec = get_backbone(self.backbone_name)
        context = {
            name: spatial_input(spatial, name) for name in getattr(spec.cls, "spatial_context", ())
        }
        try:
            return spec.cls(
                n_steps,
                n_nodes,
                n_channels,
                horizon,
                n_targets,
                **context,
                **self.hyperparameters(),
            )
        except (TypeError, ValueError) as exc:
            # Name the estimator-level parameter (backbone__<name>) in the message.
            raise type(exc)(
                f"invalid backbone parameters for {type(self).__name__} "
                f"(set as backbone__<name>): {exc}"
            ) from exc

    def spec(self):
        """Return the registry entry of the backbone.

        Returns
        -------
        spec : BackboneSpec
            Name, class, tags and description.
        """
        return get_backbone(self.backbone_name)


class RegisteredBackbone(BackboneConfig):
    """Configuration of any registered backbone, by name and keyword arguments.

    Use it for backbones registered with
    :func:`~sk_stfm.backbones.register_backbone` that have no dedicated
    configuration class.

    Parameters
    ----------
    name : str
        Registry key of the backbone.
    params : dict or None, default=None
        Keyword arguments of the backbone module.

    Examples
    --------
    >>> from sk_stfm.estimators import RegisteredBackbone
    >>> RegisteredBackbone("dlinear", {"kernel_size": 5}).build(16, 1, 2, 4).horizon
    4
    """

    def __init__(self, name, params=None):
        self.name = name
        self.params = params

    @property
    def backbone_name(self):
        """Registry key of the configured backbone."""
        return self.name

    def hyperparameters(self):
        """Return the keyword arguments passed to the backbone module.

        Returns
        -------
        params : dict
            A copy of ``params``.
        """
        return dict(self.params or {})


class DLinearConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.DLinear`.

    Parameters
    ----------
    kernel_size : int, default=25
        Moving-average window of the trend / seasonal decomposition.
    individual : bool, default=False
        One linear map per node and channel instead of a shared one.

    Examples
    --------
    >>> from sk_stfm.estimators import DLinearConfig
    >>> DLinearConfig(kernel_size=5).build(n_steps=16, n_nodes=1, n_channels=3, horizon=4)
    DLinear(...)
    """

    backbone_name = "dlinear"

    def __init__(self, kernel_size=25, individual=False):
        self.kernel_size = kernel_size
        self.individual = individual


class PatchTSTConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.PatchTST`.

    The defaults are the official ETTh1 configuration of PatchTST.

    Parameters
    ----------
    patch_len : int, default=16
        Steps per patch.
    stride : int, default=8
        Steps between patch starts.
    padding_patch : {"end", None}, default="end"
        Pad the end of the window with ``stride`` copies of its last value.
    d_model : int, default=16
        Width of the Transformer.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=3
        Encoder layers.
    d_ff : int, default=128
        Width of the feed-forward layers.
    dropout : float, default=0.3
        Dropout inside the encoder.
    attn_dropout : float, default=0.0
        Dropout on the attention weights.
    head_dropout : float, default=0.0
        Dropout of the flatten head.
    activation : {"gelu", "relu"}, default="gelu"
        Feed-forward activation.
    norm_first : bool, default=False
        Pre-norm instead of post-norm encoder layers.
    norm : {"batch", "layer"}, default="batch"
        Normalization inside the encoder (batch norm as in the paper).
    revin : bool, default=True
        Reversible instance normalization of each series.
    revin_affine : bool, default=False
        Learnable affine parameters in RevIN.
    subtract_last : bool, default=False
        Center on the last value instead of the mean in RevIN.

    Examples
    --------
    >>> from sk_stfm.estimators import PatchTSTConfig
    >>> PatchTSTConfig(d_model=8, n_heads=2).build(32, 1, 2, horizon=4).n_patches
    4
    """

    backbone_name = "patchtst"

    def __init__(
        self,
        patch_len=16,
        stride=8,
        padding_patch="end",
        d_model=16,
        n_heads=4,
        n_layers=3,
        d_ff=128,
        dropout=0.3,
        attn_dropout=0.0,
        head_dropout=0.0,
        activation="gelu",
        norm_first=False,
        norm="batch",
        revin=True,
        revin_affine=False,
        subtract_last=False,
    ):
        self.patch_len = patch_len
        self.stride = stride
        self.padding_patch = padding_patch
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.d_ff = d_ff
        self.dropout = dropout
        self.attn_dropout = attn_dropout
        self.head_dropout = head_dropout
        self.activation = activation
        self.norm_first = norm_first
        self.norm = norm
        self.revin = revin
        self.revin_affine = revin_affine
        self.subtract_last = subtract_last


class MLPConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.MLPBackbone`.

    Parameters
    ----------
    hidden_sizes : tuple of int, default=(64,)
        Widths of the hidden layers.
    dropout : float, default=0.1
        Dropout after each hidden layer.
    revin : bool, default=True
        Reversible instance normalization of each series.
    revin_affine : bool, default=False
        Learnable affine parameters in RevIN.

    Examples
    --------
    >>> from sk_stfm.estimators import MLPConfig
    >>> MLPConfig(hidden_sizes=(8,)).build(12, 3, 1, horizon=2)
    MLPBackbone(...)
    """

    backbone_name = "mlp"

    def __init__(self, hidden_sizes=(64,), dropout=0.1, revin=True, revin_affine=False):
        self.hidden_sizes = hidden_sizes
        self.dropout = dropout
        self.revin = revin
        self.revin_affine = revin_affine


class GraphWaveNetConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.GraphWaveNet`.

    The graph comes from the estimator's ``spatial=`` parameter (a grid's
    4-neighbour lattice when only its shape is known); without one, only the
    learned adjacency is used.

    Parameters
    ----------
    adaptive : bool, default=True
        Learn an adjacency from node embeddings.
    adaptive_rank : int, default=10
        Size of the node embeddings of the learned adjacency.
    residual_channels : int, default=32
        Width of the residual stream.
    dilation_channels : int, default=32
        Width of the gated convolutions.
    skip_channels : int, default=128
        Width of the skip connections.
    end_channels : int, default=256
        Width of the head's hidden layer.
    n_blocks : int, default=4
        Blocks of dilated layers.
    n_layers : int, default=2
        Layers per block (dilations 1, 2, 4, ...).
    kernel_size : int, default=2
        Width of the temporal convolutions.
    diffusion_order : int, default=2
        Powers of each support in the graph convolution.
    dropout : float, default=0.3
        Dropout after each graph convolution.
    revin : bool, default=False
        Reversible instance normalization of each series.

    Examples
    --------
    >>> from sk_stfm.estimators import GraphWaveNetConfig
    >>> GraphWaveNetConfig(n_blocks=2).build(12, 4, 1, horizon=3).receptive_field
    7
    """

    backbone_name = "gwnet"

    def __init__(
        self,
        adaptive=True,
        adaptive_rank=10,
        residual_channels=32,
        dilation_channels=32,
        skip_channels=128,
        end_channels=256,
        n_blocks=4,
        n_layers=2,
        kernel_size=2,
        diffusion_order=2,
        dropout=0.3,
        revin=False,
    ):
        self.adaptive = adaptive
        self.adaptive_rank = adaptive_rank
        self.residual_channels = residual_channels
        self.dilation_channels = dilation_channels
        self.skip_channels = skip_channels
        self.end_channels = end_channels
        self.n_blocks = n_blocks
        self.n_layers = n_layers
        self.kernel_size = kernel_size
        self.diffusion_order = diffusion_order
        self.dropout = dropout
        self.revin = revin


class TGCNConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.TGCN`.

    The graph comes from the estimator's ``spatial=`` parameter; without
    one, every node only sees itself.

    Parameters
    ----------
    hidden_size : int, default=64
        Size of each node's GRU state.
    revin : bool, default=False
        Reversible instance normalization of each series.

    Examples
    --------
    >>> from sk_stfm.estimators import TGCNConfig
    >>> TGCNConfig(hidden_size=8).build(12, 3, 1, horizon=3).hidden_size
    8
    """

    backbone_name = "tgcn"

    def __init__(self, hidden_size=64, revin=False):
        self.hidden_size = hidden_size
        self.revin = revin


class STIDConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.STID`.

    Parameters
    ----------
    embed_dim : int, default=32
        Size of the embedding of a node's window of values.
    node_dim : int, default=32
        Size of the node embedding; 0 disables it.
    time_of_day_dim : int, default=32
        Size of the time-of-day embedding.
    day_of_week_dim : int, default=32
        Size of the day-of-week embedding.
    time_of_day_channels : tuple (int, int) or None, default=None
        Sine and cosine channels of the time of day (from
        :class:`~sk_stfm.harmonize.CalendarFeatures`).
    day_of_week_channels : tuple (int, int) or None, default=None
        Sine and cosine channels of the day of week.
    steps_per_day : int, default=288
        Slots of the time-of-day embedding.
    n_layers : int, default=3
        Residual MLP blocks.
    dropout : float, default=0.15
        Dropout inside each block.
    revin : bool, default=False
        Reversible instance normalization of each series.

    Examples
    --------
    >>> from sk_stfm.estimators import STIDConfig
    >>> STIDConfig(node_dim=4, embed_dim=4).build(12, 3, 1, horizon=3).hidden_size
    8
    """

    backbone_name = "stid"

    def __init__(
        self,
        embed_dim=32,
        node_dim=32,
        time_of_day_dim=32,
        day_of_week_dim=32,
        time_of_day_channels=None,
        day_of_week_channels=None,
        steps_per_day=288,
        n_layers=3,
        dropout=0.15,
        revin=False,
    ):
        self.embed_dim = embed_dim
        self.node_dim = node_dim
        self.time_of_day_dim = time_of_day_dim
        self.day_of_week_dim = day_of_week_dim
        self.time_of_day_channels = time_of_day_channels
        self.day_of_week_channels = day_of_week_channels
        self.steps_per_day = steps_per_day
        self.n_layers = n_layers
        self.dropout = dropout
        self.revin = revin


class STTransformerConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.STTransformer`.

    Parameters
    ----------
    laplacian_dim : int, default=8
        Laplacian eigenvectors used as node positions when ``spatial=``
        gives a graph; 0 disables them.
    d_model : int, default=32
        Token width.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=2
        Temporal-then-spatial layers.
    d_ff : int, default=64
        Width of the feed-forward sublayers.
    dropout : float, default=0.1
        Dropout in the attention blocks.
    revin : bool, default=False
        Reversible instance normalization of each series.

    Examples
    --------
    >>> from sk_stfm.estimators import STTransformerConfig
    >>> STTransformerConfig(d_model=8, n_heads=2).build(6, 3, 1, horizon=2).d_model
    8
    """

    backbone_name = "st_transformer"

    def __init__(
        self,
        laplacian_dim=8,
        d_model=32,
        n_heads=4,
        n_layers=2,
        d_ff=64,
        dropout=0.1,
        revin=False,
    ):
        self.laplacian_dim = laplacian_dim
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.d_ff = d_ff
        self.dropout = dropout
        self.revin = revin


class ConvLSTMConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.ConvLSTM`.

    The grid shape comes from the estimator's ``spatial=`` parameter.

    Parameters
    ----------
    hidden_channels : tuple of int, default=(32, 32)
        Hidden channels of each ConvLSTM layer.
    kernel_size : int, default=3
        Size of the gate convolutions (odd).
    revin : bool, default=False
        Reversible instance normalization of each cell's series.

    Examples
    --------
    >>> from sk_stfm.estimators import ConvLSTMConfig
    >>> ConvLSTMConfig(hidden_channels=(4,)).build(6, 4, 1, horizon=2).grid_shape
    (4, 1)
    """

    backbone_name = "convlstm"

    def __init__(self, hidden_channels=(32, 32), kernel_size=3, revin=False):
        self.hidden_channels = hidden_channels
        self.kernel_size = kernel_size
        self.revin = revin


class SimVPConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.SimVP`.

    The frame shape comes from the estimator's ``spatial=`` parameter.

    Parameters
    ----------
    hidden_channels : int, default=16
        Channels of the spatial encoder and decoder.
    translator_channels : int, default=64
        Channels of the translator.
    n_translator_blocks : int, default=2
        Translator blocks.
    kernel_size : int, default=5
        Size of the translator's depthwise convolutions (odd).
    revin : bool, default=False
        Reversible instance normalization of each cell's series.

    Examples
    --------
    >>> from sk_stfm.estimators import SimVPConfig
    >>> SimVPConfig(hidden_channels=4).build(6, 4, 1, horizon=2).hidden_channels
    4
    """

    backbone_name = "simvp"

    def __init__(
        self,
        hidden_channels=16,
        translator_channels=64,
        n_translator_blocks=2,
        kernel_size=5,
        revin=False,
    ):
        self.hidden_channels = hidden_channels
        self.translator_channels = translator_channels
        self.n_translator_blocks = n_translator_blocks
        self.kernel_size = kernel_size
        self.revin = revin


class STPatchTransformerConfig(BackboneConfig):
    """Hyperparameters of :class:`~sk_stfm.backbones.STPatchTransformer`.

    The grid shape or graph comes from the estimator's ``spatial=``
    parameter; the learned weights do not depend on it.

    Parameters
    ----------
    patch_size : int, default=2
        Side of a grid block; a graph patch holds about ``patch_size**2``
        nodes.
    patch_len : int, default=4
        Steps per temporal segment.
    d_model : int, default=32
        Token width.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=2
        Transformer layers.
    d_ff : int, default=64
        Width of the feed-forward sublayers.
    dropout : float, default=0.1
        Dropout in the attention blocks.
    position_dim : int, default=8
        Laplacian eigenvectors of the patch graph used as positions.
    revin : bool, default=False
        Reversible instance normalization of each series.
    random_state : int, default=0
        Seed of the graph clustering.

    Examples
    --------
    >>> from sk_stfm.estimators import STPatchTransformerConfig
    >>> STPatchTransformerConfig(d_model=8, n_heads=2).build(8, 6, 1, horizon=2).n_patches
    3
    """

    backbone_name = "st_patch_transformer"

    def __init__(
        self,
        patch_size=2,
        patch_len=4,
        d_model=32,
        n_heads=4,
        n_layers=2,
        d_ff=64,
        dropout=0.1,
        position_dim=8,
        revin=False,
        random_state=0,
    ):
        self.patch_size = patch_size
        self.patch_len = patch_len
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.d_ff = d_ff
        self.dropout = dropout
        self.position_dim = position_dim
        self.revin = revin
        self.random_state = random_state


_CONFIGS = {
    cls.backbone_name: cls
    for cls in (
        DLinearConfig,
        PatchTSTConfig,
        MLPConfig,
        GraphWaveNetConfig,
        TGCNConfig,
        STIDConfig,
        STTransformerConfig,
        ConvLSTMConfig,
        SimVPConfig,
        STPatchTransformerConfig,
    )
}


def resolve_backbone(backbone):
    """Return a fresh configuration for a backbone name or configuration.

    Parameters
    ----------
    backbone : str or BackboneConfig
        A registry name (``"patchtst"``) or a configuration object.

    Returns
    -------
    config : BackboneConfig
        An unfitted copy.

    Examples
    --------
    >>> from sk_stfm.estimators import DLinearConfig, resolve_backbone
    >>> resolve_backbone("patchtst")
    PatchTSTConfig()
    >>> resolve_backbone(DLinearConfig(kernel_size=5))
    DLinearConfig(kernel_size=5)
    """
    if isinstance(backbone, BackboneConfig):
        return clone(backbone)
    if isinstance(backbone, str):
        if backbone in _CONFIGS:
            return _CONFIGS[backbone]()
        get_backbone(backbone)  # raises, naming the registered backbones
        return RegisteredBackbone(backbone)
    raise TypeError(
        f"backbone must be a name among {list_backbones()} or a BackboneConfig; "
        f"got {type(backbone).__name__}."
    )
