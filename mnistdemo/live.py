"""A warm training worker: a process forked with TensorFlow and the data sets already in memory
(mnistdemo/warm.py) that trains one run at a time for the pool (mnistdemo/workers.py), streaming its
events back; no UI.

The worker and the server talk over one pipe. The server sends a `Job` (or None: exit); the worker
answers with `Ready` once warm, then for each job its BatchEvents and EpochEvents, EVALUATING, and
one last message: `Finished` (the model is saved in the job's folder), `Failed` or `Dropped`.
TensorFlow keeps a few MB of state per trained model in the process that trained it, so the pool
retires a worker after some runs or above a memory bound and starts a fresh one.
"""

import os
import signal
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import NoReturn

from mnistdemo.checkpoints import save
from mnistdemo.config import DATASETS
from mnistdemo.evaluate import Evaluation
from mnistdemo.events import EventReporter, train_size
from mnistdemo.presets import QUICK
from mnistdemo.runs import measure_run
from mnistdemo.train import TrainConfig, prepare, skip_graph_rewriting, train

EVALUATING = "evaluating"  # the worker's message once training is over and it measures the test set


class RunFailed(RuntimeError):
    """A run ended without a model: its worker died or training raised something other than ValueError."""


@dataclass(frozen=True)
class Job:
    """One run for a worker: train `config`, save the model as `<name>.keras` into `folder`."""

    number: int  # the pool's job number; the stop/drop flags name the job they are meant for
    config: TrainConfig
    name: str
    folder: Path


@dataclass(frozen=True)
class Ready:
    """The worker is warm: TensorFlow imported and the data sets in memory."""

    seconds: float  # how long warming up took


@dataclass(frozen=True)
class Finished:
    """The last message of a run that has a model: its sidecar and test-set evaluation (the model is on disk)."""

    meta: dict
    evaluation: Evaluation
    seconds: float  # from taking the job to the saved model


@dataclass(frozen=True)
class Failed:
    """The last message when training raised: the message, and whether the settings were at fault."""

    message: str
    bad_settings: bool  # a ValueError: the server re-raises it as one


@dataclass(frozen=True)
class Dropped:
    """The last message of a run nobody wanted any more: training ended early and nothing was saved."""


class _JobFlag:
    """Set when the server asks job `number` to stop (keep the model) or to be dropped (keep nothing)."""

    def __init__(self, number: int, stop_job: Synchronized, drop_job: Synchronized):
        self.number, self.stop_job, self.drop_job = number, stop_job, drop_job

    @property
    def dropped(self) -> bool:
        return self.drop_job.value == self.number

    def is_set(self) -> bool:
        return self.stop_job.value == self.number or self.dropped


class _PipeSink:
    """The worker's end of the pipe, with the `put` that EventReporter calls."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def put(self, item: object) -> None:
        self.conn.send(item)


def _train_job(job: Job, datasets: dict, missing: dict, conn: Connection, flag: _JobFlag) -> None:
    """Train, evaluate and save one job, reporting through `conn`; every outcome ends in one last message."""
    started = time.perf_counter()
    try:
        config = job.config
        if config.dataset in missing:
            raise RunFailed(missing[config.dataset])
        if config.dataset not in datasets:
            raise ValueError(f"Unknown data set {config.dataset!r}; choose one of {', '.join(DATASETS)}.")
        data = datasets[config.dataset]
        reporter = EventReporter(_PipeSink(conn), train_size(config, data), config.recipe.batch_size)
        result = train(config, data, [reporter], flag, keep_traced=True)
        if flag.dropped:
            conn.send(Dropped())
            return
        conn.send(EVALUATING)
        meta, evaluation = measure_run(result, data, job.name)
        save(result.model, meta, job.folder)  # as a fresh copy: the server loads it from there
        conn.send(Finished(meta, evaluation, time.perf_counter() - started))
    except (ConnectionError, EOFError):
        raise  # the pipe is gone: the server ended; the worker exits
    except Exception as error:  # handed to the server, which raises it where the run is streamed
        conn.send(Failed(f"{error}" if isinstance(error, (ValueError, RunFailed))
                         else f"{type(error).__name__}: {error}", isinstance(error, ValueError)))


def _prepare_default(conn: Connection, datasets: dict) -> None:
    """While no job waits, trace the Train tab's default run, so that a Start on the defaults trains at once."""
    if not conn.poll() and QUICK.dataset in datasets:
        prepare(QUICK, datasets[QUICK.dataset])


# Training gives way to the server: a class's strokes are answered first, and a run trains on what is left.
WORKER_NICENESS = 10


def serve(conn: Connection, stop_job: Synchronized, drop_job: Synchronized, threads: int) -> NoReturn:
    """The worker process: train the jobs the server sends until it sends None or goes away."""
    started = time.perf_counter()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in `make run` ends the server, which ends us
    os.nice(WORKER_NICENESS)
    from mnistdemo import configure_threads

    configure_threads(threads=threads)  # before TensorFlow runs anything in this process
    skip_graph_rewriting()
    import keras

    from mnistdemo import warm  # already in memory when forked from the fork server that preloaded it

    try:
        conn.send(Ready(time.perf_counter() - started))
        _prepare_default(conn, warm.DATASETS)
        while (job := conn.recv()) is not None:
            _train_job(job, warm.DATASETS, warm.MISSING, conn, _JobFlag(job.number, stop_job, drop_job))
            # Frees what it can of the run's graphs, with one garbage collection; the pool recycles the rest.
            keras.backend.clear_session()
            _prepare_default(conn, warm.DATASETS)
    except (ConnectionError, EOFError):
        pass  # the server is gone
    finally:
        conn.close()
    # Skip the interpreter's teardown, which TensorFlow drags out to ~0.9 s.
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
