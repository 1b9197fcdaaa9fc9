"""The drawings the "not a digit" signal is trained, calibrated and measured on, made as the app's canvas makes them.

Three splits. Training (for the "is it a digit?" network, `mnistdemo.detector`), validation (to
choose a score and set its thresholds) and test (to report figures); test shares nothing with the
other two. Digits are real pen-drawn digits: training takes the tuning writers, validation the
held-out writers 2, 6, ..., 30 and test the held-out writers 4, 8, ..., 28. (The tuning writers are
no use for thresholds: every shipped MNIST model trained on their drawings, so its scores on them are
lower than on anyone else's.) Non-digits come in four kinds:

- Fashion-MNIST images: training and validation from its training set, test from its test set.
- Scribbles: random walks, Bezier curves and zig-zags; each split has its own seed stream.
- Letters that look like no digit, written from small stroke templates and jittered per
  sample; test uses other letters than training and validation (every other one of `LETTERS`).
- Doodles, what a class draws instead of a digit (faces, a house, a star, a heart, a tick, signs):
  test uses other doodles than validation, and training adds doodles of its own.

Training and validation draw the same letters and doodles, with other jitter. Scribbles, letters and
doodles are strokes, rendered with the app's brush on the app's canvas by `strokes.render_digit` and
put through the app's own `preprocess`, as pen-drawn digits are.
"""

from dataclasses import dataclass

import numpy as np

from mnistdemo.drawn_images import render_drawn_digits
from mnistdemo.preprocess import preprocess
from mnistdemo.shapes import shape_strokes
from mnistdemo.strokes import (BRUSH_RADIUS, HELD_OUT_WRITERS, TUNING_WRITERS, PenDigit, densify, jittered,
                               load_pendigits, random_placement, render_digit, rotation, sample_in_order, wobble)

SPLITS = ("training", "validation", "test")
KINDS = ("fashion", "scribbles", "letters", "doodles")
NOT_A_DIGIT = -1  # the label a non-digit drawing carries

SPLIT_WRITERS = {"training": TUNING_WRITERS,
                 "validation": frozenset(w for w in HELD_OUT_WRITERS if w % 4 == 2),
                 "test": frozenset(w for w in HELD_OUT_WRITERS if w % 4 == 0)}

# Seed streams of the splits' jitter and scribbles.
_SPLIT_SEED = {"training": 3_000_017, "validation": 1_000_003, "test": 2_000_029}


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
SPLIT_LETTERS = {"training": LETTERS[0::2], "validation": LETTERS[0::2], "test": LETTERS[1::2]}



def _circle(cx: float, cy: float, r: float, n: int = 16) -> list:
    return _arc(cx, cy, r, r, 90, 450, n)


def _star(cx: float, cy: float, r: float) -> list:
    """A five-pointed star drawn in one stroke, point to point."""
    return [(cx + r * np.cos(np.radians(90 + 144 * k)), cy + r * np.sin(np.radians(90 + 144 * k))) for k in range(6)]


def _rays(cx: float, cy: float, inner: float, outer: float, count: int) -> list:
    angles = np.radians(np.arange(count) * 360 / count + 10)
    return [[(cx + inner * np.cos(a), cy + inner * np.sin(a)), (cx + outer * np.cos(a), cy + outer * np.sin(a))]
            for a in angles]


def _spiral(cx: float, cy: float, turns: float, r: float) -> list:
    t = np.linspace(0, 2 * np.pi * turns, int(24 * turns))
    radius = r * t / t[-1]
    return list(zip(cx + radius * np.cos(t), cy + radius * np.sin(t)))


