"""Plot and table frames: right columns, right lengths, numbers equal to Keras's own.

Run alone: .venv/bin/python -m pytest -q tests/test_plots.py
"""

import re

import numpy as np
import pandas as pd
import pytest

from mnistdemo.architectures import ARCHITECTURES, CustomCNN, build_model
from mnistdemo.config import CLASS_NAMES
from mnistdemo import plots

HISTORY = {"loss": [0.9, 0.5, 0.3], "accuracy": [0.7, 0.85, 0.9], "val_loss": [0.6, 0.4, 0.35],
           "val_accuracy": [0.8, 0.88, 0.9]}


def _batches(n: int, steps_per_epoch: int = 50) -> np.ndarray:
    step = np.arange(1, n + 1)
    return np.column_stack([step / steps_per_epoch, 2.3 * np.exp(-step / 40), np.linspace(0.1, 0.95, n)])


def test_curve_frame_has_raw_smoothed_and_validation_curves():
    frame = plots.curve_frame(_batches(120), HISTORY, "loss")
    assert list(frame.columns) == ["epoch", "loss", "series"]
    assert frame["series"].value_counts().to_dict() == {"per batch": 120, "smoothed": 120, "validation": 3}
    raw = frame[frame.series == "per batch"]
    np.testing.assert_allclose(raw["loss"], _batches(120)[:, 1])
    assert raw["epoch"].iloc[-1] == pytest.approx(120 / 50)
    validation = frame[frame.series == "validation"]
    assert list(validation["epoch"]) == [1, 2, 3] and list(validation["loss"]) == HISTORY["val_loss"]
    accuracy = plots.curve_frame(_batches(120), {}, "accuracy")
    np.testing.assert_allclose(accuracy[accuracy.series == "per batch"]["accuracy"], _batches(120)[:, 2])
    with pytest.raises(ValueError, match="metric"):
        plots.curve_frame(_batches(10), HISTORY, "val_accuracy")


def test_one_epoch_draws_a_curve_not_a_dot():
    # 32 batches of a single epoch: points spread over (0, 1], not one point at epoch 1.
    frame = plots.curve_frame(_batches(32, steps_per_epoch=32), {"loss": [0.4], "accuracy": [0.9]}, "accuracy")
    smoothed = frame[frame.series == "smoothed"]
    assert len(smoothed) == 32 and smoothed["epoch"].min() < 0.1 and smoothed["epoch"].max() == 1.0


def test_long_curves_are_binned_to_a_few_hundred_points():
    frame = plots.curve_frame(_batches(14_000), {}, max_points=600)
    assert len(frame) == 1200
    assert frame["epoch"].is_monotonic_increasing is False  # two series, each increasing
    for _, part in frame.groupby("series"):  # each bin is a mean: the last ends within half a bin of epoch 280
        assert part["epoch"].is_monotonic_increasing and part["epoch"].iloc[-1] == pytest.approx(280, abs=0.5)


def test_smoothing_keeps_a_constant_and_lags_a_step():
    np.testing.assert_allclose(plots.smooth(np.full(30, 0.5)), 0.5)
    step = plots.smooth(np.r_[np.zeros(50), np.ones(50)], span=10)
    assert 0 < step[55] < 1 and step[-1] > 0.99


def test_empty_frames_keep_numeric_columns():
    # The browser keeps the axis type of the first frame it sees: an empty frame must already be numeric.
    for frame, numeric in [(plots.curve_frame(np.zeros((0, 3)), {}, "loss"), ["epoch", "loss"]),
                           (plots.overlay_frame({}, "loss"), ["epoch", "loss"]),
                           (plots.overlay_frame({}, "accuracy"), ["epoch", "accuracy"])]:
        assert len(frame) == 0
        assert all(pd.api.types.is_numeric_dtype(frame[c]) for c in numeric)


