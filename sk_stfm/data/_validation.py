"""Input validation for the data contract: shapes, window layouts and adjacency.

Every error names the argument and the expected shape, so that a user who
passes a 5-D array or a ragged adjacency learns what to pass instead.
"""

import numbers

import numpy as np
import scipy.sparse as sp

WINDOW_SHAPE_DOC = "(n_samples, n_steps, n_nodes, n_channels)"
SERIES_SHAPE_DOC = "(n_steps, n_nodes, n_channels)"


def check_int(value, name, minimum=1):
    """Return ``value`` as an int, or raise naming ``name``.

    Parameters
    ----------
    value : object
        The value to check; ``bool`` is refused.
    name : str
        Name of the argument, used in error messages.
    minimum : int, default=1
        Smallest accepted value.

    Returns
    -------
    value : int
        The validated value.

    Examples
    --------
    >>> from sk_stfm.data._validation import check_int
    >>> check_int(3, "horizon", minimum=0)
    3
    """
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}.")
    return int(value)


def as_array(value, name):
    """``np.asarray(value)``, with the errors of ragged nested lists naming ``name``.

    Parameters
    ----------
    value : array-like
        Arrays, nested lists, tensors.
    name : str
        Name of the argument, used in error messages.

    Returns
    -------
    array : ndarray
        The array (a view when ``value`` is an array).

    Examples
    --------
    >>> from sk_stfm.data._validation import as_array
    >>> as_array([[1, 2], [3]], "X")
    Traceback (most recent call last):
    ...
    ValueError: X must be a rectangular array; nested sequences of different lengths (ragged) ...
    """
    try:
        return np.asarray(value)
    except ValueError as error:
        raise ValueError(
            f"{name} must be a rectangular array; nested sequences of different "
            f"lengths (ragged) cannot be read as one ({error})."
        ) from None


def _shape_error(name, expected, array):
    return ValueError(
        f"{name} must be an array of shape {expected}; got an array with "
        f"{np.ndim(array)} dimension(s) and shape {np.shape(array)}."
    )


def check_series(values, name="values"):
    """Validate a long spatio-temporal array and return it as 3-D.

    A 1-D array is read as one channel of one node ``(n_steps, 1, 1)`` and a
    2-D array as the channels of one node ``(n_steps, 1, n_channels)``; both
    are reshaped as views, never copied.

    Parameters
    ----------
    values : array-like of shape (n_steps,), (n_steps, n_channels) or \
            (n_steps, n_nodes, n_channels)
        The series.
    name : str, default="values"
        Name of the argument, used in error messages.

    Returns
    -------
    values : ndarray of shape (n_steps, n_nodes, n_channels)
        A view of the input with three dimensions.

    Raises
    ------
    ValueError
        If the array has more than three dimensions, is ragged, or has no
        node or no channel.
    TypeError
        If the array is not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import check_series
    >>> check_series(np.arange(5.0)).shape
    (5, 1, 1)
    >>> check_series(np.zeros((5, 3))).shape
    (5, 1, 3)
    """
    array = as_array(values, name)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers (int or float); got dtype {array.dtype}.")
    if array.ndim == 1:
        array = array[:, None, None]
    elif array.ndim == 2:
        array = array[:, None, :]
    elif array.ndim != 3:
        raise _shape_error(name, SERIES_SHAPE_DOC, array)
    if 0 in array.shape[1:]:
        raise ValueError(
            f"{name} must have at least one node and one channel, shape "
            f"{SERIES_SHAPE_DOC}; got shape {array.shape}."
        )
    return array


def input_ndim(X):
    """Return the number of dimensions of array-like input without copying it.

    Parameters
    ----------
    X : array-like
        Arrays, tensors, DataFrames or nested lists.

    Returns
    -------
    ndim : int
        Its number of dimensions; ragged nested lists count as 2, so that
        the 2-D validation reports them.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import input_ndim
    >>> input_ndim(np.zeros((2, 3, 4))), input_ndim([[1, 2], [3]])
    (3, 2)
    """
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        try:
            ndim = np.asarray(X).ndim
        except ValueError:
            ndim = 2
    return ndim


