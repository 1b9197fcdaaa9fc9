"""The UI in Simplified Chinese: by the browser's language, or switched under Settings → Language."""

import re

import pytest
from playwright.sync_api import expect

from mnistdemo.strokes import HELD_OUT_WRITERS, canvas_points, load_pendigits
from test_browser_draw import _draw

pytestmark = pytest.mark.browser


@pytest.fixture
def chinese_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    yield context.new_page()
    context.close()


def test_a_chinese_browser_gets_the_chinese_ui(chinese_page, app_url):
    page = chinese_page
    page.goto(app_url)
    expect(page.get_by_role("tab", name="手写")).to_be_visible(timeout=60_000)
    # What a handler returns is translated too: the verdict on a held-out writer's "4".
    four = next(d for d in load_pendigits(writers=HELD_OUT_WRITERS) if d.label == 4)
    _draw(page, canvas_points(four, height_frac=0.7, center=(0.5, 0.5)))
    expect(page.locator("#verdict")).to_contain_text(re.compile("(识别为|网络数：) 4"), timeout=60_000)
    page.screenshot(path="/tmp/mnistdemo-zh-draw.png", full_page=True)
    page.get_by_role("tab", name="训练与比较").click()
    expect(page.get_by_role("button", name="开始训练")).to_be_visible()
    expect(page.get_by_text("训练轮数").first).to_be_visible()
    assert "Start training" not in page.locator("body").inner_text()
    page.screenshot(path="/tmp/mnistdemo-zh-train.png", full_page=True)


def _choose_language(page, language: str) -> None:
    page.locator("footer button.settings").click()
    page.get_by_label("Language").click()
    page.get_by_role("option", name=language).click()
    page.locator(".banner-wrap button").first.click()  # the Settings panel's close button


def test_settings_switch_an_english_page_to_chinese_and_back(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(app_url)
    expect(page.get_by_role("tab", name="Draw")).to_be_visible(timeout=60_000)
    _choose_language(page, "简体中文")
    expect(page.get_by_role("tab", name="手写")).to_be_visible()
    # Gradio retitles a tab that is not showing when it is first opened.
    page.locator("[data-tab-id=train]").click()
    expect(page.get_by_role("tab", name="训练与比较")).to_be_visible()
    expect(page.get_by_role("button", name="开始训练")).to_be_visible()
    _choose_language(page, "English")
    expect(page.get_by_role("button", name="Start training")).to_be_visible()
