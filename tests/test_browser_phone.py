"""The Draw tab on a phone: a 390x844 touch screen draws real pen digits with a finger."""

import numpy as np
import pytest

from mnistdemo.strokes import HELD_OUT_WRITERS, canvas_points, load_pendigits
from test_browser_draw import _canvas_to_page, _reading

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 3}


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def _swipe(page, strokes) -> None:
    """Each stroke as one finger: touchstart, touchmoves, touchend, as a phone's browser sends them."""
    to_page = _canvas_to_page(page)
    cdp = page.context.new_cdp_session(page)
    for stroke in strokes:
        points = [dict(zip("xy", to_page(*point))) for point in stroke]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points[:1]})
        for point in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_finger_draws_digits_on_a_phone(phone, app_url):
    phone.goto(app_url)
    canvas = phone.locator("#sketch canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= 390, f"the canvas does not fit the screen: {box}"
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390, "the page scrolls sideways"

    rng = np.random.default_rng(3)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    for n, label in enumerate((2, 0, 7)):  # fixed digits by held-out writers, none chosen by hand
        digit = rng.choice([d for d in digits if d.label == label])
        if n:
            phone.get_by_role("button", name="Clear canvas").tap()
            phone.locator("#verdict").get_by_text("Draw a digit").wait_for(timeout=60_000)
        phone.get_by_role("button", name="Brush").first.tap()
        _swipe(phone, canvas_points(digit, height_frac=0.7, center=(0.5, 0.5)))
        assert _reading(phone) == str(label)
    phone.screenshot(path="/tmp/mnistdemo-phone.png", full_page=True)