# What a class doodles instead of a digit, as strokes in a unit box (x right, y up): faces, things,
# signs and marks. A circle with anything inside it must stay "not a digit", not a confident "0".
DOODLE_TEMPLATES: dict[str, list[list[tuple[float, float]]]] = {
    "smiley": [_circle(0.5, 0.5, 0.5, 20), [(0.33, 0.65), (0.35, 0.6)], [(0.65, 0.65), (0.67, 0.6)],
               _arc(0.5, 0.45, 0.28, 0.22, 200, 340, 10)],
    "house": [[(0.1, 0.0), (0.1, 0.6), (0.9, 0.6), (0.9, 0.0), (0.1, 0.0)], [(0.0, 0.55), (0.5, 1.0), (1.0, 0.55)],
              [(0.4, 0.0), (0.4, 0.3), (0.6, 0.3), (0.6, 0.0)]],
    "star": [_star(0.5, 0.5, 0.5)],
    "sad face": [_circle(0.5, 0.5, 0.5, 20), [(0.35, 0.68), (0.35, 0.6)], [(0.65, 0.68), (0.65, 0.6)],
                 _arc(0.5, 0.15, 0.25, 0.18, 30, 150, 8)],
    "heart": [[(0.5, 0.0), (0.05, 0.55)] + _arc(0.28, 0.72, 0.24, 0.24, 210, 20, 10)
              + _arc(0.72, 0.72, 0.24, 0.24, 160, -30, 10) + [(0.95, 0.55), (0.5, 0.0)]],
    "sun": [_circle(0.5, 0.5, 0.25, 16), *_rays(0.5, 0.5, 0.33, 0.5, 8)],
    "tree": [[(0.42, 0.0), (0.42, 0.35)], [(0.58, 0.0), (0.58, 0.35)], _arc(0.5, 0.65, 0.38, 0.32, -60, 240, 18)],
    "arrow": [[(0.0, 0.5), (1.0, 0.5)], [(0.7, 0.8), (1.0, 0.5), (0.7, 0.2)]],
    "tick": [[(0.0, 0.45), (0.3, 0.0), (1.0, 1.0)]],
    "cross in a box": [[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)], [(0.15, 0.15), (0.85, 0.85)],
                       [(0.85, 0.15), (0.15, 0.85)]],
    "spiral": [_spiral(0.5, 0.5, 2.5, 0.5)],
    "cloud": [_arc(0.2, 0.4, 0.2, 0.2, 270, 90, 7) + _arc(0.45, 0.62, 0.25, 0.22, 180, 20, 8)
              + _arc(0.78, 0.45, 0.22, 0.22, 100, -90, 8) + [(0.2, 0.2)]],
    "fish": [_arc(0.4, 0.5, 0.4, 0.25, 20, 340, 16) + [(1.0, 0.8), (1.0, 0.2), (0.77, 0.41)],
             [(0.2, 0.55), (0.22, 0.57)]],
    "flower": [*(_arc(0.5 + 0.22 * np.cos(a), 0.65 + 0.22 * np.sin(a), 0.13, 0.13, 0, 360, 10)
                 for a in np.radians([90, 162, 234, 306, 18])), [(0.5, 0.43), (0.5, 0.0)]],
    "stick figure": [_circle(0.5, 0.85, 0.15, 12), [(0.5, 0.7), (0.5, 0.3)], [(0.15, 0.55), (0.85, 0.55)],
                     [(0.2, 0.0), (0.5, 0.3), (0.8, 0.0)]],
    "moon": [_arc(0.5, 0.5, 0.5, 0.5, 60, 300, 14) + _arc(0.75, 0.5, 0.35, 0.45, 230, 130, 10)],
    "hash": [[(0.3, 1.0), (0.25, 0.0)], [(0.75, 1.0), (0.7, 0.0)], [(0.0, 0.68), (1.0, 0.68)],
             [(0.0, 0.32), (1.0, 0.32)]],
    "triangle": [[(0.0, 0.0), (0.5, 0.9), (1.0, 0.0), (0.0, 0.0)]],
    "cat face": [_circle(0.5, 0.45, 0.42, 18), [(0.15, 0.7), (0.2, 1.0), (0.4, 0.85)],
                 [(0.6, 0.85), (0.8, 1.0), (0.85, 0.7)],
                 [(0.0, 0.4), (0.35, 0.4)], [(0.65, 0.4), (1.0, 0.4)]],
    "wave": [list(zip(np.linspace(0, 1, 24), 0.5 + 0.2 * np.sin(np.linspace(0, 4 * np.pi, 24))))],
    "car": [[(0.0, 0.2), (0.0, 0.5), (0.25, 0.5), (0.35, 0.8), (0.7, 0.8), (0.8, 0.5), (1.0, 0.5), (1.0, 0.2),
             (0.0, 0.2)],
            _circle(0.25, 0.15, 0.12, 10), _circle(0.75, 0.15, 0.12, 10)],
    "plus": [[(0.5, 0.0), (0.5, 1.0)], [(0.0, 0.5), (1.0, 0.5)]],
    "boat": [[(0.0, 0.3), (0.2, 0.0), (0.8, 0.0), (1.0, 0.3), (0.0, 0.3)],
             [(0.5, 0.3), (0.5, 1.0), (0.85, 0.45), (0.5, 0.45)]],
    "lightning": [[(0.6, 1.0), (0.25, 0.45), (0.6, 0.5), (0.35, 0.0)]],
}
# Doodles only the "is it a digit?" network trains on, beside the validation ones (never the test ones).
TRAINING_DOODLE_TEMPLATES: dict[str, list[list[tuple[float, float]]]] = {
    "umbrella": [_arc(0.5, 0.5, 0.5, 0.45, 0, 180, 14) + [(0.0, 0.5), (1.0, 0.5)],
                 [(0.5, 0.5), (0.5, 0.05)] + _arc(0.4, 0.05, 0.1, 0.08, 0, -180, 6)],
    "apple": [_arc(0.5, 0.45, 0.45, 0.45, 80, 460, 20), [(0.5, 0.88), (0.58, 1.0)],
              _arc(0.7, 0.95, 0.12, 0.06, 180, 360, 6)],
    "balloon": [_arc(0.5, 0.65, 0.35, 0.35, -80, 260, 18), [(0.5, 0.3), (0.45, 0.15), (0.55, 0.05), (0.5, 0.0)]],
    "eye": [_arc(0.5, 0.2, 0.55, 0.5, 30, 150, 10), _arc(0.5, 0.8, 0.55, 0.5, 210, 330, 10),
            _circle(0.5, 0.5, 0.15, 10)],
    "glasses": [_circle(0.22, 0.5, 0.2, 12), _circle(0.78, 0.5, 0.2, 12), [(0.42, 0.55), (0.58, 0.55)]],
    "mountains": [[(0.0, 0.0), (0.3, 0.8), (0.5, 0.35), (0.72, 1.0), (1.0, 0.0)]],
    "cup": [[(0.1, 1.0), (0.2, 0.0), (0.75, 0.0), (0.85, 1.0)], _arc(0.85, 0.55, 0.15, 0.22, 90, -90, 8)],
    "envelope": [[(0.0, 0.0), (0.0, 0.7), (1.0, 0.7), (1.0, 0.0), (0.0, 0.0)], [(0.0, 0.7), (0.5, 0.3), (1.0, 0.7)]],
    "snowman": [_circle(0.5, 0.3, 0.3, 16), _circle(0.5, 0.78, 0.2, 12), [(0.1, 0.5), (0.3, 0.4)]],
    "ladder": [[(0.2, 0.0), (0.2, 1.0)], [(0.8, 0.0), (0.8, 1.0)], *([(0.2, y), (0.8, y)] for y in (0.2, 0.45, 0.7))],
    "kite": [[(0.5, 1.0), (0.85, 0.6), (0.5, 0.2), (0.15, 0.6), (0.5, 1.0)], [(0.5, 0.2), (0.4, 0.1), (0.55, 0.0)]],
    "leaf": [_arc(0.5, 0.5, 0.5, 0.25, 0, 360, 18), [(0.0, 0.5), (1.0, 0.5)]],
    "bell": [[(0.0, 0.1), (0.15, 0.25)] + _arc(0.5, 0.6, 0.33, 0.38, 180, 0, 10)
             + [(0.85, 0.25), (1.0, 0.1), (0.0, 0.1)],
             _circle(0.5, 0.03, 0.06, 6)],
    "zig-zag line": [[(0.0, 0.4), (0.2, 0.6), (0.4, 0.4), (0.6, 0.6), (0.8, 0.4), (1.0, 0.6)]],
    "sad mouth": [_arc(0.5, 0.0, 0.5, 0.4, 20, 160, 10)],
    "rocket": [[(0.3, 0.1), (0.3, 0.7), (0.5, 1.0), (0.7, 0.7), (0.7, 0.1), (0.3, 0.1)],
               [(0.3, 0.25), (0.1, 0.0), (0.3, 0.1)],
               [(0.7, 0.25), (0.9, 0.0), (0.7, 0.1)]],
}
DOODLES = tuple(DOODLE_TEMPLATES)
SPLIT_DOODLES = {"training": DOODLES[0::2] + tuple(TRAINING_DOODLE_TEMPLATES),
                 "validation": DOODLES[0::2], "test": DOODLES[1::2]}


