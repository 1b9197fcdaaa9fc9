"""Does the "not a digit / not sure" signal tell drawn digits from drawings that are no digit?

Digits are real pen-drawn digits (data/pendigits) by writers no model trained on (validation:
writers 2, 6, ..., 30; test: 4, 8, ..., 28), rendered on the app's canvas; non-digits
are Fashion-MNIST images, random scribbles, letters and doodles drawn from strokes (mnistdemo.nondigits),
all put through the app's own preprocessing and read by every shipped MNIST model and by the
"is it a digit?" network (mnistdemo.detector, which trained on the training split; the test split's
letters and doodles are ones it never saw). For each candidate score it prints the AUROC of digits
against each kind of non-digit and all of them (1.0 = every non-digit scores above every digit;
0.5 = no better than chance), then how the app's verdict (the chosen score and thresholds and the
detector's threshold, weights/serving.json) sorts each group.

    python bench/unsure.py               # test split: writers 4, 8, ..., 28, Fashion test set, test drawings
    python bench/unsure.py --calibrate   # validation split: the best score, for `python -m mnistdemo calibrate --score`
    python bench/unsure.py --digits 1000 --non-digits 300 --seed 1
    python bench/unsure.py --pen-path    # as the Draw tab judges a drawing on its canvas: with its pen's path
    python bench/unsure.py --pen-path --figure doodles.png   # and show the doodles it reads as a digit

`--pen-path`: what is drawn from strokes (digits, scribbles, letters, doodles) is read as the Draw tab reads a
drawing on its canvas: every network's probabilities mixed with the votes of its pen's path (mnistdemo.pen_path),
judged by the thresholds calibrated for that; Fashion-MNIST images, which only come as uploads, by their picture.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from mnistdemo import configure_threads  # noqa: E402
from mnistdemo.calibrate import Calibration, thresholds  # noqa: E402
from mnistdemo.inference import SHIPPED  # noqa: E402
from mnistdemo.drawn_images import render_drawn_digits  # noqa: E402
from mnistdemo.nondigits import DRAWN, KINDS, SPLIT_DOODLES, doodle_kinds, non_digits, pen_digits  # noqa: E402
from mnistdemo.pen_path import mix, votes_of  # noqa: E402
from mnistdemo.strokes import TUNING_WRITERS  # noqa: E402
from mnistdemo.unsure import SCORES, classify, ensemble_probabilities, scores  # noqa: E402


def auroc(digit_scores: np.ndarray, other_scores: np.ndarray) -> float:
    """P(a non-digit scores above a digit), ties counting half: the AUROC with non-digits as positives."""
    digit_scores, other_scores = np.ravel(digit_scores), np.ravel(other_scores)
    labels = np.r_[np.zeros(len(digit_scores)), np.ones(len(other_scores))]
    return float(roc_auc_score(labels, np.r_[digit_scores, other_scores]))


def tile(image: np.ndarray, caption: str) -> np.ndarray:
    """A 28x28 image in [0, 1] at 3x with `caption` under it, on white: (104, 88, 3) uint8."""
    out = np.full((104, 88, 3), 255, np.uint8)
    out[2:86, 2:86] = (cv2.resize(image, (84, 84), interpolation=cv2.INTER_NEAREST) * 255).astype(np.uint8)[..., None]
    cv2.putText(out, caption, (4, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
    return out


def save_figure(path: Path, rows: list[list[tuple[np.ndarray, str]]], columns: int = 10) -> None:
    """Rows of (image, caption), `columns` at most each, as one PNG."""
    blank = np.full((104, 88, 3), 255, np.uint8)
    strips = [np.hstack([tile(*t) for t in row[:columns]] + [blank] * (columns - len(row[:columns]))) for row in rows]
    cv2.imwrite(str(path), np.vstack(strips))
    print(f"\nWrote {path}: the first {columns} of each kind of doodle read as a digit, as the models saw them, "
          "then the same number of test writers' digits of each class they were read as.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calibrate", action="store_true",
                        help="measure on the validation split and print the score and thresholds to store")
    parser.add_argument("--digits", type=int, default=0,
                        help="pen-drawn digits to use (0 = all of the split's 1,750-2,000)")
    parser.add_argument("--tuning-writers", action="store_true",
                        help="use the tuning writers' digits instead, which every shipped model trained on")
    parser.add_argument("--non-digits", type=int, default=1000, help="images of each non-digit kind")
    parser.add_argument("--seed", type=int, default=0, help="seed of the samples, placements and jitter")
    parser.add_argument("--accept-digits", type=float, default=Calibration.accept_digits,
                        help="--calibrate: share of validation digits kept below the 'not a digit' threshold")
    parser.add_argument("--sure-digits", type=float, default=Calibration.sure_digits,
                        help="--calibrate: share of validation digits kept below the 'not sure' threshold")
    parser.add_argument("--pen-path", action="store_true", help="read what is drawn from strokes with its pen's path")
    parser.add_argument("--figure", type=Path, metavar="PNG",
                        help="also save the test doodles read as a digit, beside test writers' digits, to PNG")
    args = parser.parse_args()
    configure_threads()
    split = "validation" if args.calibrate else "test"
    serving = SHIPPED.load_all().serving
    if serving is None:
        sys.exit(f"No serving manifest: {SHIPPED.stale_calibration}")
    picture = serving  # uploads (Fashion-MNIST images) are judged by their picture even with --pen-path
    if args.pen_path:
        serving = serving.with_path()
        if serving is None:
            sys.exit("The serving manifest has no thresholds for the pen's path: "
                     "rerun `python -m mnistdemo calibrate`.")
    chosen, unsure_above, not_a_digit_above = serving.score, serving.unsure_above, serving.not_a_digit_above

    start = time.perf_counter()
    pens = pen_digits(split, args.digits, args.seed, TUNING_WRITERS if args.tuning_writers else None)
    digits, labels = render_drawn_digits(pens, seed=args.seed)
    groups = {"digits": digits} | {kind: non_digits(kind, split, args.non_digits, args.seed).images for kind in KINDS}
    probs = {name: ensemble_probabilities(images) for name, images in groups.items()}
    drawings = {}  # what was drawn from strokes, read with its pen's path
    if args.pen_path:
        drawings = {"digits": pens} | {kind: make(split, args.non_digits, args.seed) for kind, make in DRAWN.items()}
        for name, drawn in drawings.items():
            probs[name] = mix(probs[name], votes_of([d.strokes for d in drawn])[None])
    detector = SHIPPED.detector
    flags = {name: detector.not_a_digit(images) for name, images in groups.items()} if detector else {}
    print(f"{split} split: " + ", ".join(f"{len(x)} {name}" for name, x in groups.items())
          + f"; rendered and read in {time.perf_counter() - start:.0f} s\n")

    print("AUROC, digits against each kind of non-digit (higher is better):\n")
    print("| score | " + " | ".join(KINDS) + " | all non-digits |")
    print("|---|" + "---|" * (len(KINDS) + 1))
    table = {}
    for name in SCORES:
        digit_scores = scores(probs["digits"], name)
        other = {kind: scores(probs[kind], name) for kind in KINDS}
        row = [auroc(digit_scores, other[kind]) for kind in KINDS]
        row.append(auroc(digit_scores, np.concatenate(list(other.values()))))
        table[name] = row
        print(f"| {name}{' (chosen)' if name == chosen else ''} | " + " | ".join(f"{a:.3f}" for a in row) + " |")
    if flags:
        row = [auroc(flags["digits"], flags[kind]) for kind in KINDS]
        row.append(auroc(flags["digits"], np.concatenate([flags[kind] for kind in KINDS])))
        print("| is-it-a-digit network (mnistdemo.detector) | " + " | ".join(f"{a:.3f}" for a in row) + " |")

    if args.calibrate:
        # The best score on all non-digits together.
        best = max(table, key=lambda name: table[name][-1])
        calibration = Calibration(sure_digits=args.sure_digits, accept_digits=args.accept_digits)
        unsure, not_digit = thresholds(scores(probs["digits"], best), calibration)
        print(f"\nBest on validation (highest AUROC on all non-digits): {best}, not sure above {unsure:g}, "
              f"not a digit above {not_digit:g}")
        print(f"Write them to weights/serving.json: python -m mnistdemo calibrate --score {best} "
              f"--sure-digits {args.sure_digits:g} --accept-digits {args.accept_digits:g}")
        return

    detector_text = f" and the detector above {serving.detector_above:.4g}" if flags else " (no detector)"
    print(f"\nHow the chosen score ({chosen}, not sure above {unsure_above:.4g}, not a digit above "
          f"{not_a_digit_above:.4g}){detector_text} sorts each group:\n")
    print("| group | read as a digit | not sure | not a digit | without the detector: read as a digit "
          "| the detector alone (the page without a server): not flagged |")
    print("|---|---|---|---|---|---|")
    verdicts = {}
    for name, p in probs.items():
        judged_by = picture if args.pen_path and name not in drawings else serving
        alone = classify(scores(p, chosen), judged_by.unsure_above, judged_by.not_a_digit_above)
        kinds = np.where(serving.unlike_digits(flags[name]), "not_a_digit", alone) if flags else alone
        verdicts[name] = kinds
        page = f"{(~serving.unlike_digits(flags[name])).mean():.1%}" if flags else "-"
        print(f"| {name} | " + " | ".join(f"{(kinds == k).mean():.1%}" for k in ("digit", "unsure", "not_a_digit"))
              + f" | {(alone == 'digit').mean():.1%} | {page} |")
    kind_of = np.array(doodle_kinds(split, args.non_digits))
    read_as = probs["doodles"].mean(axis=0).argmax(axis=-1)
    print("\nDoodles read as a digit, by kind (and what most of those were read as):")
    for kind in SPLIT_DOODLES[split]:
        passed = read_as[(kind_of == kind) & (verdicts["doodles"] == "digit")]
        most = f' (as "{np.bincount(passed).argmax()}")' if len(passed) else ""
        print(f"  {kind}: {len(passed) / (kind_of == kind).sum():.1%}{most}")
    if args.figure:
        passed = np.flatnonzero(verdicts["doodles"] == "digit")
        rows = [[(groups["doodles"][i], f'{kind[:9]}: "{read_as[i]}"') for i in passed if kind_of[i] == kind]
                for kind in SPLIT_DOODLES[split]]
        rows = [row for row in rows if row]
        classes = sorted({int(read_as[i]) for i in passed})
        rows += [[(groups["digits"][i], f"digit {digit}") for i in np.flatnonzero(labels == digit)[::17]]
                 for digit in classes]
        save_figure(args.figure, rows)
    kinds = verdicts["digits"]
    read = probs["digits"].mean(axis=0).argmax(axis=-1) == labels
    accepted = kinds == "digit"
    if detector:
        one, times = groups["digits"][:1], []
        for _ in range(220):  # one drawing at a time, as a stroke asks; the first 20 warm up
            start = time.perf_counter()
            detector.not_a_digit(one)
            times.append(time.perf_counter() - start)
        print(f"\nThe detector on one drawing: median {1000 * np.median(times[20:]):.1f} ms, "
              f"p95 {1000 * np.percentile(times[20:], 95):.1f} ms.")
    print(f"\nDigits read right by the models' mean: {read.mean():.1%} of all, {read[accepted].mean():.1%} of "
          f"those read as a digit, {read[~accepted].mean() if (~accepted).any() else float('nan'):.1%} "
          "of those flagged.")


if __name__ == "__main__":
    main()
