"""Runs and sweeps: batch/epoch events a run streams, sweeps of one setting, finishing a trained model; no UI.

A run's process (mnistdemo/live.py) trains with an `EventReporter` that sends its events to the
Train tab, then `finish_run` measures the model on the test set and wraps it as a `LoadedModel`.
"""

import functools
import json
import math
import shlex
from dataclasses import dataclass, field, replace
from typing import Protocol

import keras
import numpy as np

from mnistdemo.architectures import ARCHITECTURES, CustomCNN, Recipe, build_model, outputs_logits
from mnistdemo.checkpoints import sidecar
from mnistdemo.config import REPO_DIR
from mnistdemo.data import Dataset, load_dataset
from mnistdemo.evaluate import Evaluation, evaluate_model
from mnistdemo.inference import LoadedModel
from mnistdemo.train import TrainConfig, TrainResult, to_model_input

# A small batch-norm CNN that reaches 99% MNIST test accuracy within one epoch (bench/time_to_99.py).
# The dense layer and label smoothing cost almost nothing and gave the last 0.1 point.
FAST = TrainConfig(
    arch="custom",
    custom=CustomCNN(blocks=3, kernel_size=3, filters=16, batch_norm=True, dense_units=128),
    recipe=Recipe(optimizer="adam", learning_rate=5e-3, schedule="onecycle", batch_size=128, epochs=1,
                  label_smoothing=0.1),
    train_subset=0,
)

# The Train tab's defaults: the fast preset's net and recipe on a quarter of the images, so a first run
# reaches 97% within seconds of Start (bench/small_run.py measures it). Workers trace it ahead (train.prepare).
QUICK = replace(FAST, train_subset=15_000)

# What one epoch on a few images reaches, measured by `python bench/small_run.py --grid`.
SMALL_RUNS_PATH = REPO_DIR / "data" / "small_runs.json"
SMALL_RUN_SUBSETS = (2_000, 10_000)
FEW_BATCHES = 100  # a run of fewer batches than this (the quick preset has 118) gets a note in the Train tab


@functools.lru_cache(maxsize=1)
def small_run_figures() -> dict[str, dict[int, float]]:
    """arch ("custom": the quick preset's net) -> {training images: MNIST test accuracy after 1 epoch}."""
    if not SMALL_RUNS_PATH.is_file():
        return {}
    figures: dict[str, dict[int, float]] = {}
    for run in json.loads(SMALL_RUNS_PATH.read_text())["runs"]:
        figures.setdefault(run["arch"], {})[run["train_subset"]] = run["test_accuracy"]
    return figures


def measured_small_runs(config: TrainConfig) -> dict[int, float]:
    """{training images: test accuracy} measured for 1 epoch of this network and recipe (any epochs, subset,
    seed), or {} if it was not measured: a report architecture with its report's recipe, or the quick preset."""
    if config.dataset != "mnist":
        return {}
    if config.arch in ARCHITECTURES:
        measured = replace(config.recipe, epochs=1) == replace(ARCHITECTURES[config.arch].recipe, epochs=1)
    else:
        measured = config.custom == QUICK.custom and replace(config.recipe, epochs=1) == QUICK.recipe
    return small_run_figures().get(config.arch, {}) if measured else {}


def run_batches(config: TrainConfig, available: int = 60_000) -> int:
    """How many batches `config` trains for, given `available` training images."""
    n = min(config.train_subset or available, available)
    n -= int(round(n * config.recipe.validation_split))
    return math.ceil(n / config.recipe.batch_size) * config.recipe.epochs


def is_small_run(config: TrainConfig) -> bool:
    """Will this run be too short to show what its network can do (few batches, or one epoch of a report recipe)?"""
    return run_batches(config) < FEW_BATCHES or (config.arch in ARCHITECTURES and config.recipe.epochs == 1)

# Sweeps vary one setting of the custom CNN; everything else (recipe, subset, seed) stays the same.
SWEEPS: dict[str, tuple[str, str, tuple[int, ...]]] = {  # key -> (title, CustomCNN field, values)
    "kernel_size": ("Kernel size 3 / 5 / 7", "kernel_size", (3, 5, 7)),
    "blocks": ("Conv+pool blocks 1 / 2 / 3", "blocks", (1, 2, 3)),
    "dense_1024": ("Dense(1024) off / on", "dense_units", (0, 1024)),
}
_SWEEP_LABELS = {"kernel_size": "k{}", "blocks": "blocks{}", "dense_units": "dense{}"}


