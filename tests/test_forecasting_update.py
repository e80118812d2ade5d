"""SktimeForecaster.update(update_params=True): a fine-tune of the fitted network.

The update continues training the fitted estimator (``warm_start``) on the
windows of the updated series for a few epochs, instead of fitting a new
network from scratch: the module and its weights are carried over, and the
update costs a fraction of a refit.
"""

import copy
import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sklearn.base import BaseEstimator, RegressorMixin  # noqa: E402
from sktime.datasets import load_airline  # noqa: E402
from sktime.forecasting.model_evaluation import evaluate  # noqa: E402
from sktime.split import ExpandingWindowSplitter  # noqa: E402

from sk_stfm.estimators import MLPConfig, STForecaster  # noqa: E402
from sk_stfm.forecasting import SktimeForecaster  # noqa: E402
from sk_stfm.forecasting._sktime_forecaster import UPDATE_EPOCHS  # noqa: E402

# sktime 1.2 announces a change of its remember_data default at every construction.
pytestmark = pytest.mark.filterwarnings("ignore:The default of config:FutureWarning")

YEAR = list(range(1, 13))


@pytest.fixture(scope="module")
def airline():
    return load_airline()


def _model(**params):
    defaults = {
        "backbone": MLPConfig(hidden_sizes=(16,)),
        "max_epochs": 60,
        "batch_size": 16,
        "lr": 1e-2,
        "random_state": 0,
    }
    return STForecaster(**{**defaults, **params})


def _state(estimator):
    return copy.deepcopy(estimator.net_.module_.state_dict())


def test_update_continues_the_fitted_network(airline):
    forecaster = SktimeForecaster(_model(), history=24, baseline=None).fit(airline[:120], fh=YEAR)
    estimator, module = forecaster.estimator_, forecaster.estimator_.net_.module_
    params, fitted = estimator.get_params(), _state(estimator)
    first_fit_loss = estimator.net_.history[0, "train_loss"]
    forecaster.update(airline[120:132], update_params=True)
    # Not re-initialized: the same estimator and module, trained a few epochs more.
    assert forecaster.estimator_ is estimator and estimator.net_.module_ is module
    assert estimator.n_epochs_ == 60 + UPDATE_EPOCHS
    assert len(estimator.net_.history) == UPDATE_EPOCHS
    updated = _state(estimator)
    assert any(not np.array_equal(updated[name], fitted[name]) for name in fitted)
    # It started from the fitted weights: its first loss is that of a trained
    # network, far below the first loss of the fit (same units: the scaling is kept).
    assert estimator.net_.history[0, "train_loss"] < 0.5 * first_fit_loss
    # The estimator keeps the parameters it was given.
    assert estimator.get_params() == params
    assert forecaster.history_ == 24 and forecaster.cutoff[0] == airline.index[131]
    y_pred = forecaster.predict()
    pd.testing.assert_index_equal(y_pred.index, airline.index[132:144])
    assert np.isfinite(y_pred).all()


def test_update_is_faster_than_a_refit(airline):
    # The default baseline check: a refit trains two networks, the update fine-tunes one.
    forecaster = SktimeForecaster(_model(), history=24).fit(airline[:120], fh=YEAR)
    start = time.perf_counter()
    forecaster.update(airline[120:132], update_params=True)
    update = time.perf_counter() - start
    start = time.perf_counter()
    refit = SktimeForecaster(_model(), history=24).fit(airline[:132], fh=YEAR)
    refit_time = time.perf_counter() - start
    print(f"update {update:.2f} s, refit {refit_time:.2f} s")
    assert update < refit_time / 3
    assert refit.estimator_.n_epochs_ == 60
    assert forecaster.estimator_.n_epochs_ == 60 + UPDATE_EPOCHS


def test_update_checks_the_network_against_naive_rules_on_the_new_steps(airline):
    forecaster = SktimeForecaster(_model(max_epochs=20), history=24).fit(airline[:120], fh=YEAR)
    checked = dict(forecaster.validation_errors_)
    assert set(checked) == {"model", "naive", "seasonal_naive"}
    # Fewer new steps than the horizon: the last check stands.
    short = copy.deepcopy(forecaster).update(airline[120:126], update_params=True)
    assert short.validation_errors_ == checked
    # A year: the network of before the update, which has not seen it,
    # forecasts it against the naive rules from the same origin.
    values = airline.to_numpy()
    unseen = forecaster.estimator_.predict(values[96:120].reshape(1, 24, 1, 1))[0, :, 0, 0]
    forecaster.update(airline[120:132], update_params=True)
    errors, truth = forecaster.validation_errors_, values[120:132]
    assert errors["model"] == pytest.approx(np.abs(unseen - truth).mean())
    assert errors["naive"] == pytest.approx(np.abs(values[119] - truth).mean())
    assert errors["seasonal_naive"] == pytest.approx(np.abs(values[108:120] - truth).mean())
    assert forecaster.strategy_ == min(errors, key=errors.get)


class _LastValues(RegressorMixin, BaseEstimator):
    """A window forecaster without ``warm_start``: repeats the last input step."""

    def fit(self, X, y):
        self.horizon_ = y.shape[1]
        return self

    def predict(self, X):
        return np.repeat(np.asarray(X)[:, -1:, :, :1], self.horizon_, axis=1)


def test_an_estimator_without_warm_start_is_refitted(airline):
    forecaster = SktimeForecaster(_LastValues(), history=12, baseline=None)
    forecaster.fit(airline[:120], fh=YEAR)
    old = forecaster.estimator_
    forecaster.update(airline[120:132], update_params=True)
    assert forecaster.estimator_ is not old
    np.testing.assert_array_equal(forecaster.predict().to_numpy(), airline.to_numpy()[[131] * 12])


def test_evaluate_with_updates_fine_tunes_each_fold(airline):
    cv = ExpandingWindowSplitter(initial_window=108, step_length=12, fh=YEAR)
    forecaster = SktimeForecaster(_model(max_epochs=20), history=24, baseline=None)
    results = evaluate(forecaster, cv=cv, y=airline, strategy="update", return_data=True)
    assert len(results) == 3 and np.isfinite(results.iloc[:, 0]).all()
