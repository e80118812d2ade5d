"""Prompt: forecasting by prompting a causal language model (LLMTime, PromptCast).

A tiny random LLaMA built in memory stands in for the language model; it
writes garbage, so these tests check the pipeline around it (shapes, units,
padding, seeding, pickling, prompts), not its forecasts. One slow test runs
the real SmolLM2 on a sine wave.
"""

import pickle
import time

import numpy as np
import pytest
import torch

pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from sklearn.base import clone  # noqa: E402
from transformers import LlamaConfig, PreTrainedTokenizerFast  # noqa: E402

from sk_stfm.adapters import Prompt  # noqa: E402
from sk_stfm.harmonize import TextSerializer  # noqa: E402
from sk_stfm.utils._compat import InvalidParameterError  # noqa: E402

HORIZON = 4


def _tokenizer(tokens, pattern):
    """A word-level tokenizer over ``tokens`` (after ``<eos>``), built in memory."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

    vocab = {token: i for i, token in enumerate(["<eos>", *tokens])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<eos>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex(pattern), behavior="isolated")
    tokenizer.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<eos>")


def _char_tokenizer():
    """One token per character (and NaN, and a letter): most text is malformed."""
    return _tokenizer([*"0123456789", ",", " ", "-", ".", "NaN", "x"], r"NaN|.")


def _value_tokenizer():
    """One token per value-and-separator ("7, "): every text is well formed."""
    return _tokenizer([f"{d}, " for d in range(10)], r"\d, |.")


def _lm(tokenizer):
    return LlamaConfig(
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        intermediate_size=64,
        vocab_size=len(tokenizer),
        max_position_embeddings=1024,
        eos_token_id=0,
        pad_token_id=0,
        bos_token_id=0,
    )


def _char_prompt(**params):
    tokenizer = _char_tokenizer()
    return Prompt(_lm(tokenizer), tokenizer=tokenizer, **{"n_samples": 3, **params})


def _value_prompt(**params):
    tokenizer = _value_tokenizer()
    params = {"serializer": TextSerializer(precision=0), "n_samples": 3, **params}
    return Prompt(_lm(tokenizer), tokenizer=tokenizer, **params)


def _data(n_windows=3, n_steps=10, n_nodes=2, n_channels=2, level=100.0, seed=0):
    rng = np.random.default_rng(seed)
    windows = level + 5.0 * rng.normal(size=(n_windows, n_steps, n_nodes, n_channels))
    targets = level + 5.0 * rng.normal(size=(n_windows, HORIZON, n_nodes, 1))
    return windows, targets


def _fit(prompt, windows, targets, random_state=0):
    return prompt.make_forecaster(
        windows, targets, horizon=HORIZON, n_targets=targets.shape[3], random_state=random_state
    )


# ------------------------------------------------------------- the contract


def test_prompt_is_a_generative_forecasting_adapter():
    prompt = Prompt()
    assert prompt.generative and not prompt.replaces_backbone
    assert prompt.tasks == ("forecasting",)
    assert clone(prompt).get_params() == prompt.get_params()
    assert Prompt(n_samples=3).set_params(n_shots=2).n_shots == 2


@pytest.mark.parametrize("make", [_char_prompt, _value_prompt], ids=["chars", "values"])
def test_forecasts_are_finite_float64_in_the_series_units(make):
    windows, targets = _data()
    forecaster = _fit(make(), windows, targets)
    forecast = forecaster.predict(windows, random_state=0)
    assert forecast.shape == (3, HORIZON, 2, 1)
    assert forecast.dtype == np.float64
    assert np.isfinite(forecast).all()
    # Generated values are bounded in scaled units (10 x the scaled history),
    # so a forecast stays within a few ranges of its history.
    history = windows[..., :1]
    low, high = history.min(axis=1, keepdims=True), history.max(axis=1, keepdims=True)
    spread = high - low
    assert (forecast >= low - 15 * spread).all() and (forecast <= high + 15 * spread).all()


def test_values_read_from_a_well_formed_lm_are_unscaled():
    # Every continuation of the value tokenizer is digits 0-9 (precision 0),
    # in scaled units; the median of the samples, unscaled, is the forecast.
    for scaling in ("llmtime", None):
        windows, targets = _data(level=7.0 if scaling is None else 1000.0)
        forecaster = _fit(_value_prompt(scaling=scaling), windows, targets)
        forecast = forecaster.predict(windows, 0)
        n_digits = 0
        for w in range(3):
            for node in range(2):
                history = windows[w, :, node, 0]
                shift, scale = forecaster._scaler(history)
                scaled = (forecast[w, :, node, 0] - shift) / scale
                last = (history[-1] - shift) / scale  # the padding when nothing is read
                digit = np.isclose(scaled, np.round(scaled)) & (scaled > -0.5) & (scaled < 9.5)
                assert (digit | np.isclose(scaled, last)).all()
                n_digits += digit.sum()
        assert n_digits > 0


def _padded_counts(record):
    """``(padded, continuations)`` from the padding warning of a predict, or (0, 0)."""
    messages = [str(w.message) for w in record if "were padded" in str(w.message)]
    if not messages:
        return 0, 0
    padded, _, continuations = messages[0].split()[:3]
    return int(padded), int(continuations)


def test_continuations_short_of_the_horizon_are_padded_and_counted():
    windows, targets = _data()
    garbage = _fit(_char_prompt(), windows, targets)
    n_series = 3 * 2 * 1
    with pytest.warns(UserWarning, match="were padded") as record:
        garbage.predict(windows, 0)
    padded, continuations = _padded_counts(record)
    assert continuations == n_series * 3 and padded > 0
    well_formed = _fit(_value_prompt(), windows, targets)
    with pytest.warns(UserWarning, match="were padded") as record:
        well_formed.predict(windows, 0)
    padded, continuations = _padded_counts(record)
    # The random model ends some continuations early (end-of-text), not all.
    assert continuations == n_series * 3 and 0 < padded < continuations
    # predict keeps no count: the forecaster is as it was.
    assert not hasattr(well_formed, "n_padded") and not hasattr(well_formed, "n_continuations")


def test_predict_leaves_the_forecaster_unchanged_and_threads_agree():
    import pickle
    import warnings
    from concurrent.futures import ThreadPoolExecutor

    windows, targets = _data()
    forecaster = _fit(_value_prompt(), windows, targets)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        serial = [forecaster.predict(windows[i : i + 1], 0) for i in range(3)]
        fresh = pickle.loads(pickle.dumps(forecaster))  # the model loads lazily, under a lock
        with ThreadPoolExecutor(3) as pool:
            parallel = list(pool.map(lambda i: fresh.predict(windows[i : i + 1], 0), range(3)))
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "continuation, ended, expected, padded",
    [
        ("0.50, 0.60, 0.70, 0.80, ", False, [0.5, 0.6, 0.7, 0.8], False),
        ("0.50, 0.60, 0.70, 0.80", True, [0.5, 0.6, 0.7, 0.8], False),
        # Cut by the token limit: the last number may be cut short.
        ("0.50, 0.60, 0.70, 0.8", False, [0.5, 0.6, 0.7, 0.7], True),
        ("0.50, 0.6x, 0.70, 0.80", True, [0.5, 0.5, 0.5, 0.5], True),
        ("0.50, NaN, 0.70, 0.80", True, [0.5, 0.5, 0.5, 0.5], True),
        # Beyond 10 x the largest |scaled history| (here 2): garbage.
        ("0.50, 25.00, 0.70, 0.80", True, [0.5, 0.5, 0.5, 0.5], True),
        ("-19.00, 0.60, 0.70, 0.80", True, [-19.0, 0.6, 0.7, 0.8], False),
        ("", True, [2.0, 2.0, 2.0, 2.0], True),  # the history's last value
        ("x", False, [2.0, 2.0, 2.0, 2.0], True),
    ],
)
def test_reading_a_continuation(continuation, ended, expected, padded):
    windows, targets = _data()
    forecaster = _fit(_char_prompt(), windows, targets)
    history = np.array([1.0, -1.5, 0.5, 2.0])
    values, was_padded = forecaster._read(continuation, ended, history, bound=20.0)
    np.testing.assert_allclose(values, expected)
    assert was_padded == padded


def test_all_missing_history_still_gives_finite_forecasts():
    windows, targets = _data()
    windows[0, :, 1, 0] = np.nan
    forecast = _fit(_char_prompt(), windows, targets).predict(windows, 0)
    assert np.isfinite(forecast).all()


# ------------------------------------------------------------- seeding


def test_same_seed_same_forecast_other_seed_another():
    windows, targets = _data()
    first = _fit(_value_prompt(), windows, targets)
    forecast = first.predict(windows, 0)
    np.testing.assert_array_equal(first.predict(windows, 0), forecast)
    np.testing.assert_array_equal(
        _fit(_value_prompt(), windows, targets).predict(windows, 0), forecast
    )
    assert not np.array_equal(first.predict(windows, 1), forecast)


def test_forecast_of_a_window_does_not_depend_on_the_others():
    windows, targets = _data(n_windows=4)
    forecaster = _fit(_value_prompt(), windows, targets)
    forecast = forecaster.predict(windows, 0)
    order = np.array([2, 0, 3, 1])
    np.testing.assert_array_equal(forecaster.predict(windows[order], 0), forecast[order])
    np.testing.assert_array_equal(forecaster.predict(windows[1:2], 0), forecast[1:2])


def test_global_torch_rng_is_left_alone():
    windows, targets = _data()
    state = torch.get_rng_state()
    _fit(_value_prompt(), windows, targets).predict(windows, 0)
    assert torch.equal(torch.get_rng_state(), state)


# ------------------------------------------------------------- pickling


def test_pickle_round_trip_keeps_forecasts():
    windows, targets = _data()
    forecaster = _fit(_value_prompt(), windows, targets)
    forecast = forecaster.predict(windows, 0)
    restored = pickle.loads(pickle.dumps(forecaster))
    np.testing.assert_array_equal(restored.predict(windows, 0), forecast)


def test_a_model_on_disk_is_reloaded_not_pickled(tmp_path):
    from transformers import AutoModelForCausalLM

    tokenizer = _value_tokenizer()
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(_lm(tokenizer)).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    prompt = Prompt(str(tmp_path), serializer=TextSerializer(precision=0), n_samples=2)
    windows, targets = _data()
    forecaster = _fit(prompt, windows, targets)
    forecast = forecaster.predict(windows, 0)
    state = pickle.dumps(forecaster)
    assert b"lm_head" not in state and b"embed_tokens" not in state
    restored = pickle.loads(state)
    assert restored._model is None and restored._tokenizer is None
    np.testing.assert_array_equal(restored.predict(windows, 0), forecast)
    # A configuration's random weights cannot be rebuilt: they travel.
    in_memory = _fit(_value_prompt(), windows, targets)
    assert pickle.loads(pickle.dumps(in_memory))._model is not None


# ------------------------------------------------------------- generation


def test_sampling_keeps_to_allowed_tokens_and_the_token_cap():
    windows, targets = _data()
    forecaster = _fit(_char_prompt(n_samples=4), windows, targets)
    history = forecaster._scaled(windows[0, :, 0, 0], forecaster._scaler(windows[0, :, 0, 0]))
    cap = forecaster._max_new_tokens(history)
    assert cap == int(np.ceil(1.3 * HORIZON * 6)) + 2  # "0.52, " is 6 characters
    strings, _ = forecaster._sample(forecaster._prompt(history, []), seed=0, max_new_tokens=cap)
    assert len(strings) == 4
    allowed = set("0123456789, -.")
    for text in strings:
        assert set(text) <= allowed
        assert len(text) <= cap
    free = _fit(_char_prompt(n_samples=4, constrain_tokens=False), windows, targets)
    strings, _ = free._sample(free._prompt(history, []), seed=0, max_new_tokens=60)
    assert any(set(text) - allowed for text in strings)  # "x" and "NaN" are sampled


def test_zero_shot_prompt_is_the_serialized_history():
    windows, targets = _data()
    forecaster = _fit(_char_prompt(), windows, targets)
    history = np.array([0.25, 1.0, 0.5])
    assert forecaster._prompt(history, []) == "0.25, 1.00, 0.50, "


def test_shots_are_drawn_from_observed_training_targets():
    windows, targets = _data(n_windows=6)
    targets[0, 1, 0, 0] = np.nan  # window 0 of node 0 cannot be an example
    forecaster = _fit(_char_prompt(n_shots=5), windows, targets, random_state=3)
    shots = forecaster.shots[(0, 0)]
    assert len(shots) == 5
    for history, target in shots:
        assert not np.array_equal(history, windows[0, :, 0, 0])
        assert np.isfinite(target).all()
    assert len(forecaster.shots[(1, 0)]) == 5
    # Too few observed examples: as many as there are.
    assert len(_fit(_char_prompt(n_shots=9), windows, targets).shots[(0, 0)]) == 5
    scaled = [(np.array([0.5, 1.0]), np.array([0.25, 0.5, 0.0, 1.0]))]
    text = forecaster._prompt(np.array([0.1, 0.2]), scaled)
    assert text.count("The values for the next 4 time steps are") == 2
    assert text.endswith("0.10, 0.20,\nThe values for the next 4 time steps are ")
    forecast = forecaster.predict(windows, 0)
    assert forecast.shape == (6, HORIZON, 2, 1) and np.isfinite(forecast).all()


def test_max_context_drops_examples_then_old_values():
    windows, targets = _data(n_windows=6, n_steps=30)
    forecaster = _fit(_char_prompt(n_shots=2, max_context=200), windows, targets)
    history = np.linspace(0.1, 0.9, 30)
    shots = [(np.linspace(0, 1, 30), np.zeros(HORIZON))] * 2
    full = forecaster._prompt(history, shots)
    assert forecaster._n_tokens(full) > 200
    text = forecaster._fit_prompt(history, shots, max_new_tokens=10)
    assert forecaster._n_tokens(text) <= 200
    assert text.count("next 4 time steps") == 1  # the examples went first
    assert text.endswith("0.90,\nThe values for the next 4 time steps are ")
    small = _fit(_char_prompt(max_context=60), windows, targets)
    text = small._fit_prompt(history, [], max_new_tokens=10)
    assert small._n_tokens(text) <= 60 and text.endswith("0.90, ")
    with pytest.raises(ValueError, match="max_context"):
        _fit(_char_prompt(max_context=3), windows, targets)._fit_prompt(history, [], 10)


@pytest.mark.parametrize("scaling", ["basic", None])
def test_other_scalings_give_finite_forecasts(scaling):
    windows, targets = _data()
    forecast = _fit(_char_prompt(scaling=scaling), windows, targets).predict(windows, 0)
    assert np.isfinite(forecast).all()


def test_llmtime_scaling_maps_the_history_as_in_llmtime():
    windows, targets = _data()
    forecaster = _fit(_char_prompt(alpha=0.9, beta=0.2), windows, targets)
    history = np.array([2.0, 4.0, 6.0, 12.0])
    shift, scale = forecaster._scaler(history)
    assert shift == pytest.approx(2.0 - 0.2 * 10.0)
    assert scale == pytest.approx(np.quantile(history - shift, 0.9))
    assert forecaster._scaler(np.full(4, 3.0)) == (pytest.approx(3.0), 1.0)  # constant


# ------------------------------------------------------------- bad input


def test_bad_arguments_are_refused_by_name():
    windows, targets = _data()
    prompt = _char_prompt()
    with pytest.raises(ValueError, match="windows"):
        prompt.make_forecaster(windows[0], targets, horizon=4, n_targets=1, random_state=0)
    with pytest.raises(ValueError, match="targets"):
        prompt.make_forecaster(windows, targets[:, :2], horizon=4, n_targets=1, random_state=0)
    with pytest.raises(ValueError, match="n_targets"):
        prompt.make_forecaster(windows, targets, horizon=4, n_targets=3, random_state=0)
    with pytest.raises(ValueError, match="horizon"):
        prompt.make_forecaster(windows, targets, horizon=0, n_targets=1, random_state=0)
    with pytest.raises(InvalidParameterError, match="n_samples"):
        _char_prompt(n_samples=0).make_forecaster(
            windows, targets, horizon=4, n_targets=1, random_state=0
        )
    with pytest.raises(InvalidParameterError, match="serializer"):
        Prompt(serializer="text").make_forecaster(
            windows, targets, horizon=4, n_targets=1, random_state=0
        )
    with pytest.raises(TypeError, match="tokenizer"):
        Prompt(_lm(_char_tokenizer())).make_forecaster(
            windows, targets, horizon=4, n_targets=1, random_state=0
        )
    with pytest.raises(ValueError, match="tokens"):
        tokenizer = _char_tokenizer()
        config = _lm(tokenizer)
        config.vocab_size = 5
        Prompt(config, tokenizer=tokenizer).make_forecaster(
            windows, targets, horizon=4, n_targets=1, random_state=0
        )
    forecaster = _fit(prompt, windows, targets)
    with pytest.raises(ValueError, match="n_nodes|windows"):
        forecaster.predict(windows[:, :, :1], 0)


# ------------------------------------------------------------- a real model


@pytest.mark.slow
def test_smollm2_forecasts_a_sine_better_than_its_mean():
    period, n_steps, horizon = 12, 48, 12
    series = np.sin(2 * np.pi * np.arange(n_steps + horizon) / period)
    windows = series[:n_steps].reshape(1, n_steps, 1, 1)
    future = series[n_steps:].reshape(1, horizon, 1, 1)
    # A compact format (3 tokens a value) keeps the CPU time down.
    prompt = Prompt("smollm2", serializer=TextSerializer(decimal_point=None, sep=","))
    forecaster = prompt.make_forecaster(
        windows, future, horizon=horizon, n_targets=1, random_state=0
    )
    start = time.perf_counter()
    forecast = forecaster.predict(windows, random_state=0)
    seconds = time.perf_counter() - start
    mae = np.abs(forecast - future).mean()
    baseline = np.abs(windows.mean() - future).mean()
    print(f"smollm2 sine: MAE {mae:.4f}, mean forecast {baseline:.4f}, {seconds:.1f} s a window")
    assert np.isfinite(forecast).all()
    assert mae < 0.5 * baseline
