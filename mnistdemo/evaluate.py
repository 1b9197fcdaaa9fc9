"""Test-set metrics: accuracy, loss, per-class accuracy, confusion matrix, misclassified examples."""

from dataclasses import dataclass

import keras
import numpy as np

from mnistdemo.config import NUM_CLASSES

EVALUATION_BATCH = 1000  # images per model call when measuring a test set


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    loss: float
    per_class: np.ndarray  # (10,) accuracy of each true class
    confusion: np.ndarray  # (10, 10) counts, rows = true class, columns = predicted
    predicted: np.ndarray  # (N,) predicted class
    probabilities: np.ndarray  # (N, 10)

    def misclassified(self, labels: np.ndarray, true: int | None = None, pred: int | None = None) -> np.ndarray:
        """Indices of wrong predictions, optionally only those with this true/predicted class."""
        wrong = self.predicted != labels
        if true is not None:
            wrong &= labels == true
        if pred is not None:
            wrong &= self.predicted == pred
        return np.flatnonzero(wrong)


def to_probabilities(outputs, logits: bool):
    """(N, 10) model outputs (array or tensor) -> (N, 10) probabilities: the softmax of logits, else as they are."""
    return keras.ops.softmax(outputs, axis=-1) if logits else outputs


def predict_probabilities(model: keras.Model, x: np.ndarray, logits: bool = False,
                          batch: int = EVALUATION_BATCH) -> np.ndarray:
    """(N, 28, 28, 1) float32 -> (N, 10) float32 class probabilities."""
    out = np.concatenate([np.asarray(model.predict_on_batch(x[i:i + batch])) for i in range(0, len(x), batch)])
    return np.asarray(to_probabilities(out, logits), dtype=np.float32)


def evaluate_probabilities(probabilities: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Metrics from (N, 10) probabilities and (N,) integer labels."""
    labels = np.asarray(labels, dtype=np.int64)
    predicted = probabilities.argmax(axis=1)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    picked = probabilities[np.arange(len(labels)), labels]
    loss = float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))
    return Evaluation(accuracy=float(np.mean(predicted == labels)), loss=loss, per_class=per_class,
                      confusion=confusion, predicted=predicted, probabilities=probabilities)


def evaluate_model(model: keras.Model, x: np.ndarray, labels: np.ndarray, logits: bool = False) -> Evaluation:
    """Evaluate a model on (N, 28, 28, 1) float32 images and (N,) labels."""
    return evaluate_probabilities(predict_probabilities(model, x, logits), labels)
