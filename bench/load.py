"""Load on the HTTP API: N concurrent clients, each making M predictions (upload + call + result) on loopback.

    python bench/load.py                                   # starts app.py itself; 30 clients x 50
    python bench/load.py --clients 4 --requests 10         # a quick check
    python bench/load.py --while-training                  # the same while a training run is going on
    python bench/load.py --url http://127.0.0.1:7860       # a server that is already running

Prints one Markdown table row (after its header): errors (must be 0), wrong answers, throughput
and p50/p95/p99 latency. Exits 1 if any request failed.
"""

import argparse
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # mnistdemo, and the tests' support package

import httpx  # noqa: E402

from support.api import call, file_data, upload  # noqa: E402
from support.app import app_at, loopback_url, stop_app  # noqa: E402
from support.training import TrainingRun  # noqa: E402

SAMPLE = REPO / "data" / "samples" / "mnist" / "7-test0.png"  # a real MNIST test "7"
HEADER = ("| setting | clients x requests | errors | wrong | throughput (req/s) | p50 ms | p95 ms | p99 ms "
          "| training during load |\n|---|---|---|---|---|---|---|---|---|")
# A training run long enough to outlast the load (it is stopped when the load ends).
LOAD_TRAINING = {"Data set": "mnist", "Architecture": "custom", "Conv + pool blocks": 3, "Kernel size": 3,
                 "Filters in the first block": 16, "Dense hidden layer": 0, "Batch normalisation": True,
                 "Optimiser": "adam", "Learning-rate schedule": "onecycle", "Learning rate": 5e-3,
                 "Batch size": 128, "Validation split": 0.0, "ReduceLROnPlateau": False, "EarlyStopping": False,
                 "Augmentation": False, "Seed": 0}


@dataclass
class Tally:
    """Per-request outcomes, shared by the client threads."""

    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: list[str] = field(default_factory=list)
    wrong: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def predict_once(url: str, image: bytes, model: str, timeout: float, session: str | None = None,
                 http: httpx.Client | None = None) -> str:
    """Upload + call + result: the top label, or RuntimeError with the server's error."""
    path = upload(url, "digit.png", image, timeout=timeout, client=http)
    event, data = call(url, "predict", [file_data(path, "digit.png"), model], session, timeout=timeout, client=http)
    if event != "complete":
        raise RuntimeError(f"error event: {data}")
    return data[0]["label"]


def client(url: str, image: bytes, expected: str, args: argparse.Namespace, deadline: float,
           barrier: threading.Barrier, tally: Tally) -> None:
    """One visitor (one session and its connections, as a browser keeps): `args.requests` predictions one
    after another."""
    session = f"bench-{uuid.uuid4().hex[:12]}"
    with httpx.Client(timeout=args.timeout) as http:
        barrier.wait()
        for _ in range(args.requests):
            if time.monotonic() > deadline:
                with tally.lock:
                    tally.errors.append("deadline passed")
                return
            start = time.perf_counter()
            try:
                label = predict_once(url, image, args.model, args.timeout, session, http)
            except Exception as error:  # counted, never raised: the other clients go on
                with tally.lock:
                    tally.errors.append(repr(error)[:200])
                continue
            with tally.lock:
                tally.latencies.append(time.perf_counter() - start)
                tally.wrong += label != expected


def run_load(url: str, args: argparse.Namespace) -> tuple[Tally, float]:
    """Every client at once; (outcomes, wall seconds)."""
    image = args.image.read_bytes()
    expected = args.image.name[0]
    for _ in range(3):  # warm up: the first call traces the model
        predict_once(url, image, args.model, args.timeout)
    tally, barrier = Tally(), threading.Barrier(args.clients + 1)
    deadline = time.monotonic() + args.deadline
    threads = [threading.Thread(target=client, args=(url, image, expected, args, deadline, barrier, tally),
                                daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + args.timeout)
    return tally, time.perf_counter() - start


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (nan if empty)."""
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, round(q / 100 * (len(sorted_values) - 1)))]


def markdown_row(setting: str, args: argparse.Namespace, tally: Tally, seconds: float, training: str) -> str:
    """One row under HEADER."""
    ms = sorted(1000 * t for t in tally.latencies)
    p50, p95, p99 = (percentile(ms, q) for q in (50, 95, 99))
    return (f"| {setting} | {args.clients} x {args.requests} | {len(tally.errors)} | {tally.wrong} | "
            f"{len(ms) / seconds:.1f} | {p50:.0f} | {p95:.0f} | {p99:.0f} | {training} |")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=30, help="concurrent clients (default 30)")
    parser.add_argument("--requests", type=int, default=50, help="predictions per client (default 50)")
    parser.add_argument("--url", type=loopback_url,
                        help="a running server on loopback; default: start python app.py on a free port")
    parser.add_argument("--model", default="", help="model name to ask for (default: the app's default model)")
    parser.add_argument("--image", type=Path, default=SAMPLE,
                        help="image to send; its file name starts with the expected digit (default: an MNIST 7)")
    parser.add_argument("--while-training", action="store_true",
                        help="start a training run through the Train tab's API first and measure while it runs")
    parser.add_argument("--train-images", type=int, default=60000,
                        help="training images of that run (default 60000; it is stopped when the load ends)")
    parser.add_argument("--train-epochs", type=int, default=3, help="epochs of that run (default 3)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds allowed per HTTP request (default 60)")
    parser.add_argument("--deadline", type=float, default=600,
                        help="seconds for the whole load; requests not started by then count as errors (default 600)")
    parser.add_argument("--setting", default="", help="first cell of the row (default: describes the run)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.requests < 1:
        parser.error("--clients and --requests must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    proc, url = app_at(args.url)
    training = None
    try:
        if args.while_training:
            settings = {**LOAD_TRAINING, "Training images": args.train_images, "Epochs": args.train_epochs}
            training = TrainingRun(url, settings).start()
            if not training.started.wait(300) or not training.running:
                raise RuntimeError(f"the training run did not get going: {training.outcome} {training.error}")
        tally, seconds = run_load(url, args)
        overlap = "-"
        if training is not None:
            overlap = "yes, all through" if training.running else "ended before the load did"
            training.stop()
        setting = args.setting or ("while training" if training else "idle server")
        print(HEADER)
        print(markdown_row(setting, args, tally, seconds, overlap))
        for error in sorted(set(tally.errors))[:5]:
            print(f"error: {error} (x{tally.errors.count(error)})", file=sys.stderr)
        return 1 if tally.errors else 0
    finally:
        if training is not None and training.running:
            training.stop()
        if proc is not None:
            stop_app(proc)


if __name__ == "__main__":
    sys.exit(main())
