"""Whole numbers written with pen-drawn digits: several digits of one writer side by side on a wide canvas."""

from dataclasses import dataclass, field

import numpy as np

from mnistdemo.strokes import BRUSH_RADIUS, PenDigit, render_strokes

# A number is drawn on a canvas three digits wide; its digits come from one writer.
NUMBER_CANVAS_SIZE = (840, 280)  # (width, height) px
NUMBER_MARGIN = 8  # px kept clear at the canvas edges


@dataclass(frozen=True, eq=False)
class DrawnNumber:
    """Several pen digits placed side by side: the text, each digit's canvas strokes, the gaps.

    `gaps[i]` is the horizontal distance in px between the ink boxes of digits i and i + 1
    (negative: the boxes overlap, and the ink may touch).
    """

    text: str
    strokes: tuple[tuple[np.ndarray, ...], ...] = field(repr=False)
    gaps: tuple[float, ...]
    size: tuple[int, int] = NUMBER_CANVAS_SIZE
    writer: int | None = None  # the one writer of every digit, if there is one

    def render(self, brush_radius: int = BRUSH_RADIUS) -> np.ndarray:
        """-> (height, width, 3) uint8 RGB: the whole number, black on white."""
        return render_strokes([s for digit in self.strokes for s in digit], self.size, brush_radius)


def compose_number(
    digits: list[PenDigit], rng: np.random.Generator, size: tuple[int, int] = NUMBER_CANVAS_SIZE,
    gap_range: tuple[float, float] = (-10.0, 50.0), height_range: tuple[float, float] = (0.35, 0.8),
    brush_radius: int = BRUSH_RADIUS,
) -> DrawnNumber:
    """Pen digits -> a DrawnNumber written left to right on a `size` canvas, as a person might.

    The number's ink height is `height_range` of the canvas height; each digit varies it by
    +-15% and sits on a shared baseline +-4% of it; the gaps between ink boxes are drawn from
    `gap_range` px. A number too wide for the canvas is written smaller (the brush stays).
    """
    if not digits:
        raise ValueError("compose_number needs at least one digit")
    width, height = size
    radius = brush_radius
    lows = [np.concatenate(d.strokes).min(axis=0) for d in digits]
    extents = [np.maximum(np.concatenate(d.strokes).max(axis=0) - low, 1e-6) for d, low in zip(digits, lows)]
    number_height = rng.uniform(*height_range) * height
    ink_heights = np.clip(number_height * rng.uniform(0.85, 1.15, len(digits)),
                          2 * radius + 1, height - 2 * NUMBER_MARGIN)
    scales = np.array([(h - 2 * radius) / e[1] for h, e in zip(ink_heights, extents)])
    # Flat strokes (a "1" drawn as a dash) would blow up; cap a digit's width at the canvas height.
    scales = np.minimum(scales, [(height - 2 * radius) / e[0] for e in extents])
    gaps = rng.uniform(*gap_range, len(digits) - 1)
    path_widths = scales * np.array([e[0] for e in extents])
    room = width - 2 * NUMBER_MARGIN - 2 * radius * len(digits)
    shrink = min(1.0, room / max(path_widths.sum() + gaps.sum(), 1e-6))
    scales, gaps, path_widths = scales * shrink, gaps * shrink, path_widths * shrink
    ink_widths = path_widths + 2 * radius
    ink_heights = scales * np.array([e[1] for e in extents]) + 2 * radius
    total = ink_widths.sum() + gaps.sum()
    left = NUMBER_MARGIN + rng.uniform(0, max(width - 2 * NUMBER_MARGIN - total, 0))
    baseline = rng.uniform(NUMBER_MARGIN + ink_heights.max(), height - NUMBER_MARGIN)
    placed = []
    for digit, low, scale, ink_w, ink_h, gap in zip(digits, lows, scales, ink_widths, ink_heights, [*gaps, 0.0]):
        bottom = float(np.clip(baseline + rng.normal(0, 0.04 * number_height),
                               ink_h + NUMBER_MARGIN / 2, height - NUMBER_MARGIN / 2))
        placed.append(tuple(
            np.column_stack([left + radius + scale * (s[:, 0] - low[0]),
                             bottom - radius - scale * (s[:, 1] - low[1])])  # tablet y grows upwards
            for s in digit.strokes))
        left += ink_w + gap
    writers = {d.writer for d in digits}
    return DrawnNumber("".join(str(d.label) for d in digits), tuple(placed),
                       tuple(float(g) for g in gaps), size, writers.pop() if len(writers) == 1 else None)


def random_number(digits: list[PenDigit], rng: np.random.Generator, length: int, **compose) -> DrawnNumber:
    """A `length`-digit number of random figures, all drawn by one writer picked from `digits`.

    `compose` goes to `compose_number` (size, gap_range, height_range, brush_radius).
    """
    writers = sorted({d.writer for d in digits})
    if not writers or length < 1:
        raise ValueError("random_number needs digits and a length of at least 1")
    writer = writers[rng.integers(len(writers))]
    by_label: dict[int, list[PenDigit]] = {}
    for d in digits:
        if d.writer == writer:
            by_label.setdefault(d.label, []).append(d)
    labels = sorted(by_label)
    chosen = []
    for _ in range(length):
        pool = by_label[labels[rng.integers(len(labels))]]
        chosen.append(pool[rng.integers(len(pool))])
    return compose_number(chosen, rng, **compose)
