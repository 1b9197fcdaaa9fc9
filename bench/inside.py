"""How long does the "Inside the network" panel take per drawing?

Times `mnistdemo.inside`'s functions on held-out writers' pen-drawn digits, each rendered as the
canvas shows it and preprocessed by the app: the first call per model (building and tracing its
probes), then the median and p95 of the calls after it.

    python bench/inside.py                          # the default model, 30 drawings
    python bench/inside.py --models all --drawings 10
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from mnistdemo import configure_threads, inside  # noqa: E402
from mnistdemo.drawn_images import render_drawn_digits  # noqa: E402
from mnistdemo.inference import SHIPPED  # noqa: E402
from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits  # noqa: E402

STEPS = {
    "feature maps": lambda model, image, answer: inside.feature_maps(model, image),
    "Grad-CAM": lambda model, image, answer: inside.grad_cam(model, image, answer),
    "integrated gradients": lambda model, image, answer: inside.saliency(model, image, answer),
}


def _ms(seconds: list[float]) -> str:
    return f"{np.median(seconds) * 1e3:.1f} ms (p95 {np.percentile(seconds, 95) * 1e3:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="", help="comma-separated model names, 'all', or empty for the default")
    parser.add_argument("--drawings", type=int, default=30, help="held-out pen-drawn digits timed per model")
    parser.add_argument("--seed", type=int, default=0, help="which drawings and how they are placed")
    args = parser.parse_args()
    configure_threads(serving=True)  # as the app runs: one thread per op
    SHIPPED.load_all()
    names = (list(SHIPPED.models) if args.models == "all" else
             [n for n in args.models.split(",") if n] or [SHIPPED.default_name])
    rng = np.random.default_rng(args.seed)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    chosen = [digits[i] for i in rng.choice(len(digits), args.drawings, replace=False)]
    images = render_drawn_digits(chosen, 1, args.seed)[0]
    print(f"{len(images)} held-out drawings per model, seed {args.seed}\n")
    print("| model | step | first call | each call after |\n|---|---|---:|---:|")
    for name in names:
        loaded = SHIPPED.get(name)
        answers = loaded.probabilities(images).argmax(axis=1)
        for step, run in STEPS.items():
            times = []
            for image, answer in zip(images, answers):
                start = time.perf_counter()
                run(loaded.model, image, int(answer))
                times.append(time.perf_counter() - start)
            print(f"| {name} | {step} | {times[0] * 1e3:.0f} ms | {_ms(times[1:])} |")


if __name__ == "__main__":
    main()
