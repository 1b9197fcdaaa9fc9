"""The drawings the "not a digit" signal is calibrated and measured on, made as the app's canvas makes them.

Everything is split into a validation part (to choose a score and its thresholds) and a test
part (to report figures) that share nothing. Digits are real pen-drawn digits by the held-out
writers, whom no shipped model trained on: validation takes writers 2, 6, ..., 30 and test
writers 4, 8, ..., 28. (The tuning writers are no use here: every shipped MNIST model trained
on their drawings, so its scores on them are lower than on anyone else's.) Non-digits come in
three kinds:

- Fashion-MNIST images: validation from its training set, test from its test set.
- Scribbles: random walks, Bezier curves and zig-zags; validation and test use disjoint seeds.
- Letters that look like no digit, written from small stroke templates and jittered per
  sample; validation and test use different letters (every other one of `LETTERS`).

Scribbles and letters are strokes, rendered with the app's brush on the app's canvas by
`strokes.render_digit` and put through the app's own `preprocess`, as pen-drawn digits are.
"""

from dataclasses import dataclass

import numpy as np

from mnistdemo.drawn_images import render_drawn_digits
from mnistdemo.preprocess import preprocess
from mnistdemo.strokes import BRUSH_RADIUS, HELD_OUT_WRITERS, PenDigit, load_pendigits, random_placement, render_digit

SPLITS = ("validation", "test")
KINDS = ("fashion", "scribbles", "letters")
NOT_A_DIGIT = -1  # the label a non-digit drawing carries

SPLIT_WRITERS = {"validation": frozenset(w for w in HELD_OUT_WRITERS if w % 4 == 2),
                 "test": frozenset(w for w in HELD_OUT_WRITERS if w % 4 == 0)}

# Scribble seeds: validation draws from one stream, test from another.
_SPLIT_SEED = {"validation": 1_000_003, "test": 2_000_029}


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 12) -> list:
    """Points of an elliptic arc, angles in degrees counter-clockwise from +x (y up)."""
    t = np.radians(np.linspace(start, end, n))
    return list(zip(cx + rx * np.cos(t), cy + ry * np.sin(t)))


# Letters as strokes in a unit box, x to the right and y upwards (the tablet's convention).
# Left out: letters a reader could take for a digit (O o I l S s Z z B b G g q, also D J L U).
LETTER_TEMPLATES: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)], [(0.22, 0.42), (0.78, 0.42)]],
    "C": [_arc(0.55, 0.5, 0.5, 0.5, 50, 310, 16)],
    "E": [[(0.9, 1.0), (0.1, 1.0), (0.1, 0.0), (0.9, 0.0)], [(0.1, 0.5), (0.7, 0.5)]],
    "F": [[(0.9, 1.0), (0.1, 1.0), (0.1, 0.0)], [(0.1, 0.5), (0.7, 0.5)]],
    "H": [[(0.1, 1.0), (0.1, 0.0)], [(0.9, 1.0), (0.9, 0.0)], [(0.1, 0.5), (0.9, 0.5)]],
    "K": [[(0.1, 1.0), (0.1, 0.0)], [(0.9, 1.0), (0.1, 0.45), (0.9, 0.0)]],
    "M": [[(0.0, 0.0), (0.1, 1.0), (0.5, 0.35), (0.9, 1.0), (1.0, 0.0)]],
    "N": [[(0.1, 0.0), (0.1, 1.0), (0.9, 0.0), (0.9, 1.0)]],
    "P": [[(0.15, 0.0), (0.15, 1.0)] + _arc(0.45, 0.75, 0.4, 0.25, 90, -90, 10)[1:] + [(0.15, 0.5)]],
    "R": [[(0.15, 0.0), (0.15, 1.0)] + _arc(0.45, 0.75, 0.4, 0.25, 90, -90, 10)[1:] + [(0.15, 0.5), (0.9, 0.0)]],
    "T": [[(0.0, 1.0), (1.0, 1.0)], [(0.5, 1.0), (0.5, 0.0)]],
    "V": [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)]],
    "W": [[(0.0, 1.0), (0.25, 0.0), (0.5, 0.7), (0.75, 0.0), (1.0, 1.0)]],
    "X": [[(0.0, 1.0), (1.0, 0.0)], [(1.0, 1.0), (0.0, 0.0)]],
    "Y": [[(0.0, 1.0), (0.5, 0.5), (1.0, 1.0)], [(0.5, 0.5), (0.5, 0.0)]],
    "a": [_arc(0.45, 0.3, 0.4, 0.3, 30, 360, 14) + [(0.85, 0.6), (0.85, 0.0)]],
    "e": [[(0.08, 0.3), (0.92, 0.3)] + _arc(0.5, 0.3, 0.42, 0.3, 0, 290, 14)],
    "h": [[(0.15, 1.0), (0.15, 0.0)], [(0.15, 0.3)] + _arc(0.5, 0.35, 0.35, 0.25, 160, 0, 8) + [(0.85, 0.0)]],
    "k": [[(0.15, 1.0), (0.15, 0.0)], [(0.8, 0.6), (0.15, 0.25), (0.85, 0.0)]],
    "m": [[(0.05, 0.6), (0.05, 0.0)], [(0.05, 0.4)] + _arc(0.27, 0.4, 0.22, 0.2, 160, 0, 6) + [(0.49, 0.0)],
          [(0.49, 0.4)] + _arc(0.71, 0.4, 0.22, 0.2, 160, 0, 6) + [(0.93, 0.0)]],
    "n": [[(0.1, 0.6), (0.1, 0.0)], [(0.1, 0.35)] + _arc(0.5, 0.35, 0.4, 0.25, 160, 0, 8) + [(0.9, 0.0)]],
    "r": [[(0.2, 0.6), (0.2, 0.0)], [(0.2, 0.35)] + _arc(0.55, 0.3, 0.35, 0.3, 160, 45, 6)],
    "w": [[(0.0, 0.6), (0.25, 0.0), (0.5, 0.45), (0.75, 0.0), (1.0, 0.6)]],
    "x": [[(0.0, 0.6), (0.8, 0.0)], [(0.8, 0.6), (0.0, 0.0)]],
    "y": [[(0.0, 0.6), (0.45, 0.1)], [(0.9, 0.6), (0.45, 0.1), (0.15, -0.4)]],
}
LETTERS = tuple(LETTER_TEMPLATES)
SPLIT_LETTERS = {"validation": LETTERS[0::2], "test": LETTERS[1::2]}


