"""A class presses Start together: N visitors train through the real Gradio queue, as their browsers would.

    python bench/train_load.py                          # starts app.py; 30 visitors, same settings, then 30 seeds
    python bench/train_load.py --visitors 5 --only same # a quick check
    python bench/train_load.py --runs 100               # soak: 100 runs by 30 sessions; server RSS stays flat?
    python bench/train_load.py --url http://127.0.0.1:7860 --pid 1234 --workers 1

Each visitor has their own session and makes the browser's calls over raw HTTP: the Start button's
`prepare` then `train_one` events, each through POST /gradio_api/queue/join (fn_index and trigger from
/config) and the session's /gradio_api/queue/data stream. "Same settings" is the fast preset's run
(all 60,000 images, 1 epoch), trained once for everybody; "different seeds" gives each visitor a small
run of their own (--seed-images). Reported per case: each visitor's first loss point and finish (seconds
from the first press), median and max, errors, and the peak resident memory of the server with every
process under it (the fork server and its training workers): RSS summed, and PSS (shared pages split).
`run(args)` is what bench/classroom.py --train calls; it returns the summaries and prints Markdown.
"""

import argparse
import re
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # mnistdemo, and the tests' support package

from support.api import english, page_config, server_sent_events  # noqa: E402
from support.app import app_at, loopback_url, stop_app  # noqa: E402
from support.processes import Peaks, memory_mb, status_mb, training_children  # noqa: E402

# The fast preset (mnistdemo.presets.FAST) by the Train tab's control labels.
FAST_RUN = {"Data set": "mnist", "Architecture": "custom", "Conv + pool blocks": 3, "Kernel size": 3,
            "Filters in the first block": 16, "Dense hidden layer": 128, "Batch normalisation": True,
            "Dropout": 0.0, "Optimiser": "adam", "Learning-rate schedule": "onecycle", "Learning rate": 5e-3,
            "Batch size": 128, "Epochs": 1, "Training images": 60000, "Validation split": 0.0,
            "ReduceLROnPlateau": False, "EarlyStopping": False, "Augmentation": False, "Label smoothing": 0.1,
            "Seed": 0}
PROGRESS = re.compile(r"Training( the same run)?.*\(.*batch")  # a status with a loss point in it
TRAIN_SECONDS = re.compile(r"· ([\d.]+) s(?: · \d+)?\s*$")  # the finished status's training time


def peak_memory(pid: int | None) -> Peaks:
    """While in a `with` block, samples the memory of the server's process tree: its peak "rss" and "pss"."""
    return Peaks(lambda: dict(zip(("rss", "pss"), memory_mb(pid))) if pid else {}, every=0.5)


def plain(status: str) -> str:
    """A status as the English page shows it: translation marker resolved, tags dropped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", english(status))).strip()


@dataclass
class StartButton:
    """What the browser knows of the Start button from /config: its two events and their inputs."""

    url: str
    trigger: int  # the button's component id
    prepare: int  # fn_index of the first event (checks the settings)
    train: int  # fn_index of the training event that follows it
    inputs: dict[int, list]  # fn_index -> each input's (component id, is state, English label, default)

    @classmethod
    def read(cls, url: str) -> "StartButton":
        config = page_config(url)
        components = {c["id"]: c for c in config["components"]}
        deps = {d.get("api_name"): d for d in config["dependencies"]}
        prepare, train = deps["prepare"], deps["train_one"]
        inputs = {}
        for dep in (prepare, train):
            inputs[dep["id"]] = [(i, components[i]["type"] == "state",
                                  english(components[i]["props"].get("label") or ""),
                                  components[i]["props"].get("value"))
                                 for i in dep["inputs"]]
        return cls(url, prepare["targets"][0][0], prepare["id"], train["id"], inputs)

    def data(self, fn_index: int, settings: dict) -> list:
        """The event's input values: states as null (the server holds them), controls by label prefix."""
        return [None if state else next((v for prefix, v in settings.items() if label.startswith(prefix)), default)
                for _, state, label, default in self.inputs[fn_index]]


