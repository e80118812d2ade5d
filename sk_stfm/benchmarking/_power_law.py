"""Power laws of loss in model size and data size (the Chinchilla form)."""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.special import logsumexp, softmax

# A law with an exponent fits it from the loss differences between distinct
# values of its variable: two values give one difference, which a whole
# family of (coefficient, exponent) pairs reproduces, so three are needed.
_MIN_DISTINCT = 3
_MAX_EXPONENT = 5.0
_FORMS = {
    "joint": "L(N, D) = E + A / N**alpha + B / D**beta",
    "size": "L(N) = E + A / N**alpha",
    "data": "L(D) = E + B / D**beta",
}


@dataclass(frozen=True)
class PowerLaw:
    """A power law of loss in model size ``N`` and data size ``D``.

    ``L(N, D) = E + A / N**alpha + B / D**beta``, the form of Hoffmann et
    al. (2022, "Chinchilla"): ``E`` is the irreducible loss, the other two
    terms what a finite model and finite data add to it.
    :func:`fit_power_law` returns it.

    Parameters
    ----------
    form : {"joint", "size", "data"}
        ``"joint"``: both terms; ``"size"``: the law in ``N`` alone, fitted
        at one data size (``B`` and ``beta`` are ``None`` and ``E`` holds
        the data term at that size); ``"data"``: the law in ``D`` alone
        (``A`` and ``alpha`` are ``None``).
    E : float
        Irreducible loss.
    A, alpha : float or None
        Coefficient and exponent of the model-size term.
    B, beta : float or None
        Coefficient and exponent of the data-size term.
    r2 : float
        Coefficient of determination of the fit in log space (log loss);
        NaN when all losses are equal.
    rmse : float
        Root mean squared error of the fit in log space, i.e. the typical
        relative error of the law (0.05 is about 5 %).
    n_points : int
        Number of losses fitted.

    See Also
    --------
    fit_power_law : Fit the law to measured losses.

    Examples
    --------
    >>> from sk_stfm.benchmarking import PowerLaw
    >>> law = PowerLaw("joint", E=0.3, A=40.0, alpha=0.5, B=8.0, beta=0.4,
    ...                r2=1.0, rmse=0.0, n_points=9)
    >>> float(law.predict(n_parameters=10_000, n_samples=1_000).round(4))
    1.2048
    >>> print(law)
    L(N, D) = 0.3 + 40 / N**0.5 + 8 / D**0.4  (R2 = 1, RMSE = 0 in log space, 9 points)
    """

    form: str
    E: float
    A: float | None
    alpha: float | None
    B: float | None
    beta: float | None
    r2: float
    rmse: float
    n_points: int

    def predict(self, n_parameters=None, n_samples=None):
        """Return the loss the law predicts.

        Parameters
        ----------
        n_parameters : float or array-like, default=None
            Model sizes ``N``; required unless ``form="data"``.
        n_samples : float or array-like, default=None
            Data sizes ``D``; required unless ``form="size"``.

        Returns
        -------
        loss : ndarray
            Predicted losses, broadcast over the two arguments.
        """
        loss = np.float64(self.E)
        if self.form != "data":
            size = _positive(n_parameters, "n_parameters", required_by=self.form)
            loss = loss + self.A / size**self.alpha
        if self.form != "size":
            samples = _positive(n_samples, "n_samples", required_by=self.form)
            loss = loss + self.B / samples**self.beta
        return np.asarray(loss, dtype=np.float64)

    def to_dict(self):
        """Return the law as a JSON-ready dictionary.

        Returns
        -------
        law : dict
            The formula and every field; NaN is written as ``None``.
        """
        law = {"formula": _FORMS[self.form]}
        for name in ("form", "E", "A", "alpha", "B", "beta", "r2", "rmse", "n_points"):
            value = getattr(self, name)
            if isinstance(value, float) and not np.isfinite(value):
                value = None
            law[name] = value
        return law

    def __str__(self):
        terms = [f"{self.E:.4g}"]
        if self.form != "data":
            terms.append(f"{self.A:.4g} / N**{self.alpha:.3g}")
        if self.form != "size":
            terms.append(f"{self.B:.4g} / D**{self.beta:.3g}")
        variables = {"joint": "N, D", "size": "N", "data": "D"}[self.form]
        return (
            f"L({variables}) = {' + '.join(terms)}  (R2 = {self.r2:.3g}, RMSE = "
            f"{self.rmse:.3g} in log space, {self.n_points} points)"
        )


