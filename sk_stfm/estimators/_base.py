"""The one skorch-backed base of every sk_stfm estimator.

By composition (house rule 1): an sklearn ``BaseEstimator`` whose ``fit``
builds a skorch ``NeuralNet`` as ``net_`` from ``backbone x objective x
adapter``. skorch owns the loop (early stopping, checkpoints, history,
progress bar, device placement); this class owns validation, masks and
the data contract.
"""

import copy
import numbers
import os
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import ProgressBar

from ..adapters._base import BaseAdapter
from ..backbones import auto_backbone, compatible_backbones
from ..data import (
    WINDOW_SHAPE_DOC,
    STData,
    as_windows,
    fill_along_time,
    input_ndim,
    resolve_spatial,
)
from ..data._validation import check_windows_input
from ..objectives import BaseObjective, objectives_for, resolve_objective
from ..training._checkpoint import ResumableEarlyStopping
from ..training._data import TemporalValidationSplit, TensorBatchLoader, WindowDataset
from ..training._fingerprint import fit_fingerprint
from ..training._loop import checkpoint_callback, fit_net
from ..utils import get_stfm_tags
from ..utils._compat import Interval, StrOptions, fit_context
from ..utils._test_params import TestParamsMixin
from ._backbone_config import BackboneConfig, resolve_backbone
from ._distributed import (
    ACCELERATE,
    accelerated_net_class,
    accelerated_net_options,
    accelerator_device,
)
from ._docs import fill_shared_docs
from ._persistence import load_payload, save_estimator
from ._scaling import target_statistics, window_statistics
from ._schedule import AUTO, LR_SCHEDULES, ScheduledLearningRate, resolve_schedule
from ._targets import as_target_windows, check_target_observed


def _as_tensor(array, dtype=torch.float32):
    """A contiguous, writable tensor (read-only input, e.g. a memmap, is copied)."""
    array = np.ascontiguousarray(array)
    if not array.flags.writeable:
        array = array.copy()
    return torch.from_numpy(array).to(dtype)


def _as_target(targets):
    """Targets as a tensor: class labels stay integers, values become float32."""
    if np.issubdtype(targets.dtype, np.integer):
        return torch.from_numpy(np.ascontiguousarray(targets, dtype=np.int64))
    return _as_tensor(targets)


def is_probabilistic(estimator):
    """Whether an estimator's objective samples (``available_if`` condition).

    Parameters
    ----------
    estimator : BaseSTEstimator
        An estimator, fitted or not.

    Returns
    -------
    probabilistic : bool
        True for objectives such as :class:`~sk_stfm.objectives.Diffusion`.
    """
    objective = estimator.objective
    if objective is None:
        objective = estimator._default_objective
    return resolve_objective(objective).probabilistic


def _memory_bytes():
    """Bytes of physical memory, or the largest array size where the platform does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return np.iinfo(np.intp).max


def check_n_samples(n_samples, sample_size=None):
    """Validate a number of samples (a positive int).

    Parameters
    ----------
    n_samples : int
        Number of samples.
    sample_size : int or None, default=None
        Float64 values of one sample. A count whose samples could not fit
        in this machine's memory is refused here, before any sampling,
        rather than failing in the allocator (or running for days) later.

    Returns
    -------
    n_samples : int
        The number.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
    n_samples = int(n_samples)
    if sample_size is not None:
        needed, memory = n_samples * int(sample_size) * 8, _memory_bytes()
        if needed > memory:
            raise ValueError(
                f"n_samples={n_samples} samples of {int(sample_size)} float64 values need "
                f"{needed / 2**30:.3g} GiB, more than the {memory / 2**30:.3g} GiB of memory "
                "of this machine; draw fewer samples per call."
            )
    return n_samples


def check_seed(random_state):
    """An int seed drawn from ``random_state``, refused by name when it cannot seed.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        What :func:`~sklearn.utils.check_random_state` accepts.

    Returns
    -------
    seed : int
        A seed in ``[0, 2**31 - 1)`` (one draw of a RandomState instance).
    """
    try:
        rng = check_random_state(random_state)
    except ValueError as error:  # sklearn's message does not say which argument
        raise ValueError(
            "random_state must be None, an int in [0, 2**32 - 1] or a numpy RandomState "
            f"instance; got {random_state!r}."
        ) from error
    return int(rng.randint(0, 2**31 - 1))


_OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}


