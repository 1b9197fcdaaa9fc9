"""What the Draw tab says about real pen-drawn digits: how often a right reading is called "not sure", and why.

Digits by the held-out writers (2, 4, ..., 30: no model trained on them) are rendered as the canvas
shows them (random size 40-90% of the canvas height and random position, `random_placement`) and
put through `mnistdemo.inference.assess`, the one answer the Draw tab, the Whole numbers tab and the
`assess` API give. Among the digits the default model reads right with at least 95%, it counts the
verdicts and the reasons given.

    python bench/verdicts.py                 # 1,000 digits, seed 0
    python bench/verdicts.py --pen-path      # the same digits with their strokes, as the Draw tab reads its canvas
    python bench/verdicts.py --sizes         # how reading falls with drawing size (in stroke widths): TINY_BELOW
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from mnistdemo import configure_threads  # noqa: E402
from mnistdemo.inference import SHIPPED, assess, ink_geometry  # noqa: E402
from mnistdemo.preprocess import preprocess_steps  # noqa: E402
from mnistdemo.strokes import (BRUSH_RADIUS, CANVAS_SIZE, HELD_OUT_WRITERS, canvas_strokes,  # noqa: E402
                               load_pendigits, random_placement, render_digit)

SURE = 0.95


def _drawn(digit, rng, pen_path: bool):
    """`assess` of one digit at a random placement; with `pen_path`, given its canvas strokes in whole pixels, as the
    canvas sends them (its picture is drawn where the pointer went)."""
    placement = random_placement(rng)
    strokes = None
    if pen_path:
        strokes = [np.round(s) for s in canvas_strokes(digit, CANVAS_SIZE, BRUSH_RADIUS, **placement)]
    return assess(render_digit(digit, **placement), strokes=strokes)


def verdicts(digits, rng, pen_path: bool = False) -> None:
    answers = [_drawn(d, rng, pen_path) for d in digits]
    right = [a for a, d in zip(answers, digits) if a.answer == str(d.label) and a.probabilities[a.answer] >= SURE]
    print(f"{len(digits)} held-out pen digits; the default model reads {len(right)} right at >= {SURE:.0%}.")
    kinds = Counter(a.kind for a in right)
    print("Verdicts on those: " + ", ".join(f"{k} {n} ({n / len(right):.1%})" for k, n in kinds.most_common()))
    reasons = Counter(a.reason for a in right if a.reason)
    print("Reasons given: " + (", ".join(f"{r} {n}" for r, n in reasons.most_common()) or "none"))
    for a in right:
        if a.kind != "digit":
            print("  ", a.message)
    read = [a.answer == str(d.label) for a, d in zip(answers, digits)]
    accepted = [a.kind == "digit" for a in answers]
    print(f"All {len(digits)}: {sum(read)} read right, {sum(accepted)} read as a digit, "
          f"{sum(r and k for r, k in zip(read, accepted))} both")
    everything = Counter((a.kind, a.reason) for a in answers)
    print("All digits: " + ", ".join(f"{k}/{r} {n}" for (k, r), n in everything.most_common()))


def sizes(digits, rng) -> None:
    """Reading accuracy of the default model by drawing size in stroke widths (the tiny rule's basis)."""
    model = SHIPPED.get(None)
    rows = []
    for d in digits:
        steps = preprocess_steps(render_digit(d, height_frac=float(rng.uniform(0.06, 0.5))))
        size, _ = ink_geometry(steps["ink"])
        probs = model.probabilities(list(steps.values())[-1][None])[0]
        rows.append((size, int(probs.argmax()) == d.label))
    rows = np.array(rows)
    edges = [0, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 7.0, np.inf]
    print("| size (stroke widths) | drawings | read right |\n|---|---:|---:|")
    for lo, hi in zip(edges[:-1], edges[1:]):
        chosen = rows[(rows[:, 0] >= lo) & (rows[:, 0] < hi)]
        if len(chosen):
            print(f"| {lo:g}-{hi:g} | {len(chosen)} | {chosen[:, 1].mean():.1%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--digits", type=int, default=1000, help="held-out pen digits to draw")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample and the placements")
    parser.add_argument("--sizes", action="store_true", help="measure reading against drawing size instead")
    parser.add_argument("--pen-path", action="store_true", help="give each digit's strokes too, as the Draw tab does")
    args = parser.parse_args()
    configure_threads()
    rng = np.random.default_rng(args.seed)
    pool = load_pendigits(writers=HELD_OUT_WRITERS)
    digits = [pool[i] for i in rng.choice(len(pool), min(args.digits, len(pool)), replace=False)]
    if args.sizes:
        sizes(digits, rng)
    else:
        verdicts(digits, rng, args.pen_path)


if __name__ == "__main__":
    main()
