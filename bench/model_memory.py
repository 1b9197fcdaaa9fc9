"""What one trained model that a session keeps costs the server in memory (RSS), for the soak's figure.

The server loads each finished run's model from its .keras file and the session keeps it (up to 12 a
session). This loads the same model many times in one process and reports the RSS it adds per model.

    python bench/model_memory.py              # the Train tab's default network (the fast preset's)
    python bench/model_memory.py --copies 100
"""

import argparse
import gc
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # mnistdemo, and the tests' support package

import keras  # noqa: E402

from mnistdemo import configure_threads  # noqa: E402
from mnistdemo.architectures import build_model  # noqa: E402
from mnistdemo.presets import FAST  # noqa: E402
from support.processes import status_mb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=60, help="models to load and keep (default 60)")
    args = parser.parse_args()
    configure_threads()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        build_model(FAST.arch, FAST.custom).save(path)
        kept = [keras.saving.load_model(path) for _ in range(5)]  # the first loads warm Keras up
        gc.collect()
        before = status_mb(os.getpid())
        kept += [keras.saving.load_model(path) for _ in range(args.copies)]
        gc.collect()
        added = status_mb(os.getpid()) - before
    params = kept[0].count_params()
    print(f"{args.copies} models of the fast preset's network ({params:,} parameters) kept: "
          f"+{added:.0f} MB RSS, {added / args.copies:.2f} MB a model")


if __name__ == "__main__":
    main()