def queue_event(button: StartButton, fn_index: int, data: list, session: str, timeout: float):
    """Join the queue with one event and yield its messages (dicts) until it completes."""
    body = {"data": data, "fn_index": fn_index, "trigger_id": button.trigger, "session_hash": session,
            "event_data": None}
    response = httpx.post(button.url + "/gradio_api/queue/join", json=body, timeout=60)
    event_id = response.raise_for_status().json()["event_id"]
    with httpx.stream("GET", button.url + "/gradio_api/queue/data", params={"session_hash": session},
                      timeout=timeout) as stream:
        for _, message in server_sent_events(stream.raise_for_status().iter_lines()):
            if message.get("event_id") not in (event_id, None):
                continue
            yield message
            if message.get("msg") == "process_completed":
                return
    raise RuntimeError("the event's stream ended before it completed")


def _status_of(message: dict, status: str) -> str:
    """The status text after a message: a full value, or Gradio's diff ("replace"/"append" edits) on it."""
    data = (message.get("output") or {}).get("data") or []
    if not data:
        return status
    first = data[0]
    if isinstance(first, str):
        return first
    if isinstance(first, list):  # edits: [op, path, value]
        for op, path, value in (edit for edit in first if isinstance(edit, list) and len(edit) == 3):
            if path == [] and op == "replace":
                status = value
            elif path == [] and op == "append":
                status += value
    return status


@dataclass
class Visitor:
    """One student: their own session, their settings, and what they saw when."""

    settings: dict
    session: str = field(default_factory=lambda: f"class-{uuid.uuid4().hex[:12]}")
    pressed: float = 0.0  # seconds from the first press, as are the next two
    first_loss: float | None = None
    finished: float | None = None
    error: str = ""
    last_status: str = ""
    statuses: list[str] = field(default_factory=list)

    def press_start(self, button: StartButton, t0: float, timeout: float) -> None:
        """Start, as the browser does it: `prepare`, then on success the training event, streamed to the end."""
        self.pressed = time.monotonic() - t0
        try:
            for fn_index in (button.prepare, button.train):
                status = ""
                for message in queue_event(button, fn_index, button.data(fn_index, self.settings), self.session,
                                           timeout):
                    status = _status_of(message, status)
                    if status and (not self.statuses or status != self.statuses[-1]):
                        self.statuses.append(plain(status))
                        if self.first_loss is None and PROGRESS.search(self.statuses[-1]):
                            self.first_loss = time.monotonic() - t0
                    if message.get("msg") == "process_completed" and not message.get("success", False):
                        raise RuntimeError(str((message.get("output") or {}).get("error") or message)[:200])
            self.finished = time.monotonic() - t0
            self.last_status = self.statuses[-1] if self.statuses else ""
            if "now in the Draw tab" not in self.last_status:
                raise RuntimeError(f"finished without a model: {self.last_status[:160]}")
            if self.first_loss is None:  # the run had finished already: its whole curve came at once
                self.first_loss = self.finished
        except Exception as error:  # counted, never raised: the other visitors go on
            self.error = repr(error)[:240]

    @property
    def train_seconds(self) -> float | None:
        match = TRAIN_SECONDS.search(self.last_status)
        return float(match[1]) if match else None


def press_together(button: StartButton, visitors: list[Visitor], timeout: float) -> float:
    """Every visitor presses Start at the same moment; wall seconds until the last one is done."""
    barrier = threading.Barrier(len(visitors) + 1)
    t0_box: list[float] = []

    def go(visitor: Visitor) -> None:
        barrier.wait()
        visitor.press_start(button, t0_box[0], timeout)

    threads = [threading.Thread(target=go, args=(v,), daemon=True) for v in visitors]
    for thread in threads:
        thread.start()
    t0_box.append(time.monotonic())
    barrier.wait()
    for thread in threads:
        thread.join(timeout)
    return time.monotonic() - t0_box[0]


def summary(case: str, visitors: list[Visitor], peak: Peaks, workers: int, solo: "Visitor | None" = None) -> dict:
    """One case's figures: first loss and finish (median, max), errors, peak memory, and the seeds' bound."""
    done = [v for v in visitors if not v.error]
    firsts, finishes = [v.first_loss for v in done], [v.finished for v in done]
    train = [v.train_seconds for v in done if v.train_seconds is not None]
    row = {"case": case, "visitors": len(visitors), "errors": len(visitors) - len(done),
           "first_loss_median": statistics.median(firsts) if firsts else float("nan"),
           "first_loss_max": max(firsts, default=float("nan")),
           "finish_median": statistics.median(finishes) if finishes else float("nan"),
           "finish_max": max(finishes, default=float("nan")),
           "peak_rss_mb": peak["rss"], "peak_pss_mb": peak["pss"], "workers": workers,
           "errors_seen": sorted({v.error for v in visitors if v.error})[:5]}
    if len({v.settings["Seed"] for v in visitors}) > 1 and len(train) == len(done) and done:
        # The bound: every run's own training time (Keras fit), spread over the workers.
        row["train_sum"] = sum(train)
        row["bound_ratio"] = row["finish_max"] / (sum(train) / workers)
    if solo is not None and solo.finished is not None:
        # The same bound with each run's whole time alone on an idle server (press to model, evaluation included).
        row["solo"] = solo.finished
        row["solo_ratio"] = row["finish_max"] / (len(visitors) * solo.finished / workers)
    return row


