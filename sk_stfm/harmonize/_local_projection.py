"""Latitude / longitude to local metric coordinates around an origin, and back."""

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from ..data import input_ndim, restore_layout
from ..data._validation import check_windows_input
from ..utils._compat import StrOptions, fit_context
from ._base import FLOAT_DTYPES, BaseSTTransformer
from ._geodesy import EARTH_RADIUS
from ._trajectory_base import check_trajectories


class LocalProjector(BaseSTTransformer):
    """Project latitude / longitude to local east / north metres around an origin.

    Replaces the latitude and longitude of each point by ``x`` (east) and
    ``y`` (north) in metres from ``origin``; every other column (time, ...)
    is passed through, so the output has the input's shape and layout.
    :meth:`inverse_transform` is the exact inverse (up to rounding, below
    1e-9 degrees).

    Three layouts are accepted:

    - a list of trajectories ``(n_points, n_columns)`` with columns
      ``(time, lat, lon, ...)`` (the irregular data contract), returned as a
      list;
    - a 2-D array of points ``(n_points, n_columns)``, columns
      ``(time, lat, lon, ...)``, when ``window_shape`` is ``None``;
    - windows ``(n_samples, n_steps, n_nodes, n_channels)`` with channels
      ``(lat, lon, ...)``, as :class:`TrajectoryResampler` makes them with
      ``output="windows"`` (3-D input is one node; 2-D input is read through
      ``window_shape`` when it is given).

    NaN in an array marks a missing fix and stays NaN; trajectories, as the
    contract says, have none.

    Parameters
    ----------
    origin : tuple of float (lat, lon) or None, default=None
        Centre of the projection in degrees. ``None`` uses the centroid of
        the training points (mean latitude, circular mean longitude).
    method : {"azimuthal_equidistant", "equirectangular"}, default="azimuthal_equidistant"
        The projection, both on the sphere of radius 6,371,008.8 m:

        - ``"azimuthal_equidistant"``: distance and direction from the
          origin are exact on the sphere. Other distances are stretched
          across the radial direction by ``c / sin(c) - 1``, about
          ``c**2 / 6`` for ``c`` the angular distance from the origin:
          below 0.005 % within 100 km and 0.1 % within 500 km.
        - ``"equirectangular"``: ``x = R * dlon * cos(lat0)``,
          ``y = R * dlat``. East-west distances are scaled by
          ``cos(lat) / cos(lat0)``, an error of about ``tan(lat0) * dlat``:
          0.13 % 10 km north or south of the origin at 40 degrees latitude,
          1.3 % at 100 km.

        The sphere itself differs from the WGS84 ellipsoid by up to 0.5 % in
        distance; use a geodesic library (pyproj) for survey-grade work.
    lat_lon_columns : tuple of int (lat_column, lon_column) or None, default=None
        Positions of latitude and longitude among the columns of 2-D points
        or the channels of windows. ``None`` is ``(1, 2)`` for points (time
        first) and ``(0, 1)`` for windows. Trajectories are always
        ``(time, lat, lon, ...)``, as the data contract says.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads 2-D input as
        points.

    Attributes
    ----------
    origin_ : ndarray of shape (2,)
        Latitude and longitude of the projection centre, in degrees.
    n_features_in_ : int
        Number of columns (points, trajectories) or of features per sample
        (windows) seen in ``fit``.
    n_nodes_ : int
        Number of nodes, when fitted on windows.
    n_channels_ : int
        Number of channels, when fitted on windows.

    See Also
    --------
    haversine_distance : Great-circle distance on the same sphere.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import LocalProjector
    >>> points = np.array([[0.0, 40.0, 116.0], [60.0, 40.0, 116.01], [120.0, 40.01, 116.0]])
    >>> projector = LocalProjector(origin=(40.0, 116.0)).fit(points)
    >>> projector.transform(points)[1:].round(1)  # (time, x east, y north)
    array([[  60. ,  851.8,    0. ],
           [ 120. ,    0. , 1112. ]])
    >>> bool(np.allclose(projector.inverse_transform(projector.transform(points)), points,
    ...                  rtol=0, atol=1e-9))
    True
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        "origin": [tuple, list, np.ndarray, None],
        "method": [StrOptions({"azimuthal_equidistant", "equirectangular"})],
        "lat_lon_columns": [tuple, list, None],
    }

    # scikit-learn's checks send tables of 1 to 5 columns without a time
    # column: (0, 1) reads their first two as (lat, lon). The default layout
    # is also checked, with the checks that need 2-column tables expected to
    # fail (see _expected_check_failures).
    _test_params = [
        {"lat_lon_columns": (0, 1)},
        {"origin": (0.5, 0.5), "method": "equirectangular", "lat_lon_columns": (0, 1)},
        {},
    ]

    def __init__(
        self,
        *,
        origin=None,
        method="azimuthal_equidistant",
        lat_lon_columns=None,
        window_shape=None,
    ):
        self.origin = origin
        self.method = method
        self.lat_lon_columns = lat_lon_columns
        self.window_shape = window_shape

    # ------------------------------------------------------------ layouts

    def _layout(self, X):
        if isinstance(X, (list, tuple)) and len(X) and input_ndim(X[0]) == 2:
            return "trajectories"
        if self.window_shape is None and input_ndim(X) <= 2:
            return "points"
        return "windows"

    def _read(self, X, *, reset, projected=False):
        """Return ``(layout, arrays, ndim)``; arrays hold (lat, lon) positions."""
        layout = self._layout(X)
        if not reset and (layout == "windows") != hasattr(self, "n_nodes_"):
            fitted = "windows" if hasattr(self, "n_nodes_") else "points or trajectories"
            raise ValueError(
                f"{type(self).__name__} was fitted on {fitted}; X must be in the same "
                "layout (trajectories and 2-D points share theirs)."
            )
        if layout == "trajectories":
            arrays = check_trajectories(
                X,
                "X",
                n_columns=None if reset else self.n_features_in_,
                check_latitude=not projected,
            )
            if reset:
                self.n_features_in_ = arrays[0].shape[1]
            return layout, arrays, None
        if layout == "points":
            if input_ndim(X) != 2:
                raise ValueError(
                    "Reshape your data: X must be a 2D array of points (n_points, n_columns) with columns "
                    "(time, lat, lon, ...), a list of trajectories, or windows with "
                    f"window_shape; got an array with shape {np.shape(X)}."
                )
            finite = "allow-nan"
            check_windows_input(X, ndims=(2,), shape_doc="(n_points, n_columns)")
            array = validate_data(
                self, X, reset=reset, dtype=FLOAT_DTYPES, ensure_all_finite=finite
            )
            if array.shape[1] <= max(self._columns(layout)):
                raise ValueError(
                    f"X has {array.shape[1]} feature(s) (columns); latitude and longitude "
                    f"are read from columns {self._columns(layout)} (lat_lon_columns): "
                    "points are (time, lat, lon, ...)."
                )
            return layout, [array.astype(np.float64)], array.ndim
        windows, ndim = self._check_windows(X, reset=reset)
        if windows.shape[3] <= max(self._columns(layout)):
            raise ValueError(
                f"X has n_channels={windows.shape[3]}; latitude and longitude are read "
                f"from channels {self._columns(layout)} (lat_lon_columns): windows are "
                "(lat, lon, ...)."
            )
        return layout, [windows.astype(np.float64)], ndim

    def _columns(self, layout):
        if layout == "trajectories":
            return (1, 2)  # the contract: (time, lat, lon, ...)
        if self.lat_lon_columns is not None:
            columns = tuple(self.lat_lon_columns)
            if (
                len(columns) != 2
                or not all(isinstance(c, int | np.integer) and c >= 0 for c in columns)
                or columns[0] == columns[1]
            ):
                raise ValueError(
                    "lat_lon_columns must be two different non-negative column positions "
                    f"(lat_column, lon_column); got {self.lat_lon_columns!r}."
                )
            return int(columns[0]), int(columns[1])
        # Trajectories and points have time first; windows start with lat.
        return (0, 1) if layout == "windows" else (1, 2)

    def _expected_check_failures(self):
        # Latitudes outside [-90, 90] are refused (most often the columns are
        # swapped); these checks fit random tables scaled past 90.
        latitude = (
            "the check fits a random table whose latitude column holds values above "
            "90; latitudes outside [-90, 90] are refused, as swapped columns would be"
        )
        failures = dict.fromkeys(
            ("check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in"),
            latitude,
        )
        if self.lat_lon_columns is None:
            two_columns = (
                "the check fits a 2-column table; with lat_lon_columns=None points are "
                "(time, lat, lon, ...) and need 3 columns (the (0, 1) test instances "
                "pass it)"
            )
            for name in (
                "check_estimators_overwrite_params",
                "check_estimators_fit_returns_self",
                "check_readonly_memmap_input",
                "check_fit_idempotent",
                "check_fit_check_is_fitted",
                "check_n_features_in",
            ):
                failures[name] = two_columns
        return failures

    def _check_latitude(self, lat, name="X"):
        if np.any(np.abs(lat) > 90.0):
            raise ValueError(
                f"{name}: latitudes must be in [-90, 90] degrees; got values up to "
                f"{np.nanmax(np.abs(lat))}. Columns are (time, lat, lon, ...) for points "
                "and trajectories, channels (lat, lon, ...) for windows."
            )

    # ------------------------------------------------------------ API

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Set the projection centre (the given origin or the training centroid).

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns), or array-like of shape (n_points, n_columns) or (n_samples, n_steps, n_nodes, n_channels)
            Trajectories or points with columns ``(time, lat, lon, ...)``, or
            windows with channels ``(lat, lon, ...)``.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        for attribute in ("n_nodes_", "n_channels_"):
            if hasattr(self, attribute):
                delattr(self, attribute)
        layout, arrays, _ = self._read(X, reset=True)
        i_lat, i_lon = self._columns(layout)
        lat = np.concatenate([a[..., i_lat].ravel() for a in arrays])
        lon = np.concatenate([a[..., i_lon].ravel() for a in arrays])
        self._check_latitude(lat)
        if self.origin is not None:
            origin = np.asarray(self.origin, dtype=np.float64)
            if origin.shape != (2,) or not np.all(np.isfinite(origin)) or abs(origin[0]) > 90:
                raise ValueError(
                    f"origin must be (lat, lon) in degrees, lat in [-90, 90]; got {self.origin!r}."
                )
        else:
            observed = ~(np.isnan(lat) | np.isnan(lon))
            if not observed.any():
                raise ValueError("X has no point with both latitude and longitude observed.")
            radians = np.radians(lon[observed])
            mean_lon = np.degrees(np.arctan2(np.sin(radians).mean(), np.cos(radians).mean()))
            origin = np.array([lat[observed].mean(), mean_lon])
        self.origin_ = origin
        return self

    def transform(self, X):
        """Replace latitude / longitude by east / north metres from the origin.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns), or array-like of shape (n_points, n_columns) or (n_samples, n_steps, n_nodes, n_channels)
            Data in the layout seen in :meth:`fit`.

        Returns
        -------
        X_out : list of ndarray, or ndarray
            The same layout and shape, float64, with ``x`` (east) in place of
            latitude and ``y`` (north) in place of longitude, in metres.
        """
        check_is_fitted(self)
        return self._apply(X, forward=True)

    def inverse_transform(self, X):
        """Turn east / north metres back into latitude / longitude.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns), or array-like of shape (n_points, n_columns) or (n_samples, n_steps, n_nodes, n_channels)
            Projected data, in the layout seen in :meth:`fit`.

        Returns
        -------
        X_original : list of ndarray, or ndarray
            Latitude and longitude in degrees, longitude in [-180, 180].
        """
        check_is_fitted(self)
        return self._apply(X, forward=False)

    def _apply(self, X, *, forward):
        layout, arrays, ndim = self._read(X, reset=False, projected=not forward)
        i_a, i_b = self._columns(layout)
        lat0, lon0 = self.origin_
        out = []
        for array in arrays:
            array = array.copy()
            a, b = array[..., i_a], array[..., i_b]
            if forward:
                self._check_latitude(a)
                project = _aeqd_forward if self.method == "azimuthal_equidistant" else _eqr_forward
            else:
                project = _aeqd_inverse if self.method == "azimuthal_equidistant" else _eqr_inverse
            array[..., i_a], array[..., i_b] = project(a, b, lat0, lon0)
            out.append(array)
        if layout == "trajectories":
            return out
        if layout == "points":
            return out[0]
        return restore_layout(out[0], ndim)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Computed in float64: float32 would round positions to about a metre.
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags


# ---------------------------------------------------------------- projections
# Azimuthal equidistant through unit vectors: well conditioned everywhere,
# including at the origin (c = 0) and near the poles, where formulas with
# arcsin lose digits.


def _frame(lat0, lon0):
    """Unit vectors (east, north, up) at the origin, in Earth-centred axes."""
    phi0, lambda0 = np.radians(lat0), np.radians(lon0)
    east = np.array([-np.sin(lambda0), np.cos(lambda0), 0.0])
    north = np.array(
        [-np.sin(phi0) * np.cos(lambda0), -np.sin(phi0) * np.sin(lambda0), np.cos(phi0)]
    )
    up = np.array([np.cos(phi0) * np.cos(lambda0), np.cos(phi0) * np.sin(lambda0), np.sin(phi0)])
    return east, north, up


def _aeqd_forward(lat, lon, lat0, lon0):
    phi, lam = np.radians(lat), np.radians(lon)
    point = np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)
    east, north, up = _frame(lat0, lon0)
    e, n, u = point @ east, point @ north, point @ up
    sine = np.hypot(e, n)
    c = np.arctan2(sine, u)  # angular distance from the origin
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(sine > 0, EARTH_RADIUS * c / np.where(sine > 0, sine, 1.0), EARTH_RADIUS)
    return scale * e, scale * n


def _aeqd_inverse(x, y, lat0, lon0):
    rho = np.hypot(x, y)
    c = rho / EARTH_RADIUS
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(rho > 0, np.sin(c) / np.where(rho > 0, rho, 1.0), 1.0 / EARTH_RADIUS)
    east, north, up = _frame(lat0, lon0)
    point = (
        np.cos(c)[..., None] * up + (factor * x)[..., None] * east + (factor * y)[..., None] * north
    )
    lat = np.degrees(np.arctan2(point[..., 2], np.hypot(point[..., 0], point[..., 1])))
    lon = np.degrees(np.arctan2(point[..., 1], point[..., 0]))
    return lat, lon


def _wrap(degrees):
    return (degrees + 180.0) % 360.0 - 180.0


def _eqr_forward(lat, lon, lat0, lon0):
    x = EARTH_RADIUS * np.radians(_wrap(lon - lon0)) * np.cos(np.radians(lat0))
    y = EARTH_RADIUS * np.radians(lat - lat0)
    return x, y


def _eqr_inverse(x, y, lat0, lon0):
    lat = lat0 + np.degrees(y / EARTH_RADIUS)
    lon = lon0 + np.degrees(x / (EARTH_RADIUS * np.cos(np.radians(lat0))))
    # Wrap only what left [-180, 180], so that an input longitude comes back unchanged.
    return lat, np.where(np.abs(lon) > 180.0, _wrap(lon), lon)
