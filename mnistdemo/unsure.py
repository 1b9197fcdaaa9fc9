"""Know when unsure: is a 28x28 drawing a digit the shipped MNIST models can read?

A score per image (higher = less like a digit) computed from the probabilities of the digit networks
the serving manifest names (`weights/serving.json`, mnistdemo.serving), and two thresholds on it: above
the first the reading is "not sure", above the second "not a digit". `python -m mnistdemo calibrate`
(mnistdemo.calibrate) sets both on validation data only (pen-drawn digits by held-out writers 2, 6,
..., 30); `python bench/unsure.py` compares the candidate scores and measures them on the test split.
"""

from dataclasses import dataclass

import numpy as np

from mnistdemo.serving import Serving

# Candidate scores, each (M models, N images, 10) probabilities -> (N,) float, higher = less
# like a digit. "default_*" look at the app's default model alone (the first row).
_EPS = 1e-12


def _entropy(p: np.ndarray) -> np.ndarray:
    return -(p * np.log(p + _EPS)).sum(axis=-1)


def _vote_disagreement(probs: np.ndarray) -> np.ndarray:
    votes = probs.argmax(axis=-1)  # (M, N)
    top = probs.mean(axis=0).argmax(axis=-1)  # (N,)
    return 1.0 - (votes == top[None]).mean(axis=0)


SCORES = {
    "default_max_prob": lambda probs: 1.0 - probs[0].max(axis=-1),
    "default_entropy": lambda probs: _entropy(probs[0]),
    "ensemble_max_prob": lambda probs: 1.0 - probs.mean(axis=0).max(axis=-1),
    "ensemble_entropy": lambda probs: _entropy(probs.mean(axis=0)),
    "ensemble_mutual_info": lambda probs: _entropy(probs.mean(axis=0)) - _entropy(probs).mean(axis=0),
    "ensemble_vote_disagreement": _vote_disagreement,
}

KINDS = ("digit", "unsure", "not_a_digit")


@dataclass(frozen=True)
class Assessment:
    """How digit-like one drawing is: `kind` in KINDS, the `score`, and the ensemble's best guess."""

    kind: str
    score: float
    guess: int
    guess_prob: float  # the models' mean probability of `guess`


def scores(probs: np.ndarray, name: str) -> np.ndarray:
    """(M, N, 10) probabilities (default model first) -> (N,) float64 score `name`."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 3 or probs.shape[-1] != 10:
        raise ValueError(f"Expected (models, images, 10) probabilities, got shape {probs.shape}.")
    if name not in SCORES:
        raise ValueError(f"Unknown score {name!r}; choose one of {', '.join(SCORES)}.")
    return SCORES[name](probs)


def classify(score: np.ndarray | float, unsure_above: float, not_a_digit_above: float) -> np.ndarray:
    """(N,) scores -> (N,) str kinds ("digit", "unsure", "not_a_digit")."""
    if not unsure_above <= not_a_digit_above:
        raise ValueError("The 'not sure' threshold must not be above the 'not a digit' one.")
    score = np.atleast_1d(np.asarray(score, dtype=np.float64))
    kind = np.where(score > not_a_digit_above, "not_a_digit", np.where(score > unsure_above, "unsure", "digit"))
    return kind.astype(object)


def assess_probabilities(probs: np.ndarray, serving: Serving) -> list[Assessment]:
    """(M, N, 10) probabilities of `serving.ensemble`'s models (default first) -> N Assessments."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 3 or probs.shape[1] == 0:
        return []
    values = scores(probs, serving.score)
    mean = probs.mean(axis=0)
    guesses = mean.argmax(axis=-1)
    return [Assessment(str(kind), float(value), int(g), float(m[g]))
            for kind, value, g, m in zip(classify(values, serving.unsure_above, serving.not_a_digit_above),
                                         values, guesses, mean)]


def _shipped(registry):
    if registry is None:
        from mnistdemo.inference import SHIPPED as registry
    return registry.load_all()


def ensemble_probabilities(images: np.ndarray, registry=None) -> np.ndarray:
    """(N, 28, 28) float32 in [0, 1] -> (M, N, 10) probabilities of the calibrated ensemble's models that loaded."""
    registry = _shipped(registry)
    ensemble = registry.ensemble(registry.serving.ensemble) if registry.serving else None  # one traced call
    if ensemble is None:
        raise ValueError("None of the shipped MNIST models that judge 'is it a digit?' could be loaded.")
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"Expected (N, 28, 28) images, got shape {images.shape}.")
    if len(images) == 0:
        return np.zeros((len(ensemble.members), 0, 10), np.float32)
    return np.concatenate([ensemble.probabilities(images[i:i + 512]) for i in range(0, len(images), 512)], axis=1)


def assess(images: np.ndarray, registry=None) -> list[Assessment]:
    """(N, 28, 28) float32 preprocessed drawings -> N Assessments ([] for no images)."""
    registry = _shipped(registry)
    return assess_probabilities(ensemble_probabilities(images, registry), registry.serving)

