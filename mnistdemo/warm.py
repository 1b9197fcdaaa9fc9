"""What every training worker needs, imported once by the workers' fork server: TensorFlow, the training
code and both data sets. Each worker forked from it starts with all of it in memory (shared until written).

Only the fork server (and the workers, through it) import this module; the app's own process never does.
"""

import gc

from mnistdemo.config import DATASETS as NAMES
from mnistdemo.data import load_dataset
from mnistdemo import checkpoints, events, presets, runs, train  # noqa: F401 (imports TensorFlow and Keras)


def _load_all() -> tuple[dict, dict]:
    """(name -> Dataset, name -> why it is missing) for every data set."""
    found, missing = {}, {}
    for name in NAMES:
        try:
            found[name] = load_dataset(name)
        except (FileNotFoundError, ValueError) as error:  # only runs on this data set fail, saying why
            missing[name] = str(error)
    return found, missing


DATASETS, MISSING = _load_all()

# All of the above lives as long as the workers do. Frozen, the garbage collector never walks it again: the
# collection after each run takes milliseconds instead of ~0.25 s, and leaves these pages shared by the workers.
gc.collect()
gc.freeze()