@dataclass(frozen=True)
class NonDigits:
    """Preprocessed non-digit drawings of one kind: (N, 28, 28) float32 in [0, 1]."""

    kind: str
    split: str
    images: np.ndarray


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: choose one of {', '.join(SPLITS)}.")


def _densify(points: np.ndarray, step: float) -> np.ndarray:
    """(K, 2) polyline -> points at most `step` apart along it (for per-point noise to act on)."""
    out = [points[:1]]
    for a, b in zip(points[:-1], points[1:]):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
        out.append(a + (b - a) * np.linspace(0, 1, n + 1)[1:, None])
    return np.concatenate(out)


def _wobble(points: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Smooth hand tremor: noise low-passed along the stroke, so lines bend rather than fray."""
    noise = rng.normal(0.0, sigma, points.shape)
    kernel = np.ones(5) / 5
    smooth = np.column_stack([np.convolve(noise[:, i], kernel, mode="same") for i in range(2)])
    return points + smooth * np.sqrt(5)


def letter_strokes(letter: str, rng: np.random.Generator) -> list[np.ndarray]:
    """One jittered rendition of `letter`: strokes as (K, 2) float64 (x, y), y upwards."""
    if letter not in LETTER_TEMPLATES:
        raise ValueError(f"No template for {letter!r}; letters: {''.join(LETTERS)}.")
    angle = np.radians(rng.uniform(-15, 15))
    shear = rng.uniform(-0.3, 0.3)
    sx, sy = np.exp(rng.uniform(-0.25, 0.25, 2))
    rotate = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    affine = rotate @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([sx, sy])
    strokes = []
    for stroke in LETTER_TEMPLATES[letter]:
        points = _densify(np.asarray(stroke, np.float64), 0.04) @ affine.T
        strokes.append(_wobble(points, rng, 0.012))
    return strokes


def _bezier(control: np.ndarray, n: int) -> np.ndarray:
    """(4, 2) cubic Bezier control points -> (n, 2) points on the curve."""
    t = np.linspace(0, 1, n)[:, None]
    return ((1 - t) ** 3 * control[0] + 3 * (1 - t) ** 2 * t * control[1]
            + 3 * (1 - t) * t ** 2 * control[2] + t ** 3 * control[3])


def scribble_strokes(rng: np.random.Generator) -> list[np.ndarray]:
    """One random scribble (a walk, Bezier curves or a zig-zag; 1-3 strokes) as (K, 2) float64 (x, y)."""
    strokes = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        style = rng.choice(["walk", "bezier", "zigzag"])
        if style == "walk":  # a pen wandering with momentum
            steps = int(rng.integers(15, 60))
            turn = np.cumsum(rng.normal(0, rng.uniform(0.2, 0.8), steps))
            heading = rng.uniform(0, 2 * np.pi) + turn
            points = np.cumsum(np.column_stack([np.cos(heading), np.sin(heading)]) * 0.05, axis=0)
        elif style == "bezier":  # one to three joined curves through random points
            points, start = [], rng.uniform(0, 1, 2)
            for _ in range(int(rng.integers(1, 4))):
                control = np.vstack([start, rng.uniform(0, 1, (3, 2))])
                points.append(_bezier(control, 20))
                start = control[-1]
            points = np.concatenate(points)
        else:  # back and forth, in any direction
            corners = int(rng.integers(5, 11))  # four corners would make a Z, which reads as a 2
            along = np.linspace(0, 1, corners)
            across = np.where(np.arange(corners) % 2, 1.0, -1.0) * rng.uniform(0.1, 0.4)
            along = along + rng.normal(0, 0.03, corners)
            across = across + rng.normal(0, 0.05, corners)
            angle = rng.uniform(0, np.pi)
            rotate = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
            points = _densify(np.column_stack([along, across]), 0.04) @ rotate.T
        strokes.append(_wobble(_densify(points, 0.04), rng, 0.005))
    return strokes


def as_drawing(strokes: list[np.ndarray]) -> PenDigit:
    """Strokes -> a PenDigit labelled NOT_A_DIGIT, which `render_digit` and `canvas_points` take."""
    return PenDigit(NOT_A_DIGIT, tuple(np.asarray(s, np.float64).reshape(-1, 2) for s in strokes))


def scribbles(split: str, n: int, seed: int = 0) -> list[PenDigit]:
    """`n` random scribbles of `split` (disjoint seed streams per split)."""
    _check_split(split)
    rng = np.random.default_rng([_SPLIT_SEED[split], seed])
    return [as_drawing(scribble_strokes(rng)) for _ in range(n)]


def letters(split: str, n: int, seed: int = 0) -> list[PenDigit]:
    """`n` jittered letters of `split`'s letters (validation and test letters differ), cycling through them."""
    _check_split(split)
    rng = np.random.default_rng([_SPLIT_SEED[split], seed, 1])
    chosen = SPLIT_LETTERS[split]
    return [as_drawing(letter_strokes(chosen[i % len(chosen)], rng)) for i in range(n)]


def render_drawings(drawings: list[PenDigit], seed: int = 0) -> np.ndarray:
    """Drawings at random placements and brush sizes, preprocessed -> (N, 28, 28) float32 in [0, 1]."""
    rng = np.random.default_rng(seed)
    images = []
    for drawing in drawings:
        radius = int(rng.integers(BRUSH_RADIUS - 2, BRUSH_RADIUS + 3))
        images.append(preprocess(render_digit(drawing, brush_radius=radius, **random_placement(rng))))
    return np.stack(images).astype(np.float32) if images else np.zeros((0, 28, 28), np.float32)


def fashion_images(split: str, n: int, seed: int = 0) -> np.ndarray:
    """`n` Fashion-MNIST images (validation: training set; test: test set) as an upload would be
    preprocessed for the MNIST models -> (n, 28, 28) float32 in [0, 1]."""
    from mnistdemo.data import load_dataset

    _check_split(split)
    data = load_dataset("fashion_mnist")
    pool = data.x_train if split == "validation" else data.x_test
    pick = np.sort(np.random.default_rng(seed).choice(len(pool), n, replace=False))
    return np.stack([preprocess(pool[i]) for i in pick]).astype(np.float32) if n else np.zeros((0, 28, 28), np.float32)


def non_digits(kind: str, split: str, n: int, seed: int = 0) -> NonDigits:
    """`n` preprocessed non-digit images of one kind ("fashion", "scribbles", "letters") and split."""
    if kind == "fashion":
        return NonDigits(kind, split, fashion_images(split, n, seed))
    if kind == "scribbles":
        return NonDigits(kind, split, render_drawings(scribbles(split, n, seed), seed))
    if kind == "letters":
        return NonDigits(kind, split, render_drawings(letters(split, n, seed), seed))
    raise ValueError(f"Unknown kind {kind!r}: choose one of {', '.join(KINDS)}.")


def drawn_digits(split: str, limit: int = 0, seed: int = 0,
                 writers: frozenset[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`split`'s pen-drawn digits (`limit` of them, 0 = all; or other `writers`), preprocessed
    -> (N, 28, 28) float32 in [0, 1], (N,) uint8 labels."""
    _check_split(split)
    digits = load_pendigits(writers=writers or SPLIT_WRITERS[split])
    if limit and limit < len(digits):
        pick = np.random.default_rng(seed).choice(len(digits), limit, replace=False)
        digits = [digits[i] for i in np.sort(pick)]
    return render_drawn_digits(digits, seed=seed)
