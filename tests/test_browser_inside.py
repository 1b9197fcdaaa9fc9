"""The "Inside the network" panel in a real browser, on a real pen-drawn digit drawn with the mouse.

Run alone: .venv/bin/python -m pytest -q tests/test_browser_inside.py (needs Chromium at /usr/bin/chromium)
"""

import re

import cv2
import numpy as np
import pytest

from mnistdemo.replay import canvas_points
from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits
from support.browser import draw, reading

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/mnistdemo-inside.png"
PANEL_SCREENSHOT = "/tmp/mnistdemo-inside-panel.png"


def _colour_share(locator) -> float:
    """Share of an element's pixels that are strongly coloured (heat), not grey/white/black."""
    png = np.frombuffer(locator.screenshot(), np.uint8)
    hsv = cv2.cvtColor(cv2.imdecode(png, cv2.IMREAD_COLOR), cv2.COLOR_BGR2HSV)
    return float(((hsv[..., 1] > 120) & (hsv[..., 2] > 80)).mean())


ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "6th")


def _wait_for_maps(page, layers: int) -> list[str]:
    """Captions of the feature-map gallery once it shows `layers` conv layers (and no more)."""
    maps = page.locator("#inside-maps")
    maps.get_by_text(re.compile(rf"^{ORDINALS[layers - 1]} convolution: ")).wait_for(timeout=60_000)
    if layers < len(ORDINALS):
        maps.get_by_text(re.compile(rf"^{ORDINALS[layers]} convolution: ")).wait_for(state="detached", timeout=60_000)
    return [maps.get_by_text(re.compile(rf"^{ORDINALS[n]} convolution: ")).first.inner_text() for n in range(layers)]


def test_opening_the_panel_shows_maps_filters_and_saliency_of_the_drawing(page, app_url):
    digit = next(d for d in load_pendigits(writers=HELD_OUT_WRITERS) if d.label == 3)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(app_url)
    draw(page, canvas_points(digit, height_frac=0.65))
    assert reading(page) == "3"

    page.locator("#inside").get_by_text("Inside the network").first.click()
    page.locator("#inside-note").get_by_text(re.compile(r"→ 3 \(")).wait_for(timeout=60_000)
    captions = _wait_for_maps(page, 6)  # the default model has six conv layers
    # Layers named as a student says them, no Keras layer names ("conv2d_6").
    assert captions[0].startswith("1st convolution: 16 filters 3x3, maps 28x28"), captions
    assert captions[-1].startswith("6th convolution: 64 filters 3x3, maps 7x7"), captions
    assert not any("conv2d" in caption for caption in captions)
    assert page.locator("#inside-maps img").count() == 6
    assert page.locator("#inside-filters").get_by_text(re.compile("^1st convolution: 16 filters 3x3")).count() == 1
    saliency, grad_cam = page.locator("#inside-saliency img"), page.locator("#inside-grad-cam img")
    saliency.wait_for(timeout=60_000)
    grad_cam.wait_for(timeout=60_000)
    assert _colour_share(saliency) > 0.02 and _colour_share(grad_cam) > 0.02

    # Another model: the panel follows it.
    page.locator("#model-choice input").click()
    page.get_by_role("option", name=re.compile("pytorch_tutorial_cnn-mnist")).click()
    captions = _wait_for_maps(page, 2)
    assert captions[0].startswith("1st convolution: 10 filters 5x5, maps 24x24"), captions
    assert captions[1].startswith("2nd convolution: 20 filters 5x5, maps 8x8"), captions
    assert page.locator("#inside-filters").get_by_text(re.compile("^1st convolution: 10 filters 5x5")).count() == 1
    page.locator("#inside").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.locator("#inside").screenshot(path=PANEL_SCREENSHOT)  # the README's figure (docs/inside.png)
