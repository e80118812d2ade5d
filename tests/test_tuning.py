"""STFMSearchCV: conditional spaces, temporal CV, pruning, storage, resume and workers."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.pruners import ThresholdPruner
from optuna.trial import FixedTrial, TrialState
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import TimeSeriesSplit

from sk_stfm.backbones import get_backbone
from sk_stfm.data import make_windows
from sk_stfm.estimators import (
    DLinearConfig,
    EventForecaster,
    MLPConfig,
    NextLocationPredictor,
    PatchTSTConfig,
    STForecaster,
)
from sk_stfm.metrics import masked_mae
from sk_stfm.objectives import Masked
from sk_stfm.tuning import STFMSearchCV, default_search_space, resolve_storage, sample_params

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _seasonal_windows(n_steps=400, history=24, horizon=6, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps, dtype=np.float32)
    series = np.sin(2 * np.pi * t / 12) + 0.1 * rng.normal(size=n_steps)
    return make_windows(series.astype(np.float32)[:, None, None], history=history, horizon=horizon)


X, Y = _seasonal_windows()
TINY = STForecaster(max_epochs=3, batch_size=32, lr=1e-2, validation_fraction=0.1, random_state=0)
SPACE = {
    "backbone": {
        "dlinear": {},
        "mlp": {"hidden_sizes": [(8,), (16,)], "dropout": FloatDistribution(0.0, 0.2)},
    },
    "lr": FloatDistribution(3e-3, 3e-2, log=True),
}


# ----------------------------------------------------------------- spaces
def test_conditional_space_draws_only_the_chosen_branch():
    params = sample_params(FixedTrial({"backbone": "dlinear", "lr": 0.01}), SPACE)
    assert set(params) == {"backbone", "lr"} and isinstance(params["backbone"], DLinearConfig)
    trial = FixedTrial(
        {
            "backbone": "mlp",
            "backbone:mlp__hidden_sizes": 1,
            "backbone:mlp__dropout": 0.1,
            "lr": 0.01,
        }
    )
    model = clone(TINY).set_params(**sample_params(trial, SPACE))
    assert isinstance(model.backbone, MLPConfig)
    assert model.backbone.hidden_sizes == (16,) and model.backbone.dropout == 0.1


def test_two_branches_never_share_an_optuna_parameter():
    space = {
        "backbone": {
            "patchtst": {"d_model": IntDistribution(8, 16)},
            "st_transformer": {"d_model": IntDistribution(16, 32)},
        }
    }
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    names = set()
    for _ in range(8):
        trial = study.ask()
        sample_params(trial, space)
        names |= set(trial.params)
        study.tell(trial, 0.0)
    assert {"backbone:patchtst__d_model", "backbone:st_transformer__d_model"} <= names


def test_space_with_object_options_and_callables():
    space = {
        "objective": {"none": None, "masked": (Masked(pretrain_epochs=1), {"mask_ratio": [0.3]})},
        "backbone": [PatchTSTConfig(d_model=8), MLPConfig(hidden_sizes=(8,))],
    }
    params = sample_params(
        FixedTrial({"objective": "masked", "objective:masked__mask_ratio": 0.3, "backbone": 1}),
        space,
    )
    assert isinstance(params["objective"], Masked) and params["objective__mask_ratio"] == 0.3
    assert isinstance(params["backbone"], MLPConfig)
    assert sample_params(
        FixedTrial({"lr": 0.5}), lambda t: {"lr": t.suggest_float("lr", 0, 1)}
    ) == {"lr": 0.5}


@pytest.mark.parametrize(
    "space, error, match",
    [
        ("lr", TypeError, "search_space must be a dict"),
        ({"lr": []}, ValueError, "empty list"),
        ({"adapter": {"lora": {"r": [4]}}}, ValueError, "cannot be built from a name"),
        ({"backbone": {}}, ValueError, "no options"),
    ],
)
def test_bad_spaces_are_named(space, error, match):
    study = optuna.create_study()
    with pytest.raises(error, match=match):
        sample_params(study.ask(), space)


@pytest.mark.parametrize(
    "kind, task, estimator",
    [
        ("series", "forecasting", STForecaster()),
        ("graph", "forecast", STForecaster()),
        ("grid", "forecasting", STForecaster()),
        ("video", "forecasting", STForecaster()),
        ("event", "forecasting", EventForecaster()),
        ("trajectory", "forecasting", NextLocationPredictor()),
    ],
)
def test_every_branch_of_the_default_spaces_sets_on_its_estimator(kind, task, estimator):
    space = default_search_space(kind, task)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    chosen = set()
    for _ in range(40):
        trial = study.ask()
        params = sample_params(trial, space)
        chosen.add(trial.params["backbone"])
        clone(estimator).set_params(**params)  # every name exists on the estimator
        study.tell(trial, 0.0)
    assert chosen == set(space["backbone"])


def test_default_spaces_follow_the_data_kind():
    assert set(default_search_space("series")["backbone"]) == {"dlinear", "mlp", "patchtst"}
    graph = set(default_search_space("graph")["backbone"])
    assert {"gwnet", "tgcn", "stid"} <= graph
    assert {"simvp", "convlstm"} <= set(default_search_space("video")["backbone"])
    assert "objective" not in default_search_space("event")
    assert set(default_search_space("imputation" and "series", "imputation")["objective"]) == {
        "diffusion",
        "masked",
    }
    with pytest.raises(ValueError, match="kind must be one of"):
        default_search_space("table")
    with pytest.raises(ValueError, match="task must be one of"):
        default_search_space("series", "dance")


# ----------------------------------------------------------------- search
@pytest.fixture(scope="module")
def search():
    return STFMSearchCV(TINY, SPACE, n_trials=4, cv=2, random_state=0).fit(X, Y)


def test_search_results_follow_sklearn(search):
    results = search.cv_results_
    assert len(results["params"]) == 4
    for key in (
        "mean_test_score",
        "std_test_score",
        "rank_test_score",
        "split0_test_score",
        "split1_test_score",
        "mean_fit_time",
        "param_backbone",
        "param_lr",
        "state",
    ):
        assert len(results[key]) == 4, key
    assert results["rank_test_score"][search.best_index_] == 1
    assert search.best_score_ == pytest.approx(np.nanmax(results["mean_test_score"]))
    assert search.n_splits_ == 2
    # best_params_ rebuild the winning configuration exactly.
    rebuilt = clone(TINY).set_params(**search.best_params_).fit(X, Y)
    np.testing.assert_allclose(rebuilt.predict(X[:5]), search.predict(X[:5]))
    assert search.study_.best_trial.number == results["trial_number"][search.best_index_]


def test_best_model_beats_last_value(search):
    X_test, Y_test = _seasonal_windows(seed=1)
    last_value = np.repeat(X_test[:, -1:], Y_test.shape[1], axis=1)
    assert masked_mae(Y_test, search.predict(X_test)) < 0.8 * masked_mae(Y_test, last_value)


def test_default_cv_is_time_series_split_with_a_horizon_gap():
    search = STFMSearchCV(TINY, SPACE)
    cv = search._check_cv(Y)
    assert isinstance(cv, TimeSeriesSplit) and cv.gap == Y.shape[1] - 1
    for train, test in cv.split(X):
        assert train.max() + Y.shape[1] <= test.min()  # no training target in validation


def test_the_search_is_repeatable_and_parallel_folds_agree():
    first = STFMSearchCV(TINY, SPACE, n_trials=2, cv=2, random_state=3).fit(X, Y)
    again = STFMSearchCV(TINY, SPACE, n_trials=2, cv=2, random_state=3, n_jobs=2).fit(X, Y)
    np.testing.assert_allclose(
        first.cv_results_["mean_test_score"], again.cv_results_["mean_test_score"], rtol=1e-6
    )
    assert [p.keys() for p in first.cv_results_["params"]] == [
        p.keys() for p in again.cv_results_["params"]
    ]


def test_pruned_trials_stop_between_epochs():
    # Every reported value is below the threshold: each trial stops after
    # its first epoch of the first fold.
    search = STFMSearchCV(
        clone(TINY).set_params(max_epochs=20, patience=None),
        SPACE,
        n_trials=3,
        cv=2,
        pruner=ThresholdPruner(lower=np.inf),
        random_state=0,
    )
    with pytest.raises(ValueError, match="No trial .* completed"):
        search.fit(X, Y)
    trials = search.study_.trials
    assert [t.state for t in trials] == [TrialState.PRUNED] * 3
    assert all(list(t.intermediate_values) == [1] for t in trials)


def test_only_the_task_stage_reports_to_the_pruner():
    # A masked objective pre-trains first; its losses must not reach the trial.
    space = {"backbone": ["mlp"], "objective": [Masked(pretrain_epochs=2, patch_len=4)]}
    search = STFMSearchCV(
        clone(TINY).set_params(max_epochs=3, patience=None),
        space,
        n_trials=1,
        cv=2,
        pruner=ThresholdPruner(lower=-np.inf),
        refit=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # "step already reported"
        search.fit(X, Y)
    steps = sorted(search.study_.trials[0].intermediate_values)
    assert steps == [1, 2, 3, 100_001, 100_002, 100_003]


def test_median_pruning_keeps_a_complete_best():
    search = STFMSearchCV(
        clone(TINY).set_params(max_epochs=6, patience=None), SPACE, n_trials=6, cv=2, random_state=0
    ).fit(X, Y)
    states = set(search.cv_results_["state"])
    assert "COMPLETE" in states
    assert search.cv_results_["state"][search.best_index_] == "COMPLETE"


def test_failed_configurations_are_recorded_and_skipped():
    # dlinear has no learned encoder to pre-train: the masked branch fails.
    space = {
        "backbone": ["dlinear"],
        "objective": {"regression": {}, "masked": (Masked(pretrain_epochs=1), {})},
    }
    with pytest.warns(FitFailedWarning, match="learned_encoder"):
        search = STFMSearchCV(TINY, space, n_trials=4, cv=2, random_state=0).fit(X, Y)
    states = list(search.cv_results_["state"])
    assert len(states) == 4 and "FAIL" in states and "COMPLETE" in states
    failed = states.index("FAIL")
    assert np.isnan(search.cv_results_["mean_test_score"][failed])
    assert search.cv_results_["rank_test_score"][failed] == states.count("COMPLETE") + 1
    assert "learned_encoder" in search.study_.trials[failed].user_attrs["error"]
    assert type(search.best_params_["objective"]).__name__ == "Regression"
    # When every fit fails, the estimator's own error surfaces.
    only_bad = {"backbone": ["dlinear"], "objective": {"masked": (Masked(), {})}}
    with pytest.warns(FitFailedWarning), pytest.raises(ValueError, match="learned_encoder"):
        STFMSearchCV(TINY, only_bad, n_trials=2, cv=2).fit(X, Y)
    with pytest.raises(ValueError, match="learned_encoder"):
        STFMSearchCV(TINY, only_bad, n_trials=1, cv=2, error_score="raise").fit(X, Y)


def test_too_few_windows_for_the_split_are_named():
    with pytest.raises(ValueError, match="n_samples=4, too few for cv=TimeSeriesSplit"):
        STFMSearchCV(TINY, SPACE).fit(X[:4], Y[:4])


def test_refit_false_and_delegation():
    search = STFMSearchCV(TINY, SPACE, n_trials=1, cv=2, refit=False, random_state=0).fit(X, Y)
    assert not hasattr(search, "best_estimator_")
    with pytest.raises(AttributeError) as error:
        search.predict(X)
    assert "refit=False" in str(error.value.__cause__)
    assert isinstance(search.best_params_, dict)


# ----------------------------------------------------------------- storage
def test_storage_specs(tmp_path):
    assert type(resolve_storage(f"sqlite:///{tmp_path / 's.db'}")).__name__ == "RDBStorage"
    assert type(resolve_storage(tmp_path / "s.log")).__name__ == "JournalStorage"
    with pytest.raises(ValueError, match="folder of the journal file"):
        resolve_storage(tmp_path / "missing" / "s.log")
    with pytest.raises(TypeError, match="storage must be"):
        resolve_storage(3)


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_a_search_resumes_its_study(tmp_path, kind):
    storage = str(tmp_path / "study.log") if kind == "journal" else f"sqlite:///{tmp_path}/s.db"
    first = STFMSearchCV(
        TINY, SPACE, n_trials=2, cv=2, storage=storage, study_name="resume", random_state=0
    ).fit(X, Y)
    values = [t.value for t in first.study_.trials]
    resumed = STFMSearchCV(
        TINY, SPACE, n_trials=3, cv=2, storage=storage, study_name="resume", random_state=0
    ).fit(X, Y)
    trials = resumed.study_.trials
    assert len(trials) == 3 and all(t.state == TrialState.COMPLETE for t in trials)
    assert [t.value for t in trials[:2]] == values  # kept, not re-run
    # The same seed, resumed, does not replay the first draw.
    assert trials[2].params["lr"] not in (trials[0].params["lr"], trials[1].params["lr"])
    assert len(resumed.cv_results_["params"]) == 3
    # A study that already holds n_trials runs nothing more.
    again = STFMSearchCV(TINY, SPACE, n_trials=3, cv=2, storage=storage, study_name="resume")
    assert len(again.fit(X, Y).study_.trials) == 3


_WORKER = textwrap.dedent(
    """
    import sys, numpy as np, optuna
    sys.path.insert(0, {tests!r})
    from test_tuning import SPACE, TINY, X, Y
    from sklearn.base import clone
    from sk_stfm.tuning import STFMSearchCV
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    STFMSearchCV(clone(TINY).set_params(max_epochs={epochs}), SPACE, n_trials={n_trials}, cv=2,
                 storage={storage!r}, study_name="shared", random_state={seed},
                 pruner={pruner}).fit(X, Y)
    """
)


def _worker(storage, n_trials, seed, epochs=3, pruner="'median'"):
    code = _WORKER.format(
        tests=os.path.dirname(__file__),
        storage=storage,
        n_trials=n_trials,
        seed=seed,
        epochs=epochs,
        pruner=pruner,
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE)


def _finished(storage):
    try:
        study = optuna.load_study(study_name="shared", storage=resolve_storage(storage))
    except KeyError:
        return []
    return [t for t in study.trials if t.state == TrialState.COMPLETE]


def test_a_search_killed_with_sigkill_keeps_its_finished_trials(tmp_path):
    storage = str(tmp_path / "killed.log")
    worker = _worker(storage, n_trials=50, seed=0, epochs=5, pruner=None)
    deadline = time.monotonic() + 240
    while len(_finished(storage)) < 2:
        assert worker.poll() is None, worker.stderr.read().decode()
        assert time.monotonic() < deadline, "the worker finished no trial in time"
        time.sleep(0.2)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    kept = {t.number: t.value for t in _finished(storage)}
    assert len(kept) >= 2
    # Restarted with the same study name: it runs only the missing trial.
    resumed = STFMSearchCV(
        TINY, SPACE, n_trials=len(kept) + 1, cv=2, storage=storage, study_name="shared", pruner=None
    ).fit(X, Y)
    complete = {t.number: t.value for t in resumed.study_.trials if t.state == TrialState.COMPLETE}
    assert len(complete) == len(kept) + 1
    assert {n: complete[n] for n in kept} == kept


def test_two_worker_processes_tune_one_study(tmp_path):
    storage = str(tmp_path / "shared.log")
    workers = [_worker(storage, n_trials=4, seed=seed) for seed in (1, 2)]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err.decode()
    study = optuna.load_study(study_name="shared", storage=resolve_storage(storage))
    finished = [t for t in study.trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    # Each worker stops once the study holds 4; both may be finishing one then.
    assert 4 <= len(finished) <= 5
    assert len({t.user_attrs["worker"] for t in finished}) == 2


# ----------------------------------------------------------- integrations
def test_optuna_integration_search_cv_runs_an_sk_stfm_estimator():
    from optuna_integration import OptunaSearchCV

    search = OptunaSearchCV(
        TINY,
        {
            "lr": FloatDistribution(3e-3, 3e-2, log=True),
            "batch_size": optuna.distributions.CategoricalDistribution([16, 32]),
        },
        cv=TimeSeriesSplit(n_splits=2, gap=Y.shape[1] - 1),
        n_trials=2,
        random_state=0,
    ).fit(X, Y)
    assert search.predict(X[:3]).shape == (3, *Y.shape[1:])
    assert len(search.trials_) == 2


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="n_trials"):
        STFMSearchCV(TINY, SPACE, n_trials=0).fit(X, Y)
    with pytest.raises(ValueError, match="search_space"):
        STFMSearchCV(TINY, "patchtst").fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert STFMSearchCV(TINY, SPACE).get_params()["estimator__max_epochs"] == 3


# ----------------------------------------------------------------- AutoSTFM
def test_auto_stfm_searches_the_recommended_candidates_of_a_graph():
    from sk_stfm.data import STData
    from sk_stfm.datasets import load_los_loop
    from sk_stfm.tuning import AutoSTFM

    # 40 sensors: enough for Moran's I to be significant (p = 0.01).
    full = load_los_loop()
    adjacency = full.adjacency[:40, :40]
    adjacency = adjacency.toarray() if hasattr(adjacency, "toarray") else adjacency
    values = full.values[:, :40].astype(np.float32)
    values = (values - values.mean()) / values.std()
    data = STData(values, adjacency=adjacency, kind="graph", name="los_loop_40")
    X, y = make_windows(values[:600], history=12, horizon=3, stride=4)
    auto = AutoSTFM(n_candidates=2, n_trials=3, max_epochs=2, cv=2, random_state=0)
    auto.fit(X, y, data=data)
    top = [r.backbone for r in auto.recommendations_[:2]]
    assert set(auto.search_.study_.trials[0].params) >= {"candidate", "lr"}
    assert {t.params["candidate"] for t in auto.search_.study_.trials} <= set(top)
    # Graph-aware models lead on a graph with spatial dependence, and they
    # come configured with the adjacency.
    tags = get_backbone(top[0]).tags
    assert "spatio-temporal" in tags.dependencies or "spatial" in tags.dependencies
    assert auto.best_estimator_.spatial is not None
    assert auto.predict(X[:4]).shape == (4, 3, 40, 1)
    assert auto.best_score_ == pytest.approx(np.nanmax(auto.cv_results_["mean_test_score"]))


def test_autostfm_data_in_the_constructor_is_deprecated():
    from sk_stfm.tuning import AutoSTFM

    rng = np.random.default_rng(0)
    series = rng.normal(size=(300, 1, 1)).astype(np.float32)
    X, y = make_windows(series, history=12, horizon=3, stride=6)
    auto = AutoSTFM(data=series, n_candidates=1, n_trials=1, max_epochs=1, cv=2, random_state=0)
    with pytest.warns(FutureWarning, match="pass it to fit"):
        auto.fit(X, y)
    assert auto.profile_.n_steps == 300