def check_windows_input(X, name="X", *, ndims=(2, 3, 4), shape_doc=None, allow_inf=False):
    """Refuse, naming ``name``, input that cannot be windows of numbers.

    The checks scikit-learn's ``check_array`` makes with messages that do not
    say which argument is at fault (ragged lists, strings, complex numbers,
    scalars, empty axes) are made first here; ``X`` itself is returned
    unchanged, for ``check_array`` / ``validate_data`` to convert (and to
    keep the feature names of a DataFrame). Sparse input is left to them.

    Parameters
    ----------
    X : object
        What the caller received.
    name : str, default="X"
        Name of the argument, used in error messages.
    ndims : tuple of int, default=(2, 3, 4)
        Accepted numbers of dimensions.
    shape_doc : str or None, default=None
        The accepted shapes, for messages; ``None`` names the window layouts.
    allow_inf : bool, default=False
        Accept infinite values (distances, where inf means "no edge").

    Returns
    -------
    X : object
        The input, unchanged.

    Raises
    ------
    TypeError
        If ``X`` is not array-like or does not hold numbers.
    ValueError
        If ``X`` holds complex numbers, is ragged, has a number of
        dimensions not in ``ndims``, an empty axis, or infinite values (NaN,
        a missing value, is accepted).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data._validation import check_windows_input
    >>> check_windows_input(np.zeros((2, 3, 1, 1))).shape
    (2, 3, 1, 1)
    >>> check_windows_input(np.zeros((0, 3)))
    Traceback (most recent call last):
    ...
    ValueError: X has no sample: found array with 0 sample(s) (shape=(0, 3)) ...
    """
    if sp.issparse(X):
        return X
    layouts = shape_doc or (
        f"(n_samples, n_features), (n_samples, n_steps, n_channels) or {WINDOW_SHAPE_DOC}"
    )
    if X is None or isinstance(X, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array-like of shape {layouts}; got {type(X).__name__}.")
    array = as_array(X, name)
    if array.dtype.kind in "OUS":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{name} must hold numbers; {error}.") from None
    if array.dtype.kind == "c":
        # scikit-learn's wording, which its estimator checks look for.
        raise ValueError(
            f"Complex data not supported: {name} must hold real numbers; got dtype {array.dtype}."
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers; got dtype {array.dtype}.")
    if array.ndim not in ndims:
        hint = (
            " Reshape your data either using array.reshape(-1, 1) if it has a single "
            "feature or array.reshape(1, -1) if it is a single sample."
            if array.ndim == 1
            else ""
        )
        what = "a 2D array" if tuple(ndims) == (2,) else "an array"
        raise ValueError(
            f"{name} must be {what} of shape {layouts}; got an array with "
            f"{array.ndim} dimension(s) and shape {array.shape}.{hint}"
        )
    # scikit-learn's wording for empty axes, which its estimator checks look for.
    if array.shape[0] == 0:
        raise ValueError(
            f"{name} has no sample: found array with 0 sample(s) (shape={array.shape}) "
            "while a minimum of 1 is required."
        )
    if array.ndim == 2 and array.shape[1] == 0:
        raise ValueError(
            f"{name} has no feature: found array with 0 feature(s) (shape={array.shape}) "
            "while a minimum of 1 is required."
        )
    if 0 in array.shape[1:]:
        raise ValueError(
            f"{name} must have at least one step, node and channel per window; got shape "
            f"{array.shape}."
        )
    if not allow_inf and array.dtype.kind == "f" and np.isinf(array).any():
        raise ValueError(
            f"{name} must not contain infinity; NaN marks a missing value. Got "
            f"{int(np.isinf(array).sum())} infinite value(s)."
        )
    return X


def check_window_shape(window_shape, n_features, name="window_shape"):
    """Validate ``window_shape`` against the number of features of 2-D input.

    Parameters
    ----------
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None
        The layout of one flattened window. ``None`` means univariate windows
        ``(n_features, 1, 1)``.
    n_features : int
        Number of columns of the 2-D input.
    name : str, default="window_shape"
        Name of the argument, used in error messages.

    Returns
    -------
    window_shape : tuple of int
        The validated ``(n_steps, n_nodes, n_channels)``.

    Examples
    --------
    >>> from sk_stfm.data import check_window_shape
    >>> check_window_shape(None, n_features=12)
    (12, 1, 1)
    >>> check_window_shape((4, 1, 3), n_features=12)
    (4, 1, 3)
    """
    if window_shape is None:
        return (int(n_features), 1, 1)
    shape = tuple(window_shape)
    if len(shape) != 3 or not all(isinstance(s, numbers.Integral) and s > 0 for s in shape):
        raise ValueError(
            f"{name} must be a tuple of three positive ints "
            f"(n_steps, n_nodes, n_channels); got {window_shape!r}."
        )
    if int(np.prod(shape)) != n_features:
        raise ValueError(
            f"{name}={shape} describes {int(np.prod(shape))} features per "
            f"sample, but X has {n_features} features (columns)."
        )
    return tuple(int(s) for s in shape)


def as_windows(X, window_shape=None, name="X"):
    """Read 2-D, 3-D or 4-D input as windows ``(n, n_steps, n_nodes, n_channels)``.

    The data contract of sk_stfm: 2-D input ``(n_samples, n_features)`` is
    read through ``window_shape`` (default: univariate windows
    ``(n_features, 1, 1)``); 3-D input ``(n, n_steps, n_channels)`` is one
    node; 4-D input is taken as it is. Reshapes are views when possible.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), (n_samples, n_steps, \
            n_channels) or (n_samples, n_steps, n_nodes, n_channels)
        The windows.
    window_shape : tuple of int or None, default=None
        Layout of one flattened window, used for 2-D input only.
    name : str, default="X"
        Name of the argument, used in error messages.

    Returns
    -------
    windows : ndarray of shape (n_samples, n_steps, n_nodes, n_channels)
        The input with four dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import as_windows
    >>> as_windows(np.zeros((5, 12)), window_shape=(4, 1, 3)).shape
    (5, 4, 1, 3)
    >>> as_windows(np.zeros((5, 4, 3))).shape
    (5, 4, 1, 3)
    """
    X = np.asarray(X)
    if X.ndim == 2:
        shape = check_window_shape(window_shape, X.shape[1])
        return X.reshape((X.shape[0],) + shape)
    if X.ndim == 3:
        return X[:, :, None, :]
    if X.ndim == 4:
        return X
    raise ValueError(
        f"{name} must be an array of shape (n_samples, n_features), "
        f"(n_samples, n_steps, n_channels) or {WINDOW_SHAPE_DOC}; got an "
        f"array with {X.ndim} dimension(s) and shape {X.shape}."
    )


def restore_layout(windows, ndim):
    """Return 4-D windows in the layout of an input that had ``ndim`` dimensions.

    The inverse of :func:`as_windows` for outputs that keep the sample axis:
    2-D input gets flattened rows back, 3-D input loses the node axis when it
    has a single node, 4-D stays 4-D.

    Parameters
    ----------
    windows : ndarray of shape (n_samples, n_steps, n_nodes, n_channels)
        Windows to return.
    ndim : {2, 3, 4}
        Number of dimensions of the input that produced them.

    Returns
    -------
    out : ndarray
        ``windows`` reshaped to ``ndim`` dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import restore_layout
    >>> windows = np.zeros((5, 4, 1, 3))
    >>> restore_layout(windows, 2).shape, restore_layout(windows, 3).shape
    ((5, 12), (5, 4, 3))
    """
    if ndim == 2:
        return windows.reshape(windows.shape[0], -1)
    if ndim == 3 and windows.shape[2] == 1:
        return windows[:, :, 0, :]
    return windows


def check_adjacency(adjacency, n_nodes=None, name="adjacency"):
    """Validate an adjacency matrix and return it as dense or CSR sparse.

    Parameters
    ----------
    adjacency : array-like or scipy sparse matrix of shape (n_nodes, n_nodes)
        Non-negative edge weights. A ``networkx`` graph is also accepted.
    n_nodes : int or None, default=None
        Expected number of nodes; ``None`` skips the check.
    name : str, default="adjacency"
        Name of the argument, used in error messages.

    Returns
    -------
    adjacency : ndarray or scipy.sparse.csr_array of shape (n_nodes, n_nodes)
        Float64 weights, sparse if the input was sparse or a graph.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from sk_stfm.data import check_adjacency
    >>> check_adjacency([[0, 1], [1, 0]])
    array([[0., 1.],
           [1., 0.]])
    >>> type(check_adjacency(sp.eye(3), n_nodes=3)).__name__
    'csr_array'
    """
    if _is_networkx_graph(adjacency):
        import networkx as nx

        adjacency = nx.to_scipy_sparse_array(adjacency, format="csr", dtype=float)
    if sp.issparse(adjacency):
        matrix = sp.csr_array(adjacency, dtype=np.float64)
        entries = matrix.data
    else:
        matrix = as_array(adjacency, name)
        if matrix.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold numeric edge weights; got dtype {matrix.dtype}.")
        matrix = matrix.astype(np.float64, copy=False)
        entries = matrix
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            f"{name} must be a square matrix of shape (n_nodes, n_nodes); got shape {matrix.shape}."
        )
    if n_nodes is not None and matrix.shape[0] != n_nodes:
        raise ValueError(
            f"{name} must have shape ({n_nodes}, {n_nodes}) to match "
            f"n_nodes={n_nodes}; got shape {matrix.shape}."
        )
    if not np.all(np.isfinite(entries)):
        raise ValueError(f"{name} must not contain NaN or infinite weights.")
    if np.any(entries < 0):
        raise ValueError(f"{name} must have non-negative edge weights.")
    return matrix


def _is_networkx_graph(obj):
    return type(obj).__module__.startswith("networkx") and hasattr(obj, "nodes")