def resolve_device(device):
    """The torch device an estimator's ``device`` parameter names (``"auto"``: CUDA if any)."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


_INFERENCE_DTYPES = {"float64": torch.float64, "float32": torch.float32}

# Fitted attributes of the resolved schedule and of the scaling (saved by ``save``).
SCHEDULE_ATTRIBUTES = (
    "lr_",
    "batch_size_",
    "max_epochs_",
    "patience_",
    "validation_fraction_",
    "lr_schedule_",
)
SCALING_ATTRIBUTES = ("input_mean_", "input_scale_", "output_mean_", "output_scale_")


@fill_shared_docs
class BaseSTEstimator(TestParamsMixin, BaseEstimator):
    """Shared parameters, validation and skorch training of sk_stfm estimators.

    Subclasses set ``_task`` (a task name of :class:`~sk_stfm.utils.STFMTags`)
    and ``_default_objective``, override the task hooks (what the targets
    are, what module and loss train) and implement the public methods of
    their task on top of :meth:`_fit_windows` and :meth:`_forward_windows`.

    Parameters
    ----------
    backbone : str or BackboneConfig, default="auto"
        ``"auto"`` is the backbone the registry prefers for the task and the
        windows (:func:`~sk_stfm.backbones.auto_backbone`: PatchTST, or an
        MLP for windows shorter than one of its 16-step patches); recorded
        in ``backbone_``.
        The model: a registered name (see
        :func:`~sk_stfm.backbones.list_backbones`) or a configuration such as
        ``PatchTSTConfig(d_model=32)``.
    objective : str, BaseObjective or None, default=None
        The training objective; ``None`` means the task's default.
    %(training_parameters)s

    Examples
    --------
    >>> from sk_stfm.estimators import BaseSTEstimator, STForecaster
    >>> issubclass(STForecaster, BaseSTEstimator)
    True
    >>> STForecaster._task
    'forecasting'
    """

    _task = None
    # What ``objective=None`` means for the task.
    _default_objective = None
    # What ``save`` writes besides the weights and parameters.
    _fitted_attributes = (
        "n_features_in_",
        "window_shape_",
        "fill_values_",
        "n_epochs_",
        *SCHEDULE_ATTRIBUTES,
        *SCALING_ATTRIBUTES,
    )
    # What the network's outputs are, for mapping them back to the user's
    # units: "targets" (forecasts), "inputs" (reconstructed windows) or
    # None (class scores, embeddings).
    _output_units = "targets"

    _parameter_constraints: dict = {
        "backbone": [str, BackboneConfig],
        "objective": [str, BaseObjective, None],
        "adapter": [BaseAdapter, None],
        "spatial": "no_validation",
        "window_shape": [tuple, list, None],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({AUTO})],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({AUTO})],
        "lr": [Interval(numbers.Real, 0, None, closed="neither"), StrOptions({AUTO})],
        "lr_schedule": [StrOptions(set(LR_SCHEDULES))],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "patience": [Interval(numbers.Integral, 1, None, closed="left"), None, StrOptions({AUTO})],
        "validation_fraction": [
            Interval(numbers.Real, 0, 1, closed="left"),
            StrOptions({AUTO}),
        ],
        "scaling": [StrOptions({"standard"}), None],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "checkpoint_dir": [str, os.PathLike, None],
        "resume": ["boolean"],
        "warm_start": ["boolean"],
        "inference_dtype": [StrOptions({"float64", "float32"})],
    }

    def __init__(
        self,
        backbone="auto",
        objective=None,
        adapter=None,
        spatial=None,
        window_shape=None,
        scaling="standard",
        max_epochs="auto",
        batch_size="auto",
        lr="auto",
        lr_schedule="auto",
        optimizer="adam",
        weight_decay=0.0,
        patience="auto",
        validation_fraction="auto",
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        checkpoint_dir=None,
        resume=False,
        warm_start=False,
        inference_dtype="float64",
    ):
        self.backbone = backbone
        self.objective = objective
        self.adapter = adapter
        self.spatial = spatial
        self.window_shape = window_shape
        self.scaling = scaling
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.warm_start = warm_start
        self.inference_dtype = inference_dtype

    # --------------------------------------------------------------- validation
    def _validate_X(self, X, *, reset):
        """Validate ``X`` and return ``(windows, ndim)`` with windows in 4-D."""
        check_windows_input(X)
        if input_ndim(X) > 2:
            X = check_array(
                X, allow_nd=True, dtype=np.float32, ensure_all_finite="allow-nan", input_name="X"
            )
            if reset:
                self.n_features_in_ = int(np.prod(X.shape[1:]))
        else:
            X = validate_data(self, X, reset=reset, dtype=np.float32, ensure_all_finite="allow-nan")
        windows = as_windows(X, self.window_shape)
        if reset:
            self.window_shape_ = windows.shape[1:]
        elif windows.shape[1:] != tuple(self.window_shape_):
            raise ValueError(
                f"X must have windows of shape (n_samples, {', '.join(map(str, self.window_shape_))}) "
                f"= {WINDOW_SHAPE_DOC}, as in fit; got {windows.shape}."
            )
        return windows, X.ndim

    def _validate_y(self, y, n_samples, n_nodes):
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, "
                "but the target y is None."
            )
        check_windows_input(y, "y", ndims=(1, 2, 3, 4), shape_doc=WINDOW_SHAPE_DOC)
        y = check_array(
            y,
            allow_nd=True,
            ensure_2d=False,
            dtype=np.float32,
            ensure_all_finite="allow-nan",
            input_name="y",
        )
        check_target_observed(y)
        return y, as_target_windows(y, n_samples, n_nodes)

    def _validate_validation_data(self, validation_data):
        """``(windows, targets)`` of ``validation_data``; errors name it."""
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(
                "validation_data must be a pair (X_val, y_val) or None; got "
                f"{type(validation_data).__name__}."
            )
        X_val, y_val = validation_data
        try:
            windows, _ = self._validate_X(X_val, reset=False)
            return windows, self._training_targets(windows, y_val, reset=False)
        except (TypeError, ValueError) as error:
            kind = ValueError if isinstance(error, ValueError) else TypeError
            raise kind(
                f"validation_data (X_val, y_val) does not match the training data: {error}"
            ) from error

    def _fill_missing(self, windows):
        """NaN in inputs becomes the last observation in the window; leading gaps
        take the first one. Only the input window is used, never a target."""
        if not np.isnan(windows).any():
            return windows
        fill_values = self.fill_values_
        if self.input_mean_ is not None:  # windows are scaled, and so is the fill
            fill_values = (fill_values - self.input_mean_) / self.input_scale_
        return fill_along_time(windows, "ffill", fill_values)

    # ----------------------------------------------------------------- building
    def _resolve_components(self, n_nodes):
        """Resolve backbone, objective, adapter and space; check they fit the data."""
        self.adapter_ = self._resolve_adapter()
        self.spatial_ = resolve_spatial(self.spatial, n_nodes)
        self.backbone_ = resolve_backbone(self._backbone_choice())
        self.objective_ = resolve_objective(
            self._default_objective if self.objective is None else self.objective
        )
        if self.adapter_ is not None and self.adapter_.generative:
            return
        if self.adapter_ is not None and self.adapter_.replaces_backbone:
            tags, backbone_name = self.adapter_.backbone_tags(), self.adapter_.backbone_name
        else:
            spec = self.backbone_.spec()
            tags, backbone_name = spec.tags, spec.name
        fits = (
            self.spatial_.kind in tags.data_kinds
            and self._task in tags.tasks
            and set(tags.requires) <= set(self.spatial_.available())
        )
        if not fits:
            usable = compatible_backbones(self.spatial_.kind, self._task, self.spatial_.available())
            raise ValueError(
                f"backbone {backbone_name!r} cannot be used for {self._task} on "
                f"{self.spatial_.kind} data (it takes {list(tags.data_kinds)} for "
                f"{list(tags.tasks)} and requires {list(tags.requires)}). Backbones "
                f"that fit: {usable}."
            )
        objective_tags = get_stfm_tags(self.objective_)
        name = type(self.objective_).__name__
        if self._task not in objective_tags.tasks:
            raise ValueError(
                f"objective {name} cannot train {type(self).__name__} (it serves "
                f"{list(objective_tags.tasks)}, not {self._task}). Objectives that fit: "
                f"{objectives_for(self._task)}."
            )
        missing = set(objective_tags.requires) - set(tags.capabilities)
        if missing:
            usable = compatible_backbones(
                self.spatial_.kind,
                self._task,
                self.spatial_.available(),
                capabilities=objective_tags.requires,
            )
            raise ValueError(
                f"objective {name} needs a backbone with {sorted(missing)}, which "
                f"backbone {backbone_name!r} lacks. Backbones that fit: {usable}."
            )

    def _backbone_choice(self):
        """The ``backbone`` parameter, or what ``"auto"`` stands for on these windows.

        The registrations say it (:func:`~sk_stfm.backbones.auto_backbone`):
        among the window backbones that serve the task, the preferred one
        that takes windows of this length and channel count.
        """
        if self.backbone != AUTO:
            return self.backbone
        n_steps, _, n_channels = self.window_shape_
        return auto_backbone(self._task, n_steps=n_steps, n_channels=n_channels, data_kind="series")

    def _fitted_adapter(self):
        """The adapter of the fit, or None (also for subclasses that resolve
        their components without one, e.g. the trajectory estimators)."""
        return getattr(self, "adapter_", None)

    def _is_generative(self):
        adapter = self._fitted_adapter()
        return adapter is not None and adapter.generative

    def _resolve_adapter(self):
        """A fresh copy of the ``adapter``, checked against the task (or None)."""
        if self.adapter is None:
            return None
        if not isinstance(self.adapter, BaseAdapter):
            raise TypeError(
                "adapter must be None or an sk_stfm.adapters adapter such as FrozenLM(); "
                f"got {type(self.adapter).__name__}."
            )
        if self._task not in self.adapter.tasks:
            raise ValueError(
                f"adapter {type(self.adapter).__name__} cannot serve {type(self).__name__} "
                f"(it serves {list(self.adapter.tasks)}, not {self._task})."
            )
        return clone(self.adapter)

    def _seed(self, random_state=None):
        """A seed drawn from ``random_state``, or from the estimator's when None."""
        if random_state is None:
            random_state = self.random_state
        return check_seed(random_state)

    def _inference_dtype(self):
        if self.inference_dtype not in _INFERENCE_DTYPES:
            raise ValueError(
                f"inference_dtype must be 'float64' or 'float32'; got {self.inference_dtype!r}."
            )
        adapter = self._fitted_adapter()
        # An adapter may fix it: quantized layers compute in float32.
        if adapter is not None and adapter.inference_dtype is not None:
            return _INFERENCE_DTYPES[adapter.inference_dtype]
        return _INFERENCE_DTYPES[self.inference_dtype]

    def _inference_module(self):
        """A copy of the fitted network in evaluation mode, in ``inference_dtype``.

        In float64 (the default) a window's output does not depend on which
        other windows share its batch (float32 kernels round differently
        for different batch sizes). The fitted network is never modified,
        so concurrent predictions are safe.
        """
        module = copy.deepcopy(self.net_.module_).to(self._inference_dtype()).eval()
        adapter = self._fitted_adapter()
        if adapter is not None:
            module = adapter.inference_module(module)
        return module

    def _callbacks(self, has_validation, stage="train"):
        callbacks = []
        if has_validation and self.patience_ is not None:
            # load_best: end on the best-validation weights, not the last ones.
            # Resumable: the checkpoint carries its count and best weights.
            callbacks.append(
                ("early_stopping", ResumableEarlyStopping(patience=self.patience_, load_best=True))
            )
        if stage == "train" and self.lr_schedule_ != "constant":
            policy = self.lr_schedule_
            if policy == "plateau" and not has_validation:
                policy = "constant"
            callbacks.append(
                ("lr_schedule", ScheduledLearningRate(policy, self.lr_, self.max_epochs_))
            )
        # Checkpoints belong to the task stage; a pre-training stage is short
        # and starts from scratch.
        if self.checkpoint_dir is not None and stage == "train":
            callbacks.append(("checkpoint", self._checkpoint()))
        if self.verbose:
            callbacks.append(("progress", ProgressBar()))
        # User callbacks come last: one that stops training (TimeBudget, a
        # pruner) must not keep early stopping and checkpoints from seeing
        # the final epoch.
        callbacks += [
            copy.deepcopy(cb)
            for cb in (self.callbacks or [])
            # A callback may name the stages it belongs to (a pruner judges
            # the task's validation loss, not the pre-training loss).
            if stage in getattr(cb, "stages", (stage,))
        ]
        return callbacks

    def _checkpoint(self):
        # Committed with every epoch; resume=True refuses another fit's checkpoint.
        return checkpoint_callback(self.checkpoint_dir, fit_fingerprint(self))

    def _build_net(
        self, module, criterion, train_split, has_validation, seed, stage="train", max_epochs=None
    ):
        optimizer = (
            _OPTIMIZERS[self.optimizer] if isinstance(self.optimizer, str) else self.optimizer
        )
        generator = torch.Generator().manual_seed(seed)
        if self.device == ACCELERATE:
            net_class, options = accelerated_net_class(), accelerated_net_options()
        else:
            net_class, options = (
                NeuralNet,
                {
                    "iterator_train": TensorBatchLoader,
                    "iterator_valid": TensorBatchLoader,
                    "device": self._device(),
                },
            )
        return net_class(
            module=module,
            criterion=criterion,
            optimizer=optimizer,
            lr=self.lr_,
            optimizer__weight_decay=self.weight_decay,
            max_epochs=self.max_epochs_ if max_epochs is None else max_epochs,
            batch_size=self.batch_size_,
            iterator_train__shuffle=True,
            iterator_train__generator=generator,
            train_split=train_split,
            callbacks=self._callbacks(has_validation, stage),
            verbose=int(self.verbose),
            # Checkpoints are read back without unpickling arbitrary objects,
            # whatever the skorch version's default.
            torch_load_kwargs={"weights_only": True},
            **options,
        )

    def _device(self):
        if self.device == ACCELERATE:
            return accelerator_device()
        return resolve_device(self.device)

    # ------------------------------------------------------------- task hooks
    # Subclasses define what they learn from; the defaults are supervised
    # forecasting of ``y`` from ``X``.
    def _training_targets(self, windows, y, *, reset):
        """Return the training targets of ``windows`` as an array.

        With ``reset``, also record what :meth:`_output_shape` needs.
        """
        y_raw, targets = self._validate_y(y, windows.shape[0], windows.shape[2])
        if reset:
            self.target_shape_ = y_raw.shape[1:]
            self.output_shape_ = targets.shape[1:]
        elif targets.shape[1:] != tuple(self.output_shape_):
            raise ValueError(
                f"targets must have shape (n, {', '.join(map(str, self.output_shape_))}) as "
                f"in fit; got {targets.shape}."
            )
        return targets

    def _output_shape(self):
        """``(horizon, n_targets)`` the backbone is built with."""
        horizon, _, n_targets = self.output_shape_
        return horizon, n_targets

    def _validation_gap(self, n_steps):
        """Windows left out between training and validation windows."""
        horizon, _ = self._output_shape()
        return n_steps + horizon - 1

    def _task_module(self, backbone):
        """Return ``(module, criterion)`` trained on the task."""
        horizon, n_targets = self._output_shape()
        self.objective_.prepare_finetuning(backbone, horizon, n_targets)
        return (
            self.objective_.build_module(backbone, self._task),
            self.objective_.make_criterion(),
        )

    def _infer(self, module, x):
        """Outputs of the trained ``module`` for a batch (see ``_forward_windows``)."""
        return self.objective_.predict(module, x)

    # ----------------------------------------------------------------- training
    def _fit_windows(self, X, y, validation_data=None):
        """Validate, build the network and train it; return ``self``."""
        warm = self._warm_net()
        if warm is None:
            windows, _ = self._validate_X(X, reset=True)
            targets = self._training_targets(windows, y, reset=True)
            self._resolve_components(windows.shape[2])
        else:
            windows, targets = self._validate_warm(X, y)
        self._resolve_schedule(len(windows), explicit_validation=validation_data is not None)
        if warm is None:
            # One pass over the windows gives the fill of never-observed inputs
            # (the training mean, 0 where none) and the scaling statistics.
            statistics = window_statistics(windows)
            self.fill_values_ = statistics[0].astype(windows.dtype)
            windows, targets = self._fit_scaling(windows, targets, statistics)
        else:
            # The network learned in the units of its first fit: they are kept.
            windows, targets = self._scale_inputs(windows), self._scale_targets(targets)
        if self._is_generative():
            horizon, n_targets = self._output_shape()
            # A generative adapter (prompting) trains no network: it keeps
            # what it needs to forecast, seeded like a training run.
            self.forecaster_ = self.adapter_.make_forecaster(
                self._fill_missing(windows),
                targets,
                horizon=horizon,
                n_targets=n_targets,
                random_state=self._seed(),
            )
            self.n_epochs_ = 0
            return self
        train = WindowDataset(_as_tensor(self._fill_missing(windows)), _as_target(targets))
        raw_windows = {"train": windows, "validation": None}
        validation = None
        if validation_data is not None:
            val_windows, val_targets = self._validate_validation_data(validation_data)
            val_windows, val_targets = (
                self._scale_inputs(val_windows),
                self._scale_targets(val_targets),
            )
            validation = WindowDataset(
                _as_tensor(self._fill_missing(val_windows)), _as_target(val_targets)
            )
            raw_windows["validation"] = val_windows
        split = self._train_split(validation, self._validation_gap(windows.shape[1]))
        validation = split(train)[1]
        has_validation = validation is not None
        seed = self._seed()
        # Training runs on a forked RNG: weight init and dropout are repeatable
        # for a seed and the caller's global torch RNG state is untouched.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if warm is None:
                backbone = self._build_backbone()
                self._pretrain(backbone, train, raw_windows, split, has_validation, seed)
                module, criterion = self._task_module(backbone)
            else:
                # The fitted module goes on training (skorch keeps the weights
                # of a module instance); its pre-training stage is done.
                module, criterion = self._unwrapped(warm), warm.criterion_
            self.net_ = self._build_net(module, criterion, split, has_validation, seed)
            self._train_task(train, resume=self.resume and warm is None)
        losses = self.net_.history[:, "train_loss"]
        if not np.all(np.isfinite(losses)):
            raise RuntimeError(
                "training diverged (non-finite loss); lower lr or scale the data, e.g. "
                "with sk_stfm.harmonize.STStandardScaler."
            )
        self.n_epochs_ = len(self.net_.history) + (0 if warm is None else self.n_epochs_)
        if has_validation:
            self._check_learned(validation)
        return self

    def _warm_net(self):
        """The fitted network that ``warm_start`` continues, or None for a new one.

        Estimators without the parameter (the trajectory ones) never warm-start.
        """
        if not getattr(self, "warm_start", False) or self._is_generative():
            return None
        return getattr(self, "net_", None)

    def _validate_warm(self, X, y):
        """Windows and targets of a warm start: shaped like those of the first fit."""
        try:
            windows, _ = self._validate_X(X, reset=False)
            return windows, self._training_targets(windows, y, reset=False)
        except ValueError as error:
            raise ValueError(
                "warm_start=True continues the fitted network, which takes the windows and "
                f"targets of its first fit: {error} Set warm_start=False to fit a new network "
                "on data of this shape."
            ) from error

    @staticmethod
    def _unwrapped(net):
        """``net``'s module, without the wrapper of a distributed fit."""
        accelerator = getattr(net, "accelerator", None)
        return net.module_ if accelerator is None else accelerator.unwrap_model(net.module_)

    def _check_learned(self, validation):
        """Warn when training evidently failed: an early stop on the first epochs,
        or a validation loss no better than a baseline's (see ``_baseline_loss``)."""
        history = self.net_.history
        losses = np.asarray(history[:, "valid_loss"], dtype=float)
        best = int(np.argmin(losses)) + 1
        name = type(self).__name__
        if len(history) < self.max_epochs_ and best <= 2 and len(history) > best:
            warnings.warn(
                f"{name}: early stopping ended training at epoch {len(history)}, with the "
                f"best validation loss at epoch {best}; the model may have learned little. "
                "Try a lower lr, a larger patience, or more training windows.",
                ConvergenceWarning,
                stacklevel=4,
            )
        baseline = self._baseline_loss(validation)
        if baseline is not None and losses.min() >= baseline:
            warnings.warn(
                f"{name}: the best validation loss ({losses.min():.4g}) is no better than "
                f"repeating the last observed value ({baseline:.4g}) on the same validation "
                "windows: the model did not learn more than the naive forecast. Try another "
                "backbone, a longer history, or use the naive forecast.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _baseline_loss(self, validation):
        """The task's loss of a naive baseline on ``validation`` (None: no baseline)."""
        return None

    def _resolve_schedule(self, n_windows, *, explicit_validation):
        """Resolve the ``"auto"`` training parameters (see ``_schedule.py``)."""
        schedule = resolve_schedule(self, n_windows, explicit_validation=explicit_validation)
        self.batch_size_ = schedule.batch_size
        self.max_epochs_ = schedule.max_epochs
        self.patience_ = schedule.patience
        self.validation_fraction_ = schedule.validation_fraction
        self.lr_schedule_ = schedule.lr_schedule
        self.lr_ = self._auto_lr() if self.lr == AUTO else float(self.lr)

    def _auto_lr(self):
        """``lr="auto"``: the learning rate registered with the backbone."""
        adapter = self._fitted_adapter()
        if adapter is not None and adapter.replaces_backbone:
            return 1e-3
        return self.backbone_.spec().lr

    def _fit_scaling(self, windows, targets, statistics):
        """Keep the inputs' ``statistics`` (mean, scale) and learn the targets';
        return the scaled windows and targets."""
        self.input_mean_ = self.input_scale_ = None
        self.output_mean_ = self.output_scale_ = None
        # A generative adapter (prompting) writes the numbers it is given
        # into its prompt and scales them its own way.
        if self.scaling is None or self._is_generative():
            return windows, targets
        self.input_mean_, self.input_scale_ = statistics
        if self._output_units == "targets" and np.issubdtype(targets.dtype, np.floating):
            mean, scale, _ = target_statistics(self.input_mean_, self.input_scale_, targets)
            self.output_mean_, self.output_scale_ = mean, scale
        elif self._output_units == "inputs":
            self.output_mean_, self.output_scale_ = self.input_mean_, self.input_scale_
        return self._scale_inputs(windows), self._scale_targets(targets)

    def _scale_inputs(self, windows):
        """Input windows in the units the network learns in."""
        if self.input_mean_ is None:
            return windows
        return ((windows - self.input_mean_) / self.input_scale_).astype(np.float32)

    def _scale_targets(self, targets):
        """Targets in the units the network learns in (class labels unchanged)."""
        if self.output_mean_ is None or not np.issubdtype(targets.dtype, np.floating):
            return targets
        return ((targets - self.output_mean_) / self.output_scale_).astype(np.float32)

    def _unscale_outputs(self, outputs):
        """Network outputs (targets or windows, any leading axes) in the user's units."""
        if self.output_mean_ is None:
            return outputs
        return outputs * self.output_scale_ + self.output_mean_

    def _train_split(self, validation, gap):
        return TemporalValidationSplit(self.validation_fraction_, validation, gap)

    def _build_backbone(self):
        n_steps, n_nodes, n_channels = self.window_shape_
        if self._fitted_adapter() is None:
            return self.backbone_.build(
                n_steps, n_nodes, n_channels, *self._output_shape(), spatial=self.spatial_
            )
        module = self.adapter_.build_backbone(
            self.backbone_, n_steps, n_nodes, n_channels, *self._output_shape(), self.spatial_
        )
        return self.adapter_.adapt(module)

    def _train_task(self, train, resume=False):
        """Train ``net_``; with ``resume``, continue the checkpointed fit."""
        # The checkpoint callback the task stage's net was built with.
        checkpoint = next(
            (
                item[1]
                for item in self.net_.callbacks or ()
                if isinstance(item, tuple) and item[0] == "checkpoint"
            ),
            None,
        )
        fit_net(self.net_, train, checkpoint=checkpoint, resume=resume, max_epochs=self.max_epochs_)

    def _pretrain(self, module, train, raw_windows, split, has_validation, seed):
        """Run the objective's self-supervised stage, if it has one.

        The pretext targets are the input windows themselves, with their
        missing values still NaN so that the loss leaves them out.
        """
        pretext, epochs = None, None
        adapter = self._fitted_adapter()
        if adapter is not None:
            pretext = adapter.make_pretext(module)
            epochs = getattr(adapter, "pretrain_epochs", None)
        if pretext is None:
            pretext, epochs = self.objective_.make_pretext(module), self.objective_.pretrain_epochs
        if pretext is None:
            self.pretrain_history_ = None
            return
        pretext_module, criterion = pretext
        pretext_train = WindowDataset(train.X, _as_tensor(raw_windows["train"]))
        pretext_valid = None
        if split.validation is not None:
            pretext_valid = WindowDataset(split.validation.X, _as_tensor(raw_windows["validation"]))
        net = self._build_net(
            pretext_module,
            criterion,
            TemporalValidationSplit(split.fraction, pretext_valid, split.gap),
            has_validation,
            seed,
            stage="pretrain",
            max_epochs=epochs,
        )
        net.fit(pretext_train, None)
        self.pretrain_history_ = net.history

    def _restore_network(self, state_dict):
        """Rebuild ``net_`` around saved weights (see ``load``)."""
        self._resolve_components(self.window_shape_[1])
        # Building initializes weights (then overwritten): keep it off the global RNG.
        with torch.random.fork_rng(devices=[]):
            module, criterion = self._task_module(self._build_backbone())
            module.load_state_dict(state_dict)
            self.net_ = self._build_net(module, criterion, TemporalValidationSplit(0.0), False, 0)
            self.net_.initialize()

    def _forward_windows(self, X, infer=None, random_state=None, unscale=True):
        """Run the fitted network on ``X``; return 4-D float64 outputs.

        ``infer(module, batch)`` computes a batch's output (default: the
        task's :meth:`_infer`); sampling draws from a generator seeded by
        ``random_state`` (default: the estimator's). With ``unscale``,
        outputs are mapped back to the units of the training data (pass
        ``False`` for outputs that are not targets, e.g. embeddings).
        """
        check_is_fitted(self)
        windows, _ = self._validate_X(X, reset=False)
        windows = self._scale_inputs(windows)
        if self._is_generative():
            outputs = self.forecaster_.predict(
                self._fill_missing(windows), self._seed(random_state)
            )
            return np.asarray(outputs, dtype=np.float64)
        module = self._inference_module()
        dtype = self._inference_dtype()
        dataset = WindowDataset(_as_tensor(self._fill_missing(windows), dtype))
        infer = self._infer if infer is None else infer
        device = next(module.parameters()).device
        seed = self._seed(random_state)
        # A sampling objective draws each window's samples from its own seed,
        # so that they do not depend on which other windows are passed along.
        per_window = self.objective_.probabilistic
        outputs = []
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            start = 0
            for batch, _ in TensorBatchLoader(dataset, batch_size=self.batch_size_):
                batch = batch.to(device)
                if not per_window:
                    outputs.append(infer(module, batch).cpu())
                    continue
                for offset in range(len(batch)):
                    torch.manual_seed(seed + start + offset)
                    outputs.append(infer(module, batch[offset : offset + 1]).cpu())
                start += len(batch)
        # Samples are stacked on the first axis: batches concatenate on the axis of windows.
        axis = 1 if outputs[0].ndim == 5 else 0
        outputs = torch.cat(outputs, dim=axis).numpy().astype(np.float64, copy=False)
        return self._unscale_outputs(outputs) if unscale else outputs

    def __getstate__(self):
        state = super().__getstate__()
        if isinstance(state.get("spatial"), STData):
            # A pickled estimator keeps the space of its nodes, not the series
            # that spatial= came with.
            state = {**state, "spatial": state["spatial"].spatial_context()}
        return state

    def save(self, path):
        """Save the fitted estimator to one file, without pickle.

        Parameters
        ----------
        path : str or path-like
            Destination file (conventionally ``*.pt``).

        Returns
        -------
        path : str or path-like
            The destination.
        """
        check_is_fitted(self)
        if self._is_generative():
            raise NotImplementedError(
                f"save() stores network weights, and adapter {type(self.adapter).__name__} "
                "trains none; pickle the estimator instead (its language model is reloaded "
                "from local files)."
            )
        fitted = {name: getattr(self, name) for name in self._fitted_attributes}
        save_estimator(self, path, fitted)
        return path

    @classmethod
    def load(cls, path):
        """Load an estimator written by :meth:`save`.

        The file is read with ``torch.load(weights_only=True)``: it cannot
        run code, and only sk_stfm classes are rebuilt.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        estimator : BaseSTEstimator
            The fitted estimator, of the saved class, predicting exactly as
            the saved one.
        """
        saved_cls, params, fitted, state_dict = load_payload(path)
        if not issubclass(saved_cls, cls):
            raise ValueError(f"{path} holds a {saved_cls.__name__}, not a {cls.__name__}.")
        estimator = saved_cls(**params)
        for name, value in fitted.items():
            setattr(estimator, name, value)
        for name in fitted:
            if name.endswith("shape_"):
                setattr(estimator, name, tuple(getattr(estimator, name)))
        estimator._restore_network(state_dict)
        return estimator

    def _sample_windows(self, X, n_samples, random_state):
        """Samples ``(n_samples, n, ...)`` of a probabilistic objective for ``X``."""
        check_is_fitted(self)
        # The samples of one window are drawn at once.
        n_samples = check_n_samples(n_samples, sample_size=np.prod(self.output_shape_))
        return self._forward_windows(
            X,
            infer=lambda module, x: self.objective_.sample(module, x, n_samples),
            random_state=random_state,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return tags

    @fit_context(prefer_skip_nested_validation=True)
    def _validated_fit(self, X, y, validation_data=None):
        return self._fit_windows(X, y, validation_data)
