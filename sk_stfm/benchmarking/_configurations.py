"""The model configurations the benchmarks train, one function per protocol.

Shared by the suites of :mod:`sk_stfm.benchmarking` and the scripts of
``benchmarks/``, so that a number in the core suite and the longer script
that reproduces a published table come from the same model.
"""

from ..estimators import TimeBudget


def _budget(time_budget):
    return [] if time_budget is None else [TimeBudget(time_budget)]


def etth_forecaster(backbone, time_budget, seed, patchtst_lr=5e-4):
    """The ETTh1 / ETTh2 configuration of DLinear or PatchTST.

    The official hyperparameters where the CPU budget allows: DLinear with a
    25-step moving average, its learning rate halved every epoch; PatchTST's
    ETTh1 architecture with its learning rate decayed by 0.9 per epoch.

    Parameters
    ----------
    backbone : {"dlinear", "patchtst"}
        The model.
    time_budget : float or None
        Seconds of training; ``None`` for no limit.
    seed : int
        Random state.
    patchtst_lr : float, default=5e-4
        Learning rate of PatchTST.

    Returns
    -------
    model : STForecaster
        The unfitted forecaster.
    """
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import ExponentialLR

    from ..estimators import DLinearConfig, PatchTSTConfig, STForecaster

    if backbone == "dlinear":
        return STForecaster(
            backbone=DLinearConfig(kernel_size=25),
            lr=5e-3,
            batch_size=32,
            max_epochs=10,
            patience=3,
            scaling=None,  # the protocol z-scores the series itself
            random_state=seed,
            callbacks=[*_budget(time_budget), LRScheduler(ExponentialLR, gamma=0.5)],
        )
    if backbone == "patchtst":
        return STForecaster(
            backbone=PatchTSTConfig(),
            lr=patchtst_lr,
            batch_size=128,
            max_epochs=100,
            patience=5,
            scaling=None,  # the protocol z-scores the series itself
            random_state=seed,
            callbacks=[*_budget(time_budget), LRScheduler(ExponentialLR, gamma=0.9)],
        )
    raise ValueError(f"backbone must be 'dlinear' or 'patchtst'; got {backbone!r}.")


def los_loop_stid_config():
    """STID on Los-loop's protocol inputs: channels 1 and 2 are the time of day.

    Returns
    -------
    config : STIDConfig
        The configuration, without a day-of-week embedding (one week of data).
    """
    from ..estimators import STIDConfig

    return STIDConfig(time_of_day_channels=(1, 2), day_of_week_dim=0)


def los_loop_forecaster(backbone, time_budget, seed):
    """The Los-loop configuration of a graph backbone.

    Parameters
    ----------
    backbone : {"gwnet", "tgcn", "stid", "st_transformer"}
        The model.
    time_budget : float or None
        Seconds of training; ``None`` for no limit.
    seed : int
        Random state.

    Returns
    -------
    model : STForecaster
        The unfitted forecaster, without its ``spatial`` context.
    """
    from ..estimators import GraphWaveNetConfig, STForecaster, STTransformerConfig, TGCNConfig

    configs = {
        "gwnet": (GraphWaveNetConfig, {}, 1e-3),
        "tgcn": (TGCNConfig, {"hidden_size": 64}, 1e-3),
        "stid": (los_loop_stid_config, {}, 2e-3),
        "st_transformer": (STTransformerConfig, {"d_model": 32, "n_heads": 4, "n_layers": 2}, 1e-3),
    }
    if backbone not in configs:
        raise ValueError(f"backbone must be one of {sorted(configs)}; got {backbone!r}.")
    config, params, lr = configs[backbone]
    return STForecaster(
        backbone=config(**params),
        lr=lr,
        batch_size=64,
        max_epochs=200,
        patience=10,
        scaling=None,  # the published protocol feeds the speeds in mph
        weight_decay=1e-4,
        random_state=seed,
        callbacks=_budget(time_budget),
    )


