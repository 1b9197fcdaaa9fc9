"""The Draw tab's test-set samples, every-model table and step captions in a real browser at 1280x900.

Run alone: .venv/bin/python -m pytest -q tests/test_browser_samples.py (needs Chromium at /usr/bin/chromium)
"""

import re

import pytest

from mnistdemo.config import REPO_DIR
from support.browser import reading

pytestmark = pytest.mark.browser

SEVEN = REPO_DIR / "data" / "samples" / "mnist" / "7-test0.png"


def _cut_off(locator) -> list[str]:
    """Texts of the elements matched whose content is wider or taller than the box that shows it."""
    return locator.evaluate_all("""els => els.filter(e => e.scrollWidth > e.clientWidth + 1
                                                 || e.scrollHeight > e.clientHeight + 1).map(e => e.textContent)""")


def _models_listed(table, first: str) -> list[str]:
    """The every-model table's model column once its first row is `first`."""
    table.get_by_test_id("cell-0-0").get_by_text(first, exact=True).wait_for(timeout=60_000)
    return [text.strip() for text in table.locator('[data-testid^="cell-"][data-testid$="-0"]').all_inner_texts()]


def test_one_click_reads_a_sample_and_the_next_upload_is_read_as_a_digit(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(app_url)
    page.locator("#samples").get_by_text("Samples from the test sets").click()
    digits, clothes = page.locator("#samples-mnist"), page.locator("#samples-fashion_mnist")
    digits.locator("img").first.wait_for()
    # Digits first, captions a person reads (not file names such as "0-test19").
    assert digits.bounding_box()["y"] < clothes.bounding_box()["y"]
    assert [digits.get_by_text(str(d), exact=True).count() for d in range(10)] == [1] * 10
    assert clothes.get_by_text(re.compile("^Sandal")).count() == 1 and not re.search(r"\d-test\d", clothes.inner_text())

    # One click on a sample of the other data set reads it, says which model did, and keeps the choice.
    clothes.locator("img").nth(5).click()
    verdict = page.locator("#verdict")
    verdict.get_by_text(re.compile("piece of clothing")).wait_for(timeout=60_000)
    assert "best_fashion-fashion_mnist" in verdict.inner_text() and "Sandal" in verdict.inner_text()
    assert page.locator("#reading .output-class").inner_text().startswith("Sandal")
    assert page.locator("#model-choice input").input_value().startswith("best_mnist-mnist")
    page.get_by_text("Every model of this data set").click()
    table = page.locator("#every-model")
    models = _models_listed(table, "best_fashion")
    assert "fashion_cnn" in models and "best_mnist" not in models  # the drawing's data set only

    # The next upload is a digit, read by the digit model still chosen.
    page.locator("#upload input[type=file]").set_input_files(str(SEVEN))
    assert reading(page) == "7"
    models = _models_listed(table, "best_mnist")
    assert len(models) == 8 and "best_fashion" not in models and table.get_by_text("Sandal").count() == 0
    page.get_by_text("Preprocessing, step by step").click()
    page.locator("#steps").get_by_text(re.compile("^centred 28x28")).wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    # Nothing a person reads is cut off: the confidence column, the step captions.
    confidence = table.get_by_test_id("cell-0-2")
    box = confidence.bounding_box()
    assert box["x"] + box["width"] <= table.bounding_box()["x"] + table.bounding_box()["width"]
    cells = table.locator('th, [data-testid^="cell-"]')
    assert not _cut_off(cells), _cut_off(cells)
    assert not _cut_off(page.locator("#steps .caption-label")), _cut_off(page.locator("#steps .caption-label"))
    page.screenshot(path="/tmp/mnistdemo-samples.png", full_page=True)
