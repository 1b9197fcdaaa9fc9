"""Tests for mnistdemo.strokes (parsing pendigits, rendering them as the canvas would), mnistdemo.replay (mouse
points) and mnistdemo.drawn_images (renderings as the models see them).

Run alone: .venv/bin/python -m pytest -q tests/test_strokes.py
"""

import dataclasses
from collections import Counter

import cv2
import numpy as np
import pytest

from mnistdemo import drawn_images
from mnistdemo.drawn_images import drawn_training_set, render_drawn_digits
from mnistdemo.preprocess import PREPROCESSING_VERSION, preprocess
from mnistdemo.replay import MAX_BROWSER_POINTS, canvas_points
from mnistdemo.strokes import (BRUSH_RADIUS, CANVAS_SIZE, HELD_OUT_WRITERS, TUNING_WRITERS, PenDigit, load_pendigits,
                               random_placement, render_digit, render_stroke_by_stroke, varied)


@pytest.fixture(scope="module")
def digits() -> list[PenDigit]:
    return load_pendigits()


def ink_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    """(H, W, 3) uint8 canvas -> (x, y, w, h) bounding box of the ink."""
    return cv2.boundingRect((rgb[:, :, 0] < 128).astype(np.uint8))


def test_all_7494_digits_of_30_writers_with_all_labels_evenly(digits):
    assert len(digits) == 7494
    counts = Counter(d.label for d in digits)
    assert sorted(counts) == list(range(10))
    assert all(700 <= n <= 800 for n in counts.values())  # 719-780 each
    assert {d.writer for d in digits} == set(range(1, 31))
    assert all(d.strokes and all(s.ndim == 2 and s.shape[1] == 2 for s in d.strokes)
               for d in digits)
    points = np.concatenate([np.concatenate(d.strokes) for d in digits])
    assert points.min() >= 0 and points.max() <= 500  # tablet units


def test_pen_digits_are_immutable(digits):
    with pytest.raises(dataclasses.FrozenInstanceError):
        digits[0].label = 3
    with pytest.raises(ValueError):
        digits[0].strokes[0][0, 0] = 1.0


def test_parses_a_small_unipen_file(tmp_path):
    path = tmp_path / "two"
    path.write_text(
        '.SEGMENT DIGIT    0 ? "4"\n.COMMENT 4  7  12\n.PEN_DOWN\n 10  20\n 10 5\n.PEN_UP\n'
        '.PEN_DOWN\n 0 10\n 20 10\n 25 11\n.PEN_UP\n.DT 100\n\n'
        '.SEGMENT DIGIT    1 ? "1"\n.PEN_DOWN\n 5 5\n.PEN_UP\n'
    )
    four, one = load_pendigits(path)
    assert (four.label, four.writer, four.index, len(four.strokes)) == (4, 7, 12, 2)
    np.testing.assert_array_equal(four.strokes[1], [[0, 10], [20, 10], [25, 11]])
    assert (one.label, one.writer, len(one.strokes)) == (1, None, 1)


def test_render_is_black_ink_on_white_rgb(digits):
    canvas = render_digit(digits[0])
    assert canvas.shape == (CANVAS_SIZE, CANVAS_SIZE, 3) and canvas.dtype == np.uint8
    assert (canvas[:, :, 0] == canvas[:, :, 1]).all() and (canvas[:, :, 1] == canvas[:, :, 2]).all()
    assert canvas[0, 0, 0] == 255 and canvas.min() == 0
    assert 0.03 < (canvas[:, :, 0] < 128).mean() < 0.3


def test_y_is_flipped():
    # A stroke going up on the tablet goes up on the canvas too: its top is at the end.
    digit = PenDigit(7, (np.array([[0.0, 0.0], [0.0, 100.0], [60.0, 100.0]]),))
    canvas = render_digit(digit, brush_radius=5)
    x, y, w, h = ink_box(canvas)
    assert canvas[y + 2, x + w - 3, 0] < 128  # the bar is at the top right
    assert canvas[y + h - 3, x + w - 3, 0] > 128  # nothing at the bottom right


