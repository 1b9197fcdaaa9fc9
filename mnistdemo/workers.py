"""A pool of warm training workers behind one small interface; identical runs are trained once; no UI.

    pool = TrainingPool()            # MNISTDEMO_TRAIN_WORKERS workers (default: one per two cores)
    handle = pool.submit(config, name)
    handle.events(); handle.place; handle.starts_in; handle.stop(); handle.wait() -> CompletedRun

Runs wait in one first-come queue for the next free worker (mnistdemo/live.py). Workers are forked from
a fork server that has imported TensorFlow and loaded the data sets once (mnistdemo/warm.py), so a fresh
worker is ready in well under a second: the pool replaces one after MAX_RUNS runs, or once its memory has
grown MAX_GROWTH_MB past where it was after its first run (TensorFlow keeps some of every run). A run whose settings
(seed and data set included) equal a queued, running or recently finished run's, under the same code,
joins that run instead: its events stream to every visitor on it and all get the same model, each
under their own run name. Same settings and seed give bit-identical weights (tests/test_workers.py),
so this changes nothing anybody sees but the wait. Another backend (a cluster) would offer the
same `submit` and handle.
"""

import functools
import hashlib
import heapq
import itertools
import logging
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_for_messages
from pathlib import Path

import numpy as np

from mnistdemo.events import BatchEvent, EpochEvent
from mnistdemo.runs import CompletedRun
from mnistdemo.live import EVALUATING, Dropped, Failed, Finished, Job, Ready, RunFailed, death_message, serve
from mnistdemo.train import TrainConfig

_log = logging.getLogger(__name__)

SIZE_ENV = "MNISTDEMO_TRAIN_WORKERS"
MAX_RUNS = 20  # runs per worker before it is replaced by a fresh one
MAX_GROWTH_MB = 100.0  # a worker whose resident memory grew more than this since its first run is replaced
RESULTS = 8  # finished runs kept for visitors who ask for the same run later
MAX_QUEUE = 64  # runs waiting; Start beyond this is refused with a message
WARM_GUESS = 15.0  # seconds until a new worker is ready (the fork server's first start), until measured
PACE_GUESS = 3e-4  # seconds per training image, until a run of that network has been measured
FIXED_GUESS = 2.0  # seconds of every run beyond its images: build, trace, evaluate, save
CODE_VERSION = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py"))
                                       )).hexdigest()[:12]  # the core package's sources: any change, new runs


def default_size() -> int:
    """Workers from $MNISTDEMO_TRAIN_WORKERS, else one per two cores (at least one)."""
    text = os.environ.get(SIZE_ENV, "").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"{SIZE_ENV} must be a whole number of workers, at least 1 (got {text!r}).")
        return int(text)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // 2)


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _images(config: TrainConfig) -> int:
    """Training images the run will go through, over all its epochs (60,000 per epoch at most)."""
    n = min(config.train_subset or 60_000, 60_000)
    return round(n * (1 - config.recipe.validation_split)) * config.recipe.epochs


def _network(config: TrainConfig) -> tuple:
    """What sets a run's pace per image: the network and its batch size."""
    return config.arch, config.custom, config.recipe.batch_size, config.recipe.augment


@dataclass(eq=False)
class _Job:
    """One run to train once, for every visitor who asked for it."""

    number: int
    config: TrainConfig
    folder: Path
    estimate: float  # seconds on a worker, from the pace of earlier runs
    state: str = "queued"  # queued -> training -> evaluating -> done
    takers: int = 0  # visitors on this run now, or who got its model
    attached: set = field(default_factory=set)  # handles still following it
    events: list = field(default_factory=list)  # every BatchEvent/EpochEvent so far
    worker: "_Worker | None" = None
    started: float = 0.0  # monotonic time a worker took it
    first_batch: float = 0.0  # seconds from `started` to the first batch
    last_batch: tuple[BatchEvent, float] | None = None  # the newest batch and when it came (monotonic)
    stopping: bool = False  # asked to stop early: its model is not the run its settings describe
    outcome: Finished | Failed | Dropped | None = None
    batches: np.ndarray | None = None  # (N, 3) epoch, loss, accuracy, once done
    weights: list | None = None  # the trained model's weights, read once for everybody
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        return f"job{self.number:05d}"


