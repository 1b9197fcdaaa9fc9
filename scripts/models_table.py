"""Print the README's table of shipped models from their sidecars (weights/*.json)."""

import json

from mnistdemo.config import DATASET_TITLES, WEIGHTS_DIR


def _time(meta: dict) -> str:
    """Training time; a run resumed from its backup timed only its last sitting, which the table says."""
    seconds = f"{meta['train_seconds']:.0f} s"
    if "resumed_after_epoch" in meta:
        return f"{seconds} for the last {meta['epochs'] - meta['resumed_after_epoch']} epochs"
    return seconds


print("| model | parameters | data set | test accuracy | epochs | training time | weights |")
print("|---|---:|---|---:|---:|---:|---|")
for path in sorted(WEIGHTS_DIR.glob("*.json")):
    meta = json.loads(path.read_text())
    print(f"| `{meta['name']}` | {meta['params']:,} | {DATASET_TITLES[meta['dataset']]} | "
          f"{meta['test_accuracy']:.2%} | {meta['epochs']} | {_time(meta)} | "
          f"{meta.get('weights_dtype', 'float32')}, {meta.get('file_bytes', 0) / 1e6:.1f} MB |")
