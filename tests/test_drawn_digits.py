"""Regression guard for real drawings: the default model on a few hundred replayed pen-drawn digits."""

from drawn_digits import render_pendigits  # bench/drawn_digits.py, on the path through conftest

from mnistdemo.evaluate import evaluate_probabilities
from mnistdemo.inference import SHIPPED


def test_default_model_reads_replayed_pen_digits():
    # The full benchmark (bench/drawn_digits.py, every held-out writer's digit) is in the README;
    # this is a fixed sample of 500 of those at random sizes and positions, a regression guard.
    x, y = render_pendigits(limit=500, seed=1)
    model = SHIPPED.get(None)
    ev = evaluate_probabilities(model.probabilities(x), y)
    assert ev.accuracy > 0.97, f"{model.name} read {ev.accuracy:.1%} of 500 held-out pen-drawn digits"