@pytest.mark.parametrize("height_frac", [0.4, 0.65, 0.9])
def test_height_frac_and_centre_are_respected(digits, height_frac):
    for digit in digits[:60]:
        x, y, w, h = ink_box(render_digit(digit, height_frac=height_frac))
        if w >= CANVAS_SIZE - 2:
            continue  # a wide digit is narrowed to fit and so is less high
        assert abs(h - height_frac * CANVAS_SIZE) <= 2
        assert abs(y + h / 2 - CANVAS_SIZE / 2) <= 2 and abs(x + w / 2 - CANVAS_SIZE / 2) <= 2


def test_stroke_width_is_the_brush_diameter():
    digit = PenDigit(1, (np.array([[0.0, 0.0], [0.0, 100.0]]),))
    for radius in (4, 10, 15):
        _, _, w, _ = ink_box(render_digit(digit, brush_radius=radius))
        assert abs(w - 2 * radius) <= 2


def test_random_placements_keep_the_whole_digit_on_the_canvas(digits):
    rng = np.random.default_rng(0)
    for digit in digits[:100]:
        placement = random_placement(rng)
        assert 0.4 <= placement["height_frac"] <= 0.9
        assert all(0 <= c <= 1 for c in placement["center"])
        x, y, w, h = ink_box(render_digit(digit, **placement))
        assert x >= 0 and y >= 0 and x + w <= CANVAS_SIZE and y + h <= CANVAS_SIZE
        if w < CANVAS_SIZE - 2:  # nothing cut off: the full height is there
            assert abs(h - placement["height_frac"] * CANVAS_SIZE) <= 2


def test_placement_near_the_edge_is_clipped_inside():
    digit = PenDigit(1, (np.array([[0.0, 0.0], [0.0, 100.0]]),))
    x, y, w, h = ink_box(render_digit(digit, height_frac=0.5, center=(1.0, 0.0)))
    assert x + w >= CANVAS_SIZE - 2 and y <= 1 and h >= 0.5 * CANVAS_SIZE - 3


def test_canvas_points_match_the_rendering_and_stay_in_bounds(digits):
    rng = np.random.default_rng(1)
    for digit in digits[:100]:
        placement = random_placement(rng)
        strokes = canvas_points(digit, **placement)
        assert len(strokes) == len(digit.strokes)
        points = np.array([p for s in strokes for p in s])
        assert all(2 <= len(s) <= MAX_BROWSER_POINTS or len(s) == len(o)
                   for s, o in zip(strokes, digit.strokes))
        assert points.min() >= 0 and points.max() <= CANVAS_SIZE
        # The points trace the rendered ink: every point lies on a black pixel.
        canvas = render_digit(digit, **placement)
        cols, rows = np.clip(np.round(points).astype(int), 0, CANVAS_SIZE - 1).T
        assert (canvas[rows, cols, 0] < 128).all()
        # All the points (not thinned out), plus the brush, span the ink.
        full = np.concatenate([np.array(s) for s in canvas_points(digit, **placement,
                                                                  max_points=10_000)])
        x, y, w, h = ink_box(canvas)
        assert abs(full[:, 1].min() - BRUSH_RADIUS - y) <= 1.5
        assert abs(full[:, 1].max() + BRUSH_RADIUS - (y + h)) <= 1.5


def test_canvas_points_keep_the_first_and_last_point():
    stroke = np.column_stack([np.linspace(0, 100, 50), np.sin(np.linspace(0, 6, 50)) * 30])
    (points,) = canvas_points(PenDigit(2, (stroke,)))
    assert len(points) <= MAX_BROWSER_POINTS
    (full,) = canvas_points(PenDigit(2, (stroke,)), max_points=1000)
    assert len(full) == 50 and points[0] == full[0] and points[-1] == full[-1]


def test_tuning_and_held_out_writers_split_the_digits(digits):
    assert not TUNING_WRITERS & HELD_OUT_WRITERS
    tuning, held_out = load_pendigits(writers=TUNING_WRITERS), load_pendigits(writers=HELD_OUT_WRITERS)
    assert len(tuning) + len(held_out) == len(digits)
    assert {d.writer for d in held_out} == set(HELD_OUT_WRITERS)
    assert all(len([d for d in held_out if d.label == k]) > 300 for k in range(10))


