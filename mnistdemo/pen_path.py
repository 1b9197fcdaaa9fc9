"""A digit read by its pen's path: the order and direction of its strokes, which its picture loses.

Each digit's strokes are joined in the order drawn, centred, scaled to their longer side and resampled to
`POINTS` points along their length; the `NEIGHBOURS` nearest of the tuning writers' pen digits (data/pendigits)
vote. Alone that reads far fewer digits than the networks do, but it reads many of those the networks misread
(a "9" drawn like a "3" still starts with its loop); `mix` puts the votes beside a network's probabilities.
`python bench/pen_path.py` measures it and how `PATH_WEIGHT` was chosen.
"""

import functools

import numpy as np

from mnistdemo.strokes import TUNING_WRITERS, load_pendigits

POINTS = 32  # along the path
NEIGHBOURS = 5
# The votes' share in `mix`: chosen on each half of the held-out writers for the other (both halves chose it).
# At 0.5 a unanimous vote would always overrule the network; at 0.45 only where the network is not much surer.
PATH_WEIGHT = 0.45


def path(strokes: list[np.ndarray], y_down: bool = False) -> np.ndarray:
    """Strokes ((n, 2) points each, in drawing order) -> (2 * POINTS,) their joined path, centred, scaled to its
    longer side and resampled evenly along its length. `y_down`: canvas pixels (the pen data's y points up)."""
    points = np.concatenate([np.asarray(stroke, np.float64).reshape(-1, 2) for stroke in strokes])
    if y_down:
        points = points * (1.0, -1.0)
    low, high = points.min(axis=0), points.max(axis=0)
    points = (points - (low + high) / 2) / max(float((high - low).max()), 1e-6)
    along = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))]
    at = np.linspace(0.0, along[-1], POINTS)
    return np.stack([np.interp(at, along, points[:, 0]), np.interp(at, along, points[:, 1])], axis=1).ravel()


@functools.cache
def examples() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tuning writers' pen digits: (N, 2 * POINTS) paths, their (N,) squared lengths and (N,) labels
    (~0.4 s the first time)."""
    digits = load_pendigits(writers=TUNING_WRITERS)
    paths = np.stack([path(d.strokes) for d in digits])
    return paths, (paths**2).sum(axis=1), np.array([d.label for d in digits])


def votes(paths: np.ndarray) -> np.ndarray:
    """(N, 2 * POINTS) paths -> (N, 10): each class's share among each path's NEIGHBOURS nearest examples."""
    known, squared, labels = examples()
    # Squared distances as |a|^2 - 2 a.b + |b|^2: one matrix product, not an (N, examples, 2 * POINTS) array.
    distances = (paths**2).sum(axis=1)[:, None] - 2 * paths @ known.T + squared[None, :]
    nearest = labels[np.argpartition(distances, NEIGHBOURS, axis=1)[:, :NEIGHBOURS]]
    return np.stack([(nearest == c).mean(axis=1) for c in range(10)], axis=1)


def votes_of(drawings: list[list[np.ndarray]], y_down: bool = False) -> np.ndarray:
    """Each of N drawings' strokes (as `path` takes them) -> (N, 10) the `votes` of their paths."""
    return votes(np.stack([path(strokes, y_down) for strokes in drawings]))


def mix(probabilities: np.ndarray, voted: np.ndarray, weight: float = PATH_WEIGHT) -> np.ndarray:
    """(N, 10) a network's probabilities and (N, 10) votes -> (N, 10) the reading of both."""
    return (1.0 - weight) * probabilities + weight * voted
