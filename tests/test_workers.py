"""The pool of warm training workers: identical runs trained once, the queue's places, Stop, dead and worn-out
workers, and two visitors on one run through the real server.

Run alone: .venv/bin/python -m pytest -q tests/test_workers.py (the slow tests train tiny runs, some through the app)
"""

import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest

from mnistdemo.architectures import CustomCNN, Recipe
from mnistdemo.checkpoints import load
from mnistdemo.config import REPO_DIR
from mnistdemo.events import BatchEvent, EpochEvent
from mnistdemo.live import WORKER_NICENESS, RunFailed, death_message
from mnistdemo.train import TrainConfig, with_recipe
from mnistdemo.workers import SIZE_ENV, TrainingPool, default_size
from support.api import call, train_inputs
from support.training import TINY_RUN, TrainingRun

# 500 images = 4 batches of 128 (the last of 116) in one epoch, on a one-block CNN: seconds, most of it evaluation.
TINY = TrainConfig(arch="custom", custom=CustomCNN(blocks=1, filters=8), train_subset=500, seed=1,
                   recipe=Recipe(learning_rate=3e-3, batch_size=128, epochs=1, validation_split=0.0))
LONG = replace(with_recipe(TINY, epochs=200), train_subset=2000)  # 3,200 batches: it must be ended, not finish


