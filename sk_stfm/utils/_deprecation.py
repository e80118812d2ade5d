"""Deprecation helpers: old spellings keep working for one release, with a warning."""

import functools
import warnings


def renamed_argument(old, new):
    """Accept a method's argument under its former keyword name, with a ``FutureWarning``.

    Parameters
    ----------
    old : str
        The former name.
    new : str
        The name the method takes now.

    Returns
    -------
    decorate : callable
        A decorator of methods.

    Examples
    --------
    >>> import warnings
    >>> from sk_stfm.utils._deprecation import renamed_argument
    >>> class Model:
    ...     @renamed_argument("sequences", "X")
    ...     def fit(self, X):
    ...         return len(X)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     Model().fit(sequences=[1, 2])
    2
    >>> caught[0].category.__name__
    'FutureWarning'
    """

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if old in kwargs:
                if new in kwargs or args:
                    raise TypeError(
                        f"{method.__name__}() got {old}= and {new}; pass the data once, as {new}."
                    )
                warnings.warn(
                    f"{type(self).__name__}.{method.__name__}({old}=...) is deprecated and will "
                    f"be removed in the next release; pass {new}=... (or positionally), as "
                    "for every sk_stfm estimator.",
                    FutureWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return method(self, *args, **kwargs)

        return wrapper

    return decorate
