"""Long use of one server: tiny training runs one after another, then one stopped half way, then one more.

    python bench/long_use.py                       # starts app.py itself; 10 runs of 2,000 images x 1 epoch
    python bench/long_use.py --runs 3              # a quick check
    python bench/long_use.py --url http://127.0.0.1:7860 --pid 1234

Drives the Train tab's own events over HTTP in one visitor session (Start = `prepare` then
`train_one`, Stop = `request_stop`) and prints the server's RSS before and after each run, and the
peak RSS of the training worker each run trained in, as a Markdown table. Then it stops a larger run half
way and checks that the next run starts at once (nothing left locked). Exits 1 if any run fails.
"""

import argparse
import re
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_api import start_app, stop_app  # noqa: E402
from load import TrainingRun, is_loopback  # noqa: E402

TINY_RUN = {"Data set": "mnist", "Architecture": "custom", "Conv + pool blocks": 1, "Kernel size": 3,
            "Filters in the first block": 8, "Dense hidden layer": 0, "Batch normalisation": False,
            "Optimiser": "adam", "Learning-rate schedule": "constant", "Learning rate": 1e-3, "Batch size": 128,
            "Epochs": 1, "Validation split": 0.0, "ReduceLROnPlateau": False, "EarlyStopping": False,
            "Augmentation": False, "Seed": 0}
BUSY = "Every training worker on this server is busy"  # what Start says while no worker is free


def rss_mb(pid: int | None) -> float:
    """Resident memory of process `pid` in MB (nan if unknown)."""
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _children(pid: int) -> list[tuple[int, bytes]]:
    """(pid, command line) of the live processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit():
                continue
            status = dict(line.split(":\t", 1) for line in (entry / "status").read_text().splitlines()
                          if ":\t" in line)
            if int(status["PPid"]) == pid and not status["State"].startswith("Z"):
                found.append((int(entry.name), (entry / "cmdline").read_bytes()))
        except (OSError, KeyError, ValueError):  # it ended while we looked
            continue
    return found


def training_children(pid: int | None) -> list[int]:
    """Process ids of the training workers of server `pid` (forked by its fork server, a child of the server)."""
    servers = [child for child, cmdline in _children(pid) if b"forkserver" in cmdline] if pid else []
    return sorted(worker for server in servers for worker, _ in _children(server))


class ChildPeak:
    """While in a `with` block, samples the peak RSS (VmHWM) of the server's training processes."""

    def __init__(self, pid: int | None, every: float = 0.2):
        self.pid, self.every, self.peak_mb = pid, every, 0.0  # 0: no training process seen
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(self.every):
            for child in training_children(self.pid):
                try:
                    for line in Path(f"/proc/{child}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
                except OSError:
                    continue

    def __enter__(self) -> "ChildPeak":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()


def plain(html: str) -> str:
    """Status HTML -> one line of text."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def progress(run: TrainingRun) -> tuple[int, int]:
    """(batches done, batches in all) from the latest streamed status, (0, 1) before the first."""
    for status in reversed(run.statuses):
        if match := re.search(r"batch (\d+)/(\d+)", status):
            return int(match[1]), int(match[2])
    return 0, 1


def finished(run: TrainingRun, timeout: float) -> str:
    """Wait for the run; its last status, or RuntimeError saying how it failed."""
    outcome = run.wait(timeout)
    if outcome != "complete":
        raise RuntimeError(f"run failed ({outcome or 'timed out'}): {run.error}")
    return plain(run.statuses[-1])


def sequential_runs(url: str, pid: int | None, args: argparse.Namespace, session: str) -> None:
    """`args.runs` tiny runs in one session, printing RSS around each."""
    print("| run | seconds | RSS before (MB) | RSS after (MB) | change (MB) | training worker peak (MB) | result |"
          "\n|---|---|---|---|---|---|---|")
    first = rss_mb(pid)
    for number in range(1, args.runs + 1):
        before, start = rss_mb(pid), time.perf_counter()
        with ChildPeak(pid) as child:
            run = TrainingRun(url, {**TINY_RUN, "Training images": args.images}, session).start()
            result = finished(run, args.timeout)
        after = rss_mb(pid)
        print(f"| {number} | {time.perf_counter() - start:.1f} | {before:.0f} | {after:.0f} | "
              f"{after - before:+.0f} | {child.peak_mb:.0f} | {result[:90]} |", flush=True)
    print(f"\nRSS over {args.runs} runs: {first:.0f} MB -> {rss_mb(pid):.0f} MB; "
          f"training workers: {len(training_children(pid))}")


def stopped_then_next(url: str, args: argparse.Namespace, session: str) -> None:
    """Stop a run half way, then check that the next run is not told to wait and finishes."""
    run = TrainingRun(url, {**TINY_RUN, "Training images": args.stop_images}, session).start()
    deadline = time.monotonic() + args.timeout
    while run.running and progress(run)[0] < progress(run)[1] / 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    done, total = progress(run)
    run.stop(args.timeout)
    result = finished(run, args.timeout)
    print(f"\nStopped at batch {done}/{total}: {result[:120]}")
    if "stopped early" not in result:
        raise RuntimeError("the stopped run did not report stopping early")
    start = time.perf_counter()
    following = TrainingRun(url, {**TINY_RUN, "Training images": args.images}, session).start()
    if BUSY in following.statuses[0]:
        raise RuntimeError("after the stop, Start still says another run is training")
    result = finished(following, args.timeout)
    print(f"Next run after the stop: {time.perf_counter() - start:.1f} s, {result[:120]}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="tiny runs one after another (default 10)")
    parser.add_argument("--images", type=int, default=2000,
                        help="training images per tiny run, 1,000-60,000 (default 2000; 1 epoch each)")
    parser.add_argument("--stop-images", type=int, default=20000,
                        help="training images of the run stopped half way (default 20000)")
    parser.add_argument("--url", help="a running server on loopback; default: start python app.py on a free port")
    parser.add_argument("--pid", type=int, help="process id of the --url server, to report its RSS")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per run (default 600)")
    args = parser.parse_args(argv)
    if args.runs < 0:
        parser.error("--runs must not be negative")
    if args.url and not is_loopback(args.url):
        parser.error("--url must be on loopback (127.0.0.1 or localhost)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    proc, url = (None, args.url.rstrip("/")) if args.url else start_app(log_dir=Path(tempfile.gettempdir()))
    pid = args.pid if args.url else proc.pid
    session = f"long-use-{uuid.uuid4().hex[:12]}"  # one visitor, as in a browser tab
    try:
        sequential_runs(url, pid, args, session)
        stopped_then_next(url, args, session)
        return 0
    except RuntimeError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        if proc is not None:
            stop_app(proc)


if __name__ == "__main__":
    sys.exit(main())
