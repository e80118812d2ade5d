"""Docstring sections shared by every estimator on the skorch base.

Each estimator documents its own ``backbone`` and ``objective`` (their
defaults differ by task) and takes the rest from here, so that one
parameter is described once.
"""

CHECKPOINT_PARAMETERS = """\
    checkpoint_dir : str, path-like or None, default=None
        Directory where parameters, optimizer, history, random-number
        states and early-stopping progress are saved after every epoch
        (``params.pt``, ``optimizer.pt``, ``history.json``,
        ``rng_state.pt``, ``early_stopping.pt``) with the fit's fingerprint
        (``fingerprint.json``: estimator class, window and target shapes,
        parameters), all files of an epoch committed together, so that a
        kill mid-write leaves the previous checkpoint whole. One fit at a
        time owns the directory: a second fit on it meanwhile raises
        ``ValueError``.
    resume : bool, default=False
        With ``checkpoint_dir``, start from the checkpoint found there; the
        remaining epochs replay the batches and dropout of an uninterrupted
        fit with the same ``random_state``, and early stopping stops at the
        same epoch on the same best weights. A checkpoint of another fit
        (another estimator class, window or target shape, or parameter
        other than ``max_epochs``, ``patience``, ``callbacks``, ``verbose``,
        ``device``, ``inference_dtype``, ``checkpoint_dir``, ``resume`` and
        ``warm_start``) is refused with a ``ValueError`` naming the
        difference; one written without a fingerprint by an older sk_stfm
        resumes with a ``UserWarning``.
"""

TRAINING_PARAMETERS = """\
    adapter : BaseAdapter or None, default=None
        Transfer adapter (:mod:`sk_stfm.adapters`): a pre-trained language
        model as the backbone (``FrozenLM``, ``Reprogramming``,
        ``Alignment``), low-rank fine-tuning (``LoRA``), quantized inference
        (``Quantize``) or prompting (``Prompt``, forecasting only). ``None``
        trains the backbone from scratch.
    spatial : None, STData, array-like, sparse matrix, networkx graph or tuple (H, W)
        Spatial context of the nodes: an adjacency or a grid shape.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D ``X``; ``None`` reads rows as univariate
        windows ``(n_features, 1, 1)``.
    scaling : {"standard"} or None, default="standard"
        ``"standard"`` standardizes each node and channel of the inputs with
        the mean and standard deviation of the training windows, and the
        targets likewise (with the inputs' statistics when they are the same
        variable, so the last input and the next target stay comparable);
        the network learns in those units and predictions come back in the
        units of ``y`` (or ``X``) as given to ``fit``. Losses in ``net_.history``
        are in standard units. ``None`` feeds the data as it is.
    max_epochs : int or "auto", default="auto"
        Maximum passes over the training windows. ``"auto"``: 100 with
        validation (early stopping ends training); without validation a
        fixed schedule of about 2,000 optimizer steps (20 to 500 epochs).
    batch_size : int or "auto", default="auto"
        Windows per optimization step. ``"auto"``: ``min(64, max(8, 2 **
        floor(log2(n / 16))))`` for ``n`` training windows, so small data
        still takes many steps.
    lr : float or "auto", default="auto"
        Initial learning rate. ``"auto"``: the one registered with the
        backbone (:class:`~sk_stfm.backbones.BackboneSpec`, ``lr``; 1e-3 for
        every built-in backbone), 1e-3 for a language-model adapter.
    lr_schedule : {"auto", "constant", "cosine", "plateau"}, default="auto"
        ``"cosine"`` decays the rate to zero over ``max_epochs``;
        ``"plateau"`` halves it whenever the validation loss has not
        improved for 2 epochs. ``"auto"``: with ``max_epochs="auto"``,
        ``"plateau"`` when validating and ``"cosine"`` otherwise; with an
        explicit ``max_epochs``, ``"constant"``.
    optimizer : {"adam", "adamw", "sgd"} or torch optimizer class, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty of the optimizer.
    patience : int, None or "auto", default="auto"
        Epochs without validation improvement before stopping; ``None``
        trains for ``max_epochs``. ``"auto"``: 6 when validating.
    validation_fraction : float or "auto", default="auto"
        Share of the training windows, taken from the end, that validates.
        The windows just before them that could share a time step with a
        validation window are left out of training: ``n_steps + horizon -
        1`` windows for a forecaster, ``n_steps - 1`` for tasks on the input
        window alone (stride-1 windows). ``0``, or too few windows for such
        a split, disables validation (and early stopping). ``"auto"``:
        ``0.1`` when that is at least 50 windows, else ``0`` (early stopping
        on a handful of windows stops on noise); explicit
        ``validation_data`` always validates.
    device : str, default="cpu"
        Torch device; ``"auto"`` picks CUDA when available;
        ``"accelerate"`` trains through Hugging Face Accelerate (skorch's
        ``AccelerateMixin``): data-parallel over the processes started by
        ``accelerate launch`` (GPUs) or ``torchrun`` (CPUs, with
        ``ACCELERATE_USE_CPU=1``), with the launch's mixed precision, and
        a history synchronised so that early stopping agrees everywhere.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, dropout, shuffling and sampling.
    verbose : int, default=0
        ``1`` prints a progress bar and the per-epoch log.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks, copied at each ``fit`` into every training
        stage: an objective's pre-training stage gets its own copy (a
        ``TimeBudget(s)`` then bounds each stage to ``s`` seconds). A
        callback with a ``stages`` attribute joins only those stages
        (``"pretrain"``, ``"train"``).
    %(checkpoint_parameters)s
    warm_start : bool, default=False
        When ``True`` and the estimator is fitted, ``fit`` continues
        training the fitted network (``net_``) on the data it is given,
        for ``max_epochs`` more epochs, instead of building a new one (a
        fine-tune on new data, e.g. the latest steps of a series). The
        components, the scaling statistics and the fill of the first fit
        are kept (the network learned in those units); the optimizer and
        the learning-rate schedule start afresh, as with scikit-learn's
        ``warm_start``; ``net_.history`` holds the epochs of the last fit
        and ``n_epochs_`` counts those of all. The data must have the
        window and target shapes of the first fit (else ``ValueError``);
        ``resume`` is not read by a warm start, and the objective's
        pre-training stage does not run again.
    inference_dtype : {"float64", "float32"}, default="float64"
        Precision of ``predict``, ``transform`` and scoring (training is
        float32). ``"float64"`` makes a window's output independent of the
        other windows in its batch, to rounding; ``"float32"`` is two to
        three times faster on a CPU, with outputs that agree to about
        ``1e-6`` relative.
"""

