"""The UI's texts: every text the app asks for has a Simplified Chinese translation Gradio can use.

Run alone: .venv/bin/python -m pytest -q tests/test_texts.py
"""

import re

import pytest

gr = pytest.importorskip("gradio")

from mnistdemo.ui import build_demo, texts  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")
SAME_IN_BOTH = {"TF2 CNN + Dense(1024)", "Fashion-MNIST CNN"}  # names, not words


NAMES = {"# mnistdemo", "ReduceLROnPlateau", "EarlyStopping"}  # the same in both languages


def _shown_texts(config: dict) -> list[tuple[str, str, str]]:
    """(component, property, text) of every label, button text, heading and Markdown/HTML the page shows."""
    shown = []
    for component in config["components"]:
        props = component.get("props", {})
        keys = ["label", "info", "placeholder"]
        if component["type"] in ("markdown", "html", "button", "downloadbutton"):
            keys.append("value")
        for key in keys:
            text = props.get(key)
            if isinstance(text, str) and re.search("[A-Za-z]{2}", text) and props.get("visible", True) is not False:
                shown.append((component["type"], key, text))
    return shown


def test_every_text_the_page_shows_goes_through_the_translations():
    config = build_demo().get_config_file()
    plain = [(kind, key, text) for kind, key, text in _shown_texts(config)
             if "__i18n__" not in text and text not in NAMES and "·" not in text]
    assert not plain, f"wrap these in t()/say() and translate them in mnistdemo/ui/texts.py: {plain}"


@pytest.mark.parametrize("english,chinese", sorted(texts.ZH.items()))
def test_translations_are_chinese_and_safe_for_gradio(english, chinese):
    assert english in SAME_IN_BOTH or CJK.search(chinese), "not translated"
    # Gradio's message format reads braces as placeholders, and its marker ends at the first "}".
    assert not set("{}") & set(english + chinese)
    assert english.startswith("#") == chinese.startswith("#"), "keep the Markdown heading level"


def test_a_handlers_text_is_marked_once_for_the_browser_to_translate():
    text = texts.say("Stopped.", " run01")
    assert text.count("__i18n__") == 1 and text.endswith(" run01")


def test_text_without_translation_falls_back_to_english():
    assert texts.t("No such text here") == "No such text here"
    assert texts.text("No such text here", "zh-CN") == "No such text here"


@pytest.mark.parametrize("lang,expected", [("zh-CN", "已停止。"), ("zh", "已停止。"), ("zh-TW", "已停止。"),
                                           ("en", "Stopped."), ("en-US", "Stopped."), ("fr", "Stopped."),
                                           ("", "Stopped."), (None, "Stopped.")])
def test_the_server_renders_one_language_by_the_browsers_locale(lang, expected):
    assert texts.text("Stopped.", lang) == expected