def sweep_configs(sweep: str, base: TrainConfig) -> list[tuple[str, TrainConfig]]:
    """(label, config) for each value of the sweep, all under `base`'s recipe, subset and seed."""
    if sweep not in SWEEPS:
        raise ValueError(f"Unknown experiment {sweep!r}; choose one of {', '.join(SWEEPS)}.")
    _, name, values = SWEEPS[sweep]
    spec = base.custom or CustomCNN()
    return [(_SWEEP_LABELS[name].format(v), replace(base, arch="custom", custom=replace(spec, **{name: v})))
            for v in values]


@functools.lru_cache(maxsize=2)
def cached_dataset(name: str) -> Dataset:
    """`load_dataset` once per process (the results gallery reads its test images; runs load their own)."""
    return load_dataset(name)


@dataclass(frozen=True)
class BatchEvent:
    epoch: float  # fractional epochs done, e.g. 1.5 = half-way through the second epoch
    step: int  # batches done in the whole run
    total_steps: int  # batches the run will take if nothing stops it
    loss: float  # this batch's loss (recovered from Keras's running mean)
    accuracy: float  # this batch's accuracy


@dataclass(frozen=True)
class EpochEvent:
    epoch: int  # 1-based
    logs: dict[str, float]  # loss, accuracy, val_loss, val_accuracy (as Keras logs them)


def train_size(config: TrainConfig, data: Dataset) -> int:
    """How many images one epoch of `config` trains on (its subset less its validation split)."""
    n = min(config.train_subset or len(data.x_train), len(data.x_train))
    return n - int(round(n * config.recipe.validation_split))


class EventSink(Protocol):
    """Where events go: a queue.Queue, or the pipe from a run's process to the server."""

    def put(self, item: object) -> None: ...


class EventReporter(keras.callbacks.Callback):
    """Puts a BatchEvent after every batch and an EpochEvent after every epoch into `events`.

    Give `samples` (images per epoch) and `batch_size` to make the last, smaller batch's values exact.
    """

    def __init__(self, events: EventSink, samples: int = 0, batch_size: int = 0):
        super().__init__()
        self.events, self.samples, self.batch_size = events, samples, batch_size
        self._epoch, self._steps, self._means = 0, 1, (0.0, 0.0)

    def on_train_begin(self, logs=None):
        self._steps = self.params.get("steps") or 1
        self._total = self._steps * self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._means = epoch, (0.0, 0.0)

    def on_train_batch_end(self, batch, logs=None):
        # Keras logs the mean over the epoch's images so far; undo the running mean to get this batch's value.
        k = batch + 1
        size = before = 1.0
        if self.batch_size:
            before = batch * self.batch_size
            size = self.batch_size if not self.samples or k < self._steps else self.samples - before
        else:  # equal batches assumed
            before = batch
        means = (float(logs["loss"]), float(logs.get("accuracy", 0.0)))
        loss, accuracy = (((before + size) * m - before * p) / size for m, p in zip(means, self._means))
        self._means = means
        self.events.put(BatchEvent(epoch=self._epoch + k / self._steps, step=self._epoch * self._steps + k,
                                   total_steps=self._total, loss=loss, accuracy=accuracy))

    def on_epoch_end(self, epoch, logs=None):
        self.events.put(EpochEvent(epoch + 1, {key: float(value) for key, value in (logs or {}).items()}))


def time_left(event: BatchEvent, elapsed: float, first_batch_at: float) -> float:
    """Seconds still to go at `event`, from the pace since the first batch (which includes tracing)."""
    done = max(event.step - 1, 1)
    pace = max(elapsed - first_batch_at, 0.0) / done
    return pace * (event.total_steps - event.step)


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


def finish_run(result: TrainResult, data: Dataset, name: str, batches: np.ndarray | None = None,
               experiment: str = "") -> CompletedRun:
    """Evaluate a trained model on the test set and wrap it for the Draw tab and the comparison."""
    logits = outputs_logits(result.config.arch)
    evaluation = evaluate_model(result.model, to_model_input(data.x_test), data.y_test, logits=logits)
    model = serving_copy(result)
    meta = sidecar(result, evaluation, reproduce_command(result.config), name)
    loaded = LoadedModel(name, model, meta, logits)
    return CompletedRun(name, meta, evaluation, loaded,
                        np.zeros((0, 3)) if batches is None else np.asarray(batches, dtype=np.float64),
                        experiment)
