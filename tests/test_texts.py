"""The UI's texts: every text the app asks for has a Simplified Chinese translation Gradio can use."""

import re

import pytest

gr = pytest.importorskip("gradio")

from mnistdemo.ui import build_demo, texts  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")
SAME_IN_BOTH = {"TF2 CNN + Dense(1024)", "Fashion-MNIST CNN"}  # names, not words


def test_every_text_the_app_shows_is_translated():
    texts.UNTRANSLATED.clear()
    build_demo()
    assert not texts.UNTRANSLATED, f"add these to mnistdemo/ui/texts.py: {sorted(texts.UNTRANSLATED)}"


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
    texts.UNTRANSLATED.clear()
    assert texts.t("No such text here") == "No such text here"
    assert texts.UNTRANSLATED == {"No such text here"}
    assert texts.both("Stopped.") == "Stopped. · 已停止。"