@dataclass(frozen=True)
class NonDigits:
    """Preprocessed non-digit drawings of one kind: (N, 28, 28) float32 in [0, 1]."""

    kind: str
    split: str
    images: np.ndarray


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: choose one of {', '.join(SPLITS)}.")


def letter_strokes(letter: str, rng: np.random.Generator) -> list[np.ndarray]:
    """One jittered rendition of `letter`: strokes as (K, 2) float64 (x, y), y upwards."""
    if letter not in LETTER_TEMPLATES:
        raise ValueError(f"No template for {letter!r}; letters: {''.join(LETTERS)}.")
    return jittered(LETTER_TEMPLATES[letter], rng)


def doodle_strokes(doodle: str, rng: np.random.Generator) -> list[np.ndarray]:
    """One jittered rendition of a doodle (`DOODLES`): strokes as (K, 2) float64 (x, y), y upwards."""
    templates = DOODLE_TEMPLATES | TRAINING_DOODLE_TEMPLATES
    if doodle not in templates:
        raise ValueError(f"No template for {doodle!r}; doodles: {', '.join(templates)}.")
    return jittered(templates[doodle], rng)


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
            rotate = rotation(angle)
            points = densify(np.column_stack([along, across]), 0.04) @ rotate.T
        strokes.append(wobble(densify(points, 0.04), rng, 0.005))
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