def test_per_class_and_confusion_frames():
    names = CLASS_NAMES["fashion_mnist"]
    per_class = plots.per_class_frame(np.linspace(0.8, 0.99, 10), names)
    assert list(per_class.columns) == ["class", "accuracy"] and list(per_class["class"]) == list(names)
    confusion = np.arange(100).reshape(10, 10)
    frame = plots.confusion_frame(confusion, names)
    assert frame.shape == (10, 11)
    assert list(frame.columns) == ["true \\ predicted", *names] and list(frame.iloc[:, 0]) == list(names)
    np.testing.assert_array_equal(frame.iloc[:, 1:].to_numpy(), confusion)
    html = plots.confusion_styler(frame).to_html()
    assert "rgba(220, 50, 47, 0.90)" in html  # the biggest error (row 8, column 9: 89) is the reddest
    assert "#d9f2d9" in html


@pytest.mark.parametrize("name", [*ARCHITECTURES, "custom"])
def test_model_summary_params_sum_to_count_params(name):
    model = build_model(name, CustomCNN(blocks=3, dense_units=128, batch_norm=True, dropout=0.2))
    frame = plots.model_summary_frame(model)
    assert list(frame.columns) == ["layer", "type", "output shape", "params"]
    assert frame["params"].sum() == model.count_params()
    assert frame["output shape"].iloc[-1] == "(None, 10)"


@pytest.mark.parametrize("name", ["lenet5_bn", "resnet_block_3x3"])
def test_model_summary_matches_what_keras_prints(name, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # rich cuts the table at the terminal's width
    model = build_model(name)
    lines: list[str] = []
    model.summary(line_length=260, print_fn=lambda text, **_: lines.extend(text.splitlines()))
    rows = list(plots.model_summary_frame(model).itertuples(index=False, name=None))
    for layer, kind, shape, params in rows:
        line = next(ln for ln in lines if f" {layer} ({kind})" in ln)
        assert shape in line and re.search(rf"\s{params:,}\s", line), line


def _meta(name: str, acc: float, arch: str = "lenet5_bn", custom: dict | None = None) -> dict:
    return {"name": name, "arch": arch, "dataset": "mnist", "params": 81_282, "epochs": 2, "train_seconds": 12.3,
            "test_accuracy": acc, "test_loss": 0.05, "stopped_early": False, "history": HISTORY,
            "config": {"custom": custom}}


def test_comparison_frame_one_row_per_run():
    metas = [_meta("run01-lenet5_bn", 0.98),
             _meta("run02-custom-k5", 0.97, "custom", {"blocks": 2, "kernel_size": 5, "filters": 32,
                                                       "dense_units": 1024, "batch_norm": True})]
    frame = plots.comparison_frame(metas, ["", "Kernel size 3 / 5 / 7"])
    assert list(frame.columns) == plots.COMPARISON_COLUMNS
    assert list(frame["run"]) == ["run01-lenet5_bn", "run02-custom-k5"]
    assert frame.loc[0, "architecture"] == "LeNet-5 + batch norm"
    assert "conv5" in frame.loc[1, "architecture"] and "Dense(1024)" in frame.loc[1, "architecture"]
    assert list(frame["test accuracy"]) == [0.98, 0.97] and frame.loc[1, "experiment"].startswith("Kernel")
    assert list(frame.columns[:2]) == ["run", "test accuracy"]  # what a narrow screen shows first
    assert plots.comparison_frame([]).empty
    shouting = plots.comparison_frame(metas, ["", "Kernel size 3 / 5 / 7"], words=str.upper)
    assert shouting.loc[0, "architecture"] == "LENET-5 + BATCH NORM" and shouting.loc[1, "experiment"].isupper()


def test_overlays_have_one_curve_per_run():
    loss = plots.overlay_frame({"a": _batches(80), "b": _batches(1000)}, "loss", max_points=300)
    assert list(loss.columns) == ["epoch", "loss", "run"]
    assert loss["run"].value_counts().to_dict() == {"a": 80, "b": 300}
    accuracy = plots.overlay_frame({"a": _batches(80)}, "accuracy")
    assert list(accuracy.columns) == ["epoch", "accuracy", "run"]
    np.testing.assert_allclose(accuracy["accuracy"], plots.smooth(_batches(80)[:, 2]))
    with pytest.raises(ValueError, match="metric"):
        plots.overlay_frame({"a": _batches(80)}, "val_accuracy")
    colors = plots.run_colors([f"run{i:02d}" for i in range(14)])
    assert len(set(colors.values())) == 12 and colors["run00"] == colors["run12"]
