"""The static page (`python -m mnistdemo export-web`) in headless Chromium: page weight, time from pen-up to
the reading, and held-out pen digits drawn with the mouse.

The site is served by Python's plain file server on loopback; the browser aborts any request to another
host (there are none: the run fails if one is attempted). The time is the page's own `performance.now()`
from the pointerup event to the reading shown (`#reading[data-ms]`).

    python bench/web_page.py [--site DIR] [--drawings 100]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # mnistdemo, and the tests' support package

from mnistdemo.replay import canvas_points  # noqa: E402
from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits, random_placement  # noqa: E402
from support.browser import CHROMIUM, CHROMIUM_ARGS, misread, read_held_out_twenty  # noqa: E402
from support.static_page import block_other_hosts, clear, draw_and_read, draw_with_mouse, reading, serve  # noqa: E402


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

        wrong = misread(read_held_out_twenty(page, draw_and_read, clear))
        print(f"held-out pen digits drawn with the mouse: {20 - len(wrong)}/20 right; misread (drawn, read): {wrong}")

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
    drawn, read = 20 + args.drawings, 20 - len(wrong) + right
    print(f"all held-out pen digits drawn with the mouse: {read}/{drawn} right ({read / drawn:.1%}; "
          f"the goal, 19 of 20, is 95%)")
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
