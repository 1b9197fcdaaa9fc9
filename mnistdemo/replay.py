"""Pen-drawn strokes as a browser test's mouse moves: the placement `strokes.render_digit` uses, in few points."""

import cv2
import numpy as np

from mnistdemo.strokes import BRUSH_RADIUS, CANVAS_SIZE, PenDigit, canvas_strokes

# Each browser mouse move costs ~0.25 s, so replayed strokes are kept short.
MAX_BROWSER_POINTS = 15


def _subsample(stroke: np.ndarray, max_points: int) -> np.ndarray:
    """(K, 2) -> (<= max_points, 2) keeping the shape (Douglas-Peucker) and both ends."""
    if len(stroke) <= max_points:
        return stroke
    curve = stroke.astype(np.float32).reshape(-1, 1, 2)
    epsilon = 0.5
    while True:
        kept = cv2.approxPolyDP(curve, epsilon, closed=False).reshape(-1, 2)
        if len(kept) <= max_points:
            return kept.astype(np.float64)
        epsilon *= 1.5


def canvas_points(
    digit: PenDigit, canvas_size: int = CANVAS_SIZE, brush_radius: int = BRUSH_RADIUS,
    height_frac: float = 0.65, center: tuple[float, float] = (0.5, 0.5),
    max_points: int = MAX_BROWSER_POINTS,
) -> list[list[tuple[float, float]]]:
    """The placement `render_digit` uses, as strokes of canvas pixel (x, y) for a mouse."""
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points}")
    return mouse_points(canvas_strokes(digit, canvas_size, brush_radius, height_frac, center), max_points)


def mouse_points(strokes: list[np.ndarray], max_points: int = MAX_BROWSER_POINTS
                 ) -> list[list[tuple[float, float]]]:
    """Strokes of canvas pixel (x, y) -> at most `max_points` rounded points each, for a mouse."""
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points}")
    return [
        [(round(float(x), 1), round(float(y), 1)) for x, y in _subsample(np.asarray(s), max_points)]
        for s in strokes
    ]
