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
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # mnistdemo, and the tests' support package

from support.app import app_at, loopback_url, stop_app  # noqa: E402
from support.processes import Peaks, status_mb, training_children  # noqa: E402
from support.training import TINY_RUN, TrainingRun  # noqa: E402

BUSY = "Every training worker on this server is busy"  # what Start says while no worker is free


def worker_peak(pid: int | None) -> Peaks:
    """While in a `with` block, samples the peak RSS (VmHWM) of the server's training workers: its "worker"."""
    return Peaks(lambda: {"worker": max((status_mb(child, "VmHWM") for child in training_children(pid)),
                                        default=0.0)}, every=0.2)


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
    first = status_mb(pid)
    for number in range(1, args.runs + 1):
        before, start = status_mb(pid), time.perf_counter()
        with worker_peak(pid) as peak:
            run = TrainingRun(url, {**TINY_RUN, "Training images": args.images}, session).start()
            result = finished(run, args.timeout)
        after = status_mb(pid)
        print(f"| {number} | {time.perf_counter() - start:.1f} | {before:.0f} | {after:.0f} | "
              f"{after - before:+.0f} | {peak['worker']:.0f} | {result[:90]} |", flush=True)
    print(f"\nRSS over {args.runs} runs: {first:.0f} MB -> {status_mb(pid):.0f} MB; "
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
    parser.add_argument("--url", type=loopback_url,
                        help="a running server on loopback; default: start python app.py on a free port")
    parser.add_argument("--pid", type=int, help="process id of the --url server, to report its RSS")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per run (default 600)")
    args = parser.parse_args(argv)
    if args.runs < 0:
        parser.error("--runs must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    proc, url = app_at(args.url)
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
