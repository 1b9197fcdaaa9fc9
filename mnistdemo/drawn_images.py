"""Pen-drawn digits as the app's model sees them: rendered on the canvas at random placements and
preprocessed, for measuring models and, by the tuning writers, as extra training images (cached)."""

from pathlib import Path

import numpy as np

from mnistdemo.preprocess import PREPROCESSING_VERSION, preprocess
from mnistdemo.strokes import (BRUSH_RADIUS, TUNING_WRITERS, PenDigit, load_pendigits, random_placement, render_digit,
                               varied)


def render_drawn_digits(digits: list[PenDigit], copies: int = 1, seed: int = 0, vary: bool = False,
                        brush_radius: int | tuple[int, int] = BRUSH_RADIUS) -> tuple[np.ndarray, np.ndarray]:
    """Each digit drawn `copies` times at random placements, as the app's model sees it.

    `vary`: every copy after the first is `strokes.varied` (turned, slanted, stretched, wobbled) first.
    `brush_radius`: the brush's radius in canvas pixels (the app's by default), or (lowest, highest) to draw each
    digit with a radius picked at random between them.

    -> (N * copies, 28, 28) float32 in [0, 1] through the app's own preprocessing, (N * copies,) uint8 labels.
    """
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for copy in range(copies):
        for digit in digits:
            drawn = varied(digit, rng) if vary and copy else digit
            radius = brush_radius if isinstance(brush_radius, int) else int(rng.integers(*brush_radius, endpoint=True))
            images.append(preprocess(render_digit(drawn, brush_radius=radius, **random_placement(rng))))
            labels.append(digit.label)
    return np.stack(images).astype(np.float32), np.array(labels, dtype=np.uint8)


def drawn_training_set(copies: int, cache_dir: Path | None = None, vary: bool = False,
                       writers: frozenset[int] = TUNING_WRITERS) -> tuple[np.ndarray, np.ndarray]:
    """The tuning writers' digits (or other `writers`'), `copies` renderings each (`vary`: see
    `render_drawn_digits`), as MNIST-style (N, 28, 28) uint8 + labels.

    Rendering takes a few ms a digit, so the tuning writers' are cached as .npz in `cache_dir`, keyed by the
    copies and the preprocessing version (a changed preprocessing renders afresh).
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    name = f"drawn_digits_x{copies}{'_varied' if vary else ''}_preprocessing{PREPROCESSING_VERSION}.npz"
    path = cache_dir / name if cache_dir is not None and writers == TUNING_WRITERS else None
    if path is not None and path.exists():
        with np.load(path) as npz:
            return npz["x"], npz["y"]
    x, y = render_drawn_digits(load_pendigits(writers=writers), copies, seed=copies, vary=vary)
    x = np.round(x * 255).astype(np.uint8)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, x=x, y=y)
    return x, y
