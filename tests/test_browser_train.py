"""The Train & compare tab in a real browser: train a tiny net live, see it in the results, use it to draw."""

import re

import cv2
import numpy as np
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _set_slider(page, elem_id: str, value: int) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def _choose(page, elem_id: str, option: str | re.Pattern) -> None:
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option).click()


def _seven_png(path) -> str:
    image = np.full((280, 280), 255, np.uint8)
    cv2.line(image, (70, 60), (200, 60), 0, 20)
    cv2.line(image, (200, 60), (120, 230), 0, 20)
    cv2.imwrite(str(path), image)
    return str(path)


def test_train_a_tiny_net_live_then_draw_with_it(page, app_url, tmp_path):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(app_url)
    page.get_by_role("tab", name="Train & compare").click()

    # A tiny run: custom CNN, 2,000 images, 1 epoch of 32 batches.
    _choose(page, "train-arch", "Custom CNN")
    page.get_by_text("Conv + pool blocks").wait_for()
    _set_slider(page, "train-subset", 2000)
    _set_slider(page, "train-epochs", 1)
    _choose(page, "train-batch-size", "64")
    page.locator("#train-start").click()

    # Live: the progress text and the loss curve appear while it trains.
    page.locator("#train-status").get_by_text(re.compile(r"· \d+/32 ·")).wait_for(timeout=60_000)
    page.locator("#train-batch-plot canvas, #train-batch-plot svg").first.wait_for(timeout=30_000)
    page.locator("#train-status").get_by_text("now in the Draw tab").wait_for(timeout=90_000)

    # Results: the comparison table, summary and confusion matrix fill in.
    expect(page.locator("#train-runs")).to_contain_text("run01-custom", timeout=20_000)
    expect(page.locator("#train-summary")).to_contain_text(re.compile(r"Test accuracy .*: \d+\.\d+%"))
    expect(page.locator("#train-confusion")).to_contain_text("true \\ predicted")
    page.screenshot(path="/tmp/mnistdemo-browser-train.png", full_page=True)

    # Choosing an error cell (true 0, predicted 6: column 7) shows those test images or says there are none.
    page.locator("#train-confusion [data-testid=cell-0-7]").click()
    page.get_by_text(re.compile(r"read as\): \d+.* · 0 → 6")).wait_for(timeout=20_000)

    # Use it: the new model is in the Draw tab's list at once and reads an uploaded digit.
    page.get_by_role("tab", name="Draw").click()
    _choose(page, "model-choice", re.compile(r"run01-custom .*trained here"))
    page.locator("#upload input[type=file]").set_input_files(_seven_png(tmp_path / "seven.png"))
    page.locator("#verdict").get_by_text(re.compile("Reads|Not sure|Not a digit")).wait_for(timeout=30_000)
    reading = page.locator("#reading [data-testid=label-output-value]").first.inner_text().strip()
    assert reading in [str(d) for d in range(10)]
    assert "run01-custom" in page.locator("#model-choice input").input_value()
