"""Masks, not NaNs: missing values become a boolean mask and a neutral fill."""

import numpy as np


def observed_mask(X):
    """Return the mask of observed (non-NaN) entries.

    Parameters
    ----------
    X : ndarray
        Data where NaN marks a missing value.

    Returns
    -------
    mask : ndarray of bool, same shape as ``X``
        ``True`` where a value was observed.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import observed_mask
    >>> observed_mask(np.array([1.0, np.nan, 3.0]))
    array([ True, False,  True])
    """
    return ~np.isnan(X)


def fill_missing(X, value=0.0):
    """Return a copy of ``X`` with NaN replaced by ``value`` and its mask.

    Parameters
    ----------
    X : ndarray
        Data where NaN marks a missing value.
    value : float, default=0.0
        Fill value for missing entries.

    Returns
    -------
    filled : ndarray, same shape as ``X``
        ``X`` without NaN.
    mask : ndarray of bool, same shape as ``X``
        ``True`` where a value was observed.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import fill_missing
    >>> filled, mask = fill_missing(np.array([1.0, np.nan, 3.0]))
    >>> filled, mask
    (array([1., 0., 3.]), array([ True, False,  True]))
    """
    mask = observed_mask(X)
    return np.where(mask, X, value), mask
