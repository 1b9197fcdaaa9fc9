"""Would the default read unseen writers better if its last step learned from more writers? Writer folds.

The shipped default's last step (2 epochs on MNIST and 12 varied renderings of each tuning writer's pen digit,
blended halfway back to where it started; its sidecar's `command`) is run again from the same starting weights
with one half of the held-out writers' digits added, and read on the other half, which it has not seen:

    python scripts/writer_folds.py 2 BASE.keras   # adds writers 2, 6, ..., 30; reads 4, 8, ..., 28
    python scripts/writer_folds.py 0 BASE.keras   # adds writers 4, 8, ..., 28; reads 2, 6, ..., 30

BASE.keras: the default's starting weights, the 12-epoch model (`git show 0bacbd8:weights/best_mnist-mnist.keras`).
The held-out digits are drawn as `bench/drawn_digits.py` draws them (seed 0), so the figures compare with its
table's halves. About 5 minutes a fold on 2 cores.
"""

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from mnistdemo import configure_threads  # noqa: E402

configure_threads()

import numpy as np  # noqa: E402

from mnistdemo.architectures import outputs_logits  # noqa: E402
from mnistdemo.data import load_dataset  # noqa: E402
from mnistdemo.drawn_images import drawn_training_set, render_drawn_digits  # noqa: E402
from mnistdemo.evaluate import evaluate_probabilities, predict_probabilities  # noqa: E402
from mnistdemo.strokes import HELD_OUT_WRITERS, TUNING_WRITERS  # noqa: E402
from mnistdemo.train import TrainConfig, to_model_input, train  # noqa: E402
from support.drawings import pick_pendigits  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("added", type=int, choices=(0, 2), help="add the held-out writers w with w %% 4 == this")
    parser.add_argument("base", type=Path, help="the default's starting weights (.keras)")
    args = parser.parse_args()
    added = frozenset(w for w in HELD_OUT_WRITERS if w % 4 == args.added)
    start = time.perf_counter()
    meta = json.loads((REPO / "weights" / "best_mnist-mnist.json").read_text())
    # The sidecar's recipe, with the drawn digits added here (`train` adds the tuning writers' alone), as `train`
    # renders them.
    config = replace(TrainConfig.from_dict({**meta["config"], "init_from": str(args.base)}), drawn_copies=0)
    x, y = drawn_training_set(meta["config"]["drawn_copies"], vary=meta["config"]["drawn_varied"],
                              writers=TUNING_WRITERS | added)
    mnist = load_dataset("mnist")
    data = replace(mnist, x_train=np.concatenate([mnist.x_train, x]),
                   y_train=np.concatenate([mnist.y_train, y.astype(mnist.y_train.dtype)]))
    model = train(config, data).model
    logits = outputs_logits(config.arch)
    test = evaluate_probabilities(predict_probabilities(model, to_model_input(mnist.x_test), logits), mnist.y_test)
    digits = pick_pendigits(0, 0, HELD_OUT_WRITERS)
    drawn_x, drawn_y = render_drawn_digits(digits, seed=0)
    probabilities = predict_probabilities(model, drawn_x[..., None], logits)
    writers = np.array([d.writer for d in digits])
    print(f"added writers {', '.join(map(str, sorted(added)))} ({time.perf_counter() - start:.0f} s)")
    for rest in (0, 2):
        keep = np.isin(writers, [w for w in HELD_OUT_WRITERS if w % 4 == rest])
        ev = evaluate_probabilities(probabilities[keep], drawn_y[keep])
        worst = int(ev.per_class.argmin())
        seen = "seen" if rest == args.added else "unseen"
        print(f"writers {'2, 6, ..., 30' if rest else '4, 8, ..., 28'} ({seen}): {ev.accuracy:.2%} of {keep.sum()}, "
              f"worst {worst} ({ev.per_class[worst]:.1%})")
    print(f"MNIST test: {test.accuracy:.2%}")


if __name__ == "__main__":
    main()
