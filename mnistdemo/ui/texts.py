"""Every text the UI shows, by message id, in every language found in `mnistdemo/ui/lang/`.

Each language is one table, `lang/<locale>.json` (`en.json`, `zh-CN.json`): its name in its own
words, `messages` (message id -> text) and optionally `gradio` (Gradio's own texts it lacks,
nested by Gradio's ids). A third language is one more file. The code names texts by id only
("draw.verdict.empty"); a text that reads differently never loses its translations.
`MNISTDEMO_LANG_DIR` names a further folder of tables (to try a new one, or a test's pseudo-language).

Two ways a text reaches the page:

- `t(key)`: Gradio translates it in the browser, by the browser's language or the one chosen
  under Settings → Language, and switches a page already shown. As measured on Gradio 6.31:
  labels, button texts, accordion titles, choices, plot axis titles and Markdown/HTML values,
  including values a handler returns (`say`), but only the first text marker in each string.
  Gradio applies a table only for a locale its own Settings list offers (it has some 40).
- `text(key, lang)`: the server renders it in the visitor's language, for what Gradio does not
  translate: table headers and cells, gallery captions, plot legends, class names in a Label,
  error pop-ups, and tab titles and upload hints that Gradio does not redraw after a switch.
  `lang` is the browser's locale ("zh-CN", "en-US"); the page keeps it in a hidden textbox
  (`LANGUAGE_JS`) that every such handler takes as an input. Only server-rendered texts may hold
  `{placeholders}` (Gradio's message format would read them too).

Core modules know nothing of this: they raise `mnistdemo.messages.UserError` (an id, parameters and
the English text) for what a person can fix, and name things in English data (class names,
preprocessing steps, architecture titles); `WORDS` maps each such value to its message id.
"""

import json
import os
from pathlib import Path

import gradio as gr
from gradio.i18n import I18nData

from mnistdemo.messages import UserError

LANG_DIR = Path(__file__).with_name("lang")
EXTRA_LANG_DIR_ENV = "MNISTDEMO_LANG_DIR"
ENGLISH = "en"


def _read_tables() -> dict[str, dict]:
    """locale -> table ({"language", "messages", "gradio"}), from `LANG_DIR` then `MNISTDEMO_LANG_DIR`."""
    dirs = [LANG_DIR] + ([Path(os.environ[EXTRA_LANG_DIR_ENV])] if os.environ.get(EXTRA_LANG_DIR_ENV) else [])
    return {path.stem: json.loads(path.read_text(encoding="utf-8"))
            for folder in dirs for path in sorted(folder.glob("*.json"))}


TABLES = _read_tables()
MESSAGES: dict[str, dict[str, str]] = {locale: table["messages"] for locale, table in TABLES.items()}
EN = MESSAGES[ENGLISH]

# Core values (English data, not messages) -> message id: class names, preprocessing steps,
# architecture titles, column headers and plot series.
WORDS: dict[str, str] = {
    "T-shirt/top": "class.tshirt_top", "Trouser": "class.trouser", "Pullover": "class.pullover", "Dress": "class.dress",
    "Coat": "class.coat", "Sandal": "class.sandal", "Shirt": "class.shirt", "Sneaker": "class.sneaker",
    "Bag": "class.bag", "Ankle boot": "class.ankle_boot",
    "input": "step.input", "ink": "step.ink", "cropped": "step.cropped", "even strokes": "step.even_strokes",
    "20x20 box": "step.box_20", "centred 28x28": "step.centred_28",
    "Custom CNN": "arch.custom", "TF2 CNN + Dense(1024)": "arch.tf2_cnn_dense1024",
    "TF2 CNN (no Dense(1024))": "arch.tf2_cnn",
    "CNN + ResNet block 3x3": "arch.resnet_block_3x3", "CNN + ResNet block 5x5": "arch.resnet_block_5x5",
    "Fashion-MNIST CNN": "arch.fashion_cnn", "LeNet-5 + batch norm": "arch.lenet5_bn",
    "PyTorch-tutorial CNN": "arch.pytorch_tutorial_cnn", "Our best MNIST net": "arch.best_mnist",
    "Our best Fashion-MNIST net": "arch.best_fashion",
    "Kernel size 3 / 5 / 7": "train.sweep.kernel_size", "Conv+pool blocks 1 / 2 / 3": "train.sweep.blocks",
    "Dense(1024) off / on": "train.sweep.dense_1024",
    "run": "table.run", "experiment": "table.experiment", "architecture": "table.architecture",
    "data set": "table.data_set", "params": "table.params", "epochs": "table.epochs",
    "train time (s)": "table.train_time_s", "test accuracy": "table.test_accuracy", "test loss": "table.test_loss",
    "stopped early": "table.stopped_early", "yes": "table.yes", "filters": "table.filters", "class": "table.class",
    "layer": "table.layer", "type": "table.type", "output shape": "table.output_shape",
    "true \\ predicted": "table.true_predicted",
    "per batch": "plot.per_batch", "smoothed": "plot.smoothed", "validation": "plot.validation",
    "epoch": "plot.epoch", "loss": "plot.loss", "accuracy": "plot.accuracy",
}


