"""A third language is one table file: a generated pseudo-language leaves no English text on the page.

The pseudo-language writes every English text with look-alike letters ("Draw" -> "Ḓřȧẇ"), so any
English text still on the page after a drawing is a text that does not come from the tables.

Run alone: .venv/bin/python -m pytest -q tests/test_browser_pseudo_language.py (needs Chromium; trains a tiny net)
"""

import json
import re

import pytest
from playwright.sync_api import expect

from mnistdemo.replay import canvas_points
from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits
from mnistdemo.ui.texts import EN
from support.app import start_app, stop_app
from support.browser import draw

pytestmark = pytest.mark.browser

# A locale Gradio's own Settings offer (so Gradio applies the table too) that the app ships no table for.
PSEUDO_LOCALE = "eu"
_LOOK_ALIKE = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                            "ȧƀƈḓḗƒɠħīĵķŀḿƞǿƥɋřşŧŭṽẇẋẏẑȦƁƇḒḖƑƓĦĪĴĶĿḾȠǾƤɊŘŞŦŬṼẆẊẎẐ")
# Shown on the page but not messages: names of things, the same in every language (Keras's Dense(128) too).
NAMES = {"mnist", "reducelronplateau", "earlystopping", "adam", "dense"}
ENGLISH_WORDS = {word.lower() for text in EN.values()
                 for word in re.findall(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", text))} - NAMES


def pseudo(text: str) -> str:
    """English in look-alike letters; {placeholders} kept for the server to fill in."""
    return "".join(part if part.startswith("{") else part.translate(_LOOK_ALIKE)
                   for part in re.split(r"(\{\w+\})", text))


@pytest.fixture(scope="module")
def pseudo_app(tmp_path_factory):
    """The app with one more table, found in MNISTDEMO_LANG_DIR: nothing else is registered anywhere."""
    folder = tmp_path_factory.mktemp("lang")
    table = {"language": "Pseudo", "messages": {key: pseudo(text) for key, text in EN.items()}}
    (folder / f"{PSEUDO_LOCALE}.json").write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    proc, url = start_app({"MNISTDEMO_LANG_DIR": str(folder)})
    yield url
    stop_app(proc)


def _english_shown(page) -> set[str]:
    """English words of the tables seen on the page: text, SVG chart text and table headers' titles."""
    shown = page.locator("body").inner_text()
    shown += " ".join(page.locator("svg text").all_text_contents())
    tokens = re.findall(r"[A-Za-z][\w\-]*", shown)
    return {token.lower() for token in tokens if token.isalpha()} & ENGLISH_WORDS


def _open(page, elem_id: str) -> None:
    page.locator(f"#{elem_id} .label-wrap").first.click()


def test_a_pseudo_language_table_translates_every_tab(browser, pseudo_app):
    context = browser.new_context(locale=PSEUDO_LOCALE, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(pseudo_app)
    expect(page.get_by_role("tab", name=pseudo(EN["page.tab.draw"]))).to_be_visible(timeout=60_000)
    expect(page.locator("#upload")).to_contain_text(pseudo(EN["draw.upload_hint"]))
    # A drawing, then every detail opened: the verdict, the steps, every model's table, inside the network.
    four = next(d for d in load_pendigits(writers=HELD_OUT_WRITERS) if d.label == 4)
    draw(page, canvas_points(four, height_frac=0.7, center=(0.5, 0.5)))
    verdicts = [pseudo(EN[key]).strip("*").split(" ")[0]
                for key in ("draw.verdict.reads", "draw.verdict.not_sure.tiny", "draw.verdict.not_a_digit.tiny")]
    expect(page.locator("#verdict")).to_contain_text(re.compile("|".join(map(re.escape, verdicts))), timeout=60_000)
    for elem_id in ("steps", "every-model", "inside", "samples"):
        _open(page, elem_id)
    expect(page.locator("#every-model-table th").first).to_contain_text(pseudo(EN["draw.table.model"]),
                                                                          timeout=60_000)
    expect(page.locator("#inside-maps")).to_contain_text(pseudo("convolution"), timeout=60_000)
    expect(page.locator("#steps-gallery")).to_contain_text(pseudo(EN["step.ink"]), timeout=60_000)
    assert not _english_shown(page), _english_shown(page)
    page.screenshot(path="/tmp/mnistdemo-pseudo-draw.png", full_page=True)

    page.locator("[data-tab-id=numbers]").click()
    expect(page.locator("#number-reading")).to_contain_text(pseudo("canvas"))
    assert not _english_shown(page), _english_shown(page)

    page.locator("[data-tab-id=train]").click()
    expect(page.get_by_role("button", name=pseudo(EN["train.setup.start"]))).to_be_visible()
    expect(page.locator("#train-runs th").first).to_contain_text(pseudo(EN["table.run"]), timeout=60_000)
    assert not _english_shown(page), _english_shown(page)
    # A run (the quick preset, seconds on a warm worker): its status, live curves, results and comparison.
    page.get_by_role("button", name=pseudo(EN["train.setup.start"])).click()
    done = pseudo(EN["train.status.done"]).split(" (")[0]
    expect(page.locator("#train-status")).to_contain_text(done, timeout=300_000)
    expect(page.locator("#train-summary")).to_contain_text("run01", timeout=60_000)
    expect(page.locator("#train-overlay-loss svg text").first).to_be_attached(timeout=60_000)
    assert not _english_shown(page), _english_shown(page)
    page.screenshot(path="/tmp/mnistdemo-pseudo-train.png", full_page=True)
    context.close()
