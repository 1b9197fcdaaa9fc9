"""Live runs in their own process: events stream back, Stop keeps the model, a killed child is a clear error."""

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from http_api import events, train_inputs  # bench/http_api.py, on the path through conftest
from load import TrainingRun  # bench/load.py
from long_use import training_children  # bench/long_use.py
from mnistdemo.architectures import CustomCNN, Recipe
from mnistdemo.checkpoints import SAFE_STEM
from mnistdemo.data import load_dataset
from mnistdemo.experiments import BatchEvent, EpochEvent, finish_run
from mnistdemo.live import LiveRun, RunFailed, death_message
from mnistdemo.train import TrainConfig, train, with_recipe

pytestmark = pytest.mark.slow

# 1000 images, a quarter held out: 750 to train = 6 batches of 128 (the last of 110) in one epoch.
TINY = TrainConfig(arch="custom", custom=CustomCNN(blocks=1, filters=8), train_subset=1000, seed=1,
                   recipe=Recipe(learning_rate=3e-3, batch_size=128, epochs=1, validation_split=0.25))
# The Train tab's controls by label prefix, for runs through the real server.
TINY_RUN = {"Data set": "mnist", "Architecture": "custom", "Conv + pool blocks": 1, "Kernel size": 3,
            "Filters in the first block": 8, "Dense hidden layer": 0, "Batch normalisation": False,
            "Optimiser": "adam", "Learning-rate schedule": "constant", "Learning rate": 1e-3, "Batch size": 128,
            "Epochs": 1, "Training images": 1000, "Validation split": 0.0, "ReduceLROnPlateau": False,
            "EarlyStopping": False, "Augmentation": False, "Seed": 0}
LONG_RUN = {**TINY_RUN, "Epochs": 20, "Training images": 60000}  # minutes: it must be ended, not finish


def _batches(live: LiveRun, count: int = 1, timeout: float = 120) -> list:
    """Drain until `count` BatchEvents have come; the events so far."""
    got, deadline = [], time.monotonic() + timeout
    while sum(isinstance(e, BatchEvent) for e in got) < count and not live.done and time.monotonic() < deadline:
        got += live.drain(0.05)
    return got


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist")


def test_a_run_trains_in_a_child_process_and_becomes_a_drawable_model(mnist):
    live = LiveRun(TINY, "run01-custom", threading.Event())
    # Another process: our child, a fresh interpreter (multiprocessing's spawn_main), not a fork of this one.
    assert live.pid != os.getpid() and training_children(os.getpid()) == [live.pid]
    folder = live.folder
    assert folder.is_dir() and folder.stat().st_mode & 0o077 == 0  # private to this user
    got = []
    while not live.done:
        got += live.drain(0.2)
    run = live.wait()
    assert sum(isinstance(e, BatchEvent) for e in got) == 6 and sum(isinstance(e, EpochEvent) for e in got) == 1
    assert live.evaluating and live.exitcode == 0
    assert not folder.exists() and not Path(f"/proc/{live.pid}").exists()  # the child is reaped, its files gone
    # The run as the Draw tab and the comparison use it.
    assert SAFE_STEM.match(run.name) and run.meta["name"] == "run01-custom"
    assert run.meta["params"] == run.model.model.count_params()
    assert run.meta["test_accuracy"] == pytest.approx(run.evaluation.accuracy, abs=1e-6)
    assert run.meta["epochs"] == 1 and len(run.meta["per_class_accuracy"]) == 10
    assert np.array_equal(run.batches, [(e.epoch, e.loss, e.accuracy) for e in got if isinstance(e, BatchEvent)])
    assert getattr(run.model.model, "optimizer", None) is None  # the served copy carries no training state
    probs = run.model.probabilities(mnist.x_test[:200].astype(np.float32) / 255)
    assert np.mean(probs.argmax(axis=1) == run.evaluation.predicted[:200]) == 1.0
    assert sum(run.model.predict(255 - mnist.x_test[0]).values()) == pytest.approx(1.0, abs=1e-4)
    # The same seed trained here, in this process, scores the same on the test set.
    here = finish_run(train(TINY, mnist), mnist, "run01-custom")
    assert run.evaluation.accuracy == pytest.approx(here.evaluation.accuracy, abs=0.01)


