"""Print the README's table of shipped models from their sidecars (weights/*.json)."""

import json

from mnistdemo.config import DATASET_TITLES, WEIGHTS_DIR


def _epochs_and_time(meta: dict) -> tuple[int, str]:
    """All epochs, counting the runs it went on from (--init-from, nested), and the time of those that were
    timed: a run resumed from its backup (--resume-dir) timed only its last sitting, which the table says."""
    runs = [meta]
    while "init_from" in runs[-1]:
        runs.append(runs[-1]["init_from"])
    epochs = sum(run["epochs"] for run in runs)
    timed = epochs - sum(run.get("resumed_after_epoch", 0) for run in runs)
    seconds = f"{sum(run['train_seconds'] for run in runs):.0f} s"
    return epochs, seconds if timed == epochs else f"{seconds} for {timed} epochs"


print("| model | parameters | data set | test accuracy | epochs | training time | weights |")
print("|---|---:|---|---:|---:|---:|---|")
for path in sorted(WEIGHTS_DIR.glob("*.keras")):  # the models' sidecars, not serving.json
    meta = json.loads(path.with_suffix(".json").read_text())
    epochs, time = _epochs_and_time(meta)
    print(f"| `{meta['name']}` | {meta['params']:,} | {DATASET_TITLES[meta['dataset']]} | "
          f"{meta['test_accuracy']:.2%} | {epochs} | {time} | "
          f"{meta.get('weights_dtype', 'float32')}, {meta.get('file_bytes', 0) / 1e6:.1f} MB |")