def _positive(values, name, required_by=None):
    if values is None:
        raise ValueError(f"{name} is required by a law of form {required_by!r}.")
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array) & (array > 0)):
        raise ValueError(f"{name} must be positive and finite; got {values!r}.")
    return array


def _as_1d(values, name):
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of numbers; got {values!r}.") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {array.shape}.")
    if not np.all(np.isfinite(array) & (array > 0)):
        raise ValueError(
            f"{name} must hold positive finite numbers (the law is fitted in log space); "
            f"got {values!r}."
        )
    return array


def _choose_form(n_parameters, n_samples):
    distinct_n = len(np.unique(n_parameters))
    distinct_d = len(np.unique(n_samples))
    if distinct_n >= _MIN_DISTINCT and distinct_d >= _MIN_DISTINCT:
        return "joint"
    if distinct_d == 1 and distinct_n >= _MIN_DISTINCT:
        return "size"
    if distinct_n == 1 and distinct_d >= _MIN_DISTINCT:
        return "data"
    raise ValueError(
        f"the runs have {distinct_n} distinct n_parameters and {distinct_d} distinct "
        f"n_samples: an exponent needs at least {_MIN_DISTINCT} distinct values of its "
        "variable. Vary both over 3 or more values (joint law), or hold one fixed and vary "
        "the other over 3 or more values (the law in that variable)."
    )


def _log_loss(theta, log_n, log_d):
    """Log of the law, in log-sum-exp form, with its Jacobian in ``theta``.

    ``theta = (e, a, alpha, b, beta)`` with ``E = exp(e)`` etc., so that
    the coefficients stay positive without bounds.
    """
    e, a, alpha, b, beta = theta
    terms = np.stack([np.full_like(log_n, e), a - alpha * log_n, b - beta * log_d])
    weights = softmax(terms, axis=0)
    jacobian = np.stack(
        [weights[0], weights[1], -weights[1] * log_n, weights[2], -weights[2] * log_d], axis=1
    )
    return logsumexp(terms, axis=0), jacobian


