"""The command line that reproduces shipped models: train a tiny model, save it, evaluate it."""

import json
import subprocess
import sys

from mnistdemo.config import REPO_DIR


def _cli(*args: str, cwd=REPO_DIR) -> str:
    done = subprocess.run([sys.executable, "-m", "mnistdemo", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_train_saves_a_model_with_its_sidecar_and_evaluate_rescores_it(tmp_path):
    out = _cli("train", "--arch", "pytorch_tutorial_cnn", "--subset", "1024", "--epochs", "1",
               "--schedule", "onecycle", "--optimizer", "adam", "--lr", "1e-2", "--val-split", "0",
               "--no-reduce-lr", "--no-early-stop", "--name", "tiny", "--out", str(tmp_path),
               "--resume-dir", str(tmp_path / "backup"))
    assert "test accuracy" in out
    meta = json.loads((tmp_path / "tiny.json").read_text())
    assert meta["arch"] == "pytorch_tutorial_cnn" and meta["config"]["train_subset"] == 1024
    assert meta["command"].startswith("python -m mnistdemo train --arch pytorch_tutorial_cnn")
    assert "--out" not in meta["command"] and str(tmp_path) not in meta["command"]
    assert not any((tmp_path / "backup").glob("*"))  # a finished run leaves no backup behind
    assert 0.5 < meta["test_accuracy"] < 1.0  # 1,024 images, one epoch: far above chance
    scored = _cli("evaluate", "tiny", "--dir", str(tmp_path))
    assert f"sidecar {meta['test_accuracy']:.4%}" in scored
    assert f"test accuracy {meta['test_accuracy']:.4%}" in scored


def test_drawn_digits_only_join_mnist():
    done = subprocess.run([sys.executable, "-m", "mnistdemo", "train", "--arch", "lenet5_bn", "--dataset",
                           "fashion_mnist", "--drawn-copies", "1", "--subset", "64", "--epochs", "1"],
                          cwd=REPO_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "Drawn digits can only be added to MNIST" in done.stderr
