"""Time to 99% on MNIST: training seconds until the first test evaluation at or above 99.0%.

Trains the Train tab's fast preset (mnistdemo.presets.FAST) through the app's own
`train()`, in a process set up as the Train tab's workers are, on all 60,000 images held in
memory, evaluates on the 10,000 test images at intervals, and reports the median over seeds
of the training time (evaluation time excluded) at the first evaluation that reaches the target.
A run that never reaches it counts as infinitely slow. The issue asks for a median of at most 45 s
on 2 cores.

    python bench/time_to_99.py                       # 5 seeds, the fast preset as it is
    python bench/time_to_99.py --batch-size 256 --lr 8e-3 --filters 24   # try a variant
    python bench/time_to_99.py --seeds 1 --subset 3000 --epochs 1 --target 0.9 --force   # smoke test

It refuses to run while a `mnistdemo train` process shares the cores (the timing would be
meaningless and the other job slower) unless given --force.
"""

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from mnistdemo import configure_threads  # noqa: E402
from mnistdemo.data import load_dataset  # noqa: E402
from mnistdemo.evaluate import predict_probabilities  # noqa: E402
from mnistdemo.presets import FAST  # noqa: E402
from mnistdemo.train import TrainConfig, skip_graph_rewriting, to_model_input, train, with_recipe  # noqa: E402


class TestProbe(keras.callbacks.Callback):
    """Evaluates on the test set every `every` batches from batch `start` on; stops once `target` is hit.

    Training time = wall time since fit began minus the time spent in these evaluations.
    """

    def __init__(self, x_test: np.ndarray, y_test: np.ndarray, target: float, start: int, every: int):
        super().__init__()
        self.x, self.y, self.target, self.start, self.every = x_test, y_test, target, start, every
        self.evals: list[dict] = []  # step, epoch, train_seconds, accuracy
        self.reached_at: float | None = None

    def on_train_begin(self, logs=None):
        self.steps_per_epoch = self.params.get("steps") or 1
        self.total = self.steps_per_epoch * self.params.get("epochs", 1)
        self.began, self.eval_seconds, self.step = time.perf_counter(), 0.0, 0

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        due = self.step >= self.start and (self.step - self.start) % self.every == 0
        if due or self.step == self.total:
            self._evaluate()

    def _evaluate(self) -> None:
        now = time.perf_counter()
        train_seconds = now - self.began - self.eval_seconds
        accuracy = float(np.mean(predict_probabilities(self.model, self.x).argmax(axis=1) == self.y))
        self.eval_seconds += time.perf_counter() - now
        self.evals.append({"step": self.step, "epoch": round(self.step / self.steps_per_epoch, 3),
                           "train_seconds": round(train_seconds, 2), "accuracy": accuracy})
        if accuracy >= self.target and self.reached_at is None:
            self.reached_at = train_seconds
            self.model.stop_training = True


def run_seed(config: TrainConfig, data, target: float, evals_per_epoch: int, first_eval_epoch: float) -> dict:
    """One training run; returns the seed, seconds to target (None if missed) and every evaluation."""
    n = config.train_subset or len(data.x_train)
    steps = -(-n // config.recipe.batch_size)
    every = max(1, steps // evals_per_epoch)
    probe = TestProbe(to_model_input(data.x_test), data.y_test, target,
                      start=max(1, int(first_eval_epoch * steps)), every=every)
    result = train(config, data, callbacks=[probe], stop=threading.Event())
    best = max((e["accuracy"] for e in probe.evals), default=float("nan"))
    return {"seed": config.seed, "seconds_to_target": probe.reached_at, "best_accuracy": best,
            "fit_seconds": round(result.seconds, 2), "eval_seconds": round(probe.eval_seconds, 2),
            "evals": probe.evals}


def _other_training() -> list[str]:
    found = subprocess.run(["pgrep", "-af", "mnistdemo train"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if "time_to_99" not in line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (0, 1, ...); median over them")
    parser.add_argument("--target", type=float, default=0.99, help="test accuracy to reach")
    parser.add_argument("--evals-per-epoch", type=int, default=8, help="test evaluations per epoch")
    parser.add_argument("--first-eval-epoch", type=float, default=0.5,
                        help="start evaluating after this many epochs (earlier ones do not reach 99%%)")
    parser.add_argument("--subset", type=int, default=0, help="training images (0 = all 60,000)")
    parser.add_argument("--epochs", type=int, help="epochs (default: the preset's)")
    parser.add_argument("--batch-size", type=int, help="batch size (default: the preset's)")
    parser.add_argument("--lr", type=float, help="peak learning rate (default: the preset's)")
    parser.add_argument("--label-smoothing", type=float, help="label smoothing (default: the preset's)")
    parser.add_argument("--blocks", type=int, help="conv+pool blocks of the custom CNN (default: the preset's)")
    parser.add_argument("--filters", type=int, help="filters in the first block (default: the preset's)")
    parser.add_argument("--dense-units", type=int, help="hidden dense units, 0 = none (default: the preset's)")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    parser.add_argument("--force", action="store_true", help="run even while other training shares the cores")
    args = parser.parse_args()
    if (others := _other_training()) and not args.force:
        sys.exit("Other training is running; timings would be wrong. Wait, or pass --force:\n" + "\n".join(others))

    configure_threads()
    skip_graph_rewriting()  # as the Train tab's workers train
    changes = {k: v for k, v in {"epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": args.lr,
                                 "label_smoothing": args.label_smoothing}.items() if v is not None}
    custom = replace(FAST.custom, **{k: v for k, v in {"blocks": args.blocks, "filters": args.filters,
                                                       "dense_units": args.dense_units}.items() if v is not None})
    config = replace(with_recipe(FAST, **changes), custom=custom, train_subset=args.subset)
    data = load_dataset("mnist")
    print(f"{config.custom}\n{config.recipe}\ntraining images: {config.train_subset or len(data.x_train)}, "
          f"target {args.target:.1%}\n")
    runs = []
    for seed in range(args.seeds):
        run = run_seed(replace(config, seed=seed), data, args.target, args.evals_per_epoch, args.first_eval_epoch)
        runs.append(run)
        hit = f"{run['seconds_to_target']:.1f} s" if run["seconds_to_target"] is not None else "not reached"
        trail = ", ".join(f"{e['epoch']:g}:{e['accuracy']:.2%}" for e in run["evals"])
        print(f"seed {seed}: {hit} (best {run['best_accuracy']:.2%}; epoch:accuracy {trail})", flush=True)
    times = [r["seconds_to_target"] if r["seconds_to_target"] is not None else float("inf") for r in runs]
    median = statistics.median(times)
    print(f"\nmedian time to {args.target:.1%}: {median:.1f} s over {len(runs)} seeds "
          f"({sum(t != float('inf') for t in times)} reached it)")
    if args.out:
        args.out.write_text(json.dumps({"config": config.to_dict(), "target": args.target,
                                        "median_seconds": median, "runs": runs}, indent=1) + "\n")


if __name__ == "__main__":
    main()
