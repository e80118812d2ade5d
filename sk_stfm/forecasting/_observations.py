"""The series an sktime forecaster has observed, as one node array on one time axis.

sktime hands a forecaster ``pd.DataFrame`` (one series, time x variables)
or ``pd-multiindex`` frames (instances x time, variables); sk_stfm's window
models read ``(n_steps, n_nodes, n_channels)``. Each instance of a panel is
a node, so a panel must have the same time index in every instance.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd


def frame_to_nodes(frame, instances=None, name="y"):
    """Turn an sktime frame into a node array.

    Parameters
    ----------
    frame : pd.DataFrame
        One series (time index) or a panel (2-level ``MultiIndex``
        ``(instance, time)``).
    instances : pd.Index or None, default=None
        Instances to take, in node order; ``None`` takes those of ``frame``
        in the order they first appear.
    name : str, default="y"
        Name of ``frame`` in error messages.

    Returns
    -------
    values : ndarray of shape (n_steps, n_nodes, n_columns)
        Float64 values, NaN where missing.
    time_index : pd.Index
        The time index, shared by all nodes.
    instances : pd.Index or None
        Node labels of a panel; ``None`` for one series.
    """
    if not isinstance(frame.index, pd.MultiIndex):
        return frame.to_numpy(dtype=np.float64)[:, None, :], frame.index, None
    present = frame.index.get_level_values(0).unique()
    if instances is None:
        instances = present
    unknown = present.difference(instances)
    absent = pd.Index(instances).difference(present)
    if len(unknown) or len(absent):
        raise ValueError(
            f"{name} must hold the instances (nodes) seen in fit, {list(instances)}; "
            f"got unknown {list(unknown)} and missing {list(absent)}."
        )
    blocks, time_index = [], None
    for instance in instances:
        block = frame.xs(instance, level=0)
        if time_index is None:
            time_index = block.index
        elif not block.index.equals(time_index):
            # Nodes of one window array share their time steps.
            raise ValueError(
                f"every instance of {name} must have the same time index (each one is a "
                f"node of the same windows); instance {instance!r} differs from "
                f"{instances[0]!r}. Reindex the panel to a common time index (NaN is "
                "allowed) or forecast the instances separately."
            )
        blocks.append(block.to_numpy(dtype=np.float64))
    return np.stack(blocks, axis=1), time_index, pd.Index(instances)


@dataclass(frozen=True)
class Observations:
    """Targets and exogenous channels observed so far, step by step.

    Parameters
    ----------
    index : pd.Index
        Time index, increasing.
    targets : ndarray of shape (n_steps, n_nodes, n_targets)
        Values of ``y``.
    exogenous : ndarray of shape (n_steps, n_nodes, n_exogenous) or None
        Values of ``X``, NaN where ``X`` was not given.
    instances : pd.Index or None
        Node labels of a panel; ``None`` for one series.
    index_names : list
        Names of the row index levels of ``y``.
    exogenous_columns : pd.Index or None
        Columns of ``X`` in fit.
    """

    index: pd.Index
    targets: np.ndarray
    exogenous: np.ndarray | None
    instances: pd.Index | None
    index_names: list
    exogenous_columns: pd.Index | None

    @classmethod
    def from_frames(cls, y, X=None):
        """Observations of ``fit``: ``y`` and, if given, ``X`` on the index of ``y``.

        Parameters
        ----------
        y : pd.DataFrame
            Targets, one series or a panel.
        X : pd.DataFrame or None, default=None
            Exogenous series with an index that contains that of ``y``.

        Returns
        -------
        observations : Observations
            The observations.
        """
        targets, index, instances = frame_to_nodes(y)
        exogenous = columns = None
        if X is not None:
            columns = X.columns
            exogenous = frame_to_nodes(X.reindex(y.index), instances, "X")[0]
        return cls(index, targets, exogenous, instances, list(y.index.names), columns)

    def extend(self, y, X=None):
        """Add the steps of ``y`` (and ``X``); a step seen before takes the new values.

        Parameters
        ----------
        y : pd.DataFrame
            New targets, with the instances of ``fit``.
        X : pd.DataFrame or None, default=None
            New exogenous values; ``None`` leaves them missing.

        Returns
        -------
        observations : Observations
            The observations with the new steps.
        """
        targets, index, _ = frame_to_nodes(y, self.instances)
        exogenous = self._exogenous_of(y, X, len(index))
        index = self.index.append(index)
        # The last value of a step wins, as in sktime's update.
        keep = np.flatnonzero(~index.duplicated(keep="last"))
        order = keep[np.argsort(index[keep], kind="stable")]
        targets = np.concatenate([self.targets, targets])[order]
        if exogenous is not None:
            exogenous = np.concatenate([self.exogenous, exogenous])[order]
        return Observations(
            index[order],
            targets,
            exogenous,
            self.instances,
            self.index_names,
            self.exogenous_columns,
        )

    def _exogenous_of(self, y, X, n_steps):
        if self.exogenous_columns is None:
            return None  # fit saw no X: the model has no channel for it
        if X is None:
            # Unknown side information is missing; the window model fills it.
            return np.full((n_steps,) + self.exogenous.shape[1:], np.nan)
        if not X.columns.equals(self.exogenous_columns):
            raise ValueError(
                f"X must have the columns of X in fit, {list(self.exogenous_columns)}; "
                f"got {list(X.columns)}."
            )
        return frame_to_nodes(X.reindex(y.index), self.instances, "X")[0]

    @property
    def n_targets(self):
        """Number of target channels."""
        return self.targets.shape[2]

    def values(self):
        """All steps, targets first, then exogenous channels.

        Returns
        -------
        values : ndarray of shape (n_steps, n_nodes, n_targets + n_exogenous)
            The model's input channels.
        """
        if self.exogenous is None:
            return self.targets
        return np.concatenate([self.targets, self.exogenous], axis=2)

    def last_window(self, history, cutoff):
        """The input window of the ``history`` steps up to ``cutoff``.

        Parameters
        ----------
        history : int
            Steps of the window.
        cutoff : object
            Last time step of the window (sktime's ``cutoff``).

        Returns
        -------
        window : ndarray of shape (1, history, n_nodes, n_targets + n_exogenous)
            The window.
        """
        end = self.index.searchsorted(cutoff, side="right")
        if end < history:
            raise ValueError(
                f"the forecaster needs the {history} steps up to the cutoff {cutoff} as "
                f"input (history={history}), but only {end} were observed."
            )
        return self.values()[None, end - history : end]

    def to_frame(self, values, time_index, columns):
        """Frame of per-node values at ``time_index``, in the layout of ``y``.

        Parameters
        ----------
        values : ndarray of shape (n_times, n_nodes, n_columns)
            Values per time, node and column.
        time_index : pd.Index
            The times.
        columns : pd.Index
            Column labels.

        Returns
        -------
        frame : pd.DataFrame
            Rows indexed by time (one series) or ``(instance, time)`` (panel).
        """
        if self.instances is None:
            # sktime's absolute horizon drops the name of the time index of y.
            time_index = time_index.rename(self.index_names[0])
            return pd.DataFrame(values[:, 0], index=time_index, columns=columns)
        index = pd.MultiIndex.from_product([self.instances, time_index], names=self.index_names)
        # Rows instance-major, as in the MultiIndex: (N, T, C) flattened.
        rows = np.swapaxes(values, 0, 1).reshape(-1, values.shape[2])
        return pd.DataFrame(rows, index=index, columns=columns)
