"""The template of the transformers that take lists of trajectories.

A trajectory is a sequence of the irregular data contract
(:mod:`sk_stfm.data`): a float array ``(n_points, n_columns)`` with columns
``(time [s], lat [deg], lon [deg], ...)``, times non-decreasing. Public
``fit`` / ``transform`` validate the list; subclasses implement
``_transform_one`` on one validated trajectory.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..data import check_sequences
from ..utils import STFMTags
from ..utils._compat import fit_context
from ..utils._test_params import TestParamsMixin

TRAJECTORIES_DOC = (
    "list of array-like of shape (n_points, n_columns): one trajectory per "
    "array, columns (time [s], lat [deg], lon [deg], ...), time non-decreasing"
)


def check_trajectories(X, name="X", *, n_columns=None, check_latitude=True):
    """Validate a list of trajectories (at least time, lat, lon columns).

    Returns float64 copies; raises ``ValueError`` / ``TypeError`` naming
    ``name`` (and the trajectory) for anything the contract refuses.
    ``check_latitude=False`` skips the latitude range, for projected
    coordinates (metres) in the lat / lon columns.
    """
    if isinstance(X, np.ndarray) and X.ndim not in (3, 4):
        hint = f" To pass one trajectory, wrap it in a list: [{name}]." if X.ndim == 2 else ""
        raise ValueError(
            f"{name} must be a list of 2D arrays (n_points, n_columns), one per "
            f"trajectory, with columns (time, lat, lon, ...); got an array of shape "
            f"{X.shape}.{hint}"
        )
    if hasattr(X, "iloc"):
        raise TypeError(
            f"{name} must be a {TRAJECTORIES_DOC}; got a {type(X).__name__}. Convert a "
            "long-format table with sk_stfm.data.sequences_from_frame."
        )
    trajectories = check_sequences(X, name, n_columns=n_columns)
    if trajectories[0].shape[1] < 3:
        raise ValueError(
            f"{name} must have at least 3 columns (time, lat, lon); got {trajectories[0].shape[1]}."
        )
    for index, trajectory in enumerate(trajectories if check_latitude else ()):
        bad = np.flatnonzero(np.abs(trajectory[:, 1]) > 90.0)
        if bad.size:
            raise ValueError(
                f"{name}[{index}]: latitude (column 1) must be in [-90, 90] degrees; "
                f"row {bad[0]} has {trajectory[bad[0], 1]}. Columns are (time, lat, lon)."
            )
    return trajectories


class _TrajectoryTransformer(TestParamsMixin, TransformerMixin, BaseEstimator):
    """Base of the transformers on lists of trajectories.

    ``fit`` only validates and records ``n_features_in_`` (the number of
    columns); ``transform`` returns one output per input trajectory.
    """

    _parameter_constraints: dict = {}

    def _check(self, X, *, reset):
        trajectories = check_trajectories(X, "X", n_columns=None if reset else self.n_features_in_)
        if reset:
            self.n_features_in_ = trajectories[0].shape[1]
        return trajectories

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the trajectories and record their number of columns.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            One trajectory per array, columns ``(time [s], lat, lon, ...)``,
            times non-decreasing, no NaN.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._fit(self._check(X, reset=True))
        return self

    def transform(self, X):
        """Transform each trajectory.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Trajectories with the columns seen in :meth:`fit`.

        Returns
        -------
        X_out : list of ndarray
            One array per input trajectory, in order.
        """
        check_is_fitted(self)
        return [self._transform_one(t) for t in self._check(X, reset=False)]

    def _fit(self, trajectories):
        """Validate parameters against the data; stateless transformers skip it."""

    def _transform_one(self, trajectory):  # pragma: no cover - abstract
        raise NotImplementedError

    def __stfm_tags__(self):
        return STFMTags(data_kinds=("trajectory",), dependencies=("spatio-temporal",))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Lists of variable-length trajectories, not (n_samples, n_features)
        # tables: scikit-learn's 2-D checks cannot build valid input, and
        # sk_stfm's sequence-transformer checks cover these transformers.
        tags.input_tags.two_d_array = False
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
