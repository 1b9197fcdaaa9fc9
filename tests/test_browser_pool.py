"""Two browsers press Start on the same settings: the run is trained once, and each gets the model in their own list.

Run alone: .venv/bin/python -m pytest -q tests/test_browser_pool.py (needs Chromium; trains a tiny net, a few minutes)
"""

import re

import pytest
from playwright.sync_api import expect

from support.browser import choose, set_slider

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _set_up_tiny_run(page, app_url: str) -> None:
    """Custom CNN, 3,000 images, 1 epoch: settings no other test trains."""
    page.goto(app_url)
    page.get_by_role("tab", name="Train & compare").click()
    choose(page, "train-arch", "Custom CNN", exact=True)
    page.get_by_text("Conv + pool blocks").wait_for()
    set_slider(page, "train-subset", 3000)
    set_slider(page, "train-epochs", 1)


def _trained_here(page) -> list[str]:
    """The Draw tab's '... trained here' models, as this page lists them."""
    page.get_by_role("tab", name="Draw").click()
    page.locator("#model-choice input").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return [o.split(" ")[0] for o in options if "trained here" in o]


def test_two_browsers_on_the_same_settings_share_the_run_and_each_keep_their_own(browser, app_url):
    pages = [browser.new_context(viewport={"width": 1280, "height": 900}).new_page() for _ in range(2)]
    for page in pages:
        _set_up_tiny_run(page, app_url)
    for page in pages:
        page.locator("#train-start").click()
    statuses = []
    for page in pages:
        status = page.locator("#train-status")
        status.get_by_text("now in the Draw tab").wait_for(timeout=180_000)
        statuses.append(status.inner_text())
        expect(page.locator("#train-runs")).to_contain_text("run01-custom", timeout=20_000)
        expect(page.locator("#train-summary")).to_contain_text(re.compile(r"Test accuracy .*: \d+\.\d+%"))
    pages[1].locator("#train-status").scroll_into_view_if_needed()
    pages[1].screenshot(path="/tmp/mnistdemo-browser-shared-run.png")
    # Trained once: at least the second to press is told it is the same run as another visitor's.
    assert any("the same run as others" in s for s in statuses), statuses
    accuracies = [re.search(r"(\d+\.\d+)%", s)[1] for s in statuses]
    assert accuracies[0] == accuracies[1], statuses  # the same model
    for page in pages:  # each list holds one run: their own copy, nobody else's
        assert _trained_here(page) == ["run01-custom"]
    for page in pages:
        page.context.close()
