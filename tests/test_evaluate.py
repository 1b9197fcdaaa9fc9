"""Test-set metrics on hand-made cases whose answers are known.

Run alone: .venv/bin/python -m pytest -q tests/test_evaluate.py
"""

import keras
import numpy as np
import pytest

from mnistdemo.evaluate import evaluate_model, evaluate_probabilities


def _one_hot_probs(predicted: list[int], p: float = 0.91) -> np.ndarray:
    """(N, 10): probability p on the predicted class, the rest spread evenly."""
    probs = np.full((len(predicted), 10), (1 - p) / 9, np.float32)
    probs[np.arange(len(predicted)), predicted] = p
    return probs


# Ten images: class 0 all right (3), class 1 one of two wrong (read as 7), class 7 wrong twice
# (read as 1), class 9 right once, class 3 read as 8 once; classes 2, 4, 5, 6, 8 absent.
LABELS = [0, 0, 0, 1, 1, 7, 7, 9, 3, 3]
PREDICTED = [0, 0, 0, 1, 7, 1, 1, 9, 8, 3]


def test_accuracy_confusion_and_per_class_on_a_known_case():
    ev = evaluate_probabilities(_one_hot_probs(PREDICTED), np.array(LABELS))
    assert ev.accuracy == pytest.approx(0.6)
    expected = np.zeros((10, 10), int)
    for t, p in zip(LABELS, PREDICTED):
        expected[t, p] += 1
    np.testing.assert_array_equal(ev.confusion, expected)
    assert ev.confusion[7, 1] == 2 and ev.confusion[1, 7] == 1 and ev.confusion.sum() == 10
    np.testing.assert_allclose(ev.per_class[[0, 1, 3, 7, 9]], [1.0, 0.5, 0.5, 0.0, 1.0])
    assert np.all(ev.per_class[[2, 4, 5, 6, 8]] == 0)  # absent classes score 0, not NaN
    # Cross-entropy: 6 right at -log(0.91), 4 wrong at -log(0.01).
    assert ev.loss == pytest.approx((6 * -np.log(0.91) + 4 * -np.log(0.01)) / 10, rel=1e-5)


def test_misclassified_filters_by_true_and_predicted_class():
    labels = np.array(LABELS)
    ev = evaluate_probabilities(_one_hot_probs(PREDICTED), labels)
    np.testing.assert_array_equal(ev.misclassified(labels), [4, 5, 6, 8])
    np.testing.assert_array_equal(ev.misclassified(labels, true=7, pred=1), [5, 6])
    np.testing.assert_array_equal(ev.misclassified(labels, true=1), [4])
    np.testing.assert_array_equal(ev.misclassified(labels, pred=8), [8])
    assert len(ev.misclassified(labels, true=0, pred=0)) == 0  # the diagonal holds no errors


def test_evaluate_model_batches_and_turns_logits_into_probabilities():
    # A model that ignores its input and always outputs the same logits: class 3 wins.
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    logits = np.log(np.array([1, 1, 1, 6, 1, 1, 1, 1, 1, 1], np.float32))  # softmax: 6/15 on class 3
    model.layers[-1].set_weights([np.zeros((784, 10), np.float32), logits])
    x = np.random.default_rng(0).random((2500, 28, 28, 1), dtype=np.float32)  # > one 1000-image batch
    labels = np.repeat([3, 5], [1000, 1500])
    ev = evaluate_model(model, x, labels, logits=True)
    assert ev.probabilities.shape == (2500, 10)
    np.testing.assert_allclose(ev.probabilities[0], np.exp(logits) / np.exp(logits).sum(), rtol=1e-5)
    assert ev.accuracy == pytest.approx(0.4)
    assert ev.confusion[3, 3] == 1000 and ev.confusion[5, 3] == 1500
    assert ev.loss == pytest.approx(-(1000 * np.log(6 / 15) + 1500 * np.log(1 / 15)) / 2500, rel=1e-5)
