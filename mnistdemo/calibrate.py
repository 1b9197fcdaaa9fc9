"""Calibrate the "not sure / not a digit" verdict and write the serving manifest (`python -m mnistdemo calibrate`).

The thresholds are quantiles of the chosen score over validation digits only: pen-drawn digits by the
held-out writers 2, 6, ..., 30 (mnistdemo.nondigits), rendered on the app's canvas and read by every
digit network of the ensemble. "Not sure" lies above the 97.5th percentile, "not a digit" above the 98.5th
(goal: at least 97% of digits accepted; the detector does most of the work against non-digits).
Which score to use was chosen by `python bench/unsure.py --calibrate` (highest validation AUROC against
Fashion-MNIST images, scribbles and letters: the entropy of the models' mean probabilities). When the
folder holds the "is it a digit?" network (mnistdemo.detector), its threshold lets 99% of the same
validation digits through. A drawing on the canvas is read together with its pen's path (mnistdemo.pen_path),
which makes the readings of digits surer: its thresholds are set the same way on the same digits read so.
"""

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from mnistdemo import pen_path
from mnistdemo.config import WEIGHTS_DIR
from mnistdemo.serving import CALIBRATE_COMMAND, Serving, file_sha256, write_manifest

DEFAULT_MODEL = "best_mnist-mnist"  # the shipped model that reads drawn digits best (bench/drawn_digits.py)
DEFAULT_SCORE = "ensemble_entropy"  # the best on validation non-digits (bench/unsure.py --calibrate, AUROC 0.944)
SIGNIFICANT_DIGITS = 4  # thresholds are stored rounded: the validation sample does not pin them any closer


@dataclass(frozen=True)
class Calibration:
    """How to calibrate: the validation sample and the shares of its digits kept below each threshold."""

    sure_digits: float = 0.975  # share of validation digits below the "not sure" threshold
    accept_digits: float = 0.985  # share of validation digits below the "not a digit" threshold
    detector_digits: float = 0.99  # share of validation digits the "is it a digit?" network lets through
    # The same two, for digits read with their pen's path: higher, so that no fewer validation digits are accepted
    # than from the picture alone (97.3% against 96.5%, with the detector and the rule that the networks must agree
    # with the answer); the path reads them more often right (99.7% of those accepted, against 99.4%).
    path_sure_digits: float = 0.985
    path_accept_digits: float = 0.99
    digits: int = 0  # validation digits to use (0 = all of them, ~2,000)
    seed: int = 0  # seed of the sample and of the digits' random placements


def digit_models(directory: Path) -> list[str]:
    """Names of the MNIST models in `directory`, sorted."""
    return sorted(p.stem for p in Path(directory).glob("*.keras") if p.with_suffix(".json").exists()
                  and json.loads(p.with_suffix(".json").read_text()).get("dataset") == "mnist")


def _rounded(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def thresholds(digit_scores: np.ndarray, calibration: Calibration = Calibration()) -> tuple[float, float]:
    """(N,) scores of validation digits -> ("not sure" above, "not a digit" above), rounded."""
    if not 0 < calibration.sure_digits <= calibration.accept_digits < 1:
        raise ValueError("Need 0 < sure_digits <= accept_digits < 1.")
    if len(digit_scores) == 0:
        raise ValueError("Calibrating needs at least one digit.")
    unsure, not_digit = np.quantile(digit_scores, [calibration.sure_digits, calibration.accept_digits])
    return _rounded(unsure), _rounded(not_digit)


def calibrate(directory: Path = WEIGHTS_DIR, default_model: str = DEFAULT_MODEL, ensemble: tuple[str, ...] = (),
              score: str = DEFAULT_SCORE, calibration: Calibration = Calibration()) -> Serving:
    """Measure the thresholds of `score` for the models in `directory` (`ensemble`; () = every MNIST model,
    the default first) on validation digits -> the Serving record for `directory`/serving.json."""
    from mnistdemo.detector import DETECTOR_PATH, Detector
    from mnistdemo.inference import ModelRegistry
    from mnistdemo.drawn_images import render_drawn_digits
    from mnistdemo.nondigits import pen_digits
    from mnistdemo.unsure import SCORES, scores

    if score not in SCORES:
        raise ValueError(f"Unknown score {score!r}; choose one of {', '.join(SCORES)}.")
    names = list(ensemble or digit_models(directory))
    names = tuple([default_model, *(n for n in names if n != default_model)])
    registry = ModelRegistry(directory).load_all()
    missing = [name for name in names if name not in registry.models]
    if missing:
        raise ValueError(f"Cannot calibrate without {', '.join(missing)}: not loadable from {directory}.")
    if registry.models[default_model].dataset != "mnist":
        raise ValueError(f"The default model {default_model!r} must read digits (MNIST).")
    digits = pen_digits("validation", calibration.digits, calibration.seed)
    images, _ = render_drawn_digits(digits, seed=calibration.seed)
    reader = registry.ensemble(names)
    probs = np.concatenate([reader.probabilities(images[i:i + 512]) for i in range(0, len(images), 512)], axis=1)
    unsure, not_digit = thresholds(scores(probs, score), calibration)
    voted = pen_path.votes_of([d.strokes for d in digits])
    with_path = scores(pen_path.mix(probs, voted[None]), score)
    path_unsure, path_not_digit = thresholds(with_path, replace(calibration, sure_digits=calibration.path_sure_digits,
                                                                accept_digits=calibration.path_accept_digits))
    record = {"split": "validation", "digits": len(images), "seed": calibration.seed,
              "sure_digits": calibration.sure_digits, "accept_digits": calibration.accept_digits,
              "path_sure_digits": calibration.path_sure_digits,
              "path_accept_digits": calibration.path_accept_digits, "command": CALIBRATE_COMMAND}
    hashes = {name: file_sha256(Path(directory) / f"{name}.keras") for name in names}
    detector, detector_above, detector_file = "", 1.0, Path(directory) / DETECTOR_PATH
    if detector_file.exists():
        detector = str(DETECTOR_PATH)
        flags = Detector.load(detector_file).not_a_digit(images)
        detector_above = _rounded(float(np.quantile(flags, calibration.detector_digits)))
        hashes[detector] = file_sha256(detector_file)
        record["detector_digits"] = calibration.detector_digits
    return Serving(default_model=default_model, ensemble=names, score=score, unsure_above=unsure,
                   not_a_digit_above=not_digit, detector=detector, detector_above=detector_above,
                   path_weight=pen_path.PATH_WEIGHT, path_unsure_above=path_unsure,
                   path_not_a_digit_above=path_not_digit, calibration=record, hashes=hashes)


def calibrate_and_write(directory: Path = WEIGHTS_DIR, **options) -> tuple[Serving, Path]:
    """`calibrate` and write the result as `directory`/serving.json."""
    serving = calibrate(directory, **options)
    return serving, write_manifest(serving, directory)
