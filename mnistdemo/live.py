"""Live runs: each training run in its own spawned process, streaming batch/epoch events back; no UI.

TensorFlow keeps a few MB of state per trained model in the process that trained it (even
after `keras.backend.clear_session()`), so a long-lived server that trained in a thread
grew with every run. A child process gives all of it back when it exits. The child loads
the data set from the cache itself, trains, evaluates on the test set and saves the model
into a private temp folder; the parent streams its events, then loads the saved model.
"""

import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import NoReturn

import numpy as np

from mnistdemo import configure_threads
from mnistdemo.checkpoints import load, outputs_logits, save
from mnistdemo.data import load_dataset
from mnistdemo.evaluate import Evaluation
from mnistdemo.experiments import BatchEvent, CompletedRun, EpochEvent, EventReporter, finish_run, train_size
from mnistdemo.inference import LoadedModel
from mnistdemo.train import TrainConfig, train

EVALUATING = "evaluating"  # the child's message once training is over and it measures the test set
EXIT_WAIT = 30.0  # seconds a finished child may take to exit before it is killed


class RunFailed(RuntimeError):
    """A run ended without a model: its process died or training raised something other than ValueError."""


@dataclass(frozen=True)
class Finished:
    """The child's last message on success: the sidecar and test-set evaluation (the model is on disk)."""

    meta: dict
    evaluation: Evaluation


@dataclass(frozen=True)
class Failed:
    """The child's last message when training raised: the message, and whether the settings were at fault."""

    message: str
    bad_settings: bool  # a ValueError: the parent re-raises it as one


class _PipeSink:
    """The child's end of the pipe, with the `put` that EventReporter calls."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def put(self, item: object) -> None:
        self.conn.send(item)


def _train_in_child(config: TrainConfig, name: str, folder: Path, conn: Connection, stop: Event) -> NoReturn:
    """The child process: train, evaluate, save `<name>.keras` into `folder`; report through `conn`."""
    configure_threads()
    try:
        data = load_dataset(config.dataset)
        reporter = EventReporter(_PipeSink(conn), train_size(config, data), config.recipe.batch_size)
        result = train(config, data, [reporter], stop)
        conn.send(EVALUATING)
        run = finish_run(result, data, name)
        save(run.model.model, run.meta, folder)
        conn.send(Finished(run.meta, run.evaluation))
    except Exception as error:  # handed to the parent, which raises it where the run is streamed
        conn.send(Failed(f"{error}" if isinstance(error, ValueError) else f"{type(error).__name__}: {error}",
                         isinstance(error, ValueError)))
    finally:
        conn.close()
    # All is sent and saved: skip the interpreter's teardown, which TensorFlow drags out to ~0.9 s.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def death_message(exitcode: int | None) -> str:
    """What to tell a person whose training process ended without a result."""
    if exitcode is not None and exitcode < 0:
        how = f"was killed (signal {signal.Signals(-exitcode).name})"
        if -exitcode == signal.SIGKILL:
            how += ", most likely because the server ran short of memory"
    elif exitcode:
        how = f"crashed (exit code {exitcode})"
    else:
        how = "ended without a result"
    return f"The training process {how}. Nothing was kept from this run; you can start a new one."


class LiveRun:
    """One training run in a spawned child process; its events wait here for whoever streams them.

    `stop` is anything with is_set() (the session's Stop flag); it is passed on to the child, which
    ends training at the next batch and keeps the model trained so far.
    """

    def __init__(self, config: TrainConfig, name: str, stop: threading.Event):
        self.config, self.name, self.stop = config, name, stop
        self.started = time.monotonic()
        self.evaluating = False  # training is over; the child measures the test set
        self._pending: list[BatchEvent | EpochEvent] = []
        self._batches: list[tuple[float, float, float]] = []  # epoch, loss, accuracy of every batch
        self._outcome: Finished | Failed | None = None
        self._ended = False  # the last message came, or the pipe closed because the child died
        self._lock = threading.Lock()
        self._closed = False
        self.exitcode: int | None = None  # the child's, once close() has reaped it
        self.folder = Path(tempfile.mkdtemp(prefix="mnistdemo-run-"))  # private (0700), removed by close()
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of the server's TF state
        self._child_stop = context.Event()
        self._conn, child_end = context.Pipe(duplex=False)
        self._process = context.Process(target=_train_in_child, name=f"mnistdemo-train-{name}", daemon=True,
                                        args=(config, name, self.folder, child_end, self._child_stop))
        try:
            self._process.start()
        except OSError as error:  # no memory or process slots left for another interpreter
            self.close()
            raise RunFailed(f"Could not start a training process ({error}). Try again in a moment.") from None
        finally:
            child_end.close()  # the child holds the only writing end, so its death reads as end of file
        self.pid: int = self._process.pid  # the child that trains

    @property
    def done(self) -> bool:
        """The child has sent its last message (or died) and every event has been drained."""
        return self._ended and not self._pending

    def _receive(self, timeout: float) -> None:
        """Pass on a Stop request; take one message from the child if one comes within `timeout` s."""
        if self.stop.is_set():
            self._child_stop.set()
        try:
            if not self._conn.poll(timeout):
                return
            message = self._conn.recv()
        except (EOFError, OSError):  # the child died (or the run was closed under us)
            self._ended = True
            return
        if isinstance(message, BatchEvent):
            self._batches.append((message.epoch, message.loss, message.accuracy))
        if isinstance(message, (BatchEvent, EpochEvent)):
            self._pending.append(message)
        elif message == EVALUATING:
            self.evaluating = True
        else:
            self._outcome, self._ended = message, True

    def drain(self, wait: float) -> list[BatchEvent | EpochEvent]:
        """Every event that arrives within `wait` seconds (returns early once the run has ended)."""
        deadline = time.monotonic() + wait
        while not self._ended and time.monotonic() < deadline:
            self._receive(max(0.0, min(0.05, deadline - time.monotonic())))
        out, self._pending = self._pending, []
        return out

    def wait(self) -> CompletedRun:
        """Block until the run ends; the finished run with its model loaded, or ValueError / RunFailed."""
        try:
            while not self._ended:
                self._receive(0.1)
            if isinstance(self._outcome, Failed):
                raise (ValueError if self._outcome.bad_settings else RunFailed)(self._outcome.message)
            if not isinstance(self._outcome, Finished):
                self.close(grace=EXIT_WAIT)  # reaps the dead child, so its exit code is known
                raise RunFailed(death_message(self.exitcode))
            model, _ = load(self.folder / f"{self.name}.keras")
            meta = self._outcome.meta
            return CompletedRun(self.name, meta, self._outcome.evaluation,
                                LoadedModel(self.name, model, meta, outputs_logits(meta)),
                                np.array(self._batches, dtype=np.float64).reshape(-1, 3))
        finally:
            self.close(grace=EXIT_WAIT)  # a child that has sent its last message exits by itself

    def close(self, grace: float = 0.0) -> None:
        """End the child (after `grace` s to exit by itself) and remove its temp folder; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._child_stop.set()
            if self._process.is_alive():
                self._process.join(grace)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self.exitcode = self._process.exitcode
            self._process.close()
            self._conn.close()
            shutil.rmtree(self.folder, ignore_errors=True)
