"""EventForecaster: neural temporal point processes behind the scikit-learn API.

One estimator, one module (sktime's rule): fitting, scoring, intensities and
sampling of the same model share its validation and history encoding, which
is why the module is longer than most.
"""

import copy
import numbers
import os

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import ProgressBar
from skorch.dataset import ValidSplit
from torch import nn

from ..data._events import (
    SPATIAL_COLUMNS,
    check_marks,
    make_pieces,
    observation_windows,
    read_intensity_query,
    read_sequences,
)
from ..data._validation import check_int
from ..training._checkpoint import ResumableEarlyStopping
from ..training._fingerprint import fit_fingerprint
from ..training._loop import checkpoint_callback, fit_net
from ..utils import STFMTags
from ..utils._compat import Interval, StrOptions, fit_context
from ..utils._deprecation import renamed_argument
from ..utils._test_params import TestParamsMixin
from ._backbone_config import registered_test_params
from ._base import _OPTIMIZERS, check_seed, resolve_device
from ._docs import fill_shared_docs
from ._event_backbone_config import (
    EventBackboneConfig,
    resolve_event_backbone,
)
from ._persistence import load_payload, save_estimator


class _NegativeLogLikelihood(nn.Module):
    """Minus the log-likelihood per scored event of a batch (rescaled time units)."""

    def forward(self, terms, target=None):
        return -terms[:, :3].sum() / terms[:, 3].sum().clamp_min(1.0)


