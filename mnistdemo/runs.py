"""Finishing a run: measure the trained model on the test set, keep a serving copy, say how to retrain it.

A run's worker (mnistdemo/live.py) trains with an `events.EventReporter` that sends its events to the
Train tab, then `measure_run` measures the model on the test set and the worker saves it for the server.
`finish_run` does the same in one process and wraps the model as a `LoadedModel`.
"""

import shlex
from dataclasses import dataclass, field

import keras
import numpy as np

from mnistdemo.architectures import ARCHITECTURES, build_model, outputs_logits
from mnistdemo.checkpoints import sidecar
from mnistdemo.data import Dataset
from mnistdemo.evaluate import Evaluation, evaluate_model
from mnistdemo.inference import LoadedModel
from mnistdemo.train import TrainConfig, TrainResult, to_model_input


@dataclass
class CompletedRun:
    """A finished run: its sidecar, test-set evaluation, loss curve and the model ready to predict."""

    name: str
    meta: dict
    evaluation: Evaluation
    model: LoadedModel
    batches: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # (N, 3): epoch, loss, accuracy
    experiment: str = ""  # the sweep this run belongs to, if any
    files: dict = field(default_factory=dict)  # kind -> path of downloads written for it


def reproduce_command(config: TrainConfig) -> str:
    """The CLI command that retrains `config` (registered architectures only)."""
    if config.arch not in ARCHITECTURES:
        return "trained in the Train & compare tab (custom CNN; its settings are in `config`)"
    r = config.recipe
    flag = lambda on, name: f"--{name}" if on else f"--no-{name}"  # noqa: E731
    args = ["--arch", config.arch, "--dataset", config.dataset, "--optimizer", r.optimizer,
            "--lr", f"{r.learning_rate:g}", "--momentum", f"{r.momentum:g}", "--schedule", r.schedule,
            "--batch-size", str(r.batch_size), "--epochs", str(r.epochs), "--val-split", f"{r.validation_split:g}",
            "--label-smoothing", f"{r.label_smoothing:g}", flag(r.reduce_lr_on_plateau, "reduce-lr"),
            flag(r.early_stopping, "early-stop"), flag(r.augment, "augment"),
            "--subset", str(config.train_subset), "--seed", str(config.seed)]
    return "python -m mnistdemo train " + shlex.join(args)


def serving_copy(result: TrainResult) -> keras.Model:
    """The trained weights in a fresh, uncompiled model: the optimizer state and traced training
    functions stay behind and are freed with `result` (clear_session would break other models in use)."""
    model = build_model(result.config.arch, result.config.custom)
    model.set_weights(result.model.get_weights())
    return model


def measure_run(result: TrainResult, data: Dataset, name: str) -> tuple[dict, Evaluation]:
    """A trained model's sidecar and its evaluation on the test set (what a worker sends back with the file)."""
    logits = outputs_logits(result.config.arch)
    evaluation = evaluate_model(result.model, to_model_input(data.x_test), data.y_test, logits=logits)
    return sidecar(result, evaluation, reproduce_command(result.config), name), evaluation


def finish_run(result: TrainResult, data: Dataset, name: str, batches: np.ndarray | None = None,
               experiment: str = "") -> CompletedRun:
    """Evaluate a trained model on the test set and wrap it for the Draw tab and the comparison."""
    meta, evaluation = measure_run(result, data, name)
    loaded = LoadedModel(name, serving_copy(result), meta, outputs_logits(result.config.arch))
    return CompletedRun(name, meta, evaluation, loaded,
                        np.zeros((0, 3)) if batches is None else np.asarray(batches, dtype=np.float64),
                        experiment)
