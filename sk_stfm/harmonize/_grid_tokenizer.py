"""GridTokenizer: GPS points to the ids of square grid cells, for next-location models."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..data import check_sequences
from ..data._validation import check_windows_input
from ..utils import STFMTags
from ..utils._compat import Interval, fit_context
from ..utils._test_params import TestParamsMixin
from ._geodesy import EARTH_RADIUS

# Metres per degree of latitude on the mean Earth sphere (as haversine_distance).
_METRES_PER_DEGREE = np.pi * EARTH_RADIUS / 180.0


def _is_sequence_list(X):
    """Whether ``X`` is a data set of sequences rather than a 2-D array of points."""
    if isinstance(X, np.ndarray):
        return X.ndim == 3
    return isinstance(X, (list, tuple)) and len(X) > 0 and np.ndim(X[0]) == 2


class GridTokenizer(
    ClassNamePrefixFeaturesOutMixin, TestParamsMixin, TransformerMixin, BaseEstimator
):
    """Map GPS points to the ids of square grid cells seen in training.

    ``fit`` lays a grid of ``cell_size`` x ``cell_size`` metre cells over
    the bounding box of the training points (an equirectangular grid: the
    cell width in degrees of longitude is taken at the box's middle
    latitude) and numbers the cells that hold at least ``min_count``
    training points ``1 .. n_tokens_ - 1``, in row-major order. Id ``0``
    stands for every other point: outside the box, or in a cell too rare in
    training. ``transform`` returns the id of each point; ``cell_centers_``
    decodes ids back to coordinates.

    Parameters
    ----------
    cell_size : float, default=500.0
        Side of a cell in metres.
    lat_column : int, default=1
        Column of the latitude (degrees); column 0 is time in a trajectory.
    lon_column : int, default=2
        Column of the longitude (degrees).
    min_count : int, default=1
        Training points a cell needs to get its own id.

    Attributes
    ----------
    origin_ : ndarray of shape (2,)
        Latitude and longitude of the south-west corner of the grid.
    cell_degrees_ : ndarray of shape (2,)
        Height (latitude) and width (longitude) of a cell, in degrees.
    grid_shape_ : tuple of int
        ``(n_rows, n_cols)`` of the grid.
    vocabulary_ : ndarray of shape (n_tokens - 1,)
        Row-major index ``row * n_cols + col`` of the cell of ids
        ``1 .. n_tokens_ - 1``.
    n_tokens_ : int
        Number of ids, including the unknown id 0.
    cell_centers_ : ndarray of shape (n_tokens, 2)
        Latitude and longitude of the centre of each id's cell; row 0
        (unknown) is NaN.
    cell_counts_ : ndarray of shape (n_tokens,)
        Training points in each id (id 0: the points of rare cells).
    n_features_in_ : int
        Number of columns of the points.

    Notes
    -----
    Two layouts are accepted, one row per point either way:

    - a 2-D array ``(n_points, n_columns)``; ``transform`` returns the ids as
      a column ``(n_points, 1)``, scikit-learn's transformer convention;
    - a list of sequences (trajectories ``(n_points, n_columns)`` with time
      in column 0, or a 3-D array of equal-length ones); ``transform``
      returns a list with one 1-D array of ids per sequence.

    The grid is built in degrees, so cells are squares of ``cell_size``
    metres only near the middle latitude; over a city the error is well
    below a percent.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import GridTokenizer
    >>> trajectory = np.array([[0.0, 39.9840, 116.3190],
    ...                        [60.0, 39.9841, 116.3191],
    ...                        [120.0, 39.9990, 116.3300]])
    >>> tokenizer = GridTokenizer(cell_size=500).fit([trajectory])
    >>> tokenizer.n_tokens_
    3
    >>> tokenizer.transform([trajectory])
    [array([1, 1, 2])]
    >>> tokenizer.transform(np.array([[0.0, 10.0, 10.0]]))  # far outside the grid
    array([[0]])
    >>> tokenizer.cell_centers_[1].round(4)
    array([ 39.9862, 116.3219])
    """

    _parameter_constraints: dict = {
        "cell_size": [Interval(numbers.Real, 0, None, closed="neither")],
        "lat_column": [Interval(numbers.Integral, 0, None, closed="left")],
        "lon_column": [Interval(numbers.Integral, 0, None, closed="left")],
        "min_count": [Interval(numbers.Integral, 1, None, closed="left")],
    }
    # (lat, lon) points: scikit-learn's checks send arrays of two columns.
    _test_params = (
        {"cell_size": 50_000.0, "lat_column": 0, "lon_column": 1},
        {"cell_size": 200_000.0, "lat_column": 0, "lon_column": 1, "min_count": 2},
    )

    def __init__(self, cell_size=500.0, lat_column=1, lon_column=2, min_count=1):
        self.cell_size = cell_size
        self.lat_column = lat_column
        self.lon_column = lon_column
        self.min_count = min_count

    # --------------------------------------------------------------- validation
    def _points(self, X, *, reset):
        """Return ``(points, lengths)``: stacked points, and sequence lengths or None."""
        if _is_sequence_list(X):
            sequences = check_sequences(
                list(X), "X", n_columns=None if reset else self.n_features_in_
            )
            points = np.concatenate(sequences, axis=0)
            if reset:
                self.n_features_in_ = points.shape[1]
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
            lengths = [len(s) for s in sequences]
        else:
            if isinstance(X, np.ndarray) and X.ndim > 2:
                raise ValueError(
                    f"X must be a 2D array of points (n_samples, n_columns) or a list of "
                    f"sequences (n_points, n_columns); got an array of shape {X.shape}."
                )
            check_windows_input(X, ndims=(2,), shape_doc="(n_points, n_columns)")
            points = validate_data(self, X, reset=reset, dtype=np.float64)
            lengths = None
        needed = max(self.lat_column, self.lon_column) + 1
        if points.shape[1] < needed:
            raise ValueError(
                f"X has n_features={points.shape[1]} columns, but lat_column="
                f"{self.lat_column} and lon_column={self.lon_column} need at least {needed}."
            )
        return points, lengths

    def _cells(self, points):
        """Row-major cell index of each point, -1 outside the grid."""
        latlon = points[:, [self.lat_column, self.lon_column]]
        rows_cols = np.floor((latlon - self.origin_) / self.cell_degrees_)
        n_rows, n_cols = self.grid_shape_
        inside = np.all(np.isfinite(rows_cols), axis=1)
        inside &= (rows_cols[:, 0] >= 0) & (rows_cols[:, 0] < n_rows)
        inside &= (rows_cols[:, 1] >= 0) & (rows_cols[:, 1] < n_cols)
        index = np.full(len(points), -1, dtype=np.int64)
        rc = rows_cols[inside].astype(np.int64)
        index[inside] = rc[:, 0] * n_cols + rc[:, 1]
        return index

    # ---------------------------------------------------------------- public API
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the grid and the vocabulary of cells seen in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_points, n_columns) or list of array-like
            Points, one per row, or a list of sequences ``(n_points,
            n_columns)`` (time in column 0).
        y : None
            Ignored.

        Returns
        -------
        self : GridTokenizer
            The fitted tokenizer.
        """
        points, _ = self._points(X, reset=True)
        latlon = points[:, [self.lat_column, self.lon_column]]
        low, high = latlon.min(axis=0), latlon.max(axis=0)
        middle = np.deg2rad((low[0] + high[0]) / 2)
        height = self.cell_size / _METRES_PER_DEGREE
        # Near the poles a degree of longitude shrinks to nothing: bound the width.
        width = self.cell_size / (_METRES_PER_DEGREE * max(np.cos(middle), 1e-6))
        self.origin_ = low
        self.cell_degrees_ = np.array([height, width])
        shape = np.floor((high - low) / self.cell_degrees_).astype(np.int64) + 1
        self.grid_shape_ = (int(shape[0]), int(shape[1]))
        cells, counts = np.unique(self._cells(points), return_counts=True)
        kept = counts >= self.min_count
        self.vocabulary_ = cells[kept]
        self.n_tokens_ = len(self.vocabulary_) + 1
        rows, cols = np.divmod(self.vocabulary_, self.grid_shape_[1])
        centers = self.origin_ + (np.column_stack([rows, cols]) + 0.5) * self.cell_degrees_
        self.cell_centers_ = np.vstack([np.full((1, 2), np.nan), centers])
        self.cell_counts_ = np.concatenate([[counts[~kept].sum()], counts[kept]]).astype(np.int64)
        return self

    def transform(self, X):
        """Return the cell id of every point.

        Parameters
        ----------
        X : array-like of shape (n_points, n_columns) or list of array-like
            Points or sequences, in the columns used in ``fit``.

        Returns
        -------
        ids : ndarray of int64 of shape (n_points, 1) or list of ndarray
            Ids in ``0 .. n_tokens_ - 1`` (0: outside the grid or a cell
            not in the vocabulary); for a list of sequences, a list of 1-D
            arrays, one per sequence.
        """
        check_is_fitted(self)
        points, lengths = self._points(X, reset=False)
        cells = self._cells(points)
        ids = np.zeros(len(cells), dtype=np.int64)
        if len(self.vocabulary_):
            position = np.minimum(
                np.searchsorted(self.vocabulary_, cells), len(self.vocabulary_) - 1
            )
            known = (cells >= 0) & (self.vocabulary_[position] == cells)
            ids[known] = position[known] + 1
        if lengths is None:
            return ids[:, None]
        return np.split(ids, np.cumsum(lengths)[:-1])

    def decode(self, ids):
        """Return the centre coordinates of cell ids.

        Parameters
        ----------
        ids : array-like of int
            Cell ids, any shape.

        Returns
        -------
        centers : ndarray of shape ids.shape + (2,)
            Latitude and longitude of each cell centre; NaN for id 0.
        """
        check_is_fitted(self)
        ids = np.asarray(ids)
        if ids.size and (
            not np.issubdtype(ids.dtype, np.integer) or ids.min() < 0 or ids.max() >= self.n_tokens_
        ):
            raise ValueError(f"ids must be integers in [0, n_tokens_={self.n_tokens_}).")
        return self.cell_centers_[ids]

    @property
    def _n_features_out(self):
        # One id per point (read by get_feature_names_out).
        return 1

    def __stfm_tags__(self):
        return STFMTags(data_kinds=("trajectory",), dependencies=("spatial",))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Ids are integers, whatever the dtype of the coordinates.
        tags.transformer_tags.preserves_dtype = []
        return tags