def test_rendered_drawn_digits_look_like_mnist(digits):
    x, y = render_drawn_digits(digits[:5], copies=2, seed=3)
    assert x.shape == (10, 28, 28) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    np.testing.assert_array_equal(y, [d.label for d in digits[:5]] * 2)
    assert not np.array_equal(x[0], x[5])  # each copy at its own size and place
    rows, cols = np.nonzero(x[0] > 0.1)
    assert 18 <= max(np.ptp(rows), np.ptp(cols)) + 1 <= 22  # the 20 px box, give or take a blurred edge
    again, _ = render_drawn_digits(digits[:5], copies=2, seed=3)
    np.testing.assert_array_equal(x, again)


def test_drawn_training_set_needs_at_least_one_copy():
    with pytest.raises(ValueError, match="at least 1"):
        drawn_training_set(0)


def test_drawn_training_set_is_cached_by_copies_and_preprocessing_version(digits, tmp_path, monkeypatch):
    few = [d for d in digits if d.writer in TUNING_WRITERS][:5]
    monkeypatch.setattr(drawn_images, "load_pendigits", lambda writers=None: few)
    x, y = drawn_training_set(2, tmp_path)
    assert x.shape == (10, 28, 28) and x.dtype == np.uint8 and list(y[:5]) == [d.label for d in few]
    assert [p.name for p in tmp_path.iterdir()] == [f"drawn_digits_x2_preprocessing{PREPROCESSING_VERSION}.npz"]
    again, _ = drawn_training_set(2, tmp_path)  # read back from the cache
    np.testing.assert_array_equal(x, again)
    # Renderings made by another preprocessing are not reused: they are rendered afresh under a new name.
    monkeypatch.setattr(drawn_images, "PREPROCESSING_VERSION", PREPROCESSING_VERSION + 1)
    drawn_training_set(2, tmp_path)
    assert len(list(tmp_path.iterdir())) == 2


def test_a_varied_digit_is_the_same_digit_drawn_by_another_hand(digits):
    digit = next(d for d in digits if len(d.strokes) >= 2)
    other = varied(digit, np.random.default_rng(0))
    assert (other.label, other.writer, other.index) == (digit.label, digit.writer, digit.index)
    assert len(other.strokes) == len(digit.strokes) and not other.strokes[0].flags.writeable
    again = varied(digit, np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(other.strokes, again.strokes))
    # Turned, slanted and wobbled, yet still close to the original once both are drawn as MNIST digits.
    plain, drawn = (preprocess(render_digit(d, height_frac=0.7)) for d in (digit, other))
    assert 0.03 < np.abs(plain - drawn).mean() < 0.2


def test_a_varied_drawn_set_keeps_the_first_copy_plain(digits, tmp_path, monkeypatch):
    few = [d for d in digits if d.writer in TUNING_WRITERS][:5]
    plain, _ = render_drawn_digits(few, copies=3, seed=4)
    other, y = render_drawn_digits(few, copies=3, seed=4, vary=True)
    np.testing.assert_array_equal(y, [d.label for d in few] * 3)
    np.testing.assert_array_equal(plain[:5], other[:5])
    assert not np.array_equal(plain[5:], other[5:])
    monkeypatch.setattr(drawn_images, "load_pendigits", lambda writers=None: few)
    drawn_training_set(2, tmp_path, vary=True)
    drawn_training_set(2, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"drawn_digits_x2_preprocessing{PREPROCESSING_VERSION}.npz",
        f"drawn_digits_x2_varied_preprocessing{PREPROCESSING_VERSION}.npz"]


def test_stroke_by_stroke_ends_in_the_whole_digit_and_only_adds_ink(digits):
    digit = next(d for d in digits if len(d.strokes) >= 3)
    frames = render_stroke_by_stroke(digit, height_frac=0.7)
    assert len(frames) == len(digit.strokes)
    np.testing.assert_array_equal(frames[-1], render_digit(digit, height_frac=0.7))
    ink = [(255 - f[..., 0]).astype(int) for f in frames]
    assert all((after >= before).all() and after.sum() > before.sum() for before, after in zip(ink, ink[1:]))
