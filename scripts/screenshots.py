"""Take the README's screenshots (docs/*.png) of the real app in Debian's Chromium.

    python scripts/screenshots.py

Held-out writers' pen digits are drawn with the mouse (desktop, 1280x900) and by touch (phone,
390x844); the Train tab trains its defaults once (a few seconds). Each picture is stored with a
64-colour palette to stay small.
"""

import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # mnistdemo, and the tests' support package

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from mnistdemo.drawn_numbers import NUMBER_CANVAS_SIZE  # noqa: E402
from mnistdemo.replay import canvas_points  # noqa: E402
from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits  # noqa: E402
from support.app import start_app, stop_app  # noqa: E402
from support.browser import (CHROMIUM, CHROMIUM_ARGS, PHONE, choose_language, draw, number_reading, reading,
                             swipe)  # noqa: E402
from support.numbers import first_number_read_exactly  # noqa: E402

DOCS = REPO / "docs"


def _save(png: bytes, name: str) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(64)
    image.save(DOCS / name, optimize=True)
    print(f"docs/{name}: {image.size[0]}x{image.size[1]}, {(DOCS / name).stat().st_size // 1024} KB")


def main() -> None:
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    five, three = (next(d for d in digits if d.label == label) for label in (5, 3))
    number, strokes = first_number_read_exactly()
    proc, url = start_app()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url)
            draw(page, canvas_points(five, height_frac=0.65))
            reading(page)
            page.get_by_text("Preprocessing, step by step").click()
            page.wait_for_timeout(2000)
            page.evaluate("window.scrollTo(0, 0)")
            _save(page.screenshot(), "draw.png")

            phone = browser.new_context(**PHONE).new_page()
            phone.goto(url)
            phone.locator("#sketch canvas").first.wait_for()
            swipe(phone, canvas_points(three, height_frac=0.7))
            reading(phone)
            _save(phone.screenshot(), "phone.png")
            phone.get_by_role("tab", name="Whole numbers").tap()
            phone.locator("#number-sketch canvas").first.wait_for()
            swipe(phone, strokes, "#number-sketch", NUMBER_CANVAS_SIZE)
            print("number drawn", number, "read", number_reading(phone))
            phone.evaluate("window.scrollTo(0, 0)")
            _save(phone.screenshot(), "phone-numbers.png")

            # The Train tab: Start with its defaults (the quick preset), the live curves, then the comparison.
            page.get_by_role("tab", name="Train & compare").click()
            page.locator("#train-start").click()
            page.locator("#train-status").get_by_text("now in the Draw tab").wait_for(timeout=300_000)
            page.wait_for_timeout(2000)
            page.get_by_text("Set-up", exact=True).scroll_into_view_if_needed()
            _save(page.screenshot(), "train.png")
            page.locator("#train-runs").scroll_into_view_if_needed()
            _save(page.screenshot(), "compare.png")

            phone = browser.new_context(**PHONE).new_page()
            phone.goto(url)
            phone.locator("#sketch canvas").first.wait_for()
            choose_language(phone, "简体中文")
            phone.get_by_role("tab", name="训练与比较").tap()
            phone.wait_for_timeout(2000)
            _save(phone.screenshot(), "train-phone-zh.png")
            browser.close()
    finally:
        stop_app(proc)


if __name__ == "__main__":
    main()
