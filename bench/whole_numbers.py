"""How often does the app read a whole drawn number exactly?

Numbers of 2-6 random figures are composed from real pen-drawn digits (data/pendigits), all
digits of a number by one writer, drawn with the app's brush on the Whole numbers tab's canvas
(840 x 280) at varied heights, baselines and gaps, some so small that digits touch. Each drawing
goes through the app's own path (`mnistdemo.numbers.read_number`: segment, preprocess each
digit, one batched model call). Reported figures use the held-out writers only; the tuning
writers are for adjusting the segmentation.

    python bench/whole_numbers.py                       # 1,000 held-out numbers, default model
    python bench/whole_numbers.py --writers tuning --count 500
    python bench/whole_numbers.py --gap-min 0 --gap-max 20 --min-digits 4 --max-digits 4
"""

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from mnistdemo import configure_threads  # noqa: E402
from mnistdemo.drawn_numbers import DrawnNumber, random_number  # noqa: E402
from mnistdemo.inference import SHIPPED  # noqa: E402
from mnistdemo.numbers import INK_LEVEL, read_number  # noqa: E402
from mnistdemo.strokes import HELD_OUT_WRITERS, TUNING_WRITERS, load_pendigits, render_strokes  # noqa: E402

WRITERS = {"held-out": HELD_OUT_WRITERS, "tuning": TUNING_WRITERS}


def touching_pairs(number: DrawnNumber) -> int:
    """How many neighbouring digits' inks touch (or overlap) on the canvas."""
    masks = [render_strokes(list(strokes), number.size)[:, :, 0] < 255 * (1 - INK_LEVEL)
             for strokes in number.strokes]
    grow = np.ones((3, 3), np.uint8)
    return sum(bool((cv2.dilate(a.astype(np.uint8), grow).astype(bool) & b).any())
               for a, b in zip(masks[:-1], masks[1:]))


def gap_bucket(number: DrawnNumber, touches: int) -> str:
    """The closest pair of neighbours in the number decides its bucket."""
    if touches:
        return "inks touch"
    closest = min(number.gaps)
    return "gap < 0 (boxes overlap)" if closest < 0 else "gap 0-10 px" if closest < 10 else "gap >= 10 px"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="numbers to draw and read")
    parser.add_argument("--seed", type=int, default=0, help="seed of the figures, writers, sizes and gaps")
    parser.add_argument("--model", default=None, help="model name (default: the app's default model)")
    parser.add_argument("--min-digits", type=int, default=2, help="fewest digits in a number")
    parser.add_argument("--max-digits", type=int, default=6, help="most digits in a number")
    parser.add_argument("--gap-min", type=float, default=-10.0, help="smallest gap between digit ink boxes, px")
    parser.add_argument("--gap-max", type=float, default=50.0, help="largest gap between digit ink boxes, px")
    parser.add_argument("--writers", choices=tuple(WRITERS), default="held-out",
                        help="held-out writers (for reported figures) or tuning writers")
    parser.add_argument("--pixels", action="store_true",
                        help="read the picture alone, as an upload is read (default: with the canvas's strokes)")
    parser.add_argument("--save-errors", type=Path, default=None, help="folder to write misread drawings into")
    args = parser.parse_args()
    if not 1 <= args.min_digits <= args.max_digits:
        parser.error("need 1 <= --min-digits <= --max-digits")
    configure_threads()
    model = SHIPPED.get(args.model)
    digits = load_pendigits(writers=WRITERS[args.writers])
    rng = np.random.default_rng(args.seed)
    if args.save_errors:
        args.save_errors.mkdir(parents=True, exist_ok=True)

    # numbers, read exactly, right digit count, digits in those numbers, of them read right
    tally = defaultdict(lambda: np.zeros(5, int))
    start = time.perf_counter()
    for i in range(args.count):
        length = int(rng.integers(args.min_digits, args.max_digits + 1))
        number = random_number(digits, rng, length, gap_range=(args.gap_min, args.gap_max))
        image = number.render()
        strokes = None if args.pixels else [s for digit in number.strokes for s in digit]
        text, _ = read_number(image, model, strokes)
        touches = touching_pairs(number)
        same_count = len(text) == len(number.text)
        digits_right = sum(a == b for a, b in zip(text, number.text)) if same_count else 0
        row = np.array([1, text == number.text, same_count, length * same_count, digits_right])
        for key in ("all", f"{length} digits", gap_bucket(number, touches)):
            tally[key] += row
        if args.save_errors and text != number.text:
            cv2.imwrite(str(args.save_errors / f"{i:04d}-{number.text}-read-{text or 'none'}.png"), image)
    seconds = time.perf_counter() - start

    print(f"{args.count} numbers of {args.min_digits}-{args.max_digits} digits by the {args.writers} writers, "
          f"gaps {args.gap_min:g} to {args.gap_max:g} px, model {model.name}, seed {args.seed}, "
          f"{'the picture alone' if args.pixels else 'picture and strokes'} "
          f"({seconds:.0f} s, {1000 * seconds / args.count:.0f} ms a number)\n")
    print("| numbers | count | read exactly | right digit count | digits right (right count) |")
    print("|---|---|---|---|---|")
    order = ["all", *(f"{n} digits" for n in range(args.min_digits, args.max_digits + 1)),
             "gap >= 10 px", "gap 0-10 px", "gap < 0 (boxes overlap)", "inks touch"]
    for key in order:
        if key in tally:
            n, exact, count_ok, counted, right = tally[key]
            print(f"| {key} | {n} | {exact / n:.1%} | {count_ok / n:.1%} | {right / max(counted, 1):.1%} |")


if __name__ == "__main__":
    main()
