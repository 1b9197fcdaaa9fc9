"""Whole numbers tab: draw several digits in a row and see them read as one number, digit by digit."""

import gradio as gr
import numpy as np

from mnistdemo.drawn_numbers import NUMBER_CANVAS_SIZE
from mnistdemo.inference import SHIPPED, assess_images
from mnistdemo.numbers import read_number
from mnistdemo.ui.canvas import canvas_image, canvas_strokes, changes_with_strokes, drawing_pad
from mnistdemo.ui.draw_tab import seen_png
from mnistdemo.ui.models import resolve_model
from mnistdemo.ui.texts import error_text, say, t, text

MODEL_LABEL = "draw.model"
READING_LABEL = "number.reading_label"
READS_NUMBER = "number.reads"
READS_NUMBER_UNSURE = "number.reads_unsure"
DIGITS_LABEL = "number.digits_label"
HINT = "number.hint"
NO_MODEL_MESSAGE = "number.no_model"
NOT_DIGITS_MESSAGE = "number.not_digits_model"
# Each digit read, as its 28x28 (a PNG data URL inside the answer, enlarged by the page, pixels kept square)
# and its caption: no image files for the server to write and the page to fetch after every stroke.
DIGITS_TEMPLATE = ("<div class='number-digits'>{{#each value}}<figure><img alt='' src='{{this.src}}'>"
                   "<figcaption>{{this.caption}}</figcaption></figure>{{/each}}</div>")
# The page holds a reading back while a number is written (page.js) and needs to know when the one
# of its last stroke has come: each reading echoes the number of the canvas's change it answers
# (canvas.changes_with_strokes).


def number_models() -> list[tuple[str, str]]:
    """(title, name) of every shipped model that reads digits (MNIST)."""
    return [(m.title, name) for name, m in SHIPPED.load_all().models.items() if m.dataset == "mnist"]


def default_number_model() -> str | None:
    """The app's default model if it reads digits, else the first MNIST model."""
    names = [name for _, name in number_models()]
    return SHIPPED.default_name if SHIPPED.default_name in names else next(iter(names), None)


def read_drawing(image: np.ndarray | None, model_name: str | None, lang: str = "",
                 strokes: list[np.ndarray] | None = None):
    """The canvas's picture (and the strokes that drew it, if known) -> (reading as Markdown,
    [{"src": the 28x28 read as a PNG data URL, "caption": "answer - probability"}, ...] left to right)."""
    if image is None:
        return say(HINT), []
    model = resolve_model(model_name or default_number_model(), {})  # shipped models only
    if model.dataset != "mnist":
        raise gr.Error(text(NOT_DIGITS_MESSAGE, lang) + f" ({model.name})")
    try:
        _, digits = read_number(image, model, strokes)
    except ValueError as error:  # a drawing with no ink left after Undo, say
        return error_text(error, lang), []
    # Each digit gets the Draw tab's verdict (with its pen's path where its strokes are known): a digit the
    # networks are not sure of is marked "?".
    answers = assess_images(np.stack([seen for seen, *_ in digits]), model, strokes=[pen for *_, pen in digits])
    marks = ["" if a.kind == "digit" else "?" for a in answers]
    number = "".join(answer + mark for (_, answer, _, _), mark in zip(digits, marks))
    shown = [{"src": seen_png(seen), "caption": f"{answer}{mark} - {probability:.0%}"}
             for (seen, answer, probability, _), mark in zip(digits, marks)]
    heading = READS_NUMBER_UNSURE if any(marks) else READS_NUMBER
    return say(heading, f"\n\n# {number}"), shown


def on_number_sketch(value: str | None, model_name: str | None, lang: str = "", strokes: str = "",
                     change: float = 0):
    """(canvas, model, language, the canvas's strokes as JSON, its change number) -> (reading, digits, that number)."""
    return *read_drawing(canvas_image(value), model_name, lang, canvas_strokes(strokes)), change


def build_number_tab(lang: gr.Textbox) -> None:
    """Lay out the Whole numbers tab and wire its events (`lang`: the page's language, for error pop-ups)."""
    choices = number_models()
    with gr.Column():
        sketch = drawing_pad(NUMBER_CANVAS_SIZE, "number-sketch")
        with gr.Row():
            with gr.Column(scale=1):
                choice = gr.Dropdown(choices, value=default_number_model(), label=t(MODEL_LABEL),
                                     elem_id="number-model")
                if not choices:
                    gr.Markdown(t(NO_MODEL_MESSAGE))
            with gr.Column(scale=2):
                reading = gr.Markdown(say(HINT), label=t(READING_LABEL), elem_id="number-reading")
        digits = gr.HTML([], label=t(DIGITS_LABEL), show_label=True, container=True,
                         html_template=DIGITS_TEMPLATE, elem_id="number-digits")
        strokes, changes, change_js = changes_with_strokes("number-sketch")

    common = dict(show_progress="hidden", api_visibility="private")
    inputs, outputs = [sketch, choice, lang, strokes, changes], [reading, digits, changes]
    # A stroke is one plain request, as on the Draw tab: while one is in flight only the newest waits.
    sketch.change(on_number_sketch, inputs, outputs, js=change_js, queue=False, trigger_mode="always_last", **common)
    choice.change(on_number_sketch, inputs, outputs, js=change_js, **common)
