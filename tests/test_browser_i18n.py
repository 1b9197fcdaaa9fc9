"""The UI in Simplified Chinese: by the browser's language, or switched under Settings → Language.

Run alone: .venv/bin/python -m pytest -q tests/test_browser_i18n.py (needs Chromium at /usr/bin/chromium)
"""

import re

import pytest
from playwright.sync_api import expect

from mnistdemo.replay import canvas_points
from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits
from mnistdemo.ui.texts import EN, MESSAGES
from support.browser import choose_language, draw

pytestmark = pytest.mark.browser
_KEPT = " ".join(MESSAGES["zh-CN"].values()).lower()  # names such as MNIST, CNN or Dense(1024) stay as they are
ENGLISH_WORDS = {word.lower() for text in EN.values() for word in re.findall(r"[A-Za-z]{3,}", text)
                 if word.lower() not in _KEPT}


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
    draw(page, canvas_points(four, height_frac=0.7, center=(0.5, 0.5)))
    expect(page.locator("#verdict")).to_contain_text(re.compile("(识别为|网络数：) 4"), timeout=60_000)
    page.screenshot(path="/tmp/mnistdemo-zh-draw.png", full_page=True)
    page.get_by_role("tab", name="训练与比较").click()
    expect(page.get_by_role("button", name="开始训练")).to_be_visible()
    expect(page.get_by_text("训练轮数").first).to_be_visible()
    assert "Start training" not in page.locator("body").inner_text()
    page.screenshot(path="/tmp/mnistdemo-zh-train.png", full_page=True)


def _switch_to_chinese(page, app_url: str, height: int) -> None:
    """Open the English page at 1280 x `height` and choose 简体中文 under Settings → Language."""
    page.set_viewport_size({"width": 1280, "height": height})
    page.goto(app_url)
    expect(page.get_by_role("tab", name="Draw")).to_be_visible(timeout=60_000)
    choose_language(page, "简体中文")


def test_settings_switch_an_english_page_to_chinese_and_back(page, app_url):
    _switch_to_chinese(page, app_url, 1000)
    expect(page.get_by_role("tab", name="手写")).to_be_visible()
    # Gradio retitles a tab that is not showing when it is first opened.
    page.locator("[data-tab-id=train]").click()
    expect(page.get_by_role("tab", name="训练与比较")).to_be_visible()
    expect(page.get_by_role("button", name="开始训练")).to_be_visible()
    choose_language(page, "English")
    expect(page.get_by_role("button", name="Start training")).to_be_visible()


def _english_shown(page) -> set[str]:
    """Words of the English texts that a person sees on the page (run and model names such as run01-custom aside)."""
    tokens = re.findall(r"[A-Za-z][\w\-]*", page.locator("body").inner_text())
    return {token.lower() for token in tokens if token.isalpha()} & ENGLISH_WORDS


# Neither clipped by the box it sits in nor cut short with an ellipsis.
_SHOWN_WHOLE = """el => {
  const box = el.getBoundingClientRect(), block = el.closest('.block, .form').getBoundingClientRect();
  return box.width > 0 && box.right <= block.right + 1 && el.scrollWidth <= el.clientWidth + 1;
}"""


def _table_headers(page) -> list[str]:
    """Every table header's text, without the column menu's "⋮"."""
    return [header.replace("⋮", "").strip() for header in page.locator("th").all_text_contents()]


def test_after_switching_to_chinese_the_draw_and_train_tabs_show_only_chinese(page, app_url):
    _switch_to_chinese(page, app_url, 900)
    # Every tab's title, the upload hint and what the server renders after a drawing (the reading, its table).
    expect(page.get_by_role("tab", name="多位数")).to_be_visible()
    expect(page.locator("#upload")).to_contain_text("将图片拖放到此处")
    four = next(d for d in load_pendigits(writers=HELD_OUT_WRITERS) if d.label == 4)
    draw(page, canvas_points(four, height_frac=0.7, center=(0.5, 0.5)))
    # Read as a 4, or not sure of it (the networks may disagree): either way in Chinese.
    expect(page.locator("#verdict")).to_contain_text(re.compile("识别为 4|不确定"), timeout=60_000)
    assert not _english_shown(page), _english_shown(page)
    page.get_by_text("这个数据集的所有模型对这幅图的识别").click()  # Every model of this data set: a table
    expect(page.locator("th").filter(has_text="答案").first).to_be_visible()
    headers = _table_headers(page)
    assert "答案" in headers and not [h for h in headers if " · " in h or set(h.lower().split()) & ENGLISH_WORDS]
    page.screenshot(path="/tmp/mnistdemo-zh-switched-draw.png", full_page=True)

    page.locator("[data-tab-id=train]").click()
    expect(page.get_by_role("button", name="开始训练")).to_be_visible()
    assert not _english_shown(page), _english_shown(page)
    headers = _table_headers(page)
    assert {"训练记录", "测试准确率", "真实 \\ 预测"} <= set(headers), headers
    assert not [h for h in headers if " · " in h or set(h.lower().split()) & ENGLISH_WORDS], headers
    # "训练轮数" (Epochs) reads on one line, not one character a line.
    epochs = page.locator("#train-epochs").get_by_text("训练轮数").bounding_box()
    assert epochs["width"] > epochs["height"], epochs
    page.screenshot(path="/tmp/mnistdemo-zh-switched-train.png", full_page=True)
    # And back: English only, headers included.
    choose_language(page, "English")
    expect(page.get_by_role("button", name="Start training")).to_be_visible()
    expect(page.locator("#train-runs th").nth(1)).to_have_attribute("title", "test accuracy")
    expect(page.get_by_role("tab", name="Whole numbers")).to_be_visible()  # retitled by the server, a moment later
    body = page.locator("body").inner_text()
    assert not re.search("[\u4e00-\u9fff]", body), re.findall(".{0,40}[\u4e00-\u9fff]+.{0,40}", body)


def test_a_chinese_phone_shows_the_train_tab_in_chinese_only(browser, app_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    page.goto(app_url)
    page.locator("[data-tab-id=train]").click()
    expect(page.get_by_role("button", name="开始训练")).to_be_visible(timeout=60_000)
    expect(page.locator("#train-runs th").first).to_have_attribute("title", "训练记录", timeout=60_000)
    assert not _english_shown(page), _english_shown(page)
    epochs = page.locator("#train-epochs").get_by_text("训练轮数").bounding_box()
    assert epochs["width"] > epochs["height"], epochs
    for name in ("ReduceLROnPlateau", "EarlyStopping"):  # checkbox labels shown whole
        assert page.get_by_text(name, exact=True).evaluate(_SHOWN_WHOLE), name
    page.screenshot(path="/tmp/mnistdemo-zh-phone-train.png", full_page=True)
    context.close()