def _gradio_locales(locale: str) -> list[str]:
    """The locales Gradio gets a table under: its own, and its language alone ("zh-CN" -> "zh") if no table has that."""
    base = locale.split("-")[0]
    return [locale] + ([base] if base != locale and base not in TABLES else [])


def _for_gradio(table: dict) -> dict:
    """A table's messages Gradio may format (none with {placeholders}), with Gradio's own texts it lacks."""
    return {**{k: v for k, v in table["messages"].items() if "{" not in v}, **table.get("gradio", {})}


I18N = gr.I18n(**{name: _for_gradio(table) for locale, table in TABLES.items() for name in _gradio_locales(locale)})

# Keeps the hidden #ui-lang textbox equal to the page's language: Gradio sets <html lang> at load
# and on every switch under Settings → Language; the textbox's change event re-renders what the
# server draws in one language.
LANGUAGE_JS = """
() => {
  const sync = () => {
    const box = document.querySelector('#ui-lang textarea, #ui-lang input');
    if (!box) { setTimeout(sync, 100); return; }
    const lang = document.documentElement.lang || navigator.language || 'en';
    if (box.value === lang) return;
    box.value = lang;
    box.dispatchEvent(new Event('input', {bubbles: true}));
  };
  new MutationObserver(sync).observe(document.documentElement, {attributes: true, attributeFilter: ['lang']});
  sync();
}
"""


def locale_of(lang: str | None) -> str:
    """The table for a browser locale: the same locale, else the same language ("zh-TW" -> "zh-CN"), else English."""
    wanted = (lang or "").lower()
    by_name = {locale.lower(): locale for locale in TABLES}
    if wanted in by_name:
        return by_name[wanted]
    base = wanted.split("-")[0]
    return next((locale for locale in TABLES if locale.lower().split("-")[0] == base), ENGLISH)


def text(key: str, lang: str | None, **params) -> str:
    """Message `key` in the visitor's language (`lang`: a browser locale), rendered by the server.

    English stands in for a text a table lacks; `params` fill the text's {placeholders}."""
    message = MESSAGES[locale_of(lang)].get(key) or EN[key]
    return message.format(**params) if params else message


def word(value: str, lang: str | None) -> str:
    """A core value (a class name, a step, a header; see `WORDS`) in `lang`; others (digits, names) as they are."""
    return text(WORDS[value], lang) if value in WORDS else value


def t(key: str) -> I18nData:
    """Message `key`, shown by Gradio in the visitor's language (KeyError for an id no table has)."""
    if key not in EN:
        raise KeyError(f"No message {key!r} in mnistdemo/ui/lang/en.json")
    return I18N(key)


def say(key: str, rest: str = "") -> str:
    """A handler's output: translated message `key`, then `rest` (figures and names, the same in any language)."""
    return str(t(key)) + rest


def error_text(error: ValueError, lang: str | None = None) -> str:
    """A core module's error as bold Markdown: a `UserError` in the visitor's language, any other as it reads."""
    if isinstance(error, UserError):
        return f"**{say(error.key) if not error.params else text(error.key, lang, **error.params)}**"
    return f"**{error}**"


def error_message(error: ValueError, lang: str | None) -> str:
    """A core module's error as plain text for a pop-up, in `lang` where it is a `UserError`."""
    return text(error.key, lang, **error.params) if isinstance(error, UserError) else str(error)
