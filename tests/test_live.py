"""Training workers through the real server: a killed worker is one clear error and is replaced, a visitor who
leaves mid-run frees the worker; and the words a dead worker's visitors read.

Run alone: .venv/bin/python -m pytest -q tests/test_live.py (starts the app; the slow tests train tiny runs)
"""

import os
import signal
import time

import pytest

from mnistdemo.live import death_message
from support.api import english, events, train_inputs
from support.processes import training_children
from support.training import TINY_RUN, TrainingRun

LONG_RUN = {**TINY_RUN, "Epochs": 20, "Training images": 60000}  # many minutes: it must be ended, not finish


def test_what_a_dead_workers_visitors_read():
    assert death_message(-signal.SIGKILL) == ("The training process was killed (signal SIGKILL), most likely because "
                                              "the server ran short of memory. Nothing was kept from this run; you "
                                              "can start a new one.")
    assert death_message(-signal.SIGTERM).startswith("The training process was killed (signal SIGTERM).")
    assert death_message(3).startswith("The training process crashed (exit code 3).")
    assert death_message(0).startswith("The training process ended without a result.")


def _workers(pid: int, count: int = 1, timeout: float = 180) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(found := training_children(pid)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


@pytest.mark.slow
def test_the_server_trains_in_a_worker_and_replaces_one_that_is_killed(app_server):
    proc, url = app_server
    session = "live-killed"
    run = TrainingRun(url, {**TINY_RUN, "Epochs": 20, "Seed": 101}, session).start()
    assert run.started.wait(180) and run.running, run.error
    workers = _workers(proc.pid)
    assert len(workers) == 1 and workers[0] != proc.pid  # one per two cores, at least one
    os.kill(workers[0], signal.SIGKILL)
    assert run.wait(60) == "error"
    assert run.error["error"].startswith("The training process was killed (signal SIGKILL)"), run.error
    # A fresh worker takes its place; the next run trains on it and finishes.
    following = TrainingRun(url, {**TINY_RUN, "Seed": 102}, session).start()
    assert following.wait(180) == "complete", following.error
    assert "now in the Draw tab" in following.statuses[-1] and "run02-custom" in following.statuses[-1]
    assert _workers(proc.pid) not in ([], workers)


@pytest.mark.slow
def test_a_visitor_who_leaves_mid_run_frees_the_worker(app_server):
    proc, url = app_server
    inputs = train_inputs(url, "train_one", {**LONG_RUN, "Seed": 103})
    stream = events(url, "train_one", inputs, "live-leaves", timeout=180)
    for _, data in stream:
        if isinstance(data, list) and "batch " in english(str(data[0])):  # a status with a batch count
            break
    assert len(_workers(proc.pid)) == 1
    stream.close()  # the visitor closes the tab: the server sees the stream end, and nobody else is on the run
    # The long run (many minutes) is dropped: the next run gets the worker and finishes.
    following = TrainingRun(url, {**TINY_RUN, "Seed": 104}, "live-after-leaving").start()
    assert following.wait(180) == "complete", following.error
