"""Real pen-drawn digits (UCI pendigits) replayed as strokes on the app's canvas.

The data set holds raw pen trajectories; rendering them with the app's brush on the app's
canvas gives labelled drawings by real people, at whatever size and position we choose.
`mnistdemo.drawn_images` puts them through the app's preprocessing, `mnistdemo.replay` turns
them into mouse moves for browser tests, `mnistdemo.drawn_numbers` writes several side by side.
"""

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from mnistdemo.config import PENDIGITS_PATH

# The app's Sketchpad is CANVAS_SIZE x CANVAS_SIZE; Gradio's brush size is a radius.
# Stroke width at 28 x 28 (`preprocess.stroke_width`, p10/median/p90): MNIST training digits
# 1.68/2.34/3.25 px; pendigits drawn with radius 10 at random placements (height 40-90% of
# the canvas) and preprocessed without evening: 1.68/2.23/3.20 px. Radius 11: 1.84/2.43/3.52.
CANVAS_SIZE = 280
BRUSH_RADIUS = 10

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


def sample_in_order(items: list, limit: int, seed: int = 0) -> list:
    """`limit` of `items` picked at random by `seed` (all of them when `limit` is 0 or as many), in their order."""
    if not limit or limit >= len(items):
        return items
    pick = np.random.default_rng(seed).choice(len(items), limit, replace=False)
    return [items[i] for i in np.sort(pick)]


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


def canvas_strokes(digit: PenDigit, canvas_size: int, brush_radius: int,
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
    strokes = canvas_strokes(digit, canvas_size, brush_radius, height_frac, center)
    return render_strokes(strokes, (canvas_size, canvas_size), brush_radius)


def render_stroke_by_stroke(
    digit: PenDigit, canvas_size: int = CANVAS_SIZE, brush_radius: int = BRUSH_RADIUS,
    height_frac: float = 0.65, center: tuple[float, float] = (0.5, 0.5),
) -> list[np.ndarray]:
    """The canvas after each pen stroke, as a person draws it: K (canvas_size, canvas_size, 3) uint8 RGB."""
    strokes = canvas_strokes(digit, canvas_size, brush_radius, height_frac, center)
    return [render_strokes(strokes[:k], (canvas_size, canvas_size), brush_radius) for k in range(1, len(strokes) + 1)]


def densify(points: np.ndarray, step: float) -> np.ndarray:
    """(K, 2) polyline -> points at most `step` apart along it (for per-point noise to act on)."""
    out = [points[:1]]
    for a, b in zip(points[:-1], points[1:]):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
        out.append(a + (b - a) * np.linspace(0, 1, n + 1)[1:, None])
    return np.concatenate(out)


def wobble(points: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Smooth hand tremor: noise low-passed along the stroke, so lines bend rather than fray."""
    noise = rng.normal(0.0, sigma, points.shape)
    kernel = np.ones(5) / 5
    if len(points) < len(kernel):  # a dot or a dash: too short to bend
        return points + noise
    smooth = np.column_stack([np.convolve(noise[:, i], kernel, mode="same") for i in range(2)])
    return points + smooth * np.sqrt(5)


def rotation(angle: float) -> np.ndarray:
    """(2, 2) matrix turning (x, y) points anticlockwise by `angle` radians (apply as `points @ rotation(a).T`)."""
    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])


def jittered(strokes, rng: np.random.Generator) -> list[np.ndarray]:
    """Strokes about one unit high, turned, slanted, stretched and wobbled as another hand would draw them."""
    angle = np.radians(rng.uniform(-15, 15))
    shear = rng.uniform(-0.3, 0.3)
    sx, sy = np.exp(rng.uniform(-0.25, 0.25, 2))
    rotate = rotation(angle)
    affine = rotate @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([sx, sy])
    out = []
    for stroke in strokes:
        points = densify(np.asarray(stroke, np.float64), 0.04) @ affine.T
        out.append(wobble(points, rng, 0.012))
    return out


def varied(digit: PenDigit, rng: np.random.Generator) -> PenDigit:
    """The digit as another hand might draw it: `jittered` at one unit high (labels, writer and index kept)."""
    points = np.concatenate(digit.strokes)
    low = points.min(axis=0)
    height = max(float(np.ptp(points[:, 1])), float(np.ptp(points[:, 0])) / 2, 1e-6)
    strokes = jittered([(s - low) / height for s in digit.strokes], rng)
    return PenDigit(digit.label, tuple(_frozen_points(s) for s in strokes), digit.writer, digit.index)


def random_placement(rng: np.random.Generator) -> dict:
    """Random {"height_frac": [0.4, 0.9], "center": (x, y)} fractions that keep it on the canvas.

    The centre is drawn so that a digit as wide as it is high fits; wider digits are
    nudged inwards by `render_digit`, so any placement stays on the canvas.
    """
    height_frac = float(rng.uniform(0.4, 0.9))
    half = height_frac / 2
    center = (float(rng.uniform(half, 1 - half)), float(rng.uniform(half, 1 - half)))
    return {"height_frac": height_frac, "center": center}