SCHEDULE_ATTRIBUTES = """\
    lr_, batch_size_, max_epochs_, patience_, validation_fraction_, lr_schedule_ : float, int, str or None
        The training schedule the fit used: the parameters of the same
        names, with ``"auto"`` resolved from the data.
    input_mean_, input_scale_ : ndarray of shape (n_nodes, n_channels) or None
        Statistics standardizing the inputs (``None`` without ``scaling``;
        trajectory estimators scale their columns themselves).
    output_mean_, output_scale_ : ndarray of shape (n_nodes, n_outputs) or None
        Statistics mapping the network's outputs back to the units of the
        targets (``None`` without ``scaling``, and for class scores).
"""

TRAINING_ATTRIBUTES = """\
    net_ : skorch.NeuralNet
        The trained network, with the ``history`` of the last fit (absent
        with a generative adapter such as ``Prompt``, which trains none).
    adapter_ : BaseAdapter or None
        A copy of ``adapter`` used by the fit (it records, e.g., the
        parameter counts of ``LoRA``).
    forecaster_ : object
        Only with a generative adapter: the fitted forecasting function.
    backbone_ : BackboneConfig
        The resolved backbone configuration.
    objective_ : BaseObjective
        The resolved objective.
    spatial_ : SpatialContext
        The resolved spatial context.
    window_shape_ : tuple of int
        ``(n_steps, n_nodes, n_channels)`` of the input windows.
    fill_values_ : ndarray of shape (n_nodes, n_channels)
        Training mean of each node and channel, filling inputs with no
        observation at all.
    n_epochs_ : int
        Epochs trained (task stage), summed over the fits that
        ``warm_start`` continued.
    %(schedule_attributes)s
    pretrain_history_ : skorch.History or None
        History of the self-supervised pre-training stage of the objective
        or the adapter (``None`` without one).
    n_features_in_ : int
        Number of features per sample of ``X``.
"""

_PLACEHOLDERS = {
    "    %(training_parameters)s\n": TRAINING_PARAMETERS.replace(
        "    %(checkpoint_parameters)s\n", CHECKPOINT_PARAMETERS
    ),
    "    %(checkpoint_parameters)s\n": CHECKPOINT_PARAMETERS,
    "    %(training_attributes)s\n": TRAINING_ATTRIBUTES.replace(
        "    %(schedule_attributes)s\n", SCHEDULE_ATTRIBUTES
    ),
    "    %(schedule_attributes)s\n": SCHEDULE_ATTRIBUTES,
}


def fill_shared_docs(cls):
    """Class decorator: expand the shared-section placeholders of a docstring.

    A line ``%(training_parameters)s`` (indented like a parameter) becomes
    the parameters every estimator shares; ``%(training_attributes)s`` the
    shared fitted attributes; ``%(checkpoint_parameters)s`` only
    ``checkpoint_dir`` and ``resume``.

    Parameters
    ----------
    cls : type
        An estimator class.

    Returns
    -------
    cls : type
        The same class, its docstring expanded.
    """
    doc = cls.__doc__
    for placeholder, text in _PLACEHOLDERS.items():
        doc = doc.replace(placeholder, text)
    cls.__doc__ = doc
    return cls
