"""Real pen-drawn digits (UCI pendigits) replayed as strokes on the app's canvas.

The data set holds raw pen trajectories; rendering them with the app's brush on the app's
canvas gives labelled drawings by real people, at whatever size and position we choose.
"""

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from mnistdemo.config import PENDIGITS_PATH
from mnistdemo.preprocess import PREPROCESSING_VERSION, preprocess

# The app's Sketchpad is CANVAS_SIZE x CANVAS_SIZE; Gradio's brush size is a radius.
# Stroke width at 28 x 28 (`preprocess.stroke_width`, p10/median/p90): MNIST training digits
# 1.68/2.34/3.25 px; pendigits drawn with radius 10 at random placements (height 40-90% of
# the canvas) and preprocessed without evening: 1.68/2.23/3.20 px. Radius 11: 1.84/2.43/3.52.
CANVAS_SIZE = 280
BRUSH_RADIUS = 10

# Each browser mouse move costs ~0.25 s, so replayed strokes are kept short.
MAX_BROWSER_POINTS = 15

# Writer-disjoint halves: models may train on drawings by the odd-numbered writers; every
# figure about reading drawings is measured on the even-numbered ones, whom no model saw.
TUNING_WRITERS = frozenset(range(1, 31, 2))
HELD_OUT_WRITERS = frozenset(range(2, 31, 2))


@dataclass(frozen=True, eq=False)
class PenDigit:
    """One digit: its label, its strokes as (K, 2) float64 tablet (x, y) with y upwards.

    `writer` (1-30) and `index` (1-250, the digit's number for that writer) come from the
    `.COMMENT label writer index` lines: the data's README does not say so, but the first
    field always equals the label, 30 writers have ~250 digits each and (writer, index)
    is unique, so writer-disjoint splits are possible.
    """

    label: int
    strokes: tuple[np.ndarray, ...] = field(repr=False)
    writer: int | None = None
    index: int | None = None


def _frozen_points(points: list[tuple[float, float]]) -> np.ndarray:
    """List of (x, y) -> read-only (K, 2) float64, so a frozen PenDigit stays unchanged."""
    array = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    array.flags.writeable = False
    return array


def load_pendigits(path: str | Path | None = None, writers: frozenset[int] | None = None) -> list[PenDigit]:
    """Parse the UNIPEN text file (default: the repo's data/pendigits) -> list of PenDigit.

    `writers` keeps only those writers' digits (None keeps all).
    """
    path = Path(path) if path is not None else PENDIGITS_PATH
    digits: list[PenDigit] = []
    label: int | None = None
    writer = index = None
    strokes: list[np.ndarray] = []
    points: list[tuple[float, float]] | None = None

    def finish_digit() -> None:
        if label is not None:
            digits.append(PenDigit(label, tuple(strokes), writer, index))

    with path.open(encoding="ascii") as lines:
        for number, line in enumerate(lines, start=1):
            fields = line.split()
            if not fields:
                continue
            keyword = fields[0]
            if keyword == ".SEGMENT":
                finish_digit()
                # `.SEGMENT DIGIT 0 ? "8"`: the label is the quoted last field.
                label, writer, index, strokes = int(fields[-1].strip('"')), None, None, []
            elif keyword == ".COMMENT" and label is not None and len(fields) == 4:
                writer, index = int(fields[2]), int(fields[3])
            elif keyword == ".PEN_DOWN":
                points = []
            elif keyword == ".PEN_UP":
                if points:
                    strokes.append(_frozen_points(points))
                points = None
            elif points is not None and not keyword.startswith("."):
                if len(fields) != 2:
                    raise ValueError(f"{path.name} line {number}: expected 'x y', got {line!r}")
                points.append((float(fields[0]), float(fields[1])))
    finish_digit()
    return digits if writers is None else [d for d in digits if d.writer in writers]


