"""The static page (`python -m mnistdemo export-web`) in headless Chromium: page weight, time from pen-up to
the reading, and held-out pen digits drawn with the mouse.

The site is served by Python's plain file server on loopback; the browser aborts any request to another
host (there are none: the run fails if one is attempted). The time is the page's own `performance.now()`
from the pointerup event to the reading shown (`#reading[data-ms]`).

    python bench/web_page.py [--site DIR] [--drawings 100]
"""

import argparse
import functools
import http.server
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mnistdemo.replay import canvas_points  # noqa: E402
from mnistdemo.strokes import CANVAS_SIZE, HELD_OUT_WRITERS, load_pendigits, random_placement  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(folder: Path):
    """Serve `folder` with a plain file server on a free loopback port -> its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def block_other_hosts(context, attempted: list[str]) -> None:
    """Abort every request of `context` that leaves loopback, noting its URL in `attempted`."""
    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()
    context.route("**/*", route)


def _to_page(page):
    """Canvas pixels -> page coordinates of #sketch (its CSS size may differ from its 280 px)."""
    box = page.locator("#sketch").bounding_box()
    return lambda x, y: (box["x"] + x * box["width"] / CANVAS_SIZE, box["y"] + y * box["height"] / CANVAS_SIZE)


def draw_with_mouse(page, strokes) -> None:
    """Replay strokes (canvas pixels) with the mouse."""
    to_page = _to_page(page)
    for stroke in strokes:
        page.mouse.move(*to_page(*stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*to_page(*point))
        page.mouse.up()


def draw_with_finger(page, strokes) -> None:
    """Replay strokes as one finger each: touchstart, touchmoves, touchend, as a phone's browser sends them."""
    to_page = _to_page(page)
    cdp = page.context.new_cdp_session(page)
    for stroke in strokes:
        points = [dict(zip("xy", to_page(*point))) for point in stroke]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points[:1]})
        for point in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def reading(page, strokes: int) -> str:
    """The text of #reading once it reads a drawing of `strokes` strokes."""
    answer = page.locator(f'#reading.answer[data-strokes="{strokes}"]')
    answer.wait_for(timeout=60_000)
    return answer.inner_text().strip()


def clear(page) -> None:
    page.locator("#clear").click()
    page.locator('#reading.empty[data-strokes="0"]').wait_for(timeout=60_000)


def held_out_twenty(seed: int = 7):
    """Two digits of each class by held-out writers at varied sizes and places (as test_browser_draw picks them)."""
    rng = np.random.default_rng(seed)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    chosen = []
    for label in range(10):
        pool = [d for d in digits if d.label == label]
        chosen += [pool[i] for i in rng.choice(len(pool), 2, replace=False)]
    return [(d, {"height_frac": float(rng.uniform(0.5, 0.8)),
                 "center": (float(rng.uniform(0.42, 0.58)), float(rng.uniform(0.42, 0.58)))})
            for d in chosen]


def page_weight(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, help="an exported site (default: export the default models now)")
    parser.add_argument("--drawings", type=int, default=100,
                        help="held-out pen digits at random sizes and places, timed after the 20 scored")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    site = args.site
    if site is None:
        from mnistdemo.static_site import export_site

        site = Path(tempfile.mkdtemp(prefix="mnistdemo-site-"))
        export_site(site)
    files = page_weight(site)
    print(f"site {site}: {len(files)} files, {sum(files.values()) / 1024:.0f} KB")
    for name, size in files.items():
        print(f"  {size / 1024:9.1f} KB  {name}")

    attempted: list[str] = []
    with serve(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        block_other_hosts(context, attempted)
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url)
        page.locator("#reading.empty").wait_for(timeout=60_000)
        fetched = page.evaluate("performance.getEntriesByType('navigation').concat(performance.getEntriesByType("
                                "'resource')).map(e => [e.name, e.encodedBodySize])")
        print(f"page open to model ready: {time.perf_counter() - started:.2f} s; fetched until then: "
              f"{sum(size for _, size in fetched) / 1024:.0f} KB in {len(fetched)} requests")

        right, misread = 0, []
        for i, (digit, placement) in enumerate(held_out_twenty()):
            if i:
                clear(page)
            strokes = canvas_points(digit, **placement)
            draw_with_mouse(page, strokes)
            answer = reading(page, len(strokes)).split()[0]
            right += answer == str(digit.label)
            if answer != str(digit.label):
                misread.append((digit.label, answer))
        print(f"held-out pen digits drawn with the mouse: {right}/20 right; misread (drawn, read): {misread}")

        rng = np.random.default_rng(11)
        digits = load_pendigits(writers=HELD_OUT_WRITERS)
        before = len(page.evaluate("window.mnistdemo.timings"))
        right = 0
        for i in rng.choice(len(digits), args.drawings, replace=False):
            clear(page)
            strokes = canvas_points(digits[i], **random_placement(rng))
            draw_with_mouse(page, strokes)
            right += reading(page, len(strokes)).split()[0] == str(digits[i].label)
        timings = page.evaluate("window.mnistdemo.timings")
        browser.close()
    print(f"{args.drawings} more held-out pen digits at random sizes and places: {right} right")
    for key in ("ms", "preprocess", "model"):
        values = np.array([t[key] for t in timings[before:]])
        print(f"{key:>10}: p50 {np.percentile(values, 50):.1f} ms, p95 {np.percentile(values, 95):.1f} ms, "
              f"max {values.max():.1f} ms over {len(values)} pen-ups after warm-up")
    print(f"the very first reading: {timings[0]['ms']:.1f} ms; over all {len(timings)} pen-ups: "
          f"p50 {statistics.median(t['ms'] for t in timings):.1f} ms")
    print(f"requests to other hosts: {len(attempted)} {attempted[:3]}")
    if attempted:
        sys.exit("the page tried to reach another host")


if __name__ == "__main__":
    main()
