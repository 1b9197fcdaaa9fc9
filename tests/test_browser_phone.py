"""Both canvases on a phone: a 390x844 touch screen, real pen digits drawn with a finger."""

import numpy as np
import pytest

from mnistdemo.drawn_numbers import NUMBER_CANVAS_SIZE, random_number
from mnistdemo.inference import SHIPPED
from mnistdemo.numbers import read_number
from mnistdemo.replay import canvas_points, mouse_points
from mnistdemo.strokes import BRUSH_RADIUS, CANVAS_SIZE, HELD_OUT_WRITERS, load_pendigits, render_strokes
from test_browser_draw import _canvas_to_page, _reading
from test_browser_numbers import _reading as _number_reading

pytestmark = pytest.mark.browser
SCREEN = {"width": 390, "height": 844}
PHONE = {"viewport": SCREEN, "has_touch": True, "is_mobile": True, "device_scale_factor": 3}
TABS = ("Draw", "Whole numbers", "Train & compare")


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def _swipe(page, strokes, sketch: str = "#sketch", size: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)) -> None:
    """Each stroke as one finger: touchstart, touchmoves, touchend, as a phone's browser sends them."""
    to_page = _canvas_to_page(page, sketch, size)
    cdp = page.context.new_cdp_session(page)
    for stroke in strokes:
        points = [dict(zip("xy", to_page(*point))) for point in stroke]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points[:1]})
        for point in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _on_screen(page, selector: str) -> bool:
    """Whether the element is wholly inside the screen as it is now, without scrolling."""
    box = page.locator(selector).first.bounding_box()
    return box is not None and 0 <= box["x"] and box["x"] + box["width"] <= SCREEN["width"] \
        and 0 <= box["y"] and box["y"] + box["height"] <= SCREEN["height"]


def test_a_finger_draws_digits_and_sees_the_answer_without_scrolling(phone, app_url):
    phone.goto(app_url)
    phone.locator("#sketch canvas").first.wait_for()
    assert _on_screen(phone, "#sketch canvas"), "the canvas does not fit the screen"
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= SCREEN["width"], "the page scrolls sideways"
    # Every tab is one tap away: all three titles on screen, none folded into a menu.
    assert all(phone.get_by_role("tab", name=name).is_visible() for name in TABS)

    rng = np.random.default_rng(3)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    for n, label in enumerate((2, 0, 7)):  # fixed digits by held-out writers, none chosen by hand
        digit = rng.choice([d for d in digits if d.label == label])
        if n:
            phone.get_by_role("button", name="Clear canvas").tap()
            phone.locator("#verdict").get_by_text("Draw a digit").wait_for(timeout=60_000)
        _swipe(phone, canvas_points(digit, height_frac=0.7, center=(0.5, 0.5)))  # no tap on the Brush first
        assert _reading(phone) == str(label)
        # The answer shows where the student is looking: no scrolling, under the canvas.
        assert phone.evaluate("window.scrollY") == 0
        assert _on_screen(phone, "#reading") and _on_screen(phone, "#verdict"), "the answer is below the screen"
    phone.screenshot(path="/tmp/mnistdemo-phone.png")
    phone.get_by_role("tab", name="Train & compare").tap()
    assert phone.get_by_role("tab", name="Train & compare").get_attribute("aria-selected") == "true"


def _first_number_read_exactly():
    """The first 4-digit number of a fixed seed (held-out writers) that the app reads exactly off the
    strokes a finger draws: the core chooses it, the browser must then read the same."""
    rng = np.random.default_rng(2026)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    for _ in range(20):
        number = random_number(digits, rng, 4, gap_range=(5.0, 40.0))
        strokes = mouse_points([s for digit in number.strokes for s in digit])
        drawn = render_strokes([np.asarray(s) for s in strokes], NUMBER_CANVAS_SIZE, BRUSH_RADIUS)
        if read_number(drawn, SHIPPED.get(None))[0] == number.text:
            return number.text, strokes
    raise AssertionError("none of 20 numbers is read exactly")


def test_a_finger_writes_a_whole_number_on_a_phone(phone, app_url):
    text, strokes = _first_number_read_exactly()
    phone.goto(app_url)
    phone.get_by_role("tab", name="Whole numbers").tap()
    phone.locator("#number-sketch canvas").first.wait_for()
    phone.locator("#number-reading").get_by_text("Draw a number").wait_for(timeout=60_000)
    assert _on_screen(phone, "#number-sketch canvas")
    # Nothing covers the canvas's left end (the tool palette did, and a "2" was lost there).
    assert not phone.locator("#number-sketch .toolbar-wrap").is_visible()
    assert phone.locator("#number-sketch canvas").first.bounding_box()["width"] >= 0.95 * SCREEN["width"]
    _swipe(phone, strokes, "#number-sketch", NUMBER_CANVAS_SIZE)
    assert _number_reading(phone) == text
    assert "Reads the number" in phone.locator("#number-reading").inner_text()
    phone.screenshot(path="/tmp/mnistdemo-phone-numbers.png")
