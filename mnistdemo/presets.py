"""The Train tab's presets and sweeps: the fast and quick runs, what small runs were measured to reach."""

import functools
import json
import math
from dataclasses import replace

from mnistdemo.architectures import ARCHITECTURES, CustomCNN, Recipe
from mnistdemo.config import REPO_DIR
from mnistdemo.train import TrainConfig

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
