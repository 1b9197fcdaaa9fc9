"""A whole class at once: simulated students drawing on the Draw tab, over HTTP, as their browsers do.

    python bench/classroom.py --draw                         # 30 students, a stroke every ~1 s, 60 s
    python bench/classroom.py --draw --students 3 --seconds 10
    python bench/classroom.py --draw --while-training        # the same while a training run is going
    python bench/classroom.py --draw --url http://127.0.0.1:7860 --server-pid 1234
    python bench/classroom.py --numbers                      # the same on the Whole numbers tab: numbers of 2-5 digits
    python bench/classroom.py --train ...                    # visitors pressing Start: bench/train_load.py

Each student has their own session and draws real pen digits by the held-out writers (data/pendigits),
rendered stroke by stroke on the app's canvas; the pause after each stroke is exponential with mean
`--think` seconds. Per stroke, what the page sends (captured with Playwright): the canvas's picture as a
PNG data URL and its strokes as JSON (mnistdemo/web/pad.js), in one plain request `POST /gradio_api/run/predict`
with the canvas's change event's `fn_index` (from /config) and `data` = [<data URL>, <model>, null, <language>,
<read the pen's path>, <strokes>, <the change's number>] (the inputs /config lists, in its order), as a
`queue=False` event is sent; then the image outputs shown outside accordions are fetched
(`GET /gradio_api/file=`), and every event /config chains after it (`.then`) is sent the same way. Were the
event queued, it would join the queue (`POST /gradio_api/queue/join`) and read `GET /gradio_api/queue/data`
(SSE) until its `process_completed`.

While a stroke's events are in flight, further strokes wait and only the latest is sent, as the
page's `trigger_mode="always_last"` does. A stroke's latency runs from its pointer-up to the
change event's answer (the label and verdict shown). The server's CPU seconds are
its process's utime + stime (/proc/<pid>/stat) before and after, over the strokes sent; they
include the chained events and the image fetches. The client's own CPU time is printed too.
"""

import argparse
import asyncio
import base64
import json
import os
import random
import resource
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # mnistdemo and bench.*, and the tests' support package

import cv2  # noqa: E402
import httpx  # noqa: E402
import numpy as np  # noqa: E402

from bench.load import LOAD_TRAINING, percentile  # noqa: E402
from mnistdemo.drawn_numbers import random_number  # noqa: E402
from mnistdemo.strokes import (BRUSH_RADIUS, CANVAS_SIZE, HELD_OUT_WRITERS, canvas_strokes,  # noqa: E402
                               load_pendigits, random_placement, render_strokes)
from support.app import app_at, loopback_url, stop_app  # noqa: E402
from support.training import TrainingRun  # noqa: E402

# Each tab's canvas; the page numbers the canvas's changes and each answer echoes its number into "<canvas>-changes".
CANVAS_ELEM_IDS = {"draw": "sketch", "numbers": "number-sketch"}
# A kept-alive connection the server closed as the client reused it: a browser sends the request again.
CLOSED_CONNECTION = (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)
HEADER = ("| students x stroke every | strokes sent | events/s | errors | right | p50 ms | p95 ms | p99 ms "
          "| server CPU ms/stroke | training during load |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")


@dataclass(frozen=True)
class Stroke:
    """The canvas after one stroke as the page sends it (a PNG data URL), and the digit if it is the last stroke."""

    canvas: str
    finished: str | None  # the digit's label (or the number) once its last stroke is drawn, else None
    strokes: str = ""  # the strokes so far as JSON of whole canvas pixels


def _data_url(image: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(cv2.imencode(".png", image)[1].tobytes()).decode()


def _strokes(strokes: list[np.ndarray], size: tuple[int, int], finished: str) -> list[Stroke]:
    """Canvas strokes ((n, 2) pixels each) -> the canvas after each of them as the page sends it (an opaque RGBA PNG
    and the strokes so far as JSON of whole pixels), the last one `finished`."""
    out = []
    for k in range(1, len(strokes) + 1):
        rgb = render_strokes(strokes[:k], size)
        out.append(Stroke(_data_url(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])),
                          finished if k == len(strokes) else None,
                          json.dumps([np.round(s).astype(int).tolist() for s in strokes[:k]])))
    return out