def markdown(rows: list[dict]) -> str:
    lines = ["| case | visitors | errors | first loss median / max (s) | finished median / max (s) | "
             "last ÷ (Σ fit time ÷ workers) | last ÷ (N × one run alone ÷ workers) | "
             "peak RSS / PSS, server + workers (MB) |",
             "|---|---:|---:|---|---|---|---|---|"]
    for r in rows:
        workers = f"{r['workers']} worker{'s' * (r['workers'] > 1)}"
        fit = f"{r['bound_ratio']:.2f} (Σ {r['train_sum']:.0f} s, {workers})" if "bound_ratio" in r else "-"
        solo = f"{r['solo_ratio']:.2f} (alone {r['solo']:.1f} s)" if "solo_ratio" in r else "-"
        lines.append(f"| {r['case']} | {r['visitors']} | {r['errors']} | {r['first_loss_median']:.1f} / "
                     f"{r['first_loss_max']:.1f} | {r['finish_median']:.1f} / {r['finish_max']:.1f} | {fit} | {solo} | "
                     f"{r['peak_rss_mb']:.0f} / {r['peak_pss_mb']:.0f} |")
    return "\n".join(lines)


def per_visitor(case: str, visitors: list[Visitor]) -> str:
    cells = [f"{v.first_loss:.1f}/{v.finished:.1f}" if not v.error else "error" for v in visitors]
    return f"{case} (first loss/finished, s, in order of pressing): " + " ".join(cells)


