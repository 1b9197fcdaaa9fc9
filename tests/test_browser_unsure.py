"""The Draw tab says "Not a digit?" for a letter or scribble drawn with the mouse, and still reads a digit.

Run alone: .venv/bin/python -m pytest -q tests/test_browser_unsure.py (needs Chromium at /usr/bin/chromium)
"""

import numpy as np
import pytest

from mnistdemo import nondigits, unsure
from mnistdemo.preprocess import preprocess
from mnistdemo.replay import canvas_points
from mnistdemo.strokes import load_pendigits, render_digit
from support.browser import clear, draw, last_change_answered

pytestmark = pytest.mark.browser

PLACEMENT = {"height_frac": 0.6, "center": (0.5, 0.5)}


def _scores(drawings) -> np.ndarray:
    """The signal's score of each drawing as rendered at PLACEMENT (in this process, real models)."""
    images = np.stack([preprocess(render_digit(d, **PLACEMENT)) for d in drawings])
    return np.array([a.score for a in unsure.assess(images)])


def _verdict_after_drawing(page, strokes) -> str:
    """The verdict once the last stroke has been answered."""
    draw(page, strokes)
    last_change_answered(page)
    return page.locator("#verdict").inner_text()


def test_letter_or_scribble_is_not_a_digit_and_a_digit_still_reads(page, app_url):
    # The clearest non-digit and the clearest digit of a few from the test split, as the models
    # here judge them: the browser must reach the same verdict through the canvas and the server.
    candidates = nondigits.letters("test", 12, seed=5) + nondigits.scribbles("test", 12, seed=5)
    other = candidates[int(_scores(candidates).argmax())]
    pool = load_pendigits(writers=nondigits.SPLIT_WRITERS["test"])
    digits = [pool[i] for i in np.random.default_rng(5).choice(len(pool), 12, replace=False)]
    digit = digits[int(_scores(digits).argmin())]

    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(app_url)
    text = _verdict_after_drawing(page, canvas_points(other, **PLACEMENT))
    assert "Not a digit?" in text and "Reads" not in text and "larger" not in text
    # No big digit headline over a "Not a digit?" verdict: the page says one thing.
    assert not page.locator("#reading .output-class").is_visible(), page.locator("#reading").inner_text()
    page.screenshot(path="/tmp/mnistdemo-unsure.png", full_page=True)

    # A tiny drawing of a clear digit: the advice to draw larger, because size is the cause.
    clear(page)
    text = _verdict_after_drawing(page, canvas_points(digit, height_frac=0.1, center=(0.5, 0.5)))
    assert "very small" in text and "larger" in text, text

    clear(page)
    text = _verdict_after_drawing(page, canvas_points(digit, **PLACEMENT))
    assert f"Reads {digit.label}" in text.replace("*", "") and "Not" not in text and "larger" not in text, text
    assert page.locator("#reading .output-class").inner_text().strip() == str(digit.label)
    assert page.locator("#reading .output-class").is_visible()  # the headline is back for a digit


def test_a_smiley_is_not_a_digit(page, app_url):
    # The first lesson's complaint: a smiley read "0 (100%)". Four smileys, jittered as a hand draws; the one
    # the "is it a digit?" network is surest of (in this process), drawn with the mouse.
    from mnistdemo.inference import SHIPPED

    smileys = nondigits.doodles("validation", 4 * len(nondigits.SPLIT_DOODLES["validation"]))[::len(
        nondigits.SPLIT_DOODLES["validation"])]
    images = np.stack([preprocess(render_digit(d, **PLACEMENT)) for d in smileys])
    smiley = smileys[int(SHIPPED.load_all().detector.not_a_digit(images).argmax())]
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(app_url)
    text = _verdict_after_drawing(page, canvas_points(smiley, **PLACEMENT))
    assert "Not a digit?" in text and "Reads" not in text, text
    assert not page.locator("#reading .output-class").is_visible(), page.locator("#reading").inner_text()
