"""Random shapes for the "is it a digit?" network to learn from, made up afresh for every drawing.

The doodle templates of `mnistdemo.nondigits` are a few dozen fixed drawings, and a network that learns
from them alone learns those drawings. These shapes are put together at random from parts (polygons,
lobed outlines, outlines of two arcs, crossing lines, bent lines, spirals, waves, parallel lines, and
frames with something inside), so the network meets shapes it cannot memorise. What a digit is made of
(an oval, a line, a hook) never comes alone, only inside a frame. Training only: nothing is measured on them.
"""

import numpy as np

from mnistdemo.strokes import jittered, rotation


def _outline(radius: np.ndarray) -> np.ndarray:
    """Radii at evenly spaced angles -> a closed (K + 1, 2) outline around (0, 0)."""
    angle = np.linspace(0, 2 * np.pi, len(radius), endpoint=False) + np.pi / 2
    points = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return np.vstack([points, points[:1]])


def _polygon(rng: np.random.Generator) -> list[np.ndarray]:
    """A triangle to a hexagon, more or less regular."""
    return [_outline(rng.uniform(0.7, 1.0, int(rng.integers(3, 7))))]


def _lobed(rng: np.random.Generator) -> list[np.ndarray]:
    """A closed outline with 3-9 bumps or points (clouds, flowers, stars, gears, splashes)."""
    lobes, depth = int(rng.integers(3, 10)), rng.uniform(0.25, 0.6)
    angle = np.linspace(0, 2 * np.pi, 12 * lobes, endpoint=False)
    wave = np.abs(np.sin(lobes * angle / 2)) if rng.random() < 0.5 else np.abs(np.cos(lobes * angle / 2)) ** 3
    return [_outline(1 - depth + depth * wave)]


def _two_arcs(rng: np.random.Generator) -> list[np.ndarray]:
    """A closed outline of a circle's arc and a curve across its ends (half discs, crescents)."""
    half = np.radians(rng.uniform(50, 140))
    angle = np.linspace(half, 2 * np.pi - half, 24)
    arc = np.column_stack([np.cos(angle), np.sin(angle)])
    end, start = arc[-1], arc[0]
    chord = np.cos(half)  # the curve bows into the disc (a crescent) or out of it, never thinner than a third of it
    bow = np.array([rng.uniform(max(chord - 1.6, -1.3 - chord), chord + 0.4), 0.0])
    t = np.linspace(0, 1, 12)[:, None]
    back = (1 - t) ** 2 * end + 2 * (1 - t) * t * bow + t ** 2 * start
    return [np.vstack([arc, back])]


def _crossing(rng: np.random.Generator) -> list[np.ndarray]:
    """Two to four straight lines crossing near their middles (plus, x, asterisk)."""
    count = int(rng.integers(2, 5))
    angles = np.pi * (np.arange(count) + rng.uniform(-0.15, 0.15, count)) / count + rng.uniform(0, np.pi)
    strokes = []
    for angle, middle in zip(angles, rng.uniform(0.35, 0.65, count)):
        direction = np.array([np.cos(angle), np.sin(angle)])
        strokes.append(np.vstack([-middle * 2 * direction, (1 - middle) * 2 * direction]) + rng.normal(0, 0.05, 2))
    return strokes


def _bent(rng: np.random.Generator) -> list[np.ndarray]:
    """An open line with 4-7 sharp turns (zig-zags, lightning, mountains)."""
    turns = rng.uniform(np.radians(60), np.radians(160), int(rng.integers(4, 8))) * rng.choice([-1, 1], 1)
    turns *= np.where(rng.random(len(turns)) < 0.7, -1, 1) ** np.arange(len(turns))  # mostly alternating
    heading = rng.uniform(0, 2 * np.pi) + np.r_[0, np.cumsum(turns)]
    steps = rng.uniform(0.5, 1.0, len(heading))[:, None] * np.column_stack([np.cos(heading), np.sin(heading)])
    return [np.vstack([[0.0, 0.0], np.cumsum(steps, axis=0)])]


