"""The UI's texts: one table per language, every message id the code uses in every table, none unused.

Run alone: .venv/bin/python -m pytest -q tests/test_texts.py
"""

import ast
import re
from pathlib import Path

import pytest

gr = pytest.importorskip("gradio")

from mnistdemo.architectures import ARCHITECTURES  # noqa: E402
from mnistdemo.config import CLASS_NAMES  # noqa: E402
from mnistdemo.presets import SWEEPS  # noqa: E402
from mnistdemo.messages import UserError  # noqa: E402
from mnistdemo.ui import build_demo, texts  # noqa: E402
from mnistdemo.ui.train_tab import ARCH_NOTES  # noqa: E402
from support.source import parse  # noqa: E402

PACKAGE = Path(texts.__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
SAME_IN_BOTH = {"TF2 CNN + Dense(1024)", "Fashion-MNIST CNN"}  # names, not words
NAMES = {"# mnistdemo", "ReduceLROnPlateau", "EarlyStopping"}  # the same in every language
MESSAGE_ID = re.compile(r"^[a-z]+(\.[a-z0-9_]+)+$")
FILE_NAME = re.compile(r"\.(js|css|json|py|keras|onnx|png|csv)$")


def _ids_in_code() -> set[str]:
    """Every string literal in the package that reads as a message id (section.name, a known section)."""
    sections = {key.split(".")[0] for key in texts.EN}
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(parse(path.read_text())):
            value = getattr(node, "value", None) if isinstance(node, ast.Constant) else None
            if (isinstance(value, str) and MESSAGE_ID.match(value) and value.split(".")[0] in sections
                    and not FILE_NAME.search(value)):
                found.add(value)
    return found


def test_english_is_a_table_like_any_other():
    assert set(texts.TABLES) >= {"en", "zh-CN"}
    for locale, table in texts.TABLES.items():
        assert table["language"] and table["messages"], locale


@pytest.mark.parametrize("locale", sorted(texts.TABLES))
def test_every_id_the_code_uses_is_in_every_table_and_none_is_unused(locale):
    used, table = _ids_in_code(), texts.MESSAGES[locale]
    assert not used - set(table), f"missing from lang/{locale}.json: {sorted(used - set(table))}"
    assert not set(table) - used, f"used nowhere, in lang/{locale}.json: {sorted(set(table) - used)}"


def test_every_core_value_the_page_shows_has_an_id():
    """Core modules name things in English data; a renamed class or step must not lose its translations."""
    from mnistdemo.plots import COMPARISON_COLUMNS

    values = [*CLASS_NAMES["fashion_mnist"], "input", "ink", "cropped", "even strokes", "20x20 box",
              "centred 28x28", *(a.title for a in ARCHITECTURES.values()), *(title for title, _, _ in SWEEPS.values()),
              *COMPARISON_COLUMNS, "true \\ predicted", "class", "layer", "type", "output shape"]
    assert not [v for v in values if v not in texts.WORDS], [v for v in values if v not in texts.WORDS]
    assert all(key in texts.EN for key in texts.WORDS.values())


def test_the_english_table_reads_as_the_core_data_it_names():
    """English words the core owns (titles, provenance) and the English table agree, so a core edit is noticed."""
    for value, key in texts.WORDS.items():
        if value[0].isupper() and key.startswith(("class.", "arch.", "train.sweep.")):
            assert texts.EN[key] == value, key
    for name, arch in ARCHITECTURES.items():
        source = arch.source if arch.source == "this project" else f"the {arch.source}"  # was "From the this project."
        assert texts.EN[ARCH_NOTES[name]] == " ".join(filter(None, [f"From {source}.", arch.notes])), name


def test_the_preprocessing_steps_are_the_ids_words():
    import numpy as np

    from mnistdemo.preprocess import preprocess_steps

    image = np.full((280, 280), 255, np.uint8)
    image[60:220, 130:150] = 0
    for dataset in ("mnist", "fashion_mnist"):
        words = {step for step in preprocess_steps(image, dataset) if re.search("[a-z]{2}", step)}  # "28x28" is no word
        assert words <= set(texts.WORDS), dataset


def test_every_text_the_page_shows_goes_through_the_translations():
    config = build_demo().get_config_file()
    plain = [(kind, key, text) for kind, key, text in _shown_texts(config)
             if "__i18n__" not in text and text not in NAMES and "·" not in text]
    assert not plain, f"give these a message id (t()/say()) in mnistdemo/ui/lang/en.json: {plain}"


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


@pytest.mark.parametrize("key,chinese", sorted(texts.MESSAGES["zh-CN"].items()))
def test_translations_are_chinese_and_keep_the_english_form(key, chinese):
    english = texts.EN[key]
    assert english in SAME_IN_BOTH or CJK.search(chinese), "not translated"
    assert english.startswith("#") == chinese.startswith("#"), "keep the Markdown heading level"
    # Placeholders are filled in by the server; Gradio's own format would read braces too.
    assert set(re.findall(r"\{(\w+)\}", chinese)) <= set(re.findall(r"\{(\w+)\}", english)) | {"n"}
    if "{" in english:
        assert "{" not in str(texts.I18N.translations_dict["zh-CN"].get(key, "")), "sent to Gradio"


def test_a_handlers_text_is_marked_once_for_the_browser_to_translate():
    text = texts.say("train.status.stopped", " run01")
    assert text.count("__i18n__") == 1 and text.endswith(" run01")


def test_an_unknown_id_fails_at_once():
    with pytest.raises(KeyError):
        texts.t("No such text here")
    with pytest.raises(KeyError):
        texts.text("draw.no_such_text", "en")


def test_a_core_error_renders_in_the_visitors_language():
    error = UserError("error.no_ink", "No ink found: draw a digit first.")
    assert str(error) == "No ink found: draw a digit first." and isinstance(error, ValueError)
    assert texts.error_message(error, "zh-CN") == "没有找到笔迹：请先画一个数字。"
    assert texts.error_message(error, "en-GB") == str(error) == texts.EN["error.no_ink"]
    assert texts.error_message(ValueError("Something else."), "zh-CN") == "Something else."


@pytest.mark.parametrize("lang,expected", [("zh-CN", "已停止。"), ("zh", "已停止。"), ("zh-TW", "已停止。"),
                                           ("en", "Stopped."), ("en-US", "Stopped."), ("fr", "Stopped."),
                                           ("", "Stopped."), (None, "Stopped.")])
def test_the_server_renders_one_language_by_the_browsers_locale(lang, expected):
    assert texts.text("train.status.stopped", lang) == expected


def test_a_server_rendered_text_fills_in_its_figures():
    assert texts.text("inside.caption.filters", "en", c_out=16, k=3) == "1st convolution: 16 filters 3x3"
    assert texts.text("inside.caption.filters", "zh-CN", c_out=16, k=3) == "第 1 个卷积层：16 个 3x3 卷积核"


@pytest.mark.parametrize("locale", sorted(texts.TABLES))
def test_each_table_is_named_by_a_locale_gradio_takes(locale):
    assert gr.I18n._LOCALE_PATTERN.match(locale), f"lang/{locale}.json: name it by a BCP 47 locale, e.g. fr, pt-BR"
    assert locale in texts.I18N.translations_dict


def test_a_table_for_a_region_serves_its_whole_language():
    assert {"zh-CN", "zh"} <= set(texts.I18N.translations_dict)  # Gradio reads a "zh" browser with it too
    assert texts.locale_of("ZH-cn") == texts.locale_of("zh-SG") == "zh-CN" and texts.locale_of("de") == "en"