def drawings(count: int, seed: int = 0) -> list[list[Stroke]]:
    """`count` held-out pen digits at random placements, each as its strokes (as the page sends them)."""
    rng = np.random.default_rng(seed)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    out = []
    for i in rng.choice(len(digits), count, replace=False):
        digit = digits[i]
        strokes = canvas_strokes(digit, CANVAS_SIZE, BRUSH_RADIUS, **random_placement(rng))
        out.append(_strokes(strokes, (CANVAS_SIZE, CANVAS_SIZE), str(digit.label)))
    return out


def number_drawings(count: int, seed: int = 0) -> list[list[Stroke]]:
    """`count` numbers of 2-5 digits, each by one held-out writer with gaps a person leaves (5-40 px), on the Whole
    numbers tab's canvas, each as its strokes (as the page sends them)."""
    rng = np.random.default_rng(seed)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    out = []
    for _ in range(count):
        number = random_number(digits, rng, int(rng.integers(2, 6)), gap_range=(5.0, 40.0))
        out.append(_strokes([s for digit in number.strokes for s in digit], number.size, number.text))
    return out


@dataclass
class App:
    """What the bench needs from /config: the canvas, its change event and what /config chains after events."""

    sketch_id: int
    changes_id: int
    strokes_id: int | None  # where the page sends the canvas's strokes, if it does
    change_fn: int
    components: dict[int, dict]
    dependencies: dict[int, dict]
    shown_images: set[int]  # image and gallery components outside accordions: the page fetches their files at once

    @classmethod
    def read(cls, url: str, canvas: str = CANVAS_ELEM_IDS["draw"]) -> "App":
        config = httpx.get(url + "/config", timeout=60).json()
        components = {c["id"]: c for c in config["components"]}
        sketch, changes, strokes = (next((i for i, c in components.items() if c["props"].get("elem_id") == elem_id),
                                         None) for elem_id in (canvas, f"{canvas}-changes", f"{canvas}-strokes"))
        dependencies = {d["id"]: d for d in config["dependencies"]}
        change = next(d["id"] for d in dependencies.values() if [sketch, "change"] in d["targets"])
        hidden: set[int] = set()

        def walk(node: dict, in_accordion: bool) -> None:
            in_accordion = in_accordion or components.get(node["id"], {}).get("type") == "accordion"
            if in_accordion:
                hidden.add(node["id"])
            for child in node.get("children", []):
                walk(child, in_accordion)

        walk(config["layout"], False)
        shown = {i for i, c in components.items() if c["type"] in ("image", "gallery") and i not in hidden}
        return cls(sketch, changes, strokes, change, components, dependencies, shown)

    def chained(self, fn: int, success: bool) -> list[int]:
        """The server events the page dispatches after event `fn` ends (JavaScript-only ones never reach it)."""
        return [d["id"] for d in self.dependencies.values() if d.get("trigger_after") == fn and d.get("backend_fn")
                and (success or not d.get("trigger_only_on_success")) and not d.get("trigger_only_on_failure")]

    def initial_values(self) -> dict[int, object]:
        return {i: (None if c["type"] == "state" else c["props"].get("value")) for i, c in self.components.items()}


@dataclass
class Tally:
    """Outcomes of every student's strokes."""

    latencies: list[float] = field(default_factory=list)  # seconds, stroke pointer-up -> change event done
    strokes: int = 0  # strokes drawn
    sent: int = 0  # change events sent (strokes drawn while one was in flight are merged, as the page does)
    chained: int = 0  # .then events completed
    errors: list[str] = field(default_factory=list)
    retries: int = 0  # requests sent again because the server had closed their connection
    finished: int = 0  # digits whose last stroke got an answer
    right: int = 0
    reply_bytes: int = 0  # bytes of the change events' replies