def test_stop_ends_the_child_run_at_the_next_batch_and_keeps_the_model(mnist):
    stop = threading.Event()
    live = LiveRun(with_recipe(TINY, epochs=20, validation_split=0.0), "run02-custom", stop)  # 160 batches
    _batches(live, 10)
    stop.set()  # as the Stop button does: the session's own flag, handed on to the child
    run = live.wait()
    assert run.meta["stopped_early"] and run.meta["epochs"] < 20 and 10 <= len(run.batches) < 160
    assert run.evaluation.accuracy > 0.3  # the batches it trained already beat chance
    probs = run.model.probabilities(mnist.x_test[:100].astype(np.float32) / 255)
    assert np.mean(probs.argmax(axis=1) == run.evaluation.predicted[:100]) == 1.0


def test_a_killed_child_is_one_clear_error_and_leaves_nothing_behind():
    live = LiveRun(with_recipe(TINY, epochs=50), "run03-custom", threading.Event())
    _batches(live)
    os.kill(live.pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would
    with pytest.raises(RunFailed, match=r"^The training process was killed \(signal SIGKILL\), most likely "
                                        r"because the server ran short of memory\. Nothing was kept"):
        live.wait()
    assert live.exitcode == -signal.SIGKILL and not live.folder.exists()
    assert death_message(3).startswith("The training process crashed (exit code 3).")


def test_settings_training_refuses_come_back_as_value_errors():
    live = LiveRun(with_recipe(TINY, epochs=0), "run04-custom", threading.Event())
    with pytest.raises(ValueError, match="Epochs must be 1-200"):
        live.wait()
    assert live.exitcode == 0 and not live.folder.exists()


def test_closing_a_run_ends_its_process_at_once():
    live = LiveRun(with_recipe(TINY, epochs=50), "run05-custom", threading.Event())
    _batches(live)
    live.close()
    assert live.exitcode == -signal.SIGTERM and not live.folder.exists()
    live.close()  # twice is fine


# ---- the real server ------------------------------------------------------------------------

def test_the_server_trains_in_a_child_and_starts_again_after_one_is_killed(app_server):
    proc, url = app_server
    session = "live-killed"
    run = TrainingRun(url, {**TINY_RUN, "Epochs": 20}, session).start()
    assert run.started.wait(180) and run.running, run.error
    children = training_children(proc.pid)
    assert len(children) == 1 and children[0] != proc.pid
    os.kill(children[0], signal.SIGKILL)
    assert run.wait(60) == "error"
    assert run.error["error"].startswith("The training process was killed (signal SIGKILL)"), run.error
    assert training_children(proc.pid) == []
    # Nothing stays locked: the next run is not told to wait, trains in a new child and finishes.
    following = TrainingRun(url, TINY_RUN, session).start()
    assert "Another run is training" not in following.statuses[0]
    assert following.wait(180) == "complete", following.error
    assert "now in the Draw tab" in following.statuses[-1] and "run02-custom" in following.statuses[-1]
    assert training_children(proc.pid) == []


def test_a_visitor_who_leaves_mid_run_ends_its_child(app_server):
    proc, url = app_server
    inputs = train_inputs(url, "train_one", LONG_RUN)
    stream = events(url, "train_one", inputs, "live-leaves", timeout=180)
    for _, data in stream:
        if isinstance(data, list) and "batch " in str(data[0]):
            break
    assert len(training_children(proc.pid)) == 1
    stream.close()  # the visitor closes the tab: the server sees the stream end
    deadline = time.monotonic() + 60
    while training_children(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert training_children(proc.pid) == []
    following = TrainingRun(url, TINY_RUN, "live-after-leaving").start()
    assert following.wait(180) == "complete", following.error
