"""How well do the shipped MNIST models read real pen-drawn digits, drawn as the app's canvas shows them?

Every trajectory of data/pendigits by the held-out writers (the 15 even-numbered of 30; models
may train on the odd-numbered ones, never on these) is rendered on the app's canvas (its size
and brush, black on white, random size 40-90% of the canvas height and position), put through
the app's own preprocessing, and read by each shipped MNIST model.

    python bench/drawn_digits.py                 # 3,749 held-out digits, every shipped MNIST model
    python bench/drawn_digits.py --writers all   # all 7,494 (includes drawings some models trained on)
    python bench/drawn_digits.py --limit 1000 --models lenet5_bn-mnist
    MNISTDEMO_WEIGHTS=/tmp/candidates python bench/drawn_digits.py   # models in another folder
    python bench/drawn_digits.py --pen-path      # as the Draw tab reads them: each model with the pen's path
    python bench/drawn_digits.py --brush-widths 10 24   # each digit with a brush 10-24 px wide (the app's: 20)

`--pen-path` mixes each model's probabilities with the votes of the digit's pen path (mnistdemo.pen_path), as
the Draw tab does with the strokes its canvas sends. The path is taken from the tablet's points, which the
canvas would round to whole pixels (under 1% of the digit's size).
"""

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # mnistdemo, and the tests' support package

import numpy as np  # noqa: E402

from mnistdemo import configure_threads  # noqa: E402
from mnistdemo.evaluate import evaluate_probabilities  # noqa: E402
from mnistdemo.drawn_images import render_drawn_digits  # noqa: E402
from mnistdemo.inference import SHIPPED  # noqa: E402
from mnistdemo.pen_path import mix, votes_of  # noqa: E402
from mnistdemo.strokes import BRUSH_RADIUS, HELD_OUT_WRITERS  # noqa: E402
from support.drawings import pick_pendigits  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="read only this many digits (0 = all 7,494)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sizes and positions")
    parser.add_argument("--models", nargs="*", help="model names (default: every shipped MNIST model)")
    parser.add_argument("--writers", choices=("held-out", "all"), default="held-out",
                        help="the held-out writers' digits (default) or every writer's")
    parser.add_argument("--pen-path", action="store_true", help="read each digit with its pen's path too")
    parser.add_argument("--brush-widths", type=int, nargs=2, metavar=("LOW", "HIGH"),
                        help="draw each digit with a line width picked at random from LOW to HIGH canvas pixels "
                             "(even widths: the brush has a whole radius); default: the app's, 20")
    args = parser.parse_args()
    if args.brush_widths and not 2 <= args.brush_widths[0] <= args.brush_widths[1] <= 60:
        parser.error("--brush-widths: LOW and HIGH from 2 to 60, LOW not above HIGH")
    configure_threads()
    SHIPPED.load_all()
    names = args.models or [n for n, m in SHIPPED.models.items() if m.dataset == "mnist"]
    start = time.perf_counter()
    digits = pick_pendigits(args.limit, args.seed, HELD_OUT_WRITERS if args.writers == "held-out" else None)
    radius = tuple(w // 2 for w in args.brush_widths) if args.brush_widths else BRUSH_RADIUS
    x, y = render_drawn_digits(digits, seed=args.seed, brush_radius=radius)
    voted = votes_of([d.strokes for d in digits]) if args.pen_path else None
    how = ", each read with its pen's path" if args.pen_path else ""
    if args.brush_widths:
        how += f", brush widths {2 * radius[0]}-{2 * radius[1]} px"
    print(f"{len(y)} pen-drawn digits ({args.writers} writers{how}) rendered and preprocessed in "
          f"{time.perf_counter() - start:.0f} s\n")
    print("| model | drawn digits | worst class | " + " | ".join(str(d) for d in range(10)) + " |")
    print("|---|---|---|" + "---|" * 10)
    results = {}
    for name in names:
        model = SHIPPED.get(name)
        probs = np.concatenate([model.probabilities(x[i:i + 500]) for i in range(0, len(x), 500)])
        if voted is not None:
            probs = mix(probs, voted)
        ev = results[name] = evaluate_probabilities(probs, y)
        worst = int(ev.per_class.argmin())
        print(f"| {name} | {ev.accuracy:.2%} | {worst} ({ev.per_class[worst]:.1%}) | "
              + " | ".join(f"{a:.1%}" for a in ev.per_class) + " |")
    best = max(results, key=lambda n: results[n].accuracy)
    print(f"\nConfusion matrix of {best} (rows: drawn digit, columns: read as):")
    print("     " + " ".join(f"{d:>5}" for d in range(10)))
    for d, row in enumerate(results[best].confusion):
        print(f"{d:>4} " + " ".join(f"{c:>5}" for c in row))


if __name__ == "__main__":
    main()
