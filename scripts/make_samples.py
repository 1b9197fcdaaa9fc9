"""Write data/samples/<dataset>/<label>-test<index>.png: the first test image of each class."""

import cv2
import numpy as np

from mnistdemo.config import DATASETS, REPO_DIR
from mnistdemo.data import load_dataset

for name in DATASETS:
    data = load_dataset(name)
    out = REPO_DIR / "data" / "samples" / name
    out.mkdir(parents=True, exist_ok=True)
    for label in range(10):
        index = int(np.flatnonzero(data.y_test == label)[0])
        cv2.imwrite(str(out / f"{label}-test{index}.png"), data.x_test[index])
