"""The Draw tab in a real browser: real pen-drawn digits replayed with the mouse on the real canvas.

Run alone: .venv/bin/python -m pytest -q tests/test_browser_draw.py (needs Chromium at /usr/bin/chromium)
"""

import json

import cv2
import numpy as np
import pytest
from playwright.sync_api import expect

from mnistdemo.replay import canvas_points
from support.browser import clear, draw, draw_and_read, misread, read_held_out_twenty, reading
from support.drawings import held_out_twenty

pytestmark = pytest.mark.browser


def test_pen_drawn_digits_drawn_with_the_mouse_are_read(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(app_url)
    # No tool to choose, ever: a fresh canvas and a cleared one are ready to draw.
    wrong = misread(read_held_out_twenty(page, draw_and_read, clear))
    page.screenshot(path="/tmp/mnistdemo-browser-draw.png", full_page=True)
    assert len(wrong) <= 2, f"only {20 - len(wrong)}/20 read right; misread (drawn, read): {wrong}"


def test_a_stroke_is_one_request_and_undo_takes_it_back(page, app_url):
    """Each stroke sends the server one plain request with the canvas's picture and its strokes: nothing uploaded,
    no queue, and nothing fetched after it (what the model saw comes inside the answer)."""
    sent: list[str] = []
    bodies: list[dict] = []
    page.on("request", lambda r: sent.append(r.url.split("/gradio_api/")[-1].split("?")[0])
            if "/gradio_api/" in r.url and (r.method == "POST" or "/file=" in r.url) else None)
    page.on("request", lambda r: bodies.append(r.post_data_json) if r.url.endswith("/run/predict") else None)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(app_url)
    digit, placement = held_out_twenty()[0]
    strokes = canvas_points(digit, **placement)
    draw(page, strokes)
    first = reading(page)
    assert first == str(digit.label)
    answers = sent.count("run/predict")
    assert 1 <= answers <= len(strokes), sent
    assert not {"upload", "component_server/"} & set(sent), sent  # the page's own events aside, nothing else
    assert not [path for path in sent if path.startswith("file=")], sent
    assert page.locator("#seen img").get_attribute("src").startswith("data:image/png;base64,")
    # The strokes went with the picture (for the pen's path), as the pad holds them, in whole pixels.
    held = page.evaluate("JSON.stringify(document.querySelector('#sketch canvas').pad.strokes"
                         ".map((s) => s.map((p) => p.map(Math.round))))")
    assert len(json.loads(held)) == len(strokes) and held in bodies[-1]["data"]

    shown = page.locator("#verdict").inner_text()
    draw(page, [[(20, 260), (260, 20)], [(20, 20), (260, 260)]])  # a cross over the digit
    expect(page.locator("#verdict")).not_to_have_text(shown, timeout=60_000)
    assert sent.count("run/predict") > answers and "upload" not in sent, sent
    page.locator("#sketch-undo").click()
    page.locator("#sketch-undo").click()
    expect(page.locator("#verdict")).to_have_text(shown, timeout=60_000)
    assert reading(page) == first
    assert page.evaluate("document.querySelector('#sketch canvas').pad.strokes.length") == len(strokes)


def test_two_students_drawing_at_once_each_get_their_own_answer_and_details(browser, app_url):
    """Strokes of two sessions interleaved: each reads its own drawing, and its details show that drawing."""
    twenty = held_out_twenty()
    chosen = [twenty[4], twenty[14]]  # a 2 and a 7 (the wrong answers would show as each other's)
    contexts = [browser.new_context(viewport={"width": 1280, "height": 1000}) for _ in chosen]
    try:
        pages = [context.new_page() for context in contexts]
        for page in pages:
            page.goto(app_url)
        strokes = [canvas_points(digit, **placement) for digit, placement in chosen]
        for k in range(max(map(len, strokes))):
            for page, drawn in zip(pages, strokes):
                if k < len(drawn):
                    draw(page, [drawn[k]])
        for page, (digit, _) in zip(pages, chosen):
            assert reading(page) == str(digit.label)
            page.get_by_text("Every model of this data set").click()
            first = page.locator("#every-model").get_by_test_id("cell-0-1")
            expect(first).to_have_text(str(digit.label), timeout=60_000)  # the default model, on this drawing
    finally:
        for context in contexts:
            context.close()


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
    assert reading(page) == "7"


def test_details_are_computed_only_while_their_accordion_is_open(page, app_url):
    """Strokes with the accordions closed send the server only their answer; an open one gets its details."""
    config = page.request.get(app_url + "/config").json()
    elem = {c["props"].get("elem_id"): c["id"] for c in config["components"]}
    feeds = {d["id"]: c for d in config["dependencies"] for c in ("steps-gallery", "every-model-table")
             if elem[c] in d["outputs"] and d["backend_fn"]}
    joined: list[int] = []
    events = ("/queue/join", "/run/predict")  # queued events and the stroke's plain request
    page.on("request",
            lambda r: joined.append(r.post_data_json["fn_index"]) if any(e in r.url for e in events) else None)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(app_url)
    first, second = held_out_twenty()[6:8]  # two 3s
    draw(page, canvas_points(first[0], **first[1]))
    assert reading(page) == "3"
    assert joined and not set(joined) & set(feeds), f"closed details were asked for: {joined}"

    page.locator("#steps").get_by_text("Preprocessing, step by step").first.click()
    page.locator("#steps-gallery img").nth(5).wait_for(timeout=60_000)  # six steps, on opening
    joined.clear()
    clear(page)
    draw(page, canvas_points(second[0], **second[1]))
    assert reading(page) == "3"
    page.locator("#steps-gallery img").nth(5).wait_for(timeout=60_000)
    asked = [feeds[fn] for fn in joined if fn in feeds]
    assert "steps-gallery" in asked and "every-model-table" not in asked, asked