def fit_power_law(n_parameters, n_samples, losses):
    """Fit the power law ``L(N, D) = E + A / N**alpha + B / D**beta`` to losses.

    The fit is the one of Hoffmann et al. (2022): least squares between the
    log of the law and the log of the losses, so that every run weighs by
    its relative error, over ``log E``, ``log A``, ``alpha``, ``log B`` and
    ``beta`` (positive coefficients; exponents in ``[0, 5]``), started from
    a grid of initial values (the log-space objective has local minima) and
    kept at the best. ``N`` and ``D`` are divided by their geometric means
    inside the fit for conditioning; the returned coefficients are in the
    original units.

    Parameters
    ----------
    n_parameters : array-like of shape (n_runs,)
        Model size ``N`` of each run (trainable parameters).
    n_samples : array-like of shape (n_runs,)
        Data size ``D`` of each run (training windows).
    losses : array-like of shape (n_runs,)
        Loss of each run (e.g. the best validation loss); positive.

    Returns
    -------
    law : PowerLaw
        The fitted law, its ``r2`` and ``rmse`` in log space.

    Raises
    ------
    ValueError
        If the inputs are not positive and finite, or if the runs cannot
        identify a law. An exponent is identified by at least 3 distinct
        values of its variable (two values give a single loss difference,
        which a whole family of coefficient-exponent pairs reproduces), and
        a law needs more runs than parameters so that its fit can be
        judged. Hence the form follows the grid: 3 or more sizes and 3 or
        more data sizes (and at least 6 runs) fit the joint law; one data
        size and 3 or more model sizes (at least 4 runs) fit the law in
        ``N`` alone (``form="size"``); one model size and 3 or more data
        sizes the law in ``D`` alone (``form="data"``); any other grid
        raises.

    See Also
    --------
    scaling_probe : Measure the losses over a grid of model and data sizes.

    Examples
    --------
    Noise-free losses of a known law give back its parameters:

    >>> import numpy as np
    >>> from sk_stfm.benchmarking import fit_power_law
    >>> N, D = np.meshgrid([1e3, 4e3, 16e3, 64e3], [500, 1000, 2000, 4000])
    >>> L = 0.3 + 40 / N**0.5 + 8 / D**0.4
    >>> law = fit_power_law(N.ravel(), D.ravel(), L.ravel())
    >>> law.form, round(law.alpha, 2), round(law.beta, 2), round(law.E, 2)
    ('joint', 0.5, 0.4, 0.3)

    With a single data size, the law in ``N`` alone:

    >>> fit_power_law([1e3, 4e3, 16e3, 64e3], [2000] * 4, [1.2, 0.9, 0.75, 0.68]).form
    'size'
    """
    log_n = np.log(_as_1d(n_parameters, "n_parameters"))
    log_d = np.log(_as_1d(n_samples, "n_samples"))
    observed = _as_1d(losses, "losses")
    if not len(log_n) == len(log_d) == len(observed):
        raise ValueError(
            "n_parameters, n_samples and losses must have one entry per run; got lengths "
            f"{len(log_n)}, {len(log_d)} and {len(observed)}."
        )
    form = _choose_form(log_n, log_d)
    n_terms = {"joint": 5, "size": 3, "data": 3}[form]
    if len(observed) <= n_terms:
        raise ValueError(
            f"a law of form {form!r} has {n_terms} parameters and needs more runs than "
            f"that to be judged; got {len(observed)}."
        )
    log_loss = np.log(observed)
    # Centre the log sizes: the coefficients are then losses at the typical
    # size, of the order of the losses, whatever the units of N and D.
    n_centre, d_centre = log_n.mean(), log_d.mean()
    centred_n, centred_d = log_n - n_centre, log_d - d_centre
    # A term absent from the form is held at exp(-inf) = 0 by fixing its
    # log coefficient and exponent; only the free entries of theta move.
    free = np.array(
        {
            "joint": [True] * 5,
            "size": [True, True, True, False, False],
            "data": [True, False, False, True, True],
        }[form]
    )

    def residuals(free_theta, fixed):
        theta = fixed.copy()
        theta[free] = free_theta
        return _log_loss(theta, centred_n, centred_d)[0] - log_loss

    def jacobian(free_theta, fixed):
        theta = fixed.copy()
        theta[free] = free_theta
        return _log_loss(theta, centred_n, centred_d)[1][:, free]

    low, high = log_loss.min(), log_loss.max()
    lower = np.array([low - 30.0, low - 30.0, 0.0, low - 30.0, 0.0])[free]
    upper = np.array([high + 5.0, high + 5.0, _MAX_EXPONENT, high + 5.0, _MAX_EXPONENT])[free]
    best = None
    for start in _starts(observed, form):
        fixed = np.array([0.0, -np.inf, 0.0, -np.inf, 0.0])
        x0 = np.clip(start[free], lower + 1e-9, upper - 1e-9)
        fit = least_squares(
            residuals, x0, jac=jacobian, bounds=(lower, upper), args=(fixed,), x_scale="jac"
        )
        if best is None or fit.cost < best[0].cost:
            best = fit, fixed
    fit, theta = best
    theta[free] = fit.x
    e, a, alpha, b, beta = theta
    # Undo the centring: A / N**alpha = exp(a) / (N / N0)**alpha.
    coefficient_a = float(np.exp(a + alpha * n_centre)) if form != "data" else None
    coefficient_b = float(np.exp(b + beta * d_centre)) if form != "size" else None
    spread = np.sum((log_loss - log_loss.mean()) ** 2)
    squared_error = np.sum(fit.fun**2)
    return PowerLaw(
        form=form,
        E=float(np.exp(e)),
        A=coefficient_a,
        alpha=float(alpha) if form != "data" else None,
        B=coefficient_b,
        beta=float(beta) if form != "size" else None,
        r2=float(1.0 - squared_error / spread) if spread > 0 else float("nan"),
        rmse=float(np.sqrt(squared_error / len(observed))),
        n_points=len(observed),
    )


def _starts(losses, form):
    """A grid of starting points ``(e, a, alpha, b, beta)`` for the fit."""
    floor = losses.min()
    excess = max(losses.mean() - floor, 1e-3 * floor)
    for share in (0.1, 0.5, 0.9):
        e = np.log(share * floor)
        # The reducible part of the loss, split between the two terms.
        reducible = np.log((1 - share) * floor + excess) - (np.log(2) if form == "joint" else 0)
        for alpha in (0.1, 0.5, 1.5):
            for beta in (0.1, 0.5, 1.5) if form == "joint" else (alpha,):
                yield np.array([e, reducible, alpha, reducible, beta])
