"""Weights on disk: `<stem>.keras` (no optimizer state) beside `<stem>.json` (how it was made, what it scored)."""

import json
import os
import platform
import re
from pathlib import Path

import keras
import numpy as np

from mnistdemo.architectures import CustomCNN, build_model
from mnistdemo.evaluate import Evaluation
from mnistdemo.preprocess import PREPROCESSING_VERSION

SAFE_STEM = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,80}$")


def sidecar(result, evaluation: Evaluation, command: str, stem: str) -> dict:
    """The JSON record of a trained model."""
    import tensorflow as tf

    config = result.config
    return {
        "name": stem,
        "arch": config.arch,
        "dataset": config.dataset,
        "params": int(result.model.count_params()),
        "config": config.to_dict(),
        "seed": config.seed,
        "epochs": result.epochs_done,
        "stopped_early": result.stopped,
        "train_seconds": round(result.seconds, 1),
        "test_accuracy": round(evaluation.accuracy, 6),
        "test_loss": round(evaluation.loss, 6),
        "per_class_accuracy": [round(float(a), 6) for a in evaluation.per_class],
        "history": {k: [round(float(v), 6) for v in vs] for k, vs in result.history.items()},
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                     "keras": keras.__version__, "numpy": np.__version__},
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "command": command,
        "preprocessing_version": PREPROCESSING_VERSION,
    }


def save(model: keras.Model, meta: dict, directory: Path, float16: bool = False) -> Path:
    """Write `<name>.keras` (without optimizer state) and `<name>.json`."""
    stem = meta["name"]
    if not SAFE_STEM.match(stem):
        raise ValueError(f"{stem!r} is not a safe file name")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.keras"
    # A freshly built, uncompiled copy carries no optimizer state (Keras 3 saves a compiled
    # model's Adam moments, tripling the file) and no custom schedule to deserialize;
    # float16 halves the file again (for the 3.2M-parameter net).
    dtype = np.float16 if float16 else np.float32
    clean = _rebuild(meta, dtype=np.dtype(dtype).name)
    clean.set_weights([w.astype(dtype) for w in model.get_weights()])
    clean.save(path)
    meta = {**meta, "weights_dtype": "float16" if float16 else "float32", "file_bytes": path.stat().st_size}
    (directory / f"{stem}.json").write_text(json.dumps(meta, indent=1) + "\n")
    return path


def _rebuild(meta: dict, dtype: str = "float32") -> keras.Model:
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(dtype)
    try:
        custom = meta["config"].get("custom")
        return build_model(meta["arch"], CustomCNN(**custom) if custom else None)
    finally:
        keras.config.set_dtype_policy(previous)


def rebuild(meta: dict, weights: list[np.ndarray]) -> keras.Model:
    """A sidecar's network, float32, with these weights (as `keras.Model.get_weights` gives them)."""
    model = _rebuild(meta)
    model.set_weights([w.astype(np.float32) for w in weights])
    return model


def read_meta(path: Path) -> dict:
    """The sidecar of `<stem>.keras`."""
    return json.loads(path.with_suffix(".json").read_text())


def load(path: Path) -> tuple[keras.Model, dict]:
    """Load a model and its sidecar; float16 files come back as float32 models."""
    meta = read_meta(path)
    model = keras.saving.load_model(path, compile=False)
    if meta.get("weights_dtype") == "float16":
        model = rebuild(meta, model.get_weights())
    return model, meta

