"""Cheap parameter sets that the common tests build every estimator with."""

from sklearn.base import clone


class TestParamsMixin:
    """Provide ``get_test_params`` from a ``_test_params`` class attribute.

    Each estimator lists tiny, offline settings (small widths, a few epochs,
    no download) as ``_test_params``; ``tests/test_common.py`` builds one
    instance per entry, as sktime does with ``get_test_params``. An
    estimator whose settings come from a registry (one per registered
    backbone) overrides the ``_test_param_sets`` class method instead, so
    that a backbone registered later is tested too.
    """

    # Not a test class, whatever pytest's name-based collection thinks.
    __test__ = False
    _test_params = ({},)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Return cheap parameter sets for the common tests.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set; only ``"default"`` exists.

        Returns
        -------
        params : list of dict
            Keyword arguments, each building one test instance; estimator
            values are fresh clones.

        Examples
        --------
        >>> from sk_stfm.harmonize import STStandardScaler
        >>> STStandardScaler.get_test_params()
        [{}, {'with_mean': False}]
        """
        return [
            {k: clone(v) if hasattr(v, "get_params") else v for k, v in params.items()}
            for params in cls._test_param_sets()
        ]

    @classmethod
    def _test_param_sets(cls):
        return cls._test_params
