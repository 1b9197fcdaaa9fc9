"""The Draw tab in a real browser: real pen-drawn digits replayed with the mouse on the real canvas."""

import re

import cv2
import numpy as np
import pytest

from mnistdemo.replay import canvas_points
from mnistdemo.strokes import CANVAS_SIZE, HELD_OUT_WRITERS, load_pendigits

pytestmark = pytest.mark.browser


def _canvas_to_page(page, sketch: str = "#sketch", size: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)):
    """A function mapping canvas pixels (0..width, 0..height) to page coordinates of a Sketchpad."""
    box = page.locator(f"{sketch} canvas").first.bounding_box()
    zoom_text = page.locator(sketch).get_by_text(re.compile(r"^\d+%$")).first.inner_text()
    zoom = int(zoom_text.rstrip("%")) / 100  # the canvas is shown centred at this zoom
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    width, height = size
    return lambda x, y: (cx + (x - width / 2) * zoom, cy + (y - height / 2) * zoom)


def _draw(page, strokes, sketch: str = "#sketch", size: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)) -> None:
    """Replay strokes (canvas pixels) with the mouse on a Sketchpad."""
    to_page = _canvas_to_page(page, sketch, size)
    for stroke in strokes:
        page.mouse.move(*to_page(*stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*to_page(*point))
        page.mouse.up()


def _reading(page) -> str:
    """The Label's top class once the last stroke's prediction has arrived."""
    verdict = page.locator("#verdict")
    verdict.get_by_text(re.compile("Reads|Not sure|Not a digit")).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # a stroke's prediction may still be on its way
    return page.locator("#reading [data-testid=label-output-value]").first.inner_text().strip()


def _clear(page) -> None:
    page.get_by_role("button", name="Clear canvas").click()
    page.locator("#verdict").get_by_text("Draw a digit").wait_for(timeout=60_000)


def _twenty_pen_digits():
    """Two digits of each class by held-out writers, at varied sizes and positions."""
    rng = np.random.default_rng(7)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    chosen = []
    for label in range(10):
        pool = [d for d in digits if d.label == label]
        chosen += [pool[i] for i in rng.choice(len(pool), 2, replace=False)]
    return [(d, {"height_frac": float(rng.uniform(0.5, 0.8)),
                 "center": (float(rng.uniform(0.42, 0.58)), float(rng.uniform(0.42, 0.58)))})
            for d in chosen]


def test_pen_drawn_digits_drawn_with_the_mouse_are_read(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(app_url)
    # No click on the Brush tool, ever: a fresh canvas and a cleared one are ready to draw.
    right, misread = 0, []
    for i, (digit, placement) in enumerate(_twenty_pen_digits()):
        if i:
            _clear(page)
        _draw(page, canvas_points(digit, **placement))
        answer = _reading(page)
        right += answer == str(digit.label)
        if answer != str(digit.label):
            misread.append((digit.label, answer))
    page.screenshot(path="/tmp/mnistdemo-browser-draw.png", full_page=True)
    assert right >= 18, f"only {right}/20 read right; misread (drawn, read): {misread}"


def _digit_image(light_on_dark: bool, transparent: bool) -> np.ndarray:
    image = np.zeros((300, 240), np.uint8)
    cv2.line(image, (60, 50), (190, 50), 255, 22)
    cv2.line(image, (190, 50), (100, 260), 255, 22)  # a "7"
    if transparent:
        return np.dstack([np.zeros_like(image)] * 3 + [image])  # black ink only in alpha
    return image if light_on_dark else 255 - image


@pytest.mark.parametrize("name,light_on_dark,transparent", [
    ("seven.png", False, True), ("seven.jpg", True, False)])
def test_uploads_of_either_polarity_and_transparency(page, app_url, tmp_path, name, light_on_dark, transparent):
    path = tmp_path / name
    cv2.imwrite(str(path), _digit_image(light_on_dark, transparent))
    page.goto(app_url)
    page.locator("#upload input[type=file]").set_input_files(str(path))
    assert _reading(page) == "7"


def test_details_are_computed_only_while_their_accordion_is_open(page, app_url):
    """Strokes with the accordions closed send the server only their answer; an open one gets its details."""
    config = page.request.get(app_url + "/config").json()
    elem = {c["props"].get("elem_id"): c["id"] for c in config["components"]}
    feeds = {d["id"]: c for d in config["dependencies"] for c in ("steps-gallery", "every-model-table")
             if elem[c] in d["outputs"] and d["backend_fn"]}
    joined: list[int] = []
    page.on("request", lambda r: joined.append(r.post_data_json["fn_index"]) if "/queue/join" in r.url else None)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(app_url)
    page.get_by_role("button", name="Brush").first.click()
    first, second = _twenty_pen_digits()[6:8]  # two 3s
    _draw(page, canvas_points(first[0], **first[1]))
    assert _reading(page) == "3"
    assert joined and not set(joined) & set(feeds), f"closed details were asked for: {joined}"

    page.locator("#steps").get_by_text("Preprocessing, step by step").first.click()
    page.locator("#steps-gallery img").nth(5).wait_for(timeout=60_000)  # six steps, on opening
    joined.clear()
    _clear(page)
    page.get_by_role("button", name="Brush").first.click()
    _draw(page, canvas_points(second[0], **second[1]))
    assert _reading(page) == "3"
    page.locator("#steps-gallery img").nth(5).wait_for(timeout=60_000)
    asked = [feeds[fn] for fn in joined if fn in feeds]
    assert "steps-gallery" in asked and "every-model-table" not in asked, asked