def doodle_kinds(split: str, n: int) -> list[str]:
    """The kind of each of `doodles(split, n)`: `split`'s kinds in turn."""
    _check_split(split)
    chosen = SPLIT_DOODLES[split]
    return [chosen[i % len(chosen)] for i in range(n)]


def doodles(split: str, n: int, seed: int = 0) -> list[PenDigit]:
    """`n` jittered doodles of `split`'s kinds (validation and test doodles differ), cycling through them."""
    kinds = doodle_kinds(split, n)
    rng = np.random.default_rng([_SPLIT_SEED[split], seed, 2])
    return [as_drawing(doodle_strokes(kind, rng)) for kind in kinds]


def render_drawings(drawings: list[PenDigit], seed: int = 0) -> np.ndarray:
    """Drawings at random placements and brush sizes, preprocessed -> (N, 28, 28) float32 in [0, 1]."""
    rng = np.random.default_rng(seed)
    images = []
    for drawing in drawings:
        radius = int(rng.integers(BRUSH_RADIUS - 2, BRUSH_RADIUS + 3))
        images.append(preprocess(render_digit(drawing, brush_radius=radius, **random_placement(rng))))
    return np.stack(images).astype(np.float32) if images else np.zeros((0, 28, 28), np.float32)


def random_shapes(n: int, seed: int = 0) -> np.ndarray:
    """`n` random shapes (`mnistdemo.shapes`, for training only), preprocessed -> (n, 28, 28) float32 in [0, 1]."""
    rng = np.random.default_rng([_SPLIT_SEED["training"], seed, 3])
    return render_drawings([as_drawing(shape_strokes(rng)) for _ in range(n)], seed)


def fashion_images(split: str, n: int, seed: int = 0) -> np.ndarray:
    """`n` Fashion-MNIST images (training, validation: its training set; test: its test set) as an upload would be
    preprocessed for the MNIST models -> (n, 28, 28) float32 in [0, 1]."""
    from mnistdemo.data import load_dataset

    _check_split(split)
    data = load_dataset("fashion_mnist")
    pool = data.x_test if split == "test" else data.x_train
    rng = np.random.default_rng([_SPLIT_SEED[split], seed] if split == "training" else seed)
    pick = np.sort(rng.choice(len(pool), n, replace=False))
    return np.stack([preprocess(pool[i]) for i in pick]).astype(np.float32) if n else np.zeros((0, 28, 28), np.float32)


DRAWN = {"scribbles": scribbles, "letters": letters, "doodles": doodles}  # the kinds drawn from strokes


def non_digits(kind: str, split: str, n: int, seed: int = 0) -> NonDigits:
    """`n` preprocessed non-digit images of one kind (`KINDS`) and split."""
    if kind == "fashion":
        return NonDigits(kind, split, fashion_images(split, n, seed))
    if kind in DRAWN:
        return NonDigits(kind, split, render_drawings(DRAWN[kind](split, n, seed), seed))
    raise ValueError(f"Unknown kind {kind!r}: choose one of {', '.join(KINDS)}.")


def pen_digits(split: str, limit: int = 0, seed: int = 0, writers: frozenset[int] | None = None) -> list[PenDigit]:
    """`split`'s pen-drawn digits as strokes: `limit` of them (0 = all), or other `writers`'."""
    _check_split(split)
    return sample_in_order(load_pendigits(writers=writers or SPLIT_WRITERS[split]), limit, seed)


def drawn_digits(split: str, limit: int = 0, seed: int = 0,
                 writers: frozenset[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`pen_digits`, preprocessed -> (N, 28, 28) float32 in [0, 1], (N,) uint8 labels."""
    return render_drawn_digits(pen_digits(split, limit, seed, writers), seed=seed)