def _spiral(rng: np.random.Generator) -> list[np.ndarray]:
    turns = rng.uniform(2, 3.5)  # fewer turns would draw a 6
    t = np.linspace(0, 2 * np.pi * turns, int(24 * turns)) * rng.choice([-1, 1])
    radius = np.linspace(0.05, 1, len(t))
    return [np.column_stack([radius * np.cos(t), radius * np.sin(t)])]


def _wave(rng: np.random.Generator) -> list[np.ndarray]:
    x = np.linspace(-1, 1, 40)
    return [np.column_stack([x, rng.uniform(0.15, 0.4) * np.sin(np.pi * rng.uniform(1.5, 4) * x)])]


def _parallel(rng: np.random.Generator) -> list[np.ndarray]:
    """Two to four parallel lines (=, three bars, a ladder's rungs)."""
    count = int(rng.integers(2, 5))
    return [np.array([[-1.0, y], [1.0, y]]) + rng.normal(0, 0.04, (2, 2)) for y in np.linspace(-0.7, 0.7, count)]


def _oval(rng: np.random.Generator) -> list[np.ndarray]:
    return [_outline(np.full(24, 1.0)) * [rng.uniform(0.5, 1.0), 1.0]]


def _dots(rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.uniform(-1, 1, 2) + rng.normal(0, 0.05, (2, 2)) for _ in range(int(rng.integers(1, 4)))]


def _arc(rng: np.random.Generator) -> list[np.ndarray]:
    start = rng.uniform(0, 2 * np.pi)
    angle = start + np.linspace(0, rng.uniform(0.5, 1.2) * np.pi, 12)
    return [np.column_stack([np.cos(angle), np.sin(angle)])]


WHOLE = (_polygon, _lobed, _two_arcs, _crossing, _bent, _spiral, _wave, _parallel)  # shapes on their own
FRAMES = (_polygon, _lobed, _oval)
INSIDE = (*WHOLE, _oval, _dots, _dots, _arc)  # digit parts too: in a frame they make no digit (dots twice as often)


def _pick(parts: tuple, rng: np.random.Generator) -> list[np.ndarray]:
    return parts[int(rng.integers(len(parts)))](rng)


def _placed(strokes: list[np.ndarray], rng: np.random.Generator, scale: float, spread: float) -> list[np.ndarray]:
    """Turn a part by a random angle, scale it and move it up to `spread` from the middle."""
    angle = rng.uniform(0, 2 * np.pi)
    rotate = rotation(angle) * scale
    shift = rng.uniform(-spread, spread, 2)
    return [np.asarray(s, np.float64) @ rotate.T + shift for s in strokes]


def shape_strokes(rng: np.random.Generator) -> list[np.ndarray]:
    """One random shape: strokes as (K, 2) float64 (x, y), about one unit high, jittered as a hand draws."""
    layout = rng.choice(["whole", "framed", "group"], p=[0.4, 0.3, 0.3])
    if layout == "whole":
        strokes = _placed(_pick(WHOLE, rng), rng, 1.0, 0.0)
    elif layout == "framed":  # an outline with one to three smaller things inside (faces, signs, patterns)
        strokes = _pick(FRAMES, rng)
        for _ in range(int(rng.integers(1, 4))):
            strokes += _placed(_pick(INSIDE, rng), rng, rng.uniform(0.2, 0.4), 0.4)
    else:  # two or three whole shapes side by side or overlapping
        strokes = []
        for _ in range(int(rng.integers(2, 4))):
            strokes += _placed(_pick(WHOLE, rng), rng, rng.uniform(0.3, 0.6), 0.6)
    points = np.concatenate(strokes)
    low, size = points.min(axis=0), max(float(np.ptp(points, axis=0).max()), 1e-6)
    return jittered([(s - low) / size for s in strokes], rng)