def soak(button: StartButton, args: argparse.Namespace, pid: int | None) -> dict:
    """`args.runs` small runs by `args.visitors` sessions, each session one run after another; memory after."""
    settings = {**FAST_RUN, "Training images": args.seed_images}
    first = Visitor({**settings, "Seed": 10_000})
    first.press_start(button, time.monotonic(), args.timeout)
    time.sleep(args.settle)
    after_first = memory_mb(pid) if pid else (float("nan"),) * 2
    server_after_first = status_mb(pid)  # the server process alone: its workers are recycled anyway
    sessions = [Visitor(settings) for _ in range(args.visitors)]
    sessions[0].session = first.session
    errors = [first.error] if first.error else []
    counter = iter(range(1, args.runs))
    lock = threading.Lock()

    def work(visitor: Visitor) -> None:
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            run = Visitor({**settings, "Seed": 10_000 + number}, session=visitor.session)
            run.press_start(button, time.monotonic(), args.timeout)
            if run.error:
                with lock:
                    errors.append(run.error)

    start = time.monotonic()
    with peak_memory(pid) as peak:
        threads = [threading.Thread(target=work, args=(v,), daemon=True) for v in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    seconds = time.monotonic() - start
    time.sleep(args.settle)
    after = memory_mb(pid) if pid else (float("nan"),) * 2
    return {"runs": args.runs, "sessions": args.visitors, "errors": len(errors), "seconds": seconds,
            "server_rss_after_first": server_after_first, "server_rss_after_all": status_mb(pid),
            "rss_after_first": after_first[0], "rss_after_all": after[0], "pss_after_first": after_first[1],
            "pss_after_all": after[1], "peak_rss": peak["rss"], "errors_seen": sorted(set(errors))[:5]}


def run(args: argparse.Namespace) -> dict:
    """Start the app (unless --url), run the cases, print Markdown; the figures by case."""
    env = {"MNISTDEMO_TRAIN_WORKERS": str(args.workers)} if args.workers else {}
    proc, url = app_at(args.url, env)
    pid = args.pid if args.url else proc.pid
    workers = args.workers or _default_workers()
    results: dict = {"rows": []}
    try:
        button = StartButton.read(url)
        wait_for_workers(pid, args.warm_up)
        if args.runs:
            results["soak"] = row = soak(button, args, pid)
            print(f"Soak: {row['runs']} runs by {row['sessions']} sessions in {row['seconds']:.0f} s, "
                  f"{row['errors']} errors; server + workers RSS {row['rss_after_first']:.0f} MB after the first run, "
                  f"{row['rss_after_all']:.0f} MB after all ({row['rss_after_all'] - row['rss_after_first']:+.0f} MB; "
                  f"PSS {row['pss_after_first']:.0f} -> {row['pss_after_all']:.0f} MB); "
                  f"peak RSS {row['peak_rss']:.0f} MB; the server process alone "
                  f"{row['server_rss_after_first']:.0f} -> {row['server_rss_after_all']:.0f} MB "
                  f"({row['server_rss_after_all'] - row['server_rss_after_first']:+.0f} MB)")
            return results
        cases = []
        if args.only in ("same", "both"):
            same = {**FAST_RUN, "Training images": args.images, "Epochs": args.epochs, "Seed": args.seed}
            cases.append(("same settings", [Visitor(same) for _ in range(args.visitors)], None))
        if args.only in ("seeds", "both"):
            small = {**FAST_RUN, "Training images": args.seed_images, "Epochs": args.epochs}
            solo = Visitor({**small, "Seed": args.seed + 10_000})  # one run alone first, on the idle server
            cases.append(("different seeds", [Visitor({**small, "Seed": args.seed + 1 + i})
                                              for i in range(args.visitors)], solo))
        for case, visitors, solo in cases:
            if solo is not None:
                solo.press_start(button, time.monotonic(), args.timeout)
                print(f"{case}: one run alone on the idle server: first loss {solo.first_loss or float('nan'):.1f} s, "
                      f"finished {solo.finished or float('nan'):.1f} s {solo.error}", flush=True)
            with peak_memory(pid) as peak:
                press_together(button, visitors, args.timeout)
            results["rows"].append(summary(case, visitors, peak, workers, solo))
            print(per_visitor(case, visitors), flush=True)
            for error in results["rows"][-1]["errors_seen"]:
                print(f"error: {error}", file=sys.stderr)
        print(markdown(results["rows"]))
        return results
    finally:
        if proc is not None:
            stop_app(proc)


IDLE_SECONDS = 8.0  # a worker's start-up and tracing ahead take ~3 s here


def wait_for_workers(pid: int | None, timeout: float) -> None:
    """Wait (up to `timeout` s) until the server's training workers are forked, then IDLE_SECONDS more: an idle
    server, whose workers have also traced the Train tab's default run ahead (mnistdemo.train.prepare)."""
    deadline = time.monotonic() + timeout
    while pid and not training_children(pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(IDLE_SECONDS)


def _default_workers() -> int:
    import os

    return max(1, len(os.sched_getaffinity(0)) // 2)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=30, help="visitors pressing Start together (default 30)")
    parser.add_argument("--only", choices=("same", "seeds", "both"), default="both",
                        help="which case: the same settings, different seeds, or both (default both)")
    parser.add_argument("--images", type=int, default=60000,
                        help="training images of the same-settings run (default 60000, the fast preset)")
    parser.add_argument("--seed-images", type=int, default=4000,
                        help="training images of each different-seed run and of each soak run (default 4000)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of every run (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the same-settings run; the others follow it")
    parser.add_argument("--runs", type=int, default=0,
                        help="soak instead: this many runs by --visitors sessions, memory after the first and "
                             "after all (e.g. 100)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait before each soak memory reading")
    parser.add_argument("--workers", type=int, default=0,
                        help="training workers: sets MNISTDEMO_TRAIN_WORKERS for the started app, and is the "
                             "divisor of the seeds' bound (default: the app's default, one per two cores)")
    parser.add_argument("--warm-up", type=float, default=120.0,
                        help="seconds at most to wait, after the app answers, for its training workers to start "
                             "(default 120)")
    parser.add_argument("--url", type=loopback_url,
                        help="a running server on loopback; default: start python app.py on a free port")
    parser.add_argument("--pid", type=int, help="process id of the --url server, to report its memory")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per visitor (default 1800)")
    args = parser.parse_args(argv)
    if args.visitors < 1 or args.runs < 0 or args.workers < 0:
        parser.error("--visitors must be at least 1; --runs and --workers must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    results = run(parse_args(argv))
    errors = sum(r["errors"] for r in results["rows"]) + results.get("soak", {}).get("errors", 0)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