class Student:
    """One browser tab: its own session, drawing digit after digit."""

    def __init__(self, client: httpx.AsyncClient, url: str, app: App, digits: list[list[Stroke]],
                 think: float, rng: random.Random):
        self.client, self.url, self.app = client, url, app
        self.digits, self.think, self.rng = digits, think, rng
        self.session = uuid.uuid4().hex[:11]
        self.values = app.initial_values()
        self.pending: tuple[float, Stroke] | None = None  # the latest stroke not sent yet
        self.changes = 0  # the canvas's changes sent
        self.drawing = True
        self.retries = 0  # requests sent again on a fresh connection
        self.wake = asyncio.Event()

    async def draw(self, until: float, tally: Tally) -> None:
        """Stroke after stroke until `until` (monotonic); a sender sends them, the latest first."""
        sender = asyncio.create_task(self._send_all(tally))
        try:
            while True:
                for stroke in self.digits[self.rng.randrange(len(self.digits))]:
                    await asyncio.sleep(self.rng.expovariate(1 / self.think))
                    if time.monotonic() >= until:
                        return
                    self.pending = (time.perf_counter(), stroke)
                    tally.strokes += 1
                    self.wake.set()
        finally:
            self.drawing = False
            self.wake.set()
            await sender

    async def _send_all(self, tally: Tally) -> None:
        while self.drawing or self.pending is not None:
            await self.wake.wait()
            self.wake.clear()
            if self.pending is None:
                continue
            drawn_at, stroke = self.pending
            self.pending = None
            tally.sent += 1
            try:
                await self.stroke(drawn_at, stroke, tally)
            except Exception as error:  # counted, never raised: the other students go on
                request = getattr(error, "_request", None)  # httpx's errors name the request that failed
                where = f" on {request.method} {request.url.path}" if request is not None else ""
                tally.errors.append(f"{error!r}{where}"[:200])

    async def stroke(self, drawn_at: float, stroke: Stroke, tally: Tally) -> None:
        """One stroke's requests: its change event with the canvas's picture, then what /config chains after it."""
        self.values[self.app.sketch_id] = stroke.canvas
        self.changes += 1
        self.values[self.app.changes_id] = self.changes
        if self.app.strokes_id is not None:
            self.values[self.app.strokes_id] = stroke.strokes
        success, size = await self.event(self.app.change_fn)
        if success:
            tally.latencies.append(time.perf_counter() - drawn_at)
            tally.reply_bytes += size
            if stroke.finished is not None:
                tally.finished += 1
                tally.right += self._answer() == stroke.finished
        else:
            tally.errors.append("change event failed")
        queue = self.app.chained(self.app.change_fn, success)
        while queue:
            fn = queue.pop(0)
            ok, _ = await self.event(fn)
            tally.chained += ok
            if not ok:
                tally.errors.append(f"chained event {fn} failed")
            queue += self.app.chained(fn, ok)

    async def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """One request; sent again once if the server had closed its kept-alive connection, as a browser does."""
        url = path if path.startswith("http") else self.url + path
        try:
            response = await self.client.request(method, url, **kwargs)
        except CLOSED_CONNECTION:
            self.retries += 1
            response = await self.client.request(method, url, **kwargs)
        return response.raise_for_status()

    async def event(self, fn: int) -> tuple[bool, int]:
        """Send event `fn` with its inputs, as a plain request or through the queue: (success, reply bytes)."""
        dependency = self.app.dependencies[fn]
        data = [self.values.get(i) for i in dependency["inputs"]]
        body = {"data": data, "event_data": None, "fn_index": fn, "trigger_id": self.app.sketch_id,
                "session_hash": self.session}
        if dependency.get("queue") is False:
            response = await self._request("POST", "/gradio_api/run/predict", json=body)
            await self._apply(dependency["outputs"], response.json()["data"])
            return True, len(response.content)
        response = await self._request("POST", "/gradio_api/queue/join", json=body)
        event_id = response.json()["event_id"]
        for attempt in range(2):
            try:
                return await self._completion(dependency, event_id)
            except CLOSED_CONNECTION:
                if attempt:
                    raise
                self.retries += 1

    async def _completion(self, dependency: dict, event_id: str) -> tuple[bool, int]:
        """Read the session's SSE stream until event `event_id` completes: (success, bytes read)."""
        size = 0
        async with self.client.stream("GET", self.url + "/gradio_api/queue/data",
                                      params={"session_hash": self.session}) as stream:
            async for line in stream.aiter_lines():
                size += len(line) + 1
                if not line.startswith("data: "):
                    continue
                message = json.loads(line[6:])
                if message.get("event_id") != event_id:
                    continue
                if message.get("msg") == "process_completed":
                    success = bool(message.get("success"))
                    if success:
                        await self._apply(dependency["outputs"], message["output"]["data"])
                    return success, size
                if message.get("msg") == "unexpected_error":
                    return False, size
        return False, size

    async def _apply(self, outputs: list[int], data: list) -> None:
        """Keep each output's new value (the page's state) and fetch shown images, as the page does."""
        fetches = []
        for component, value in zip(outputs, data):
            if isinstance(value, dict) and value.get("__type__") == "update":
                if "value" not in value:
                    continue
                value = value["value"]
            self.values[component] = value
            if component in self.app.shown_images:
                images = [item.get("image") for item in value] if isinstance(value, list) else [value]
                fetches += [self._request("GET", image["url"]) for image in images
                            if isinstance(image, dict) and image.get("url")]
        await asyncio.gather(*fetches)

    def _answer(self) -> str | None:
        """What the change event's first output shows: the Draw tab's top label, or the number read ("# 2026")."""
        shown = self.values.get(self.app.dependencies[self.app.change_fn]["outputs"][0])
        if isinstance(shown, dict):
            return shown.get("label")
        return shown.rpartition("# ")[2].replace("?", "").strip() if isinstance(shown, str) else None