class _Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self, context, threads: int):
        self.conn, child_end = context.Pipe()
        self.stop_job, self.drop_job = context.Value("i", -1), context.Value("i", -1)
        self.process = context.Process(target=serve, name="mnistdemo-train-worker", daemon=True,
                                       args=(child_end, self.stop_job, self.drop_job, threads))
        self.spawned = time.monotonic()
        self.process.start()
        child_end.close()  # the worker holds the only other end, so its death reads as end of file
        self.pid: int = self.process.pid
        self.ready = False
        self.job: _Job | None = None
        self.runs = 0
        self.base_mb = 0.0  # resident memory after its first run
        self.retired = 0.0  # monotonic time it was asked to exit

    def free_in(self, warm: float, remaining) -> float:
        """Estimated seconds until this worker can take a job."""
        if self.job is not None:
            return remaining(self.job)
        return 0.0 if self.ready else max(warm - (time.monotonic() - self.spawned), 1.0)


class RunHandle:
    """One visitor's place on a run (maybe shared with others): its events, queue place, Stop and result."""

    def __init__(self, pool: "TrainingPool", job: _Job, name: str):
        self._pool, self._job, self.name = pool, job, name
        self._seen = 0 if job.state != "done" else len(job.events)  # a finished run comes whole, at once
        self.left = False  # this visitor stopped while queued, or left a run others go on with
        self.how_left = ""  # "left queue" or "left shared", once left
        self.joined_finished = job.state == "done"

    @property
    def state(self) -> str:
        """queued, training, evaluating or done (for this visitor: also done once they left)."""
        return "done" if self.left else self._job.state

    @property
    def others(self) -> int:
        """Other visitors on the same run (following it now, or who got its model)."""
        return max(0, self._job.takers - (0 if self.left else 1))

    @property
    def place(self) -> int:
        """1-based place in the queue; 0 once a worker has it."""
        return self._pool._place(self._job)

    @property
    def starts_in(self) -> float:
        """Estimated seconds until a worker takes this run (0 once one has)."""
        return self._pool._starts_in(self._job)

    @property
    def elapsed(self) -> float:
        """Seconds since a worker took the run (0 while queued)."""
        return time.monotonic() - self._job.started if self._job.started else 0.0

    @property
    def first_batch(self) -> float:
        """Seconds from the run's start to its first batch (0 before it)."""
        return self._job.first_batch

    @property
    def worker_pid(self) -> int | None:
        """The process training this run now, if any."""
        worker = self._job.worker
        return worker.pid if worker else None

    def events(self) -> list[BatchEvent | EpochEvent]:
        """The run's events this visitor has not seen yet (never blocks)."""
        with self._pool._lock:
            new = self._job.events[self._seen:]
            self._seen += len(new)
        return new

    def stop(self) -> str:
        """Stop: 'left queue' or 'left shared' (others go on with the run), else 'stopping' (model kept)."""
        return self._pool._stop(self, keep=True)

    def wait(self, timeout: float | None = None) -> CompletedRun:
        """Block until the run ends: this visitor's copy of it, or ValueError / RunFailed / TimeoutError."""
        job = self._job
        deadline = None if timeout is None else time.monotonic() + timeout
        while job.state != "done" and not self.left:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("The run has not ended yet.")
            time.sleep(0.05)
        if self.left:
            raise RunFailed("You left this run; nothing was kept for you.")
        if isinstance(job.outcome, Failed):
            raise (ValueError if job.outcome.bad_settings else RunFailed)(job.outcome.message)
        if not isinstance(job.outcome, Finished):
            raise RunFailed(death_message(None))
        weights = self._pool._weights(job)
        meta = {**job.outcome.meta, "name": self.name}
        from mnistdemo.architectures import outputs_logits
        from mnistdemo.checkpoints import rebuild
        from mnistdemo.inference import LoadedModel

        # The session keeps the weights; the network is built when first used (mnistdemo.inference.LoadedModel).
        model = LoadedModel(self.name, None, meta, outputs_logits(meta["arch"]),
                            build=functools.partial(rebuild, job.outcome.meta, weights))
        return CompletedRun(self.name, meta, job.outcome.evaluation, model, job.batches)

    def close(self) -> None:
        """This visitor is done with the run; if nobody else follows it, an unfinished run is dropped."""
        self._pool._stop(self, keep=False)


