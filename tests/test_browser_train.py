"""The Train & compare tab in a real browser: train a tiny net live, see it in the results, use it to draw.

Run alone: .venv/bin/python -m pytest -q tests/test_browser_train.py (needs Chromium; trains a tiny net, a few minutes)
"""

import re

import cv2
import numpy as np
import pytest
from playwright.sync_api import expect

from mnistdemo.presets import QUICK
from support.browser import choose, set_slider

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _seven_png(path) -> str:
    image = np.full((280, 280), 255, np.uint8)
    cv2.line(image, (70, 60), (200, 60), 0, 20)
    cv2.line(image, (200, 60), (120, 230), 0, 20)
    cv2.imwrite(str(path), image)
    return str(path)


def _plot_ticks(page, elem_id: str) -> list[str]:
    """The tick labels of a plot's axes as the browser drew them."""
    return page.locator(f"#{elem_id} svg g.role-axis-label text").evaluate_all("texts => texts.map(t => t.textContent)")


def _longest_line(page, elem_id: str) -> int:
    """Points in the longest line a plot drew and coloured (its SVG path's segments)."""
    paths = page.locator(f"#{elem_id} svg path[aria-roledescription='line mark']").evaluate_all(
        "paths => paths.filter(p => p.getAttribute('stroke'))"
        ".map(p => (p.getAttribute('d').match(/[LM]/g) || []).length)")
    return max(paths, default=0)


def _inside_viewport(page, locator) -> bool:
    """Is the element within the screen's width (as laid out, before any sideways scrolling)?"""
    box = locator.bounding_box()
    return box is not None and 0 <= box["x"] and box["x"] + box["width"] <= page.viewport_size["width"]


def test_train_a_tiny_net_live_then_draw_with_it(page, app_url, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(app_url)
    page.get_by_role("tab", name="Train & compare").click()
    # The defaults are the quick preset, with no warning; a tiny run says what limits it.
    expect(page.locator("#train-subset input[type=number]")).to_have_value(str(QUICK.train_subset))
    expect(page.locator("#train-limits")).to_have_text("")

    # A tiny run: custom CNN, 2,000 images, 1 epoch of 32 batches.
    choose(page, "train-arch", "Custom CNN")
    page.get_by_text("Conv + pool blocks").wait_for()
    set_slider(page, "train-subset", 2000)
    set_slider(page, "train-epochs", 1)
    choose(page, "train-batch-size", "64")
    expect(page.locator("#train-limits")).to_contain_text("A small run: 32 batches of training.")
    page.locator("#train-start").click()

    # Live: the progress text and the loss curve appear while it trains.
    page.locator("#train-status").get_by_text(re.compile(r"· \d+/32 ·")).wait_for(timeout=120_000)
    page.locator("#train-loss-plot svg").first.wait_for(timeout=30_000)
    page.locator("#train-status").get_by_text("now in the Draw tab").wait_for(timeout=90_000)

    # Results: the comparison table, summary and confusion matrix fill in.
    expect(page.locator("#train-runs")).to_contain_text("run01-custom", timeout=20_000)
    expect(page.locator("#train-summary")).to_contain_text(re.compile(r"Test accuracy .*: \d+\.\d+%"))
    expect(page.locator("#train-confusion")).to_contain_text("true \\ predicted")
    page.screenshot(path="/tmp/mnistdemo-browser-train.png", full_page=True)

    # One epoch draws curves batch by batch, on readable axes; the per-class bars start at 0.
    for plot in ("train-loss-plot", "train-accuracy-plot", "train-overlay-loss", "train-overlay-accuracy"):
        assert _longest_line(page, plot) >= 30, plot
        ticks = _plot_ticks(page, plot)
        assert len(set(ticks)) >= 6 and all(re.fullmatch(r"\d+(\.\d)?", tick) for tick in ticks), ticks
    assert {"0.0", "1.0"} <= set(_plot_ticks(page, "train-bars"))
    # The comparison's test accuracy is on screen, on a laptop and on a phone.
    accuracy = page.locator("#train-runs [data-testid=cell-0-1]")
    assert re.fullmatch(r"0\.\d+", accuracy.inner_text().strip())
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        header = page.locator("#train-runs th").filter(has_text="test accuracy").first
        assert _inside_viewport(page, header) and _inside_viewport(page, accuracy), (width, header.bounding_box())
    page.set_viewport_size({"width": 1280, "height": 900})

    # Choosing an error cell (true 0, predicted 6: column 7) shows those test images or says there are none.
    page.locator("#train-confusion [data-testid=cell-0-7]").click()
    page.get_by_text(re.compile(r"read as\): \d+.* · 0 → 6")).wait_for(timeout=20_000)

    # Use it: the new model is in the Draw tab's list at once and reads an uploaded digit.
    page.get_by_role("tab", name="Draw").click()
    choose(page, "model-choice", re.compile(r"run01-custom .*trained here"))
    page.locator("#upload input[type=file]").set_input_files(_seven_png(tmp_path / "seven.png"))
    page.locator("#verdict").get_by_text(re.compile("Reads|Not sure|Not a digit")).wait_for(timeout=30_000)
    reading = page.locator("#reading [data-testid=label-output-value]").first.inner_text().strip()
    assert reading in [str(d) for d in range(10)]
    assert "run01-custom" in page.locator("#model-choice input").input_value()