def _transform(
    digit: PenDigit, canvas_size: int, brush_radius: int, height_frac: float,
    center: tuple[float, float],
) -> tuple[float, float, float]:
    """Scale and offsets (scale, x0, y0) mapping tablet (x, y) to canvas pixels, y flipped.

    The visible ink (path plus brush radius on each side) is `height_frac` of the canvas
    high, narrowed if it would be wider than the canvas, and its box centre sits at
    `center` (fractions of the canvas), moved as little as needed to stay on the canvas.
    """
    if not 0.0 < height_frac <= 1.0:
        raise ValueError(f"height_frac must be in (0, 1], got {height_frac}")
    points = np.concatenate(digit.strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    width, height = np.maximum(high - low, 1e-6)
    room = canvas_size - 2 * brush_radius  # the path's room once the brush's edge is added
    path_height = max(height_frac * canvas_size - 2 * brush_radius, 1.0)
    scale = min(path_height / height, room / width)
    half_w = scale * width / 2 + brush_radius
    half_h = scale * height / 2 + brush_radius
    cx = float(np.clip(center[0] * canvas_size, half_w, canvas_size - half_w))
    cy = float(np.clip(center[1] * canvas_size, half_h, canvas_size - half_h))
    mid_x, mid_y = (low + high) / 2
    return scale, cx - scale * mid_x, cy + scale * mid_y


def _canvas_strokes(digit: PenDigit, canvas_size: int, brush_radius: int,
                    height_frac: float, center: tuple[float, float]) -> list[np.ndarray]:
    """Strokes as (K, 2) float64 canvas pixel (x, y), top-left origin."""
    scale, x0, y0 = _transform(digit, canvas_size, brush_radius, height_frac, center)
    return [np.column_stack([x0 + scale * s[:, 0], y0 - scale * s[:, 1]]) for s in digit.strokes]


def render_strokes(strokes: list[np.ndarray], size: tuple[int, int],
                   brush_radius: int = BRUSH_RADIUS) -> np.ndarray:
    """Strokes of canvas pixel (x, y) -> (height, width, 3) uint8 RGB: black round strokes on white."""
    width, height = size
    # Draw hard-edged ink at 4x and average it down: each pixel then holds the share of it
    # the strokes cover, as in a browser, where overlapping anti-aliased segments would
    # pile up their faint edges and grow the ink.
    scale, unit, shift = 4, 16, 4  # cv2's `shift` draws at 1/16 px
    ink = np.zeros((height * scale, width * scale), np.uint8)
    radius = brush_radius * scale
    for stroke in strokes:
        # Pixel centres sit at integer coordinates: move them to the centre of the 4x block.
        fixed = np.round(((np.asarray(stroke) + 0.5) * scale - 0.5) * unit).astype(np.int32)
        for (xa, ya), (xb, yb) in zip(fixed[:-1], fixed[1:]):
            cv2.line(ink, (xa, ya), (xb, yb), 255, 2 * radius, cv2.LINE_8, shift)
        for x, y in fixed:  # discs make joints and one-point strokes (dots) round
            cv2.circle(ink, (x, y), radius * unit, 255, -1, cv2.LINE_8, shift)
    ink = cv2.resize(ink, (width, height), interpolation=cv2.INTER_AREA)
    return np.repeat((255 - ink)[:, :, None], 3, axis=2)


def render_digit(
    digit: PenDigit, canvas_size: int = CANVAS_SIZE, brush_radius: int = BRUSH_RADIUS,
    height_frac: float = 0.65, center: tuple[float, float] = (0.5, 0.5),
) -> np.ndarray:
    """PenDigit -> (canvas_size, canvas_size, 3) uint8 RGB: black round strokes on white."""
    strokes = _canvas_strokes(digit, canvas_size, brush_radius, height_frac, center)
    return render_strokes(strokes, (canvas_size, canvas_size), brush_radius)


def render_stroke_by_stroke(
    digit: PenDigit, canvas_size: int = CANVAS_SIZE, brush_radius: int = BRUSH_RADIUS,
    height_frac: float = 0.65, center: tuple[float, float] = (0.5, 0.5),
) -> list[np.ndarray]:
    """The canvas after each pen stroke, as a person draws it: K (canvas_size, canvas_size, 3) uint8 RGB."""
    strokes = _canvas_strokes(digit, canvas_size, brush_radius, height_frac, center)
    return [render_strokes(strokes[:k], (canvas_size, canvas_size), brush_radius) for k in range(1, len(strokes) + 1)]


def random_placement(rng: np.random.Generator) -> dict:
    """Random {"height_frac": [0.4, 0.9], "center": (x, y)} fractions that keep it on the canvas.

    The centre is drawn so that a digit as wide as it is high fits; wider digits are
    nudged inwards by `render_digit`, so any placement stays on the canvas.
    """
    height_frac = float(rng.uniform(0.4, 0.9))
    half = height_frac / 2
    center = (float(rng.uniform(half, 1 - half)), float(rng.uniform(half, 1 - half)))
    return {"height_frac": height_frac, "center": center}


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
    return mouse_points(_canvas_strokes(digit, canvas_size, brush_radius, height_frac, center), max_points)


def mouse_points(strokes: list[np.ndarray], max_points: int = MAX_BROWSER_POINTS
                 ) -> list[list[tuple[float, float]]]:
    """Strokes of canvas pixel (x, y) -> at most `max_points` rounded points each, for a mouse."""
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points}")
    return [
        [(round(float(x), 1), round(float(y), 1)) for x, y in _subsample(np.asarray(s), max_points)]
        for s in strokes
    ]


def render_drawn_digits(digits: list[PenDigit], copies: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each digit drawn `copies` times at random placements, as the app's model sees it.

    -> (N * copies, 28, 28) float32 in [0, 1] through the app's own preprocessing, (N * copies,) uint8 labels.
    """
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for _ in range(copies):
        for digit in digits:
            images.append(preprocess(render_digit(digit, **random_placement(rng))))
            labels.append(digit.label)
    return np.stack(images).astype(np.float32), np.array(labels, dtype=np.uint8)


def drawn_training_set(copies: int, cache_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The tuning writers' digits, `copies` renderings each, as MNIST-style (N, 28, 28) uint8 + labels.

    Rendering takes a few ms a digit, so the result is cached as .npz in `cache_dir`, keyed by the copies
    and the preprocessing version (a changed preprocessing renders afresh).
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    name = f"drawn_digits_x{copies}_preprocessing{PREPROCESSING_VERSION}.npz"
    path = cache_dir / name if cache_dir is not None else None
    if path is not None and path.exists():
        with np.load(path) as npz:
            return npz["x"], npz["y"]
    x, y = render_drawn_digits(load_pendigits(writers=TUNING_WRITERS), copies, seed=copies)
    x = np.round(x * 255).astype(np.uint8)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, x=x, y=y)
    return x, y


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
