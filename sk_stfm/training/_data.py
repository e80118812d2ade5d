"""The pieces skorch's training loop is assembled from.

Windows are held as tensors and batches are gathered with one indexing
operation, instead of a per-sample ``__getitem__`` and collate; this keeps
the loop's overhead over plain PyTorch small.
"""

import time

import torch
from skorch.callbacks import Callback
from torch.utils.data import Dataset


class WindowDataset(Dataset):
    """Input windows and (optionally) targets, as tensors.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_steps, n_nodes, n_channels)
        Input windows without NaN.
    y : torch.Tensor of shape (n_samples, horizon, n_nodes, n_targets) or None
        Targets; NaN marks entries the loss leaves out.
    """

    def __init__(self, X, y=None):
        self.X = X
        self.y = y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        y = torch.zeros(0) if self.y is None else self.y[index]
        return self.X[index], y

    def subset(self, index):
        """Return the windows at ``index`` as a new dataset.

        Parameters
        ----------
        index : slice or torch.Tensor of int
            Which windows to keep.

        Returns
        -------
        dataset : WindowDataset
            The selected windows.
        """
        return WindowDataset(self.X[index], None if self.y is None else self.y[index])


class TensorBatchLoader:
    """Iterate over a :class:`WindowDataset` in batches, like a DataLoader.

    Parameters
    ----------
    dataset : WindowDataset
        The windows.
    batch_size : int, default=64
        Windows per batch; the last batch may be smaller (never dropped).
    shuffle : bool, default=False
        Draw a new order every epoch from ``generator``.
    generator : torch.Generator or None, default=None
        Source of the shuffling order, for repeatable training.
    **kwargs
        Other DataLoader arguments (``num_workers``, ...), ignored: the
        batches are slices of tensors already in memory.
    """

    def __init__(self, dataset, batch_size=64, shuffle=False, generator=None, **kwargs):
        self.dataset = dataset
        self.batch_size = len(dataset) if batch_size in (None, -1) else int(batch_size)
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator)
            for start in range(0, n, self.batch_size):
                index = order[start : start + self.batch_size]
                yield self.dataset.X[index], self._targets(index)
        else:
            for start in range(0, n, self.batch_size):
                index = slice(start, start + self.batch_size)
                yield self.dataset.X[index], self._targets(index)

    def _targets(self, index):
        return torch.zeros(0) if self.dataset.y is None else self.dataset.y[index]


class TemporalValidationSplit:
    """skorch ``train_split``: the last windows validate, never a random draw.

    Parameters
    ----------
    fraction : float
        Share of windows, taken from the end, used for validation.
    validation : WindowDataset or None, default=None
        Explicit validation windows; when given, all training windows train.
    gap : int, default=0
        Windows dropped between the training and the validation part. With
        stride-1 windows of ``history`` input and ``horizon`` target steps,
        ``history + horizon - 1`` makes sure no training window shares a
        step with a validation window, so early stopping is not fooled by
        targets the model was trained on.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.training._data import TemporalValidationSplit
    >>> from sk_stfm.training._data import WindowDataset
    >>> data = WindowDataset(torch.arange(10.0).reshape(10, 1, 1, 1))
    >>> train, valid = TemporalValidationSplit(0.2, gap=3)(data)
    >>> train.X.flatten().tolist(), valid.X.flatten().tolist()
    ([0.0, 1.0, 2.0, 3.0, 4.0], [8.0, 9.0])
    """

    def __init__(self, fraction, validation=None, gap=0):
        self.fraction = fraction
        self.validation = validation
        self.gap = gap

    def __call__(self, dataset, y=None, **kwargs):
        if self.validation is not None:
            return dataset, self.validation
        n_valid = int(round(self.fraction * len(dataset)))
        cut = len(dataset) - n_valid
        # Too few windows to validate without overlap: train on all of them.
        if n_valid < 1 or cut - self.gap < max(n_valid, 1):
            return dataset, None
        return dataset.subset(slice(0, cut - self.gap)), dataset.subset(slice(cut, None))


class TimeBudget(Callback):
    """Stop training once a wall-clock budget is spent.

    Stops at the end of the first epoch that finishes after ``max_seconds``
    from the start of training, the way skorch's ``EarlyStopping`` stops, so
    that other callbacks (restoring the best weights, checkpoints) still run.

    Parameters
    ----------
    max_seconds : float
        Training time budget in seconds.

    Examples
    --------
    >>> from sk_stfm.estimators import STForecaster, TimeBudget
    >>> model = STForecaster(callbacks=[TimeBudget(max_seconds=300)])
    """

    def __init__(self, max_seconds):
        self.max_seconds = max_seconds

    def on_train_begin(self, net, **kwargs):
        """Start the clock.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained.
        **kwargs
            Other arguments skorch passes to callbacks.
        """
        self.start_ = time.monotonic()

    def on_epoch_end(self, net, **kwargs):
        """Stop training when the budget is spent.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained.
        **kwargs
            Other arguments skorch passes to callbacks.
        """
        if time.monotonic() - self.start_ >= self.max_seconds:
            if net.verbose:
                print(f"Stopping: time budget of {self.max_seconds:.0f} s spent.")
            raise KeyboardInterrupt
