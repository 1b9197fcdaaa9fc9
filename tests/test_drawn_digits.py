"""Regression guard for real drawings: shipped MNIST models on a few hundred replayed pen-drawn digits.

Run alone: .venv/bin/python -m pytest -q tests/test_drawn_digits.py
"""

import json

import pytest

from mnistdemo.config import WEIGHTS_DIR
from mnistdemo.evaluate import evaluate_probabilities
from mnistdemo.inference import SHIPPED
from support.drawings import render_pendigits

MNIST_MODELS = sorted(p.stem for p in WEIGHTS_DIR.glob("*.keras")
                      if json.loads(p.with_suffix(".json").read_text())["dataset"] == "mnist")


@pytest.fixture(scope="module")
def held_out_sample():
    # The full benchmark (bench/drawn_digits.py, every held-out writer's digit) is in docs/benchmarks.md;
    # this is a fixed sample of 500 of those at random sizes and positions, a regression guard.
    return render_pendigits(limit=500, seed=1)


def test_default_model_reads_replayed_pen_digits(held_out_sample):
    x, y = held_out_sample
    model = SHIPPED.get(None)
    ev = evaluate_probabilities(model.probabilities(x), y)
    assert ev.accuracy > 0.97, f"{model.name} read {ev.accuracy:.1%} of 500 held-out pen-drawn digits"


@pytest.mark.parametrize("name", MNIST_MODELS)
def test_every_mnist_model_reads_most_replayed_pen_digits(held_out_sample, name):
    x, y = held_out_sample
    ev = evaluate_probabilities(SHIPPED.get(name).probabilities(x), y)
    assert ev.accuracy > 0.93, f"{name} read {ev.accuracy:.1%} of 500 held-out pen-drawn digits"


@pytest.mark.parametrize("width", [10, 24])
def test_the_default_model_reads_them_with_a_thin_or_a_thick_brush(width):
    # The app's brush is 20 px wide; people's canvases and pens differ (bench/drawn_digits.py --brush-widths).
    x, y = render_pendigits(limit=500, seed=1, brush_radius=width // 2)
    ev = evaluate_probabilities(SHIPPED.get(None).probabilities(x), y)
    assert ev.accuracy > 0.97, f"read {ev.accuracy:.1%} of 500 held-out pen-drawn digits drawn {width} px wide"
