"""Backbone hyperparameters as scikit-learn objects.

Backbones are pure ``nn.Module`` classes; these configurations are their
scikit-learn face, so that ``backbone=PatchTSTConfig(d_model=32)``,
``set_params(backbone__d_model=32)`` and hyperparameter searches work.
"""

from sklearn.base import BaseEstimator, clone

from ..backbones import get_backbone, list_backbones


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

    def build(self, n_steps, n_nodes, n_channels, horizon, n_targets=None):
        """Build the backbone module for windows of a given shape.

        Parameters
        ----------
        n_steps, n_nodes, n_channels : int
            Shape of one input window.
        horizon : int
            Number of output steps.
        n_targets : int or None, default=None
            Number of output channels; ``None`` means ``n_channels``.

        Returns
        -------
        module : torch.nn.Module
            A freshly initialized backbone.
        """
        spec = get_backbone(self.backbone_name)
        try:
            return spec.cls(
                n_steps, n_nodes, n_channels, horizon, n_targets, **self.hyperparameters()
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


_CONFIGS = {cls.backbone_name: cls for cls in (DLinearConfig, PatchTSTConfig, MLPConfig)}


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