class TrainingPool:
    """Warm worker processes that train runs one at a time each, first come first served."""

    def __init__(self, size: int | None = None, max_runs: int = MAX_RUNS, max_growth_mb: float = MAX_GROWTH_MB,
                 results: int = RESULTS, max_queue: int = MAX_QUEUE):
        self.size = size or default_size()
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        self.threads = max(1, cores // self.size)  # each worker's share of the cores
        self.max_runs, self.max_growth_mb, self.results, self.max_queue = max_runs, max_growth_mb, results, max_queue
        self.trained = 0  # jobs a worker has taken (shared runs count once)
        # Forked from a fresh interpreter that preloaded TensorFlow and the data, never from the server itself.
        self._context = multiprocessing.get_context("forkserver")
        self._lock = threading.RLock()
        self._workers: list[_Worker] = []
        self._retiring: list[_Worker] = []
        self._queue: list[_Job] = []
        self._live: dict[tuple, _Job] = {}  # key -> a queued or running job new visitors may join
        self._finished: OrderedDict[tuple, _Job] = OrderedDict()  # key -> a finished job, oldest first
        self._numbers = itertools.count(1)
        self._pace: dict[tuple, float] = {}  # network -> seconds per training image
        self._fixed = FIXED_GUESS
        self._warm = WARM_GUESS
        self._failed_starts = 0
        self._started = 0.0  # monotonic time start() was called
        self._broken = ""  # why training is unavailable, once workers keep dying while warming up
        self._folder: Path | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # ---- the interface --------------------------------------------------------------------------

    def start(self) -> "TrainingPool":
        """Start the workers in the background (the first takes a TensorFlow import); safe to call twice."""
        with self._lock:
            if self._thread is None and not self._closed:
                self._folder = Path(tempfile.mkdtemp(prefix="mnistdemo-pool-"))  # private (0700)
                self._context.set_forkserver_preload(["mnistdemo.warm"])
                self._started = time.monotonic()
                self._thread = threading.Thread(target=self._dispatch, name="mnistdemo-pool", daemon=True)
                self._thread.start()
        return self

    def submit(self, config: TrainConfig, name: str) -> RunHandle:
        """Queue a run (or join the same run queued, training or recently finished); never blocks."""
        self.start()
        key = (CODE_VERSION, config)
        with self._lock:
            if self._closed or self._broken:
                raise RunFailed(self._broken or "The server is shutting down; training is not available.")
            job = self._live.get(key) or self._finished.get(key)
            if job is None:
                if len(self._queue) >= self.max_queue:
                    raise ValueError(f"The training queue is full ({len(self._queue)} runs waiting). "
                                     "Please try again in a few minutes.")
                job = _Job(next(self._numbers), config, self._folder, self._estimate(config))
                self._live[key] = job
                self._queue.append(job)
                self._assign()
            elif key in self._finished:
                self._finished.move_to_end(key)
            job.takers += 1
            handle = RunHandle(self, job, name)
            if job.state != "done":
                job.attached.add(handle)
            return handle

    def close(self) -> None:
        """End every worker and forget every run (the server is stopping)."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers + self._retiring, []
            for worker in workers:
                self._send(worker, None)
            for job in {*self._queue, *self._live.values(), *(w.job for w in workers if w.job)}:
                self._end(job, Failed("The server is shutting down.", False))
            self._queue.clear()
        for worker in workers:
            _reap(worker, grace=5)
        if self._thread is not None:
            self._thread.join(5)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def busy(self) -> bool:
        """True if a run started now would wait behind others: every worker is training, or runs are queued."""
        with self._lock:
            return bool(self._queue) or (len(self._workers) == self.size and all(w.job for w in self._workers))

    def worker_pids(self) -> list[int]:
        """The serving workers' process ids."""
        with self._lock:
            return [w.pid for w in self._workers]

    def wait_ready(self, timeout: float = 300) -> bool:
        """Block until every worker is warm (tests and benchmarks); False on timeout."""
        self.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self._workers) == self.size and all(w.ready for w in self._workers):
                    return True
            time.sleep(0.05)
        return False

    # ---- the dispatcher thread ------------------------------------------------------------------

    def _dispatch(self) -> None:
        """Route the workers' messages to their jobs; replace dead and worn-out workers; hand out jobs."""
        while not self._closed:
            try:
                self._dispatch_once()
            except Exception:  # a bug here must not stop every visitor's training: log it and go on
                _log.exception("training pool dispatcher")
                time.sleep(0.5)

    def _dispatch_once(self) -> None:
        """One round: start missing workers, take the messages that came, hand out queued runs."""
        self._top_up()
        with self._lock:
            conns = {w.conn: w for w in self._workers}
        if not conns:
            time.sleep(0.1)
        for conn in wait_for_messages(list(conns), timeout=0.1) if conns else ():
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the worker died
                message = None
                conns[conn].process.join(1)  # reaped outside the lock, so its exit code is known
            with self._lock:
                self._receive(conns[conn], message)
        with self._lock:
            self._reap_retired()
            self._assign()

    def _top_up(self) -> None:
        """Start workers until there are `size` (outside the lock: the first start waits for the fork server)."""
        while True:
            with self._lock:
                if self._closed or self._broken or len(self._workers) >= self.size:
                    return
            try:
                worker = _Worker(self._context, self.threads)
            except Exception:  # no memory or process slots, or a broken installation: say so, try again
                _log.exception("could not start a training worker")
                with self._lock:
                    self._failed_start()
                time.sleep(1)
                continue
            with self._lock:
                self._workers.append(worker)

    def _failed_start(self) -> None:
        """A worker could not start or died warming up; after three in a row, training is unavailable."""
        self._failed_starts += 1
        if self._failed_starts >= 3 and not self._closed:  # say so rather than start more
            self._broken = "Training is not available: its worker processes could not start (see the server's log)."
            for job in self._queue:
                self._end(job, Failed(self._broken, False))
            self._queue.clear()

    def _receive(self, worker: _Worker, message: object) -> None:
        job = worker.job
        if message is None:
            self._replace(worker, died=True)
        elif isinstance(message, Ready):
            worker.ready, self._warm, self._failed_starts = True, time.monotonic() - worker.spawned, 0
        elif job is None:
            return
        elif isinstance(message, (BatchEvent, EpochEvent)):
            if not job.events:
                job.first_batch = time.monotonic() - job.started
            if isinstance(message, BatchEvent):
                job.last_batch = message, time.monotonic()
            job.events.append(message)
        elif message == EVALUATING:
            job.state = "evaluating"
        else:
            worker.job, worker.runs = None, worker.runs + 1
            if isinstance(message, Finished):
                self._learn_pace(job.config, message.meta["train_seconds"], message.seconds)
            self._end(job, message)
            memory = rss_mb(worker.pid)
            worker.base_mb = worker.base_mb or memory
            if worker.runs >= self.max_runs or memory - worker.base_mb > self.max_growth_mb:
                self._replace(worker, died=False)

    def _assign(self) -> None:
        """Give queued jobs to warm, idle workers, first come first served."""
        for worker in self._workers:
            if not self._queue:
                return
            if worker.ready and worker.job is None:
                job = self._queue.pop(0)
                job.state, job.worker, job.started = "training", worker, time.monotonic()
                worker.job = job
                self.trained += 1
                self._send(worker, Job(job.number, job.config, job.name, job.folder))

    def _send(self, worker: _Worker, message: object) -> None:
        try:
            worker.conn.send(message)
        except OSError:
            pass  # it died; the dispatcher sees its end of file and replaces it

    def _replace(self, worker: _Worker, died: bool) -> None:
        """Retire `worker` (or bury it), fail its run if it died in one, and start a fresh worker."""
        if worker not in self._workers:
            return
        self._workers.remove(worker)
        if died:
            _reap(worker, grace=1)
            if worker.job is not None:
                self._end(worker.job, Failed(death_message(worker.process.exitcode), False))
            if not worker.ready:
                self._failed_start()
        else:
            self._send(worker, None)
            worker.retired = time.monotonic()
            self._retiring.append(worker)

    def _reap_retired(self) -> None:
        for worker in list(self._retiring):
            if not worker.process.is_alive() or time.monotonic() - worker.retired > 30:
                _reap(worker, grace=0)
                self._retiring.remove(worker)

    # ---- jobs ----------------------------------------------------------------------------------

    def _end(self, job: _Job, outcome: Finished | Failed | Dropped) -> None:
        """The run is over: keep a finished, complete run for later visitors; wake everybody on it."""
        key = (CODE_VERSION, job.config)
        if self._live.get(key) is job:
            del self._live[key]
        job.worker, job.outcome = None, outcome
        job.batches = np.array([(e.epoch, e.loss, e.accuracy) for e in job.events if isinstance(e, BatchEvent)],
                               dtype=np.float64).reshape(-1, 3)
        if isinstance(outcome, Finished) and not job.stopping and not outcome.meta.get("stopped_early"):
            self._finished[key] = job
            while len(self._finished) > self.results:
                _, old = self._finished.popitem(last=False)
                old.weights = None  # visitors who got them keep their own reference
                if not old.attached:
                    _remove_files(old)
        job.state = "done"
        if not job.attached:
            job.events = []
        if not isinstance(outcome, Finished):
            _remove_files(job)

    def _stop(self, handle: RunHandle, keep: bool) -> str:
        """Stop (keep=True) or close (keep=False) one visitor's place on a run."""
        with self._lock:
            job = handle._job
            if handle.left or handle not in job.attached:
                return "done"
            job.attached.discard(handle)
            if job.state == "done":
                if not job.attached:
                    job.events = []  # whoever joins a finished run gets it whole, without its events
                return "done"
            if job.state == "evaluating" and keep and not job.attached:
                job.attached.add(handle)  # training is over: nothing to stop, the model comes in a moment
                return "stopping"
            if job.attached or job.state == "queued" or not keep:
                handle.left, handle.how_left = True, "left queue" if job.state == "queued" else "left shared"
                job.takers -= 1
            if job.attached:
                return handle.how_left
            key = (CODE_VERSION, job.config)
            if self._live.get(key) is job:
                del self._live[key]  # nobody may join a run that will not be the one its settings describe
            job.stopping = True
            if job.state == "queued":
                self._queue.remove(job)
                self._end(job, Dropped())
                return "left queue"
            if job.worker is not None:
                (job.worker.stop_job if keep else job.worker.drop_job).value = job.number
            if keep:
                job.attached.add(handle)  # this visitor waits for the model trained so far
            return "stopping" if keep else "dropped"

    def _weights(self, job: _Job) -> list:
        """The finished job's trained weights, read once from its file for everybody on it."""
        with job.lock:
            if job.weights is None:
                from mnistdemo.checkpoints import load

                try:
                    model, _ = load(job.folder / f"{job.name}.keras")
                except Exception as error:  # its file went missing or is unreadable
                    raise RunFailed(f"The trained model could not be read back ({error}). "
                                    "You can start a new run.") from None
                job.weights = model.get_weights()
                _remove_files(job)
            return job.weights

    # ---- estimates -----------------------------------------------------------------------------

    def _estimate(self, config: TrainConfig) -> float:
        pace = self._pace.get(_network(config)) or (np.median(list(self._pace.values())) if self._pace
                                                     else PACE_GUESS)
        return self._fixed + _images(config) * float(pace)

    def _learn_pace(self, config: TrainConfig, fit_seconds: float, seconds: float) -> None:
        """Learn from a finished run: its network's seconds per image, and every run's fixed cost (the rest)."""
        pace = max(fit_seconds, 0.01) / max(_images(config), 1)
        old = self._pace.get(_network(config))
        self._pace[_network(config)] = pace if old is None else (old + pace) / 2
        self._fixed = (self._fixed + max(seconds - fit_seconds, 0.0)) / 2

    def _remaining(self, job: _Job) -> float:
        """Seconds until `job` (training) is done, from its batches' pace once they come."""
        now = time.monotonic()
        if job.last_batch is not None and job.last_batch[0].step > 1:
            event, at = job.last_batch
            pace = (at - job.started - job.first_batch) / (event.step - 1)  # seconds per batch since the first
            return max(pace * (event.total_steps - event.step) - (now - at), 0.0) + self._fixed / 2
        return max(job.estimate - (now - job.started), 1.0)

    def _place(self, job: _Job) -> int:
        with self._lock:
            return self._queue.index(job) + 1 if job in self._queue else 0

    def _starts_in(self, job: _Job) -> float:
        """When a worker frees up for `job`: each worker's time left, then the jobs ahead, in order."""
        with self._lock:
            if job not in self._queue:
                return 0.0
            starting = max(WARM_GUESS - (time.monotonic() - self._started), 1.0)  # workers not forked yet
            free = [w.free_in(self._warm, self._remaining) for w in self._workers]
            free += [starting] * (self.size - len(free))
            heapq.heapify(free)
            for ahead in self._queue:
                at = heapq.heappop(free) if free else 0.0
                if ahead is job:
                    return at
                heapq.heappush(free, at + ahead.estimate)
            return 0.0


def _remove_files(job: _Job) -> None:
    for suffix in (".keras", ".json"):
        (job.folder / f"{job.name}{suffix}").unlink(missing_ok=True)


def _reap(worker: _Worker, grace: float) -> None:
    """Wait up to `grace` s for the worker to exit, then end it; close its pipe."""
    worker.process.join(grace)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join(5)
    worker.conn.close()

