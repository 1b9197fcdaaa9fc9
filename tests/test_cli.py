"""The command line that reproduces shipped models: train a tiny model, save it, evaluate it.

Run alone: .venv/bin/python -m pytest -q tests/test_cli.py (trains a tiny model through the command line)
"""

import json
import subprocess
import sys
import time

from mnistdemo.config import REPO_DIR
from mnistdemo.preprocess import PREPROCESSING_VERSION


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
    assert meta["preprocessing_version"] == PREPROCESSING_VERSION
    assert meta["command"].startswith("python -m mnistdemo train --arch pytorch_tutorial_cnn")
    assert "--out" not in meta["command"] and str(tmp_path) not in meta["command"]
    assert not any((tmp_path / "backup").glob("*"))  # a finished run leaves no backup behind
    assert 0.5 < meta["test_accuracy"] < 1.0  # 1,024 images, one epoch: far above chance
    scored = _cli("evaluate", "tiny", "--dir", str(tmp_path))
    assert f"sidecar {meta['test_accuracy']:.4%}" in scored
    assert f"test accuracy {meta['test_accuracy']:.4%}" in scored

    _cli("train", "--arch", "pytorch_tutorial_cnn", "--subset", "1024", "--epochs", "1", "--schedule", "onecycle",
         "--optimizer", "adam", "--lr", "1e-3", "--val-split", "0", "--no-reduce-lr", "--no-early-stop",
         "--name", "tiny2", "--out", str(tmp_path), "--init-from", str(tmp_path / "tiny.keras"))
    second = json.loads((tmp_path / "tiny2.json").read_text())
    assert second["init_from"]["name"] == "tiny" and second["init_from"]["command"] == meta["command"]
    assert second["history"]["loss"][0] < meta["history"]["loss"][0] - 0.2  # it went on from the trained weights

    _cli("train", "--arch", "pytorch_tutorial_cnn", "--subset", "1024", "--epochs", "1", "--schedule", "onecycle",
         "--optimizer", "adam", "--lr", "1e-3", "--val-split", "0", "--no-reduce-lr", "--no-early-stop",
         "--name", "tiny3", "--out", str(tmp_path), "--init-from", str(tmp_path / "tiny2.keras"))
    third = json.loads((tmp_path / "tiny3.json").read_text())
    assert third["init_from"]["name"] == "tiny2" and third["init_from"]["init_from"]["name"] == "tiny"  # whole chain


def test_drawn_digits_only_join_mnist():
    done = subprocess.run([sys.executable, "-m", "mnistdemo", "train", "--arch", "lenet5_bn", "--dataset",
                           "fashion_mnist", "--drawn-copies", "1", "--subset", "64", "--epochs", "1"],
                          cwd=REPO_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "Drawn digits can only be added to MNIST" in done.stderr


def test_a_run_cut_off_resumes_and_its_sidecar_says_so(tmp_path):
    backup = tmp_path / "backup"
    args = [sys.executable, "-m", "mnistdemo", "train", "--arch", "pytorch_tutorial_cnn", "--subset", "8192",
            "--epochs", "3", "--schedule", "onecycle", "--optimizer", "adam", "--lr", "1e-2", "--val-split", "0",
            "--no-reduce-lr", "--no-early-stop", "--name", "cut", "--out", str(tmp_path), "--resume-dir", str(backup)]
    first = subprocess.Popen(args, cwd=REPO_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    record = backup / "training_metadata.json"
    deadline = time.monotonic() + 240
    while not record.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill()  # cut off right after the first epoch's backup, as a closed laptop or a session's end would
    first.wait()
    assert record.exists() and not (tmp_path / "cut.json").exists()
    epochs_backed_up = json.loads(record.read_text())["epoch"]
    assert epochs_backed_up >= 1

    out = _cli(*args[3:])
    assert f"Epoch {epochs_backed_up + 1}/3" in out and "Epoch 1/3" not in out
    meta = json.loads((tmp_path / "cut.json").read_text())
    assert meta["epochs"] == 3 and meta["resumed_after_epoch"] == epochs_backed_up
    assert len(meta["history"]["loss"]) == 3 - epochs_backed_up  # the history covers this sitting only
    assert not any(backup.glob("*"))


def test_export_writes_an_onnx_file_and_its_sidecar_and_refuses_unknown_names(tmp_path):
    out = _cli("export", "pytorch_tutorial_cnn-mnist", "--format", "onnx", "--out", str(tmp_path / "web"))
    path = tmp_path / "web" / "pytorch_tutorial_cnn-mnist.onnx"
    assert str(path) in out and path.stat().st_size > 10_000
    sidecar = json.loads((tmp_path / "web" / "pytorch_tutorial_cnn-mnist.onnx.json").read_text())
    assert sidecar["name"] == "pytorch_tutorial_cnn-mnist" and sidecar["preprocessing"] == "mnist_box"
    assert sidecar["onnx"]["bytes"] == path.stat().st_size

    done = subprocess.run([sys.executable, "-m", "mnistdemo", "export", "no_such_model", "--out", str(tmp_path)],
                          cwd=REPO_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "Unknown model 'no_such_model'; choose one of:" in done.stderr
    assert "best_mnist-mnist" in done.stderr and "Traceback" not in done.stderr
    assert not any(tmp_path.glob("*.onnx"))
