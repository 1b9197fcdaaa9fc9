"""Both canvases on a phone: a 390x844 touch screen, real pen digits drawn with a finger.

Run alone: .venv/bin/python -m pytest -q tests/test_browser_phone.py (needs Chromium at /usr/bin/chromium)
"""

import pytest

from mnistdemo.drawn_numbers import NUMBER_CANVAS_SIZE
from mnistdemo.replay import canvas_points
from support.browser import PHONE, SCREEN, number_reading, reading, swipe
from support.drawings import held_out_digits
from support.numbers import first_number_read_exactly

pytestmark = pytest.mark.browser
TABS = ("Draw", "Whole numbers", "Train & compare")


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


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

    for n, digit in enumerate(held_out_digits((2, 0, 7))):  # fixed digits by held-out writers, none chosen by hand
        if n:
            phone.locator("#sketch-clear").tap()
            phone.locator("#verdict").get_by_text("Draw a digit").wait_for(timeout=60_000)
        swipe(phone, canvas_points(digit, height_frac=0.7, center=(0.5, 0.5)))  # no tool to choose first
        assert reading(phone) == str(digit.label)
        # The answer shows where the student is looking: no scrolling, under the canvas.
        assert phone.evaluate("window.scrollY") == 0
        assert _on_screen(phone, "#reading") and _on_screen(phone, "#verdict"), "the answer is below the screen"
    phone.screenshot(path="/tmp/mnistdemo-phone.png")
    phone.get_by_role("tab", name="Train & compare").tap()
    assert phone.get_by_role("tab", name="Train & compare").get_attribute("aria-selected") == "true"


def test_a_finger_writes_a_whole_number_on_a_phone(phone, app_url):
    text, strokes = first_number_read_exactly()
    phone.goto(app_url)
    phone.get_by_role("tab", name="Whole numbers").tap()
    phone.locator("#number-sketch canvas").first.wait_for()
    phone.locator("#number-reading").get_by_text("Draw a number").wait_for(timeout=60_000)
    assert _on_screen(phone, "#number-sketch canvas")
    # Nothing covers the canvas's left end (the tool palette did, and a "2" was lost there).
    assert not phone.locator("#number-sketch .toolbar-wrap").is_visible()
    assert phone.locator("#number-sketch canvas").first.bounding_box()["width"] >= 0.95 * SCREEN["width"]
    swipe(phone, strokes, "#number-sketch", NUMBER_CANVAS_SIZE)
    assert number_reading(phone) == text
    assert "Reads the number" in phone.locator("#number-reading").inner_text()
    phone.screenshot(path="/tmp/mnistdemo-phone-numbers.png")
