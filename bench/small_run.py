"""A first run from the Train tab: seconds from Start to the finished test accuracy, and what small runs reach.

The Train tab's defaults are the quick preset (mnistdemo.presets.QUICK). This measures it, over
a few seeds, two ways:

- pool: what Start does today, through the Train tab's pool of warm workers (mnistdemo.workers),
  started and ready beforehand as on a server that has been up a while: a worker trains, evaluates
  on the 10,000 test images and saves; the server loads the model. The clock runs from submitting the
  run to having the loaded model and its test accuracy. Runs are IDLE_SECONDS apart, as on an idle
  server: a worker with nothing to do traces the defaults' run ahead (mnistdemo.train.prepare).
- warm: the same training and test evaluation in a process that has already imported TensorFlow,
  loaded MNIST and trained once (what a warm worker costs per run), set up as a worker is.

    python bench/small_run.py                  # quick preset, 3 seeds, pool and warm
    python bench/small_run.py --seeds 5 --with-fast --out /tmp/small.json   # + the fast preset, for a ratio
    python bench/small_run.py --grid           # 1-epoch runs on 2,000 / 10,000 images -> data/small_runs.json
    python bench/small_run.py --grid custom    # only the quick preset's rows of that file

--grid trains every MNIST architecture with its report's recipe for one epoch on 2,000 and on 10,000
images, and the quick preset on 2,000, 10,000 and its own 15,000 (as "custom"), seed 0, and writes
what each reached to data/small_runs.json: the Train tab quotes these figures when a run is small.
Naming architectures re-measures only their rows and keeps the others.
"""

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

IDLE_SECONDS = 8  # between the pool's runs: time for the worker to trace the next one ahead

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mnistdemo import configure_threads  # noqa: E402
from mnistdemo.architectures import ARCHITECTURES  # noqa: E402
from mnistdemo.data import load_dataset  # noqa: E402
from mnistdemo.presets import FAST, QUICK, SMALL_RUNS_PATH, SMALL_RUN_SUBSETS  # noqa: E402
from mnistdemo.runs import finish_run  # noqa: E402
from mnistdemo.train import TrainConfig, skip_graph_rewriting, train, with_recipe  # noqa: E402
from mnistdemo.workers import TrainingPool  # noqa: E402


def pool_run(pool: TrainingPool, config: TrainConfig, name: str) -> dict:
    """Start -> loaded model through the pool of warm workers, as the Train tab does."""
    began = time.monotonic()
    handle = pool.submit(config, name)
    first_batch = None
    while handle.state != "done":
        if first_batch is None and handle.events():
            first_batch = time.monotonic() - began
        time.sleep(0.02)
    run = handle.wait()
    return {"seed": config.seed, "seconds": round(time.monotonic() - began, 2),
            "first_batch_seconds": round(first_batch or float("nan"), 2),
            "train_seconds": round(run.meta["train_seconds"], 2), "test_accuracy": run.meta["test_accuracy"]}


def warm_run(config: TrainConfig, data) -> dict:
    """Training and test evaluation in this (warm) process."""
    began = time.monotonic()
    run = finish_run(train(config, data), data, "warm")
    return {"seed": config.seed, "seconds": round(time.monotonic() - began, 2),
            "train_seconds": round(run.meta["train_seconds"], 2), "test_accuracy": run.meta["test_accuracy"]}


def _summary(kind: str, runs: list[dict]) -> str:
    seconds = [r["seconds"] for r in runs]
    accuracy = [r["test_accuracy"] for r in runs]
    return (f"{kind}: Start -> test accuracy median {statistics.median(seconds):.1f} s "
            f"(max {max(seconds):.1f} s); test accuracy median {statistics.median(accuracy):.2%} "
            f"(min {min(accuracy):.2%}) over {len(runs)} seeds")


def measure_quick(seeds: int, with_fast: bool = False) -> dict:
    print(f"quick preset: {QUICK.custom}\n{QUICK.recipe}\ntraining images: {QUICK.train_subset}\n", flush=True)
    pool = TrainingPool().start()
    pool.wait_ready()
    pooled = []
    for seed in range(seeds):
        time.sleep(IDLE_SECONDS)
        pooled.append(pool_run(pool, replace(QUICK, seed=seed), f"pool{seed}"))
        print("pool", pooled[-1], flush=True)
    pool.close()
    configure_threads()
    skip_graph_rewriting()  # as the workers train: the Train tab quotes these figures for their runs
    data = load_dataset("mnist")
    warm_run(replace(QUICK, seed=seeds), data)  # warms TensorFlow up; not counted
    warm = []
    for seed in range(seeds):
        warm.append(warm_run(replace(QUICK, seed=seed), data))
        print("warm", warm[-1], flush=True)
    print("\n" + _summary("warm worker pool", pooled) + "\n" + _summary("warm process", warm))
    results = {"config": QUICK.to_dict(), "pool": pooled, "warm": warm}
    if with_fast:  # a yardstick on a busy machine: the fast preset's time is known on an idle one
        fast = warm_run(FAST, data)
        ratio = statistics.median(r["seconds"] for r in warm) / fast["seconds"]
        print(f"fast preset, warm: {fast['seconds']:.1f} s, {fast['test_accuracy']:.2%}; quick/fast = {ratio:.2f}")
        results["fast_warm"] = fast
    return results


def grid_configs() -> list[TrainConfig]:
    """One epoch on each small subset: every MNIST architecture with its report's recipe, and the quick net."""
    archs = [a for a in ARCHITECTURES.values() if "mnist" in a.datasets]
    reports = [with_recipe(TrainConfig(arch=a.name, recipe=a.recipe, train_subset=n), epochs=1)
               for a in archs for n in SMALL_RUN_SUBSETS]
    return reports + [replace(QUICK, train_subset=n) for n in (*SMALL_RUN_SUBSETS, QUICK.train_subset)]


def measure_grid(only: list[str]) -> dict:
    """The grid's runs (only those of the `only` architectures, keeping the file's other rows, if given)."""
    configure_threads()
    skip_graph_rewriting()  # as the workers train: the Train tab quotes these figures for their runs
    data = load_dataset("mnist")
    kept = json.loads(SMALL_RUNS_PATH.read_text())["runs"] if only and SMALL_RUNS_PATH.is_file() else []
    runs = [run for run in kept if run["arch"] not in only]
    for config in grid_configs():
        if only and config.arch not in only:
            continue
        run = warm_run(config, data)
        runs.append({"arch": config.arch, "train_subset": config.train_subset, "epochs": 1,
                     "test_accuracy": round(run["test_accuracy"], 4), "train_seconds": run["train_seconds"]})
        print(runs[-1], flush=True)
    return {"what": "test accuracy on MNIST after 1 epoch with the report's recipe (custom: the quick preset), "
                    "seed 0", "command": "python bench/small_run.py --grid", "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3, help="seeds (0, 1, ...) of the quick preset to time")
    parser.add_argument("--grid", nargs="*", metavar="ARCH",
                        help="measure small 1-epoch runs (of these architectures only, if named) "
                             f"into {SMALL_RUNS_PATH}")
    parser.add_argument("--with-fast", action="store_true",
                        help="also time the fast preset (all 60,000 images) warm, for a ratio on a busy machine")
    parser.add_argument("--out", type=Path, help="also write the quick preset's results as JSON here")
    args = parser.parse_args()
    if args.grid is not None:
        SMALL_RUNS_PATH.write_text(json.dumps(measure_grid(args.grid), indent=1) + "\n")
        print(f"wrote {SMALL_RUNS_PATH}")
        return
    results = measure_quick(args.seeds, args.with_fast)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
