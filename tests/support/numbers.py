"""Whole numbers written by held-out writers that the app is known to read (this module loads the models)."""

import numpy as np

from mnistdemo.inference import SHIPPED
from mnistdemo.numbers import read_number
from mnistdemo.drawn_numbers import NUMBER_CANVAS_SIZE, random_number
from mnistdemo.replay import mouse_points
from mnistdemo.strokes import BRUSH_RADIUS, HELD_OUT_WRITERS, load_pendigits, render_strokes


def first_number_read_exactly() -> tuple[str, list]:
    """The first 4-digit number of a fixed seed (held-out writers) that the app reads exactly off the
    strokes a finger draws: (its text, its strokes in canvas pixels). The core chooses it; a browser test
    must then read the same."""
    rng = np.random.default_rng(2026)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    for _ in range(20):
        number = random_number(digits, rng, 4, gap_range=(5.0, 40.0))
        strokes = mouse_points([s for digit in number.strokes for s in digit])
        drawn = render_strokes([np.asarray(s) for s in strokes], NUMBER_CANVAS_SIZE, BRUSH_RADIUS)
        if read_number(drawn, SHIPPED.get(None))[0] == number.text:
            return number.text, strokes
    raise AssertionError("none of 20 numbers is read exactly")