@fill_shared_docs
class EventForecaster(TestParamsMixin, BaseEstimator):
    """Neural temporal point process for (marked, spatio-temporal) event sequences.

    ``fit(sequences)`` trains a neural point process by maximum likelihood
    (skorch owns the loop: Adam, early stopping on held-out pieces,
    callbacks). Each sequence is a 2-D array, time first; the other columns
    are read by name: ``"mark"`` is a categorical mark (integer codes),
    ``"x"`` and ``"y"`` a location, anything else (e.g. ``"magnitude"``) a
    feature of the event that the history encoder reads but that is not
    modelled. The model factorizes as time to the next event x mark x
    location, each conditioned on the history.

    **Observation windows.** Sequence ``i`` is scored on ``(start_times[i],
    end_times[i]]``: its events at or before the start only condition, the
    ones after the end are ignored, and the log-likelihood adds the survival
    term ``log S`` from the last event to the end (and conditions on no
    event between the last event before the window and its start). By
    default a window runs from the sequence's first event (not scored) to
    its last event (an empty survival term); pass the true windows (e.g.
    ``[0, WIKIPEDIA_WINDOW_END]`` for Wikipedia) to score the whole window.

    **Units.** Time is rescaled internally by ``time_scale_`` (the mean time
    between training events) and locations are standardized; the
    log-likelihoods reported by :meth:`score` and :meth:`score_components`
    are in the user's units: each event's time density gets ``-log
    time_scale_`` and its location density ``-sum log location_scale_``
    (the Jacobians), so they are comparable with any model scored on the
    same data.

    Parameters
    ----------
    backbone : {"lognorm_mix", "rmtpp", "thp"} or EventBackboneConfig, default="lognorm_mix"
        The point-process backbone: a name (default hyperparameters) or a
        configuration such as ``LogNormMixConfig(n_components=8)``, whose
        parameters are then nested parameters of the estimator
        (``backbone__n_components``).
    columns : tuple of str or None, default=None
        Names of the columns, ``"time"`` first. ``None`` takes those of a
        :class:`~sk_stfm.data.SequenceData`, or reads 1, 2 and 4 columns as
        ``("time",)``, ``("time", "mark")`` and ``("time", "x", "y",
        "magnitude")``.
    n_marks : int or None, default=None
        Number of mark types; ``None`` takes the ``SequenceData``'s, or the
        largest training mark plus one.
    max_length : int, default=128
        Scored events per training piece: long sequences are cut into
        pieces of at most this many events.
    context_length : int, default=64
        Events before a piece that its history encoder reads (history is
        truncated there, in training, scoring and prediction alike).
    max_epochs : int, default=30
        Training epochs.
    batch_size : int, default=32
        Pieces per batch.
    lr : float, default=1e-2
        Learning rate.
    optimizer : {"adam", "adamw", "sgd"}, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        Weight decay.
    patience : int or None, default=5
        Early-stopping patience (epochs without a better validation loss);
        ``None`` trains ``max_epochs``.
    validation_fraction : float, default=0.1
        Share of the training pieces held out for early stopping, drawn at
        random (seeded); 0 trains on all.
    device : str, default="cpu"
        Torch device; ``"auto"`` picks CUDA when available.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, shuffling, the validation draw and
        sampling.
    verbose : int, default=0
        Print skorch's progress.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks (e.g. :class:`~sk_stfm.estimators.TimeBudget`).
    %(checkpoint_parameters)s

    Attributes
    ----------
    columns_ : tuple of str
        Names of the columns.
    n_marks_ : int
        Number of mark types (0 when unmarked).
    time_scale_ : float
        Mean time between training events; the unit of time inside the
        model.
    location_mean_, location_scale_ : ndarray of shape (n_spatial,)
        Standardization of the location columns (empty without them).
    feature_mean_, feature_scale_ : ndarray of shape (n_features,)
        Standardization of the feature columns read by the encoder.
    net_ : skorch.NeuralNet
        The trained network.
    n_epochs_ : int
        Epochs trained.

    See Also
    --------
    PoissonProcess : Homogeneous Poisson baseline.
    HawkesProcess : Exponential-kernel Hawkes baseline.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators import EventForecaster
    >>> rng = np.random.default_rng(0)
    >>> sequences = [np.column_stack([np.cumsum(rng.exponential(size=30)),
    ...                               rng.integers(0, 3, 30)]) for _ in range(8)]
    >>> model = EventForecaster(max_epochs=2, random_state=0).fit(sequences)
    >>> model.n_marks_, model.predict(sequences[:2]).shape
    (3, (2, 2))
    >>> bool(np.isfinite(model.score(sequences)))
    True
    """

    @classmethod
    def _test_param_sets(cls):
        # One tiny model per registered event backbone.
        return registered_test_params(EventBackboneConfig, {"max_epochs": 2, "random_state": 0})

    _parameter_constraints: dict = {
        "backbone": [str, EventBackboneConfig],
        "columns": [tuple, list, None],
        "n_marks": [Interval(numbers.Integral, 0, None, closed="left"), None],
        "max_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "context_length": [Interval(numbers.Integral, 0, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(_OPTIMIZERS))],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "patience": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "checkpoint_dir": [str, os.PathLike, None],
        "resume": ["boolean"],
    }

    def __init__(
        self,
        backbone="lognorm_mix",
        columns=None,
        n_marks=None,
        max_length=128,
        context_length=64,
        max_epochs=30,
        batch_size=32,
        lr=1e-2,
        optimizer="adam",
        weight_decay=0.0,
        patience=5,
        validation_fraction=0.1,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        checkpoint_dir=None,
        resume=False,
    ):
        self.backbone = backbone
        self.columns = columns
        self.n_marks = n_marks
        self.max_length = max_length
        self.context_length = context_length
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
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

    def _fingerprint_data(self):
        """What a checkpoint records of the data (see ``fit_fingerprint``)."""
        return {"columns": list(self.columns_), "n_marks": self.n_marks_}

    # ------------------------------------------------------------ columns
    def _roles(self):
        columns = self.columns_
        mark = columns.index("mark") if "mark" in columns else None
        spatial = [columns.index(c) for c in SPATIAL_COLUMNS if c in columns]
        features = [i for i, c in enumerate(columns) if i > 0 and c != "mark"]
        return mark, spatial, features

    def _validated(self, sequences, name):
        """Validated sequences of a fitted model (same columns, marks in range)."""
        check_is_fitted(self)
        sequences, columns, _ = read_sequences(
            sequences, name, self.columns_, n_columns=len(self.columns_)
        )
        mark, _, _ = self._roles()
        if mark is not None:
            check_marks(sequences, mark, max(self.n_marks_, 1), name)
        return sequences

    # ------------------------------------------------------------ tensors
    def _tensors(self, sequences, pieces, dtype=torch.float32):
        """Pad the pieces into the batch dict the backbones read."""
        mark, spatial, features = self._roles()
        length = max(1, max(p["stop"] - p["history"] for p in pieces))
        n = len(pieces)
        gaps = np.ones((n, length))
        marks = np.zeros((n, length), dtype=np.int64)
        feats = np.zeros((n, length, len(features)))
        locations = np.zeros((n, length, len(spatial)))
        valid = np.zeros((n, length), dtype=bool)
        scored = np.zeros((n, length), dtype=bool)
        start_index = np.zeros(n, dtype=np.int64)
        for row, piece in enumerate(pieces):
            sequence = sequences[piece["sequence"]]
            lo, begin, hi = piece["history"], piece["begin"], piece["stop"]
            events = sequence[lo:hi]
            k = hi - lo
            times = sequence[max(lo - 1, 0) : hi, 0]
            piece_gaps = np.diff(times) if lo > 0 else np.concatenate([[np.nan], np.diff(times)])
            if lo == 0 and k:
                first = piece["first_gap"]
                piece_gaps[0] = first if np.isfinite(first) and first > 0 else self.time_scale_
            gaps[row, :k] = piece_gaps[:k] / self.time_scale_
            if mark is not None:
                marks[row, :k] = events[:, mark]
            if features:
                feats[row, :k] = (events[:, features] - self.feature_mean_) / self.feature_scale_
            if spatial:
                locations[row, :k] = (
                    events[:, spatial] - self.location_mean_
                ) / self.location_scale_
            valid[row, :k] = True
            scored[row, begin - lo : k] = True
            start_index[row] = begin - lo
        return {
            "gaps": torch.tensor(gaps, dtype=dtype),
            "marks": torch.from_numpy(marks),
            "features": torch.tensor(feats, dtype=dtype),
            "locations": torch.tensor(locations, dtype=dtype),
            "valid": torch.from_numpy(valid),
            "scored": torch.from_numpy(scored),
            "start_index": torch.from_numpy(start_index),
            "start_gap": torch.tensor(
                [p["start_gap"] / self.time_scale_ for p in pieces], dtype=dtype
            ),
            "end_gap": torch.tensor([p["end_gap"] / self.time_scale_ for p in pieces], dtype=dtype),
            "has_end": torch.tensor([p["has_end"] for p in pieces]),
        }

    def _pieces(self, sequences, start_times, end_times):
        start, end = observation_windows(sequences, start_times, end_times)
        return make_pieces(sequences, start, end, self.max_length, self.context_length)

    # ------------------------------------------------------------ fitting
    def _build_module(self, log_gap_mean, log_gap_std):
        _, spatial, features = self._roles()
        return resolve_event_backbone(self.backbone).build(
            n_marks=self.n_marks_,
            n_features=len(features),
            n_spatial=len(spatial),
            log_gap_mean=log_gap_mean,
            log_gap_std=log_gap_std,
        )

    def _make_net(self, module, seed, train_split, callbacks):
        return NeuralNet(
            module=module,
            criterion=_NegativeLogLikelihood,
            optimizer=_OPTIMIZERS[self.optimizer],
            lr=self.lr,
            optimizer__weight_decay=self.weight_decay,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(seed),
            train_split=train_split,
            callbacks=callbacks,
            device=resolve_device(self.device),
            verbose=int(self.verbose),
            torch_load_kwargs={"weights_only": True},
        )

    @fit_context(prefer_skip_nested_validation=True)
    @renamed_argument("sequences", "X")
    def fit(self, X, y=None, *, start_times=None, end_times=None):
        """Fit the point process by maximum likelihood.

        Parameters
        ----------
        X : list of array-like of shape (n_events, n_columns) or SequenceData
            Event sequences, time first (strictly increasing: the models
            need positive times between events).
        y : None
            Ignored; present for API consistency.
        start_times, end_times : float, array-like of shape (n_sequences,) or None
            Observation windows (see the class description); ``None``: from
            the first to the last event of each sequence.

        Returns
        -------
        self : EventForecaster
            The fitted estimator.
        """
        resolve_event_backbone(self.backbone)  # a clear error before any work
        X, self.columns_, data_marks = read_sequences(X, "X", self.columns)
        mark, spatial, features = self._roles()
        if mark is None:
            self.n_marks_ = 0
        else:
            n_marks = self.n_marks if self.n_marks is not None else data_marks
            if n_marks is None:
                check_marks(X, mark, np.inf, "X")
                n_marks = int(max(s[:, mark].max() for s in X)) + 1
            self.n_marks_ = int(n_marks)
            check_marks(X, mark, max(self.n_marks_, 1), "X")
        points = np.concatenate(X)
        self.location_mean_ = points[:, spatial].mean(0)
        self.location_scale_ = np.where(
            points[:, spatial].std(0) > 0, points[:, spatial].std(0), 1.0
        )
        self.feature_mean_ = points[:, features].mean(0)
        self.feature_scale_ = np.where(
            points[:, features].std(0) > 0, points[:, features].std(0), 1.0
        )
        start, end = observation_windows(X, start_times, end_times)
        gaps = np.concatenate([np.diff(s[:, 0]) for s in X])
        if gaps.size == 0:
            raise ValueError("X must hold at least two events in all to learn from.")
        self.time_scale_ = float(gaps.mean())
        log_gaps = np.log(gaps / self.time_scale_)
        pieces = make_pieces(X, start, end, self.max_length, self.context_length)
        batch = self._tensors(X, pieces)
        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        use_validation = self.validation_fraction > 0 and len(pieces) >= 10
        callbacks = []
        if use_validation and self.patience is not None:
            callbacks.append(
                # Resumable: the checkpoint carries its count and best weights.
                ("early_stopping", ResumableEarlyStopping(patience=self.patience, load_best=True))
            )
        if self.verbose:
            callbacks.append(("progress", ProgressBar()))
        checkpoint = None
        if self.checkpoint_dir is not None:
            checkpoint = checkpoint_callback(self.checkpoint_dir, fit_fingerprint(self))
            callbacks.append(("checkpoint", checkpoint))
        callbacks += [copy.deepcopy(cb) for cb in (self.callbacks or [])]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            module = self._build_module(float(log_gaps.mean()), float(log_gaps.std() or 1.0))
            self.net_ = self._make_net(
                module,
                seed,
                ValidSplit(self.validation_fraction, random_state=seed) if use_validation else None,
                callbacks,
            )
            fit_net(self.net_, batch, checkpoint=checkpoint, resume=self.resume)
        losses = self.net_.history[:, "train_loss"]
        if not np.all(np.isfinite(losses)):
            raise RuntimeError("training diverged (non-finite loss); lower lr.")
        self.n_epochs_ = len(self.net_.history)
        return self

    # ------------------------------------------------------------ scoring
    def _module(self):
        return copy.deepcopy(self.net_.module_).to(torch.float64).eval()

    def _terms(self, sequences, start_times, end_times):
        """Summed (time, mark, space) log-likelihood in user units, and the event count."""
        pieces = self._pieces(sequences, start_times, end_times)
        module = self._module()
        device = next(module.parameters()).device
        totals = torch.zeros(4, dtype=torch.float64)
        with torch.no_grad():
            for lo in range(0, len(pieces), self.batch_size):
                chunk = pieces[lo : lo + self.batch_size]
                batch = self._tensors(sequences, chunk, torch.float64)
                batch = {k: v.to(device) for k, v in batch.items()}
                totals += module(**batch).sum(0).cpu()
        time_ll, mark_ll, space_ll, n_events = totals.tolist()
        time_ll -= n_events * np.log(self.time_scale_)
        space_ll -= n_events * float(np.log(self.location_scale_).sum())
        return time_ll, mark_ll, space_ll, int(round(n_events))

    @renamed_argument("sequences", "X")
    def score_components(self, X, *, start_times=None, end_times=None):
        """Log-likelihood per event, split into time, mark and location.

        Parameters
        ----------
        X : list of array-like of shape (n_events, n_columns) or SequenceData
            Event sequences, as in :meth:`fit`.
        start_times, end_times : float, array-like of shape (n_sequences,) or None
            Observation windows (see the class description).

        Returns
        -------
        components : dict
            ``"time"`` (the temporal log-likelihood, survival terms
            included), ``"mark"``, ``"space"`` (0 without marks or
            locations) and ``"total"``, each summed over all sequences and
            divided by ``"n_events"``, the number of scored events; in the
            user's units of time and location.
        """
        X = self._validated(X, "X")
        time_ll, mark_ll, space_ll, n_events = self._terms(X, start_times, end_times)
        per = max(n_events, 1)
        return {
            "time": float(time_ll / per),
            "mark": float(mark_ll / per),
            "space": float(space_ll / per),
            "total": float((time_ll + mark_ll + space_ll) / per),
            "n_events": n_events,
        }

    @renamed_argument("sequences", "X")
    def score(self, X, y=None, *, start_times=None, end_times=None):
        """Mean log-likelihood per event (time, mark and location; survival included).

        The total log-likelihood of all sequences (each on its observation
        window) divided by the total number of scored events, in the user's
        units (see the class description).

        Parameters
        ----------
        X : list of array-like of shape (n_events, n_columns) or SequenceData
            Event sequences, as in :meth:`fit`.
        y : None
            Ignored; present for API consistency.
        start_times, end_times : float, array-like of shape (n_sequences,) or None
            Observation windows.

        Returns
        -------
        score : float
            Log-likelihood per event; higher is better.
        """
        return self.score_components(X, start_times=start_times, end_times=end_times)[
            "total"
        ]

    # --------------------------------------------------------- prediction
    def _last_contexts(self, module, sequences):
        """History vectors after the last event of each sequence."""
        pieces = []
        for index, sequence in enumerate(sequences):
            n = len(sequence)
            lo = max(0, n - self.context_length - self.max_length)
            pieces.append(
                {
                    "sequence": index,
                    "history": lo,
                    "begin": n,
                    "stop": n,
                    "start_gap": 0.0,
                    "first_gap": np.nan,
                    "end_gap": 0.0,
                    "has_end": False,
                }
            )
        batch = self._tensors(sequences, pieces, torch.float64)
        device = next(module.parameters()).device
        contexts = module.encode(
            batch["gaps"].to(device),
            batch["marks"].to(device),
            batch["features"].to(device),
            batch["valid"].to(device),
        )
        rows = torch.arange(len(pieces), device=device)
        return contexts[rows, batch["valid"].sum(1).to(device)]

    @renamed_argument("history", "X")
    def predict(self, X):
        """Predict the next event of each history: median time, likeliest mark, mean location.

        Parameters
        ----------
        X : list of array-like of shape (n_events, n_columns) or SequenceData
            The events observed so far, one sequence each.

        Returns
        -------
        next_events : ndarray of shape (n_sequences, n_columns)
            In the columns of the training data: the last time plus the
            median time to the next event (``inf`` when the model gives more
            than half its mass to no further event; the median exists for
            every backbone, where the mean of RMTPP and THP can be infinite),
            the most probable mark, the
            mixture mean of the location; NaN for feature columns that are
            not modelled (e.g. magnitude).
        """
        sequences = self._validated(X, "X")
        mark, spatial, _ = self._roles()
        module = self._module()
        out = np.full((len(sequences), len(self.columns_)), np.nan)
        with torch.no_grad():
            contexts = self._last_contexts(module, sequences)
            median = module.quantile_gap(contexts, 0.5).cpu().numpy() * self.time_scale_
            out[:, 0] = [s[-1, 0] for s in sequences] + median
            if mark is not None and self.n_marks_ >= 2:
                out[:, mark] = module.mark_log_proba(contexts).argmax(-1).cpu().numpy()
            elif mark is not None:
                out[:, mark] = 0
            if spatial:
                log_w, means, _ = module._spatial_mixture(contexts)
                mean = (torch.exp(log_w)[..., None] * means).sum(1).cpu().numpy()
                out[:, spatial] = mean * self.location_scale_ + self.location_mean_
        return out

    @renamed_argument("history", "X")
    def predict_proba(self, X):
        """Return the probabilities of the next event's mark.

        Parameters
        ----------
        X : list of array-like of shape (n_events, n_columns) or SequenceData
            The events observed so far, one sequence each.

        Returns
        -------
        proba : ndarray of shape (n_sequences, n_marks)
            Rows sum to 1.
        """
        sequences = self._validated(X, "X")
        if self.n_marks_ < 2:
            raise ValueError("predict_proba needs marked sequences (n_marks >= 2).")
        module = self._module()
        with torch.no_grad():
            contexts = self._last_contexts(module, sequences)
            return torch.exp(module.mark_log_proba(contexts)).cpu().numpy()

    def intensity(self, sequence, times):
        """Conditional intensity of the next event at each time, given the events before it.

        ``lambda*(t) = f(t - t_i | H) / S(t - t_i | H)``, the hazard of the
        time distribution after the last event ``t_i < t`` given the history
        ``H`` up to it; summed over marks.

        Parameters
        ----------
        sequence : array-like of shape (n_events, n_columns)
            One event sequence, in the training columns.
        times : array-like of shape (n_times,)
            Where to evaluate the intensity, in the units of time.

        Returns
        -------
        intensity : ndarray of shape (n_times,)
            Expected events per unit of time; NaN at times at or before the
            first event (no history to condition on).
        """
        check_is_fitted(self)
        sequence, query, n_before = read_intensity_query(sequence, times, self.columns_)
        out = np.full(query.shape, np.nan)
        module = self._module()
        histories = np.unique(n_before[n_before > 0])
        with torch.no_grad():
            for lo in range(0, len(histories), self.batch_size):
                chunk = histories[lo : lo + self.batch_size]
                contexts = self._last_contexts(module, [sequence[:k] for k in chunk])
                for row, k in enumerate(chunk):
                    at = np.flatnonzero(n_before == k)
                    tau = torch.tensor((query[at] - sequence[k - 1, 0]) / self.time_scale_)
                    tau = tau.clamp_min(1e-12)
                    context = contexts[row].expand(len(at), -1)
                    log_hazard = module.log_density(context, tau) - module.log_survival(
                        context, tau
                    )
                    out[at] = torch.exp(log_hazard).cpu().numpy() / self.time_scale_
        return out

    @renamed_argument("history", "X")
    def sample(self, X, horizon_time, *, random_state=None, max_events=10_000):
        """Simulate the events that follow each history over a time span.

        Events are drawn one after the other (time to the next event, then
        mark and location given the history), each fed back into the
        history, until the next one would fall after ``horizon_time`` past
        the history's last event.

        Parameters
        ----------
        X : list of array-like of shape (n_events, n_columns) or SequenceData
            The events observed so far, one sequence each.
        horizon_time : float
            Length of the simulated span after each history's last event,
            in the units of time.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws; ``None`` uses the estimator's.
        max_events : int, default=10000
            Most events drawn per sequence.

        Returns
        -------
        samples : list of ndarray of shape (n_new_events, n_columns)
            The simulated events of each sequence; feature columns that are
            not modelled (e.g. magnitude) are NaN (the encoder reads their
            training mean).
        """
        sequences = self._validated(X, "X")
        if (
            isinstance(horizon_time, bool)
            or not isinstance(horizon_time, numbers.Real)
            or not 0 < horizon_time < np.inf
        ):
            raise ValueError(
                f"horizon_time must be a positive, finite number; got {horizon_time!r}."
            )
        max_events = check_int(max_events, "max_events", minimum=0)
        mark, spatial, features = self._roles()
        random_state = self.random_state if random_state is None else random_state
        seed = check_seed(random_state)
        generator = torch.Generator().manual_seed(seed)
        module = self._module()
        ends = np.array([s[-1, 0] for s in sequences]) + float(horizon_time)
        current = [s.copy() for s in sequences]
        new = [[] for _ in sequences]
        active = list(range(len(sequences)))
        with torch.no_grad():
            for _ in range(int(max_events)):
                if not active:
                    break
                contexts = self._last_contexts(module, [current[i] for i in active])
                gaps = module.sample_gap(contexts, generator).cpu().numpy() * self.time_scale_
                rows = np.tile(np.nan, (len(active), len(self.columns_)))
                rows[:, 0] = [current[i][-1, 0] for i in active] + gaps
                if mark is not None:
                    if self.n_marks_ >= 2:
                        proba = torch.exp(module.mark_log_proba(contexts)).cpu()
                        rows[:, mark] = torch.multinomial(proba, 1, generator=generator)[:, 0]
                    else:
                        rows[:, mark] = 0
                if spatial:
                    drawn = module.sample_location(contexts, generator).cpu().numpy()
                    rows[:, spatial] = drawn * self.location_scale_ + self.location_mean_
                still = []
                for row, i in zip(rows, active, strict=True):
                    if not row[0] <= ends[i]:
                        continue
                    new[i].append(row.copy())
                    fed = row.copy()
                    unmodelled = [f for f in features if np.isnan(fed[f])]
                    for f in unmodelled:
                        fed[f] = self.feature_mean_[features.index(f)]
                    current[i] = np.vstack([current[i], fed])
                    still.append(i)
                active = still
        width = len(self.columns_)
        return [np.array(rows).reshape(-1, width) for rows in new]

    # ------------------------------------------------------------ persistence
    # What ``save`` writes besides the weights and parameters.
    _fitted_attributes = (
        "columns_",
        "n_marks_",
        "time_scale_",
        "location_mean_",
        "location_scale_",
        "feature_mean_",
        "feature_scale_",
        "n_epochs_",
    )

    def save(self, path):
        """Save the fitted model to one file, without pickle.

        The file holds the parameters and fitted attributes as JSON and
        the network's weights as tensors (see
        :meth:`BaseSTEstimator.save <sk_stfm.estimators.BaseSTEstimator.save>`).

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
        save_estimator(self, path, {name: getattr(self, name) for name in self._fitted_attributes})
        return path

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save`.

        The file is read with ``torch.load(weights_only=True)``: it cannot
        run code, and only sk_stfm classes are rebuilt.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        model : EventForecaster
            The fitted model, scoring, predicting and sampling exactly as
            the saved one.
        """
        saved_cls, params, fitted, state_dict = load_payload(path)
        if not (isinstance(saved_cls, type) and issubclass(saved_cls, cls)):
            raise ValueError(f"{path} holds a {saved_cls.__name__}, not a {cls.__name__}.")
        model = saved_cls(**params)
        for name, value in fitted.items():
            setattr(model, name, value)
        # Building initializes weights (then overwritten): keep it off the global RNG.
        with torch.random.fork_rng(devices=[]):
            module = model._build_module(0.0, 1.0)  # the gap statistics are buffers: loaded
            module.load_state_dict(state_dict)
            model.net_ = model._make_net(module, 0, None, []).initialize()
        return model

    def __stfm_tags__(self):
        return STFMTags(
            data_kinds=("event",),
            dependencies=("temporal", "spatio-temporal"),
            tasks=("forecasting", "generation"),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Sequence estimator: fit takes a list of (n_events, n_columns)
        # arrays of different lengths, not a 2-D (n_samples, n_features) array.
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        tags.non_deterministic = False
        return tags
