"""The serving manifest `weights/serving.json`: what the app serves and the calibration it serves it with.

`python -m mnistdemo calibrate` (mnistdemo.calibrate) writes it: the default model, the digit networks
whose probabilities the "not sure / not a digit" thresholds were calibrated on (each with the sha256 of
its weights file), the score, both thresholds, the "is it a digit?" network (mnistdemo.detector) with its
threshold and sha256, the preprocessing version the calibration saw, and the thresholds for a drawing
read together with its pen's path (mnistdemo.pen_path) with the path's weight they were set for. The
runtime reads it (`ModelRegistry.load_all`) and reports the calibration stale when a weights file or the
preprocessing has changed since.
"""

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from mnistdemo.pen_path import PATH_WEIGHT
from mnistdemo.preprocess import PREPROCESSING_VERSION

MANIFEST_NAME = "serving.json"
CALIBRATE_COMMAND = "python -m mnistdemo calibrate"


@dataclass(frozen=True)
class Serving:
    """The default model and the calibrated verdict: `ensemble` (default model first), `hashes` name -> sha256."""

    default_model: str
    ensemble: tuple[str, ...]
    score: str
    unsure_above: float
    not_a_digit_above: float
    preprocessing_version: int = PREPROCESSING_VERSION
    detector: str = ""  # the "is it a digit?" network's file in the weights folder ("" = none; mnistdemo.detector)
    detector_above: float = 1.0  # its score above which a drawing is "not a digit"
    # A drawing on the canvas is read with its pen's path, which changes the score: its own thresholds, set for
    # the path's weight `path_weight` (0 = none set: drawings are judged by their picture alone).
    path_weight: float = 0.0
    path_unsure_above: float = 0.0
    path_not_a_digit_above: float = 0.0
    hashes: dict[str, str] = field(default_factory=dict, compare=False)
    calibration: dict = field(default_factory=dict, compare=False)  # how the thresholds were measured

    def __post_init__(self):
        if not self.unsure_above <= self.not_a_digit_above:
            raise ValueError("The 'not sure' threshold must not be above the 'not a digit' one.")
        if self.path_weight and not self.path_unsure_above <= self.path_not_a_digit_above:
            raise ValueError("With the pen's path, the 'not sure' threshold must not be above the 'not a digit' one.")

    def with_path(self) -> "Serving | None":
        """This manifest with the thresholds for a drawing read together with its pen's path (None if it has none)."""
        if not self.path_weight:
            return None
        return replace(self, unsure_above=self.path_unsure_above, not_a_digit_above=self.path_not_a_digit_above)

    def unlike_digits(self, scores) -> np.ndarray:
        """The "is it a digit?" network's scores (mnistdemo.detector) -> bool: over its threshold, "not a digit"
        (all False when the manifest names no such network)."""
        scores = np.asarray(scores)
        return scores > self.detector_above if self.detector else np.zeros(scores.shape, bool)

    def to_dict(self) -> dict:
        return {"default_model": self.default_model, "score": self.score, "unsure_above": self.unsure_above,
                "not_a_digit_above": self.not_a_digit_above, "preprocessing_version": self.preprocessing_version,
                "ensemble": [{"name": name, "sha256": self.hashes.get(name, "")} for name in self.ensemble],
                **({"detector": {"path": self.detector, "sha256": self.hashes.get(self.detector, ""),
                                 "not_a_digit_above": self.detector_above}} if self.detector else {}),
                **({"pen_path": {"weight": self.path_weight, "unsure_above": self.path_unsure_above,
                                 "not_a_digit_above": self.path_not_a_digit_above}} if self.path_weight else {}),
                "calibration": self.calibration}

    @classmethod
    def from_dict(cls, d: dict) -> "Serving":
        members, detector = d["ensemble"], d.get("detector") or {"path": "", "sha256": "", "not_a_digit_above": 1.0}
        path = d.get("pen_path") or {"weight": 0.0, "unsure_above": 0.0, "not_a_digit_above": 0.0}
        hashes = {m["name"]: m["sha256"] for m in members} | ({detector["path"]: detector["sha256"]}
                                                               if detector["path"] else {})
        return cls(default_model=d["default_model"], ensemble=tuple(m["name"] for m in members), score=d["score"],
                   unsure_above=float(d["unsure_above"]), not_a_digit_above=float(d["not_a_digit_above"]),
                   preprocessing_version=int(d["preprocessing_version"]), detector=detector["path"],
                   detector_above=float(detector["not_a_digit_above"]), path_weight=float(path["weight"]),
                   path_unsure_above=float(path["unsure_above"]),
                   path_not_a_digit_above=float(path["not_a_digit_above"]), hashes=hashes,
                   calibration=d.get("calibration", {}))


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_manifest(directory: Path) -> Serving:
    """`directory`/serving.json; FileNotFoundError if there is none, ValueError if it is malformed."""
    path = Path(directory) / MANIFEST_NAME
    try:
        return Serving.from_dict(json.loads(path.read_text()))
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is malformed ({error!r}): rerun `{CALIBRATE_COMMAND}`.") from error


def write_manifest(serving: Serving, directory: Path) -> Path:
    """Write `directory`/serving.json."""
    path = Path(directory) / MANIFEST_NAME
    path.write_text(json.dumps(serving.to_dict(), indent=1) + "\n")
    return path


def stale_reasons(serving: Serving, directory: Path) -> list[str]:
    """Why `serving`'s calibration no longer fits the weights in `directory` and today's preprocessing
    ([] if it does)."""
    reasons = []
    if serving.preprocessing_version != PREPROCESSING_VERSION:
        reasons.append(f"calibrated with preprocessing version {serving.preprocessing_version}, "
                       f"the app preprocesses with version {PREPROCESSING_VERSION}")
    if serving.path_weight and serving.path_weight != PATH_WEIGHT:
        reasons.append(f"calibrated with the pen's path weighted {serving.path_weight:g}, "
                       f"the app weights it {PATH_WEIGHT:g}")
    for name in serving.ensemble:
        path = Path(directory) / f"{name}.keras"
        if not path.exists():
            reasons.append(f"{name}.keras is missing")
        elif file_sha256(path) != serving.hashes.get(name):
            reasons.append(f"{name}.keras changed since calibration")
    if serving.detector:
        path = Path(directory) / serving.detector
        if not path.exists():
            reasons.append(f"{serving.detector} is missing")
        elif file_sha256(path) != serving.hashes.get(serving.detector):
            reasons.append(f"{serving.detector} changed since calibration")
    return reasons
