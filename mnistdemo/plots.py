"""Data frames behind the Train tab's plots and tables: curves, bars, confusion matrix, comparison."""

from collections.abc import Callable, Sequence

import keras
import numpy as np
import pandas as pd

from mnistdemo.architectures import ARCHITECTURES
from mnistdemo.config import DATASET_TITLES

MAX_CURVE_POINTS = 600  # per run; the browser gets slow drawing more, and the eye sees no more
_METRICS = ("loss", "accuracy")


def smooth(values: np.ndarray, span: int | None = None) -> np.ndarray:
    """Exponential moving average (pandas `span`; by default 1/25 of the curve, 3 to 50 points)."""
    span = span or int(np.clip(len(values) / 25, 3, 50))
    return pd.Series(values, dtype=float).ewm(span=span, adjust=True).mean().to_numpy()


def _bin_means(x: np.ndarray, ys: list[np.ndarray], max_points: int) -> tuple[np.ndarray, list[np.ndarray]]:
    if len(x) <= max_points:
        return x, ys
    bins = np.array_split(np.arange(len(x)), max_points)
    pick = lambda v: np.array([v[b].mean() for b in bins])  # noqa: E731
    return pick(x), [pick(y) for y in ys]


def curve_frame(batches: np.ndarray, history: dict[str, Sequence[float]], metric: str = "loss",
                max_points: int = MAX_CURVE_POINTS) -> pd.DataFrame:
    """A run's curve of `metric` over fractional epochs, so one epoch already draws a line.

    (N, 3) batch rows of (epoch, loss, accuracy) and the Keras history -> long frame: epoch, `metric`,
    series ("per batch", "smoothed", and "validation" at the end of each epoch if the run has one).
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {', '.join(_METRICS)}")
    batches = np.asarray(batches, dtype=float).reshape(-1, 3)
    epoch, values = batches[:, 0], batches[:, 1 + _METRICS.index(metric)]
    x, (raw, smoothed) = _bin_means(epoch, [values, smooth(values)], max_points)
    validation = np.asarray(history.get("val_" + metric, []), dtype=float)
    return pd.DataFrame({
        "epoch": np.concatenate([x, x, np.arange(1, len(validation) + 1)]),
        metric: np.concatenate([raw, smoothed, validation]),
        "series": pd.Series(["per batch"] * len(x) + ["smoothed"] * len(x) + ["validation"] * len(validation),
                            dtype=str),
    })


def per_class_frame(per_class: np.ndarray, class_names: Sequence[str]) -> pd.DataFrame:
    """(10,) accuracies -> frame: class, accuracy (in class order)."""
    return pd.DataFrame({"class": list(class_names), "accuracy": np.asarray(per_class, dtype=float)})


def confusion_frame(confusion: np.ndarray, class_names: Sequence[str]) -> pd.DataFrame:
    """(10, 10) counts -> frame with a "true \\ predicted" column, then one column per predicted class."""
    frame = pd.DataFrame(np.asarray(confusion, dtype=int), columns=list(class_names))
    frame.insert(0, "true \\ predicted", list(class_names))
    return frame


def confusion_styler(frame: pd.DataFrame) -> "pd.io.formats.style.Styler":
    """Shade a `confusion_frame`: correct counts green, errors red by how many (no matplotlib needed)."""
    counts = frame.iloc[:, 1:].to_numpy()
    off = counts.copy()
    np.fill_diagonal(off, 0)
    worst = max(int(off.max()), 1)

    def shade(table: pd.DataFrame) -> pd.DataFrame:
        css = pd.DataFrame("", index=table.index, columns=table.columns)
        for r in range(counts.shape[0]):
            for c in range(counts.shape[1]):
                if r == c:
                    css.iat[r, c + 1] = "background-color: #d9f2d9"
                elif counts[r, c]:
                    alpha = 0.15 + 0.75 * counts[r, c] / worst
                    css.iat[r, c + 1] = f"background-color: rgba(220, 50, 47, {alpha:.2f})"
        return css

    return frame.style.apply(shade, axis=None)


def model_summary_frame(model: keras.Model) -> pd.DataFrame:
    """One row per layer: layer, type, output shape, params (the numbers model.summary() prints)."""
    rows = []
    for layer in model.layers:
        try:
            shape = str(tuple(layer.output.shape))
        except (AttributeError, ValueError):  # a layer used more than once has no single output
            shape = "?"
        rows.append((layer.name, type(layer).__name__, shape, int(layer.count_params())))
    return pd.DataFrame(rows, columns=["layer", "type", "output shape", "params"])


# Test accuracy next to the run's name: a narrow screen scrolls the table sideways, never hiding it.
COMPARISON_COLUMNS = ["run", "test accuracy", "train time (s)", "epochs", "params", "architecture", "data set",
                      "test loss", "experiment", "stopped early"]


def arch_title(meta: dict, words: Callable[[str], str] = str) -> str:
    """A run's architecture in words; `words` puts each English word or title into the reader's language."""
    if meta["arch"] in ARCHITECTURES:
        return words(ARCHITECTURES[meta["arch"]].title)
    c = meta["config"].get("custom") or {}
    extras = [f"Dense({c['dense_units']})" if c.get("dense_units") else "", "BN" if c.get("batch_norm") else ""]
    return " ".join([words("Custom CNN"), f"{c.get('blocks')}x conv{c.get('kernel_size')}",
                     f"{c.get('filters')} {words('filters')}", *filter(None, extras)])


def comparison_frame(metas: Sequence[dict], experiments: Sequence[str] = (),
                     words: Callable[[str], str] = str) -> pd.DataFrame:
    """Sidecars of a session's runs -> one row each (the table a class compares); `words` as in `arch_title`."""
    experiments = list(experiments) + [""] * (len(metas) - len(experiments))
    rows = [(m["name"], round(m["test_accuracy"], 4), m["train_seconds"], m["epochs"], m["params"],
             arch_title(m, words), DATASET_TITLES.get(m["dataset"], m["dataset"]), round(m["test_loss"], 4),
             words(exp) if exp else "", words("yes") if m.get("stopped_early") else "")
            for m, exp in zip(metas, experiments)]
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def overlay_frame(curves: dict[str, np.ndarray], metric: str = "loss", max_points: int = 300) -> pd.DataFrame:
    """run -> (N, 3) batch rows => long frame: epoch, `metric` (smoothed), run; one curve per run."""
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {', '.join(_METRICS)}")
    parts = []
    for run, batches in curves.items():
        batches = np.asarray(batches, dtype=float).reshape(-1, 3)
        x, (values,) = _bin_means(batches[:, 0], [smooth(batches[:, 1 + _METRICS.index(metric)])], max_points)
        parts.append(pd.DataFrame({"epoch": x, metric: values, "run": run}))
    if not parts:
        return pd.DataFrame({"epoch": np.zeros(0), metric: np.zeros(0), "run": pd.Series([], dtype=str)})
    return pd.concat(parts, ignore_index=True)


# Colours of runs in the comparison (Tableau 10 and two more): fixed, so a legend can name them.
RUN_COLORS = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6",
              "#9d755d", "#bab0ac", "#1b9e77", "#7570b3")


def run_colors(names: Sequence[str]) -> dict[str, str]:
    """A colour for each run name, in order (cycling past twelve)."""
    return {name: RUN_COLORS[i % len(RUN_COLORS)] for i, name in enumerate(names)}
