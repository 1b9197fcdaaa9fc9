"""The "is it a digit?" network: two networks in one model, scored as the mean of their probabilities."""

import json

import keras
import numpy as np

from mnistdemo import detector


def _tiny_data(n: int = 96) -> tuple[np.ndarray, np.ndarray, dict]:
    rng = np.random.default_rng(0)
    x = rng.random((n, 28, 28)).astype(np.float32)
    y = np.r_[rng.integers(0, 10, n // 2), np.full(n - n // 2, detector.NONE)].astype(np.int32)
    return x, y, {"digits": n // 2, "non-digits": n - n // 2}


def test_the_pair_scores_the_mean_of_its_two_networks_and_survives_saving(tmp_path):
    model, record = detector.train(epochs=1, batch_size=32, filters=(4, 8), data=_tiny_data(), verbose=0)
    binary, classes = sorted((layer for layer in model.layers if isinstance(layer, keras.Model)),
                             key=lambda network: network.output_shape[-1])
    assert binary.output_shape == (None, 1) and classes.output_shape == (None, detector.NONE + 1)
    assert record["networks"] == 2 and record["params"] == binary.count_params() + classes.count_params()

    images = np.random.default_rng(1).random((5, 28, 28)).astype(np.float32)
    x = images[..., None]
    p_binary = 1 / (1 + np.exp(-binary(x).numpy()[:, 0]))
    logits = classes(x).numpy()
    p_none = np.exp(logits[:, -1] - logits.max(1)) / np.exp(logits - logits.max(1, keepdims=True)).sum(1)
    scores = detector.Detector(model).not_a_digit(images)
    np.testing.assert_allclose(scores, (p_binary + p_none) / 2, atol=1e-5)

    path = detector.save(model, record, tmp_path)
    assert json.loads(path.with_suffix(".json").read_text())["networks"] == 2
    np.testing.assert_array_equal(detector.Detector.load(path).not_a_digit(images), scores)


def test_one_network_alone_when_asked():
    model, record = detector.train(epochs=1, batch_size=32, filters=(4,), data=_tiny_data(), pair=False, verbose=0)
    assert model.output_shape == (None, 1) and record["networks"] == 1
