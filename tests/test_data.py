"""Data sets: the real MNIST and Fashion-MNIST load with standard counts; a bad cache says how to fix it.

Run alone: .venv/bin/python -m pytest -q tests/test_data.py (needs `make data`'s MNIST and apt's Fashion-MNIST)
"""

import numpy as np
import pytest

from mnistdemo.data import FETCH_HINT, load_dataset

STANDARD_TEST_COUNTS = {
    "mnist": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    "fashion_mnist": [1000] * 10,
}


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_real_dataset_has_standard_shapes_and_counts(name):
    data = load_dataset(name)
    assert data.x_train.shape == (60_000, 28, 28) and data.x_test.shape == (10_000, 28, 28)
    assert data.x_train.dtype == np.uint8
    assert np.bincount(data.y_test).tolist() == STANDARD_TEST_COUNTS[name]
    assert len(data.class_names) == 10
    assert np.bincount(data.y_train).sum() == 60_000


def test_missing_cache_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("MNISTDEMO_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=FETCH_HINT):
        load_dataset("mnist")


def test_corrupt_cache_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("MNISTDEMO_DATA", str(tmp_path))
    (tmp_path / "mnist.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="corrupt.*" + FETCH_HINT):
        load_dataset("mnist")


def test_wrong_shapes_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MNISTDEMO_DATA", str(tmp_path))
    small = np.zeros((10, 28, 28), np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=small, y_train=np.zeros(10, np.uint8), x_test=small,
             y_test=np.zeros(10, np.uint8))
    with pytest.raises(ValueError, match="corrupt"):
        load_dataset("mnist")


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown data set"):
        load_dataset("cifar10")
