"""Fixed facts of the project: classes, shapes, paths."""

import os
from pathlib import Path

IMAGE_SIZE = 28
NUM_CLASSES = 10

REPO_DIR = Path(__file__).resolve().parent.parent
WEIGHTS_DIR = REPO_DIR / "weights"
PENDIGITS_PATH = REPO_DIR / "data" / "pendigits" / "pendigits-train"

DATASETS = ("mnist", "fashion_mnist")
CLASS_NAMES = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion_mnist": (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
}
DATASET_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}


def data_dir() -> Path:
    """Where data sets are cached: $MNISTDEMO_DATA or ~/.cache/mnistdemo."""
    return Path(os.environ.get("MNISTDEMO_DATA") or Path.home() / ".cache" / "mnistdemo")


def weights_dir() -> Path:
    """Where the served weights are: $MNISTDEMO_WEIGHTS or the repo's weights/."""
    return Path(os.environ.get("MNISTDEMO_WEIGHTS") or WEIGHTS_DIR)