def _until(condition, timeout: float = 120, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _training(handle, batches: int = 2) -> list:
    """Take events until `batches` BatchEvents have come; the events so far."""
    got = []
    _until(lambda: got.extend(handle.events()) or sum(isinstance(e, BatchEvent) for e in got) >= batches,
           what="batches")
    return got


def _weights(run) -> list[np.ndarray]:
    return run.model.model.get_weights()


def test_the_pool_size_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(SIZE_ENV, "3")
    assert default_size() == 3
    for bad in ("0", "-1", "two"):
        monkeypatch.setenv(SIZE_ENV, bad)
        with pytest.raises(ValueError, match=f"{SIZE_ENV} must be a whole number"):
            default_size()
    monkeypatch.delenv(SIZE_ENV)
    assert default_size() == max(1, len(os.sched_getaffinity(0)) // 2)


@pytest.fixture(scope="module")
def pool():
    # Tests here follow one worker through several runs; recycling it when its memory grows (which the full suite's
    # runs can set off: a worker replaced at the end of a run here once) is tested on a pool of its own below.
    pool = TrainingPool(size=1, max_growth_mb=float("inf"))
    assert pool.wait_ready(300)
    yield pool
    pool.close()


@pytest.mark.slow
def test_a_warm_worker_streams_a_run_and_hands_over_the_model(pool):
    worker = pool.worker_pids()[0]
    handle = pool.submit(replace(TINY, seed=11), "run01-custom")
    got = []
    _until(lambda: got.extend(handle.events()) or handle.state == "done", what="the run")
    got += handle.events()
    run = handle.wait()
    assert sum(isinstance(e, BatchEvent) for e in got) == 4 and sum(isinstance(e, EpochEvent) for e in got) == 1
    assert 0 < handle.first_batch < 60 and handle.others == 0 and not handle.joined_finished
    assert run.name == run.meta["name"] == "run01-custom" and run.meta["epochs"] == 1
    assert np.array_equal(run.batches, [(e.epoch, e.loss, e.accuracy) for e in got if isinstance(e, BatchEvent)])
    assert run.meta["test_accuracy"] == pytest.approx(run.evaluation.accuracy, abs=1e-6)
    assert getattr(run.model.model, "optimizer", None) is None  # the served copy carries no training state
    assert pool.worker_pids() == [worker]  # the same warm worker serves the next run
    # It trains at a lower priority than the server, so that drawing is answered first.
    assert os.getpriority(os.PRIO_PROCESS, worker) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS)
    assert list(pool._folder.iterdir()) == []  # the saved model was read back and its files removed


@pytest.mark.slow
def test_identical_runs_are_trained_once_and_different_ones_are_not(pool):
    trained = pool.trained
    same = replace(TINY, seed=21)
    first, second = pool.submit(same, "run01-custom"), pool.submit(same, "run04-custom")
    other = pool.submit(with_recipe(same, learning_rate=1e-3), "run01-custom")  # other settings, same seed
    assert first.others == second.others == 1 and other.others == 0
    runs = [h.wait(300) for h in (first, second, other)]
    assert pool.trained - trained == 2
    assert [r.name for r in runs] == [r.meta["name"] for r in runs] == ["run01-custom", "run04-custom", "run01-custom"]
    # One model for both visitors on the same run, each under their own name; the other settings' model differs.
    assert all(np.array_equal(a, b) for a, b in zip(_weights(runs[0]), _weights(runs[1])))
    assert runs[0].model is not runs[1].model
    assert not all(np.array_equal(a, b) for a, b in zip(_weights(runs[0]), _weights(runs[2])))
    # The same run asked for after it finished comes at once, whole, without training again.
    later = pool.submit(same, "run02-custom")
    assert later.joined_finished and later.state == "done" and later.others == 2 and later.events() == []
    run = later.wait(5)
    assert run.name == "run02-custom" and run.evaluation is runs[0].evaluation
    assert np.array_equal(run.batches, runs[0].batches) and pool.trained - trained == 2


@pytest.mark.slow
def test_same_settings_and_seed_give_bit_identical_weights():
    from mnistdemo.data import load_dataset
    from mnistdemo.train import train

    mnist = load_dataset("mnist")
    for config in (replace(TINY, seed=7), with_recipe(replace(TINY, seed=7), augment=True, validation_split=0.2)):
        first, second = (train(config, mnist).model.get_weights() for _ in range(2))
        assert all(np.array_equal(a, b) for a, b in zip(first, second)), config
    other = train(replace(TINY, seed=8), mnist).model.get_weights()
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


@pytest.mark.slow
def test_a_workers_run_and_its_reproduce_command_give_the_same_weights(tmp_path):
    """Workers and the command line train alike (without graph rewriting): a run's sidecar command gives its
    weights bit for bit, in another process. (A pool of its own: the shared one counts runs to recycling.)"""
    config = TrainConfig(arch="lenet5_bn", train_subset=512, seed=3,  # batch norm: rewriting moves its last bits
                         recipe=Recipe(learning_rate=1e-2, batch_size=128, epochs=1, validation_split=0.0))
    pool = TrainingPool(size=1)
    try:
        run = pool.submit(config, "run01-lenet5_bn").wait(300)
    finally:
        pool.close()
    command = shlex.split(run.meta["command"])
    assert command[:4] == ["python", "-m", "mnistdemo", "train"], command
    done = subprocess.run([sys.executable, *command[1:], "--name", "again", "--out", str(tmp_path)],
                          cwd=REPO_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    again = load(tmp_path / "again.keras")[0].get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(_weights(run), again, strict=True))


@pytest.mark.slow
def test_the_queue_gives_each_visitor_a_place_that_counts_down_and_stop_leaves_it(pool):
    trained = pool.trained
    running = pool.submit(replace(LONG, seed=31), "run01-custom")
    _training(running, 20)  # enough batches for a steady pace
    first, second = pool.submit(replace(TINY, seed=32), "run01-custom"), pool.submit(replace(TINY, seed=33), "run02")
    also_second = pool.submit(replace(TINY, seed=33), "run07-custom")  # joins the second's queued run
    assert pool.busy() and running.place == 0 and running.state == "training"
    assert (first.place, second.place, also_second.place) == (1, 2, 2) and first.state == "queued"
    waits = [first.starts_in, second.starts_in, also_second.starts_in]
    assert 0 < waits[0] < waits[1] and waits[2] == pytest.approx(waits[1], abs=0.5)
    before = first.starts_in
    # The long run's batches go on, so the wait shrinks (within seconds: its pace is measured, not fixed; on a
    # machine whose speed changes, the pace measured so far moves too and holds the countdown back a while).
    _until(lambda: first.starts_in < before - 1, 30, "the estimated wait to count down")
    assert also_second.stop() == "left queue" and also_second.left and second.place == 2  # the other stays
    assert first.stop() == "left queue" and first.left and first.state == "done" and second.place == 1
    with pytest.raises(RunFailed, match="You left this run"):
        first.wait(1)
    assert running.stop() == "stopping"  # alone on it: it stops at the next batch and keeps the model
    stopped = running.wait(120)
    assert stopped.meta["stopped_early"] and len(stopped.batches) < 3200
    assert second.wait(300).name == "run02" and pool.trained - trained == 2  # the first never trained


@pytest.mark.slow
def test_stop_on_a_shared_run_leaves_it_to_the_others_and_a_run_nobody_follows_is_dropped(pool):
    trained = pool.trained
    config = replace(LONG, seed=41)
    mine, theirs = pool.submit(config, "run01-custom"), pool.submit(config, "run01-custom")
    _training(mine)
    assert mine.stop() == "left shared" and mine.left and mine.state == "done"
    assert theirs.state == "training" and theirs.others == 0  # it goes on for them
    assert theirs.stop() == "stopping"
    assert theirs.wait(120).meta["stopped_early"]
    # A stopped run is not what its settings describe: the same settings again train a new run.
    again = pool.submit(config, "run02-custom")
    assert not again.joined_finished and again.others == 0
    _training(again)
    worker = again.worker_pid
    again.close()  # the visitor left: nobody follows it, so the worker drops it and is free at once
    following = pool.submit(replace(TINY, seed=42), "run03-custom")
    _until(lambda: following.state != "queued", 60, "the worker to take the next run")
    assert following.worker_pid == worker and following.wait(300).name == "run03-custom"
    assert pool.trained - trained == 3


@pytest.mark.slow
def test_bad_settings_are_a_value_error_and_the_worker_goes_on(pool):
    worker = pool.worker_pids()
    with pytest.raises(ValueError, match="Epochs must be 1-200"):
        pool.submit(with_recipe(TINY, epochs=0), "run01-custom").wait(120)
    assert pool.worker_pids() == worker


@pytest.mark.slow
def test_a_killed_worker_fails_its_run_with_one_clear_message_and_is_replaced(pool):
    config = replace(LONG, seed=51)
    handles = [pool.submit(config, "run01-custom"), pool.submit(config, "run05-custom")]
    _training(handles[0])
    killed = handles[0].worker_pid
    os.kill(killed, signal.SIGKILL)  # as the kernel's out-of-memory killer would
    for handle in handles:  # everybody on the run hears the same
        with pytest.raises(RunFailed, match=r"^The training process was killed \(signal SIGKILL\), most likely "
                                            r"because the server ran short of memory\. Nothing was kept"):
            handle.wait(60)
    assert killed not in pool.worker_pids()
    assert pool.wait_ready(300) and len(pool.worker_pids()) == 1 and killed not in pool.worker_pids()
    assert pool.submit(config, "run02-custom").others == 0  # a failed run is not offered to anybody
    assert death_message(3).startswith("The training process crashed (exit code 3).")
    run = pool.submit(replace(TINY, seed=52), "run03-custom")
    assert run.wait(300).name == "run03-custom"


@pytest.mark.slow
def test_workers_are_recycled_after_some_runs_and_above_a_memory_bound():
    pool = TrainingPool(size=1, max_runs=2)
    try:
        assert pool.wait_ready(300)
        pids = [pool.worker_pids()[0]]
        for seed in (61, 62):
            pool.submit(replace(TINY, seed=seed), f"run{seed}").wait(300)
        _until(lambda: pool.worker_pids()[0] != pids[0], 30, "a fresh worker after two runs")
        pids.append(pool.worker_pids()[0])
        _until(lambda: not os.path.exists(f"/proc/{pids[0]}") or open(f"/proc/{pids[0]}/stat").read().split()[2]
               == "Z", 60, "the worn-out worker to exit")
        pool.max_growth_mb = -1.0  # every worker has grown past this after a run
        pool.submit(replace(TINY, seed=63), "run63").wait(300)
        _until(lambda: pool.worker_pids()[0] != pids[1], 30, "a fresh worker above the memory bound")
    finally:
        pool.close()


# ---- the real server ------------------------------------------------------------------------

SHARED_RUN = {**TINY_RUN, "Seed": 12345}  # settings no other test trains


@pytest.mark.slow
def test_two_visitors_on_the_same_settings_share_one_run_but_not_their_lists(app_url):
    runs = [TrainingRun(app_url, SHARED_RUN, f"workers-{who}").start() for who in ("mine", "theirs")]
    assert [run.wait(300) for run in runs] == ["complete", "complete"], [run.error for run in runs]
    finals = [run.statuses[-1] for run in runs]
    assert all("now in the Draw tab" in final and "run01-custom" in final for final in finals), finals
    assert any("the same run as others" in final for final in finals), finals
    inputs = train_inputs(app_url, "train_one", SHARED_RUN)
    for run in runs:  # each visitor's own list holds their own copy
        summary = call(app_url, "run_outputs", ["run01-custom", "en"], run.session)[1][0]
        assert summary.startswith("### run01-custom")
    # A third visitor sees none of it.
    event, error = call(app_url, "run_outputs", ["run01-custom", "en"], "workers-nobody")
    assert event == "error" and "not in the list of choices: []" in error["error"]
    assert inputs  # the settings the two sent
