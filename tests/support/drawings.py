"""Which real pen-drawn digits (data/pendigits, held-out writers) the tests and benchmarks draw or read."""

import numpy as np

from mnistdemo.drawn_images import render_drawn_digits
from mnistdemo.strokes import (BRUSH_RADIUS, CANVAS_SIZE, HELD_OUT_WRITERS, canvas_strokes, load_pendigits,
                               render_strokes, sample_in_order)


def held_out_twenty(seed: int = 7) -> list[tuple[object, dict]]:
    """Two digits of each class by held-out writers at varied sizes and places: (digit, canvas_points placement)."""
    rng = np.random.default_rng(seed)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    chosen = []
    for label in range(10):
        pool = [d for d in digits if d.label == label]
        chosen += [pool[i] for i in rng.choice(len(pool), 2, replace=False)]
    return [(d, {"height_frac": float(rng.uniform(0.5, 0.8)),
                 "center": (float(rng.uniform(0.42, 0.58)), float(rng.uniform(0.42, 0.58)))})
            for d in chosen]


def held_out_digits(labels: tuple[int, ...] = (2, 0, 7), seed: int = 3) -> list:
    """One digit by a held-out writer for each label, chosen by a fixed seed (none by hand)."""
    rng = np.random.default_rng(seed)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    return [rng.choice([d for d in digits if d.label == label]) for label in labels]


def pick_pendigits(limit: int = 0, seed: int = 0, writers: frozenset[int] | None = HELD_OUT_WRITERS) -> list:
    """`limit` pen-drawn digits (0 = all) of `writers` (default: the held-out writers), in their file order."""
    return sample_in_order(load_pendigits(writers=writers), limit, seed)


def render_pendigits(limit: int = 0, seed: int = 0, writers: frozenset[int] | None = HELD_OUT_WRITERS,
                     brush_radius: int | tuple[int, int] = BRUSH_RADIUS) -> tuple[np.ndarray, np.ndarray]:
    """`pick_pendigits`, rendered (`render_drawn_digits`) and preprocessed: (N, 28, 28) float32, (N,) labels."""
    return render_drawn_digits(pick_pendigits(limit, seed, writers), seed=seed, brush_radius=brush_radius)


def on_canvas(digit, placement: dict) -> tuple[np.ndarray, list[np.ndarray]]:
    """A pen digit as the Draw tab gets it at `placement` (`strokes.random_placement`'s keys): the picture drawn where
    the pointer went ((280, 280, 3) uint8 RGB) and its strokes in whole canvas pixels, as the canvas sends them."""
    strokes = canvas_strokes(digit, CANVAS_SIZE, BRUSH_RADIUS, **placement)
    return render_strokes(strokes, (CANVAS_SIZE, CANVAS_SIZE)), [np.round(s) for s in strokes]