def server_cpu_seconds(pid: int) -> float:
    """utime + stime of process `pid` (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measured:
    """The drawing phase: its tally, wall seconds, and the server's and this client's CPU seconds."""

    tally: Tally
    seconds: float
    server_cpu: float | None
    client_cpu: float


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_students(url: str, args: argparse.Namespace, digits: list[list[Stroke]], pid: int | None) -> Measured:
    """One warm-up stroke per student, then every student draws for `args.seconds`; that part measured."""
    app = App.read(url, CANVAS_ELEM_IDS["numbers" if args.numbers else "draw"])
    # Idle connections are dropped before the server's 5 s keep-alive ends, as a browser's would be
    # retried: the two closing one connection at once read as errors that no visitor sees.
    limits = httpx.Limits(max_connections=4 * args.students + 8, max_keepalive_connections=4 * args.students,
                          keepalive_expiry=2)
    async with httpx.AsyncClient(timeout=args.timeout, limits=limits) as client:
        rng = random.Random(args.seed)
        students = [Student(client, url, app, digits, args.think, random.Random(rng.random()))
                    for _ in range(args.students)]
        warm = Tally()
        await asyncio.gather(*(s.stroke(time.perf_counter(), digits[i % len(digits)][-1], warm)
                               for i, s in enumerate(students)))
        if warm.errors:
            raise RuntimeError(f"warm-up failed: {warm.errors[:3]}")
        for student in students:
            student.retries = 0
        tally = Tally()
        client_cpu, server_cpu = _client_cpu(), server_cpu_seconds(pid) if pid else None
        start = time.perf_counter()
        until = time.monotonic() + args.seconds
        await asyncio.gather(*(s.draw(until, tally) for s in students))
        seconds = time.perf_counter() - start
        tally.retries = sum(student.retries for student in students)
        return Measured(tally, seconds, server_cpu_seconds(pid) - server_cpu if pid else None,
                        _client_cpu() - client_cpu)


def report(args: argparse.Namespace, measured: Measured, training: str) -> str:
    """The Markdown row under HEADER, and a line on what else was counted."""
    tally, seconds, server_cpu, client_cpu = (measured.tally, measured.seconds, measured.server_cpu,
                                              measured.client_cpu)
    ms = sorted(1000 * t for t in tally.latencies)
    p50, p95, p99 = (percentile(ms, q) for q in (50, 95, 99))
    cpu = f"{1000 * server_cpu / tally.sent:.0f}" if server_cpu is not None and tally.sent else "-"
    return (f"| {args.students} x ~{args.think:g} s | {tally.sent} | {len(ms) / seconds:.1f} | {len(tally.errors)} | "
            f"{tally.right}/{tally.finished} | {p50:.0f} | {p95:.0f} | {p99:.0f} | {cpu} | {training} |\n\n"
            f"{tally.strokes} strokes drawn, {tally.sent} sent (the rest merged while one was in flight), "
            f"{tally.chained} chained events, {tally.retries} requests sent again on a fresh connection; "
            f"{tally.reply_bytes / max(len(ms), 1) / 1024:.1f} KiB of reply per change "
            f"event; client CPU {client_cpu:.1f} s in {seconds:.0f} s ({100 * client_cpu / seconds:.0f}% of a core)")


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--draw", action="store_true", help="students drawing on the Draw tab")
    mode.add_argument("--numbers", action="store_true", help="students writing numbers on the Whole numbers tab")
    mode.add_argument("--train", action="store_true",
                      help="visitors pressing Start together: runs bench/train_load.py's run(args); arguments "
                           "this parser does not know are passed on in args.extra")
    parser.add_argument("--students", type=int, default=30, help="simulated students, each a session (default 30)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds between one student's strokes, exponentially distributed (default 1)")
    parser.add_argument("--seconds", type=float, default=60, help="seconds of measured drawing (default 60)")
    parser.add_argument("--digits", type=int, default=300,
                        help="different pen digits (or, with --numbers, numbers) to draw from (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the digits, placements and pauses")
    parser.add_argument("--while-training", action="store_true",
                        help="start a training run through the Train tab's events first and draw while it runs")
    parser.add_argument("--url", type=loopback_url,
                        help="a running server on loopback; default: start python app.py on a free port")
    parser.add_argument("--server-pid", type=int, help="pid of the --url server, for its CPU time")
    parser.add_argument("--timeout", type=float, default=60, help="seconds allowed per HTTP request (default 60)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of the app this bench starts (repeatable)")
    args, extra = parser.parse_known_args(argv)
    if extra and not args.train:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    if args.students < 1 or args.think <= 0 or args.seconds <= 0:
        parser.error("--students, --think and --seconds must be positive")
    return args, extra


def draw(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    digits = (number_drawings if args.numbers else drawings)(args.digits, args.seed)
    print(f"{len(digits)} pen {'numbers' if args.numbers else 'digits'} rendered stroke by stroke in "
          f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
    env = dict(item.split("=", 1) for item in args.env)
    proc, url = app_at(args.url, env)
    pid = args.server_pid if args.url else proc.pid
    training = None
    try:
        if args.while_training:
            settings = {**LOAD_TRAINING, "Training images": 60000, "Epochs": 20}
            training = TrainingRun(url, settings).start()
            if not training.started.wait(300) or not training.running:
                raise RuntimeError(f"the training run did not get going: {training.outcome} {training.error}")
        measured = asyncio.run(run_students(url, args, digits, pid))
        overlap = "-"
        if training is not None:
            overlap = "yes, all through" if training.running else "ended before the load did"
            training.stop()
        print(HEADER)
        print(report(args, measured, overlap))
        errors = measured.tally.errors
        for error in sorted(set(errors))[:5]:
            print(f"error: {error} (x{errors.count(error)})", file=sys.stderr)
        return 1 if errors else 0
    finally:
        if training is not None and training.running:
            training.stop()
        if proc is not None:
            stop_app(proc)


def main(argv: list[str] | None = None) -> int:
    args, _ = parse_args(argv)
    if args.train:
        from bench.train_load import run  # written separately; --draw works without it

        return run(args)
    return draw(args)


if __name__ == "__main__":
    sys.exit(main())