def chickenpox_forecaster(backbone, data, seed, time_budget=None):
    """The chickenpox configuration of a small graph backbone.

    Parameters
    ----------
    backbone : {"gwnet", "tgcn", "stid", "st_transformer"}
        The model.
    data : STData
        The chickenpox graph (its adjacency is the spatial context).
    seed : int
        Random state.
    time_budget : float or None, default=None
        Seconds of training; ``None`` trains the 200 epochs of the case study.

    Returns
    -------
    model : STForecaster
        The unfitted forecaster.
    """
    from ..estimators import (
        GraphWaveNetConfig,
        STForecaster,
        STIDConfig,
        STTransformerConfig,
        TGCNConfig,
    )

    configs = {
        "gwnet": lambda: GraphWaveNetConfig(
            n_blocks=1,
            residual_channels=16,
            dilation_channels=16,
            skip_channels=32,
            end_channels=32,
            dropout=0.3,
        ),
        "tgcn": lambda: TGCNConfig(hidden_size=32),
        "stid": lambda: STIDConfig(embed_dim=16, node_dim=8, n_layers=1, dropout=0.3),
        "st_transformer": lambda: STTransformerConfig(d_model=16, n_heads=2, n_layers=1, d_ff=32),
    }
    if backbone not in configs:
        raise ValueError(f"backbone must be one of {sorted(configs)}; got {backbone!r}.")
    return STForecaster(
        backbone=configs[backbone](),
        spatial=data,
        lr=1e-2,
        max_epochs=200,
        batch_size=128,
        patience=None,
        validation_fraction=0.0,
        # The counts as published (standardized by the protocol itself).
        scaling=None,
        weight_decay=1e-3,
        random_state=seed,
        callbacks=_budget(time_budget),
    )


def grid_forecaster(backbone, grid_shape, time_budget, seed, batch_size=32):
    """The grid / frame configuration of a backbone (NYCBike1, moving digits).

    Parameters
    ----------
    backbone : {"gwnet", "convlstm", "simvp", "st_patch_transformer"}
        The model.
    grid_shape : tuple of int or STData
        The spatial context: ``(H, W)`` or a data set that carries it.
    time_budget : float or None
        Seconds of training; ``None`` for no limit.
    seed : int
        Random state.
    batch_size : int, default=32
        Windows per batch.

    Returns
    -------
    model : STForecaster
        The unfitted forecaster.
    """
    from ..estimators import (
        ConvLSTMConfig,
        GraphWaveNetConfig,
        SimVPConfig,
        STForecaster,
        STPatchTransformerConfig,
    )

    configs = {
        "gwnet": lambda: GraphWaveNetConfig(n_blocks=3, skip_channels=64, end_channels=128),
        "convlstm": lambda: ConvLSTMConfig(hidden_channels=(32, 32)),
        "simvp": lambda: SimVPConfig(hidden_channels=16, translator_channels=64),
        "st_patch_transformer": lambda: STPatchTransformerConfig(patch_len=4, d_model=32),
    }
    if backbone not in configs:
        raise ValueError(f"backbone must be one of {sorted(configs)}; got {backbone!r}.")
    return STForecaster(
        backbone=configs[backbone](),
        spatial=grid_shape,
        lr=1e-3,
        batch_size=batch_size,
        max_epochs=300,
        patience=15,
        # The protocol as published: early stopping on the last tenth of the
        # windows even when they are few (300 moving-digit sequences), and
        # frames fed in their own units.
        validation_fraction=0.1,
        scaling=None,
        weight_decay=1e-4,
        random_state=seed,
        callbacks=_budget(time_budget),
    )


def next_location_predictor(time_budget, seed, history=64, cell_size=500.0):
    """The GeoLife configuration of ``NextLocationPredictor``.

    Parameters
    ----------
    time_budget : float or None
        Seconds of training; ``None`` for no limit.
    seed : int
        Random state.
    history : int, default=64
        Fixes seen before each target.
    cell_size : float, default=500.0
        Side of the grid cells in metres.

    Returns
    -------
    model : NextLocationPredictor
        The unfitted predictor: a causal Transformer (d_model 64, 2 layers)
        over cell-id embeddings.
    """
    from ..estimators import NextLocationPredictor, TrajectoryTransformerConfig
    from ..harmonize import GridTokenizer

    return NextLocationPredictor(
        tokenizer=GridTokenizer(cell_size=cell_size),
        backbone=TrajectoryTransformerConfig(d_model=64, n_heads=4, n_layers=2, d_ff=128),
        max_length=history,
        max_epochs=200,
        lr=1e-3,
        batch_size=32,
        patience=8,
        random_state=seed,
        inference_dtype="float32",
        callbacks=_budget(time_budget),
    )


def event_forecaster(config, time_budget, seed):
    """The event-benchmark training of a neural temporal point process.

    Parameters
    ----------
    config : BaseEstimator
        The event backbone configuration (``LogNormMixConfig``, ...).
    time_budget : float or None
        Seconds of training; ``None`` for no limit.
    seed : int
        Random state.

    Returns
    -------
    model : EventForecaster
        The unfitted forecaster, early-stopped on 15 % of its training
        sequences.
    """
    from ..estimators import EventForecaster

    return EventForecaster(
        backbone=config,
        max_epochs=1000,
        patience=5,
        lr=1e-2,
        batch_size=32,
        validation_fraction=0.15,
        random_state=seed,
        callbacks=_budget(time_budget),
    )
