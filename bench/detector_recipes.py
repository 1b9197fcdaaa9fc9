"""Which recipe for the "is it a digit?" network (mnistdemo.detector) holds up on kinds of doodle it never saw?

The test split's doodles must stay unseen, so the recipes are compared on the training split alone: every
third doodle kind of the training split is left out of training (star, tick, stick figure, car, apple,
glasses, envelope, kite, zig-zag line) and drawn afresh to measure on. Each recipe trains on the rest;
its threshold lets 99% of the validation digits (held-out writers 2, 6, ..., 30) through, as
`python -m mnistdemo calibrate` sets it. Reported: AUROC and the share read as a digit, for the left-out
doodles and for validation scribbles.

    python bench/detector_recipes.py      # about 20 minutes on 2 cores
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from mnistdemo import configure_threads, detector, nondigits  # noqa: E402
from mnistdemo.calibrate import Calibration  # noqa: E402

SHIPPED = (detector.FILTERS, 3, detector.NON_DIGIT_WEIGHT, True, True)
RECIPES = {  # name -> (filters per block, epochs, weight of the non-digits, random shapes, two networks)
    "shipped: two networks of 16-32-64 filters, 3 epochs, non-digits weigh 0.5, random shapes": SHIPPED,
    "one network (digit or not)": SHIPPED[:4] + (False,),
    "one network, no random shapes (shipped until 2026-12-02)": SHIPPED[:3] + (False, False),
    "two networks, 6 epochs": (detector.FILTERS, 6, *SHIPPED[2:]),
}


def doodles(kinds: list[str], n: int, seed: int) -> np.ndarray:
    """`n` doodles cycling through `kinds` (any split's), jittered from their own seed, preprocessed."""
    rng = np.random.default_rng(seed)
    drawings = [nondigits.as_drawing(nondigits.doodle_strokes(kinds[i % len(kinds)], rng)) for i in range(n)]
    return nondigits.render_drawings(drawings, seed)


def main() -> None:
    configure_threads()
    kinds = list(nondigits.SPLIT_DOODLES["training"])
    left_out = kinds[1::3]
    x, y, counts = detector.training_data(0)
    ends = dict(zip(counts, np.cumsum(list(counts.values()))))
    n = counts["doodles"]  # swap the training doodles for the kept kinds only
    x[ends["doodles"] - n:ends["doodles"]] = doodles([k for k in kinds if k not in left_out], n, seed=7)
    assert list(counts)[-1] == "shapes"  # the random shapes come last: a recipe without them leaves them off
    digits, _ = nondigits.drawn_digits("validation")
    measured = {"left-out doodles": doodles(left_out, 1200, seed=99),
                "scribbles": nondigits.non_digits("scribbles", "validation", 600).images}
    print(f"Left out of training: {', '.join(left_out)}\n")
    print("| recipe | seconds | " + " | ".join(f"{k}: AUROC | {k}: read as a digit" for k in measured) + " |")
    print("|---|---:|" + "---:|---:|" * len(measured))
    for name, (filters, epochs, weight, shapes, pair) in RECIPES.items():
        end = len(x) if shapes else len(x) - counts["shapes"]
        model, record = detector.train(seed=0, epochs=epochs, filters=filters, non_digit_weight=weight,
                                       data=(x[:end], y[:end], counts), pair=pair, verbose=0)
        scorer = detector.Detector(model)
        digit_scores = scorer.not_a_digit(digits)
        threshold = np.quantile(digit_scores, Calibration.detector_digits)
        cells = []
        for images in measured.values():
            other = scorer.not_a_digit(images)
            labels = np.r_[np.zeros(len(digit_scores)), np.ones(len(other))]
            cells += [f"{roc_auc_score(labels, np.r_[digit_scores, other]):.4f}", f"{np.mean(other <= threshold):.1%}"]
        print(f"| {name} | {record['train_seconds']:.0f} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
