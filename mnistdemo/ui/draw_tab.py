"""Draw tab: sketch or upload a digit, see the 28x28 the model sees and what every model reads."""

import base64

import cv2
import gradio as gr
import numpy as np
import pandas as pd

from mnistdemo.config import CLASS_NAMES, DATASETS, DATASET_TITLES, REPO_DIR
from mnistdemo.inference import SHIPPED, Answer, LoadedModel, assess, assess_steps
from mnistdemo.preprocess import preprocess_steps
from mnistdemo.strokes import CANVAS_SIZE
from mnistdemo.ui.canvas import MAX_STROKES, canvas_image, canvas_strokes, changes_with_strokes, drawing_pad
from mnistdemo.ui.details import compute_while_open
from mnistdemo.ui.inside_panel import build_inside_panel
from mnistdemo.ui.models import resolve_model
from mnistdemo.ui.texts import ENGLISH, error_text, say, t, text, word

# Each verdict is one translated text, then names and figures that read the same in any language.
# A clear digit (or a Fashion-MNIST model's answer): the answer and its probability follow.
READS_TEXT = "draw.verdict.reads"
# Not a clear digit: the words depend on why (mnistdemo.inference.REASONS); "disagree" and
# "unsure_together" are followed by how many of the digit networks read each answer.
NOT_SURE_TEXTS = {
    "tiny": "draw.verdict.not_sure.tiny",
    "edge": "draw.verdict.not_sure.edge",
    "disagree": "draw.verdict.not_sure.disagree",
    "unsure_together": "draw.verdict.not_sure.unsure_together",
}
NOT_A_DIGIT_TEXTS = {
    "tiny": "draw.verdict.not_a_digit.tiny",
    "edge": "draw.verdict.not_a_digit.edge",
    "disagree": "draw.verdict.not_a_digit.disagree",
    "unlike_digits": "draw.verdict.not_a_digit.unlike_digits",
}
EMPTY_TEXT = "draw.verdict.empty"
UPLOAD_HINT = "draw.upload_hint"
# A test image of the other data set is read by that data set's best model; the verdict says so.
OTHER_DATASET_TEXTS = {
    "mnist": "draw.verdict.other_dataset.mnist",
    "fashion_mnist": "draw.verdict.other_dataset.fashion_mnist",
}
SAMPLES_DIR = REPO_DIR / "data" / "samples"
SAMPLE_LABELS = {"mnist": "draw.samples.mnist", "fashion_mnist": "draw.samples.fashion_mnist"}
PREVIEW_SIZE = 168  # the 28x28 shown 6x, pixels kept square
# What the model saw travels inside the answer as a 28x28 PNG (~0.3 KB) that the page enlarges, pixels kept
# square: an image component would cost the server a file in its cache and the page a second request a stroke.
# The frame also carries the answer's kind: for "not_a_digit" the page's CSS hides the Label's big headline.
# (A Label update with show_heading would cost the server a new component and a config of it a stroke.)
SEEN_TEMPLATE = ("<div class='seen-frame' data-kind='${value ? value.kind : \"\"}'>"
                 "${value ? `<img alt='' src='${value.src}'>` : ''}</div>")
# Events at once on the whole server: more threads than the two cores only queue on the GIL; the
# answer events get their own slots so that details (only while open) never hold them up.
ANSWER_CONCURRENCY = 4
DETAILS_CONCURRENCY = 2


def model_choices(session_models: dict) -> list[tuple[str, str]]:
    """(title, name) of every shipped model that loaded, then this session's trained ones."""
    shipped = [(m.title, name) for name, m in SHIPPED.load_all().models.items()]
    trained = [(f"{m.title} · " + str(t("draw.trained_here")), name) for name, m in session_models.items()]
    return shipped + trained


def _upload_path(value) -> str | None:
    """The server-side temp path of an upload: a FileData dict (preprocess=False) or a path."""
    if isinstance(value, dict):
        return value.get("path")
    return value or None


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def seen_png(image: np.ndarray) -> str:
    """(28, 28) float32 in [0, 1] -> a PNG data URL of it, for the page to show enlarged."""
    return "data:image/png;base64," + base64.b64encode(cv2.imencode(".png", _to_uint8(image))[1].tobytes()).decode()


def _votes(answer: Answer) -> str:
    """" **4** 5/8 · **9** 3/8": how many of the digit networks read each answer."""
    return " " + " · ".join(f"**{digit}** {n}/{answer.networks}" for digit, n in answer.votes.items())


def _verdict(answer: Answer, lang: str = "") -> str:
    """Markdown verdict from the core answer: the reading of a clear digit, else why it is not one."""
    if answer.kind in ("digit", "item"):
        best = answer.answer
        return say(READS_TEXT, f" **{word(best, lang)}** ({answer.probabilities[best]:.0%})")
    texts = NOT_SURE_TEXTS if answer.kind == "unsure" else NOT_A_DIGIT_TEXTS
    counted = answer.reason in ("disagree", "unsure_together")
    return say(texts[answer.reason], _votes(answer) if counted else "")


def _seen(image: np.ndarray, answer: Answer) -> dict:
    """The "what the model sees" block's value: the 28x28 as a PNG data URL, and the answer's kind."""
    return {"src": seen_png(image), "kind": answer.kind}


def _in_language(label: dict[str, float], lang: str) -> dict[str, float]:
    """Class names in the visitor's language (Gradio does not translate a Label's classes); digits stay digits."""
    return {word(name, lang): p for name, p in label.items()}


def _all_probabilities(image, session_models: dict,
                       cache: dict[str, dict]) -> list[tuple[str, LoadedModel, np.ndarray]]:
    """(name, model, (10,) probabilities) of every model for the same image; `cache` holds preprocessing per data
    set."""
    rows = []
    for name, m in {**SHIPPED.models, **(session_models or {})}.items():
        if m.dataset not in cache:
            cache[m.dataset] = preprocess_steps(image, m.dataset)
        rows.append((name, m, m.probabilities(list(cache[m.dataset].values())[-1][None])[0]))
    return rows


def _all_models_table(rows: list[tuple[str, LoadedModel, np.ndarray]], dataset: str, lang: str) -> pd.DataFrame:
    """Every model of `dataset` (the drawing's) on the same image, headers and class names in `lang`."""
    model, answer, confidence = (text(h, lang) for h in TABLE_HEADERS)
    return pd.DataFrame([{model: name.removesuffix(f"-{m.dataset}"),
                          answer: word(m.class_names[int(probs.argmax())], lang),
                          confidence: f"{probs.max():.1%}"}
                         for name, m, probs in rows if m.dataset == dataset],
                        columns=[model, answer, confidence])


EMPTY = ({}, say(EMPTY_TEXT), None, None, None, None)
TABLE_HEADERS = ("draw.table.model", "draw.table.answer", "draw.table.confidence")


def analyse(image, model_name: str | None, session_models: dict, lang: str = "",
            strokes: list[np.ndarray] | None = None, use_path: bool = True):
    """Image (and the canvas strokes that drew it, if any) -> (label, verdict, the 28x28 it saw with the answer's
    kind (`_seen`), the image, the model that read it, the strokes): the answer alone.

    The digit networks that judge "is it a clear digit?" read it in one call (`assess_steps`); with `use_path`,
    together with the strokes' pen path."""
    if image is None:
        return EMPTY
    model = resolve_model(model_name, session_models, lang)
    try:
        steps = preprocess_steps(image, model.dataset)
    except ValueError as error:
        return EMPTY[0], error_text(error, lang), None, None, None, None
    answer = assess_steps(steps, model, strokes=strokes if use_path else None)
    label = _in_language(answer.probabilities, lang)
    return label, _verdict(answer, lang), _seen(list(steps.values())[-1], answer), image, model.name, strokes


def steps_gallery(image, model_name: str | None, session_models: dict, lang: str = "") -> list[tuple[np.ndarray, str]]:
    """The drawing's preprocessing for the model that read it, step by step ([] for none or no ink)."""
    if image is None or model_name is None:
        return []
    try:
        steps = preprocess_steps(image, resolve_model(model_name, session_models).dataset)
    except ValueError:
        return []  # the verdict already says why
    return [(_to_uint8(img), word(name, lang)) for name, img in steps.items()]


def every_model_table(image, model_name: str | None, session_models: dict, lang: str = "") -> pd.DataFrame:
    """Every model of the drawing's data set on it (no rows for none or no ink), in `lang`."""
    if image is None or model_name is None:
        return _all_models_table([], "", lang)
    try:
        dataset = resolve_model(model_name, session_models).dataset
        return _all_models_table(_all_probabilities(image, session_models, {}), dataset, lang)
    except ValueError:
        return _all_models_table([], "", lang)


def on_sketch(value: str | None, model_name: str, session_models: dict, lang: str = "", use_path: bool = True,
              strokes: str = "", change: float = 0):
    """The canvas, its strokes (JSON) and its change number `change` -> the answer, and that number (the page
    knows it is answered)."""
    image = canvas_image(value)
    drawn = canvas_strokes(strokes) if image is not None else None
    return *analyse(image, model_name, session_models, lang, drawn, use_path), change


def on_upload(value, model_name: str, session_models: dict, lang: str = ""):
    path = _upload_path(value)
    return analyse(path, model_name, session_models, lang) if path else EMPTY


def on_predict(sketch: str | None, upload, model_name: str, session_models: dict, lang: str = "",
               use_path: bool = True, strokes: list[np.ndarray] | None = None):
    """The canvas (with the strokes it was last read with), else the upload -> the answer."""
    image = canvas_image(sketch)
    if image is not None:
        return analyse(image, model_name, session_models, lang, strokes, use_path)
    return analyse(_upload_path(upload), model_name, session_models, lang)


def upload_hint(lang: str) -> gr.Image:
    """The upload area's hint in the visitor's language (Gradio's own is not redrawn after a switch)."""
    return gr.Image(placeholder=text(UPLOAD_HINT, lang))


def predict_api(image, model_name: str | None, session_models: dict) -> dict[str, float]:
    """The HTTP API: an uploaded image and a model name -> {class: probability}."""
    path = _upload_path(image)
    if not path:
        raise gr.Error("Send an image file.")
    model = resolve_model(model_name or None, session_models)
    try:
        return model.predict(path)
    except ValueError as error:
        raise gr.Error(str(error)) from None


def assess_api(image, model_name: str | None, session_models: dict, strokes: str | None = "") -> dict:
    """The HTTP API: an uploaded image, a model name and, optionally, the strokes that drew the image (JSON, as the
    canvas sends them: a list of strokes, each a list of [x, y] pixels, y down) -> the Draw tab's answer as JSON
    (kind, reason, ...). With strokes, a digit is also read by its pen's path, as the Draw tab reads its canvas."""
    path = _upload_path(image)
    if not path:
        raise gr.Error("Send an image file.")
    model = resolve_model(model_name or None, session_models)
    drawn = canvas_strokes(strokes) if strokes else None
    if strokes and drawn is None:
        raise gr.Error(f"The strokes must be JSON: a list of up to {MAX_STROKES} strokes, "
                       "each a list of [x, y] pixels.")
    try:
        return assess(path, model, strokes=drawn).to_dict()
    except ValueError as error:
        raise gr.Error(str(error)) from None


def _samples(dataset: str, lang: str = "") -> list[tuple[str, str]]:
    """(path, caption in `lang`) of the sample test images of `dataset`, in class order."""
    paths = sorted((SAMPLES_DIR / dataset).glob("*.png"), key=lambda p: int(p.stem.split("-")[0]))
    return [(str(p), word(CLASS_NAMES[dataset][int(p.stem.split("-")[0])], lang)) for p in paths]


def sample_galleries(lang: str) -> list[gr.Gallery]:
    """The sample galleries with captions in `lang` (Gradio does not translate captions)."""
    return [gr.Gallery(_samples(dataset, lang)) for dataset in DATASETS]


def _sample_model(dataset: str, model_name: str, session_models: dict, lang: str = "") -> str:
    """The chosen model if it reads `dataset`, else that data set's best shipped model."""
    if resolve_model(model_name, session_models, lang).dataset == dataset:
        return model_name
    names = [name for name, m in SHIPPED.models.items() if m.dataset == dataset]
    if not names:
        raise gr.Error(text("draw.no_model_for_dataset", lang, dataset=DATASET_TITLES[dataset]))
    return next((name for name in names if name.startswith("best_")), names[0])


def on_sample(dataset: str, model_name: str, session_models: dict, lang: str, evt: gr.SelectData):
    """A clicked test image, read at once; one of the other data set by that data set's model, said in words.

    The dropdown keeps the visitor's choice, so the next drawing or upload is read as before."""
    path = _samples(dataset)[evt.index][0]
    return _read_by(path, _sample_model(dataset, model_name, session_models, lang), model_name, session_models, lang)


def reread(drawing, reader: str | None, model_name: str, session_models: dict, lang: str = "",
           use_path: bool = True, strokes: list[np.ndarray] | None = None):
    """After a language switch: the last answer again, in `lang`; no update at all when nothing was read."""
    if drawing is None:
        return (gr.skip(),) * len(EMPTY)
    return _read_by(drawing, reader, model_name, session_models, lang, strokes, use_path)


def _read_by(image, reader: str, model_name: str, session_models: dict, lang: str,
             strokes: list[np.ndarray] | None = None, use_path: bool = True):
    """`analyse` by `reader`; when that is not the chosen model (a sample of the other data set), the verdict says
    so."""
    label, verdict, *rest = analyse(image, reader, session_models, lang, strokes, use_path)
    if reader != model_name and label:
        reading = max(label, key=label.get)
        dataset = resolve_model(reader, session_models, lang).dataset
        verdict = say(OTHER_DATASET_TEXTS[dataset], f" **{reader}** → **{reading}** ({label[reading]:.0%})")
    return label, verdict, *rest


def build_draw_tab(session_models: gr.State, lang: gr.Textbox) -> gr.Dropdown:
    """Lay out the Draw tab and wire its events (`lang`: the page's language); returns the model dropdown."""
    SHIPPED.load_all()
    # The canvas and the answer side by side; on a phone the answer comes right under the canvas.
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            sketch = drawing_pad((CANVAS_SIZE, CANVAS_SIZE), "sketch")
            strokes, changes, number_change_js = changes_with_strokes("sketch")
        with gr.Column(scale=1, min_width=300, elem_id="answer"):
            label = gr.Label(num_top_classes=3, label=t("draw.reading_label"), elem_id="reading")
            verdict = gr.Markdown(EMPTY[1], elem_id="verdict")
            seen = gr.HTML(None, label=t("draw.seen_label"), show_label=True, container=True,
                           html_template=SEEN_TEMPLATE, min_height=PREVIEW_SIZE + 40, elem_id="seen")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            upload = gr.Image(label=t("draw.upload_label"), type="filepath", image_mode="RGBA",
                              sources=["upload", "clipboard"], height=200, elem_id="upload")
            choice = gr.Dropdown(model_choices({}), value=SHIPPED.default_name, label=t("draw.model"),
                                 elem_id="model-choice")
            # The networks see only the picture; the canvas also knows how it was drawn (mnistdemo.pen_path).
            use_path = gr.Checkbox(True, label=t("draw.pen_path"), elem_id="pen-path")
            predict_button = gr.Button(t("draw.predict"), variant="primary")
            if SHIPPED.unavailable:
                gr.Markdown(say("draw.unavailable_models") + "; ".join(
                    f"`{name}` ({why})" for name, why in SHIPPED.unavailable.items()))
            if SHIPPED.stale_calibration:
                gr.Markdown(say("draw.stale_calibration") + SHIPPED.stale_calibration)
        with gr.Column(scale=1, min_width=300):
            with gr.Accordion(t("draw.steps_title"), open=False, elem_id="steps") as steps_box:
                steps = gr.Gallery(columns=3, height=420, object_fit="contain", label=t("draw.steps_label"),
                                   allow_preview=False, elem_id="steps-gallery")
            with gr.Accordion(t("draw.every_model_title"), open=False,
                              elem_id="every-model") as table_box:
                table = gr.Dataframe(headers=[text(h, ENGLISH) for h in TABLE_HEADERS],
                                     interactive=False, wrap=True, elem_id="every-model-table")
    inside = build_inside_panel()
    with gr.Accordion(t("draw.samples_title"), open=False, elem_id="samples"):
        galleries = {dataset: gr.Gallery(_samples(dataset), columns=10, height=150, allow_preview=False,
                                         label=t(SAMPLE_LABELS[dataset]), elem_id=f"samples-{dataset}")
                     for dataset in DATASETS}
    drawing = gr.State(None)  # what the answer last read (canvas array or upload path), for the details
    reader = gr.State(None)  # the model that read it: the chosen one, or a sample's data set's model
    pen = gr.State(None)  # the canvas strokes that drew it (None for an upload or a sample)

    # The answer alone: the details are computed only while their accordion is open, after it.
    outputs = [label, verdict, seen, drawing, reader, pen]
    common = dict(show_progress="hidden", api_visibility="private", concurrency_id="answer",
                  concurrency_limit=ANSWER_CONCURRENCY)
    # A stroke is one plain HTTP request (no queue, no upload): the cheapest event Gradio has, for a class drawing.
    # While one is in flight, later strokes wait and only the newest is sent when it is answered ("always_last",
    # which Gradio's page applies to plain requests too): a class that draws faster than the server answers
    # loads it no further, and answers come in order.
    drawn = sketch.change(on_sketch, [sketch, choice, session_models, lang, use_path, strokes, changes],
                          [*outputs, changes],
                          js=number_change_js, queue=False, trigger_mode="always_last", show_progress="hidden",
                          api_visibility="private")
    uploaded = upload.upload(predict_api, [upload, choice, session_models], label, api_name="predict",
                             preprocess=False, show_progress="hidden").then(
        on_upload, [upload, choice, session_models, lang], outputs, preprocess=False, **common)
    # The `assess` endpoint, for API clients only (a hidden trigger): the same answer the verdict shows; and
    # `assess_drawing`, the same with the strokes that drew the image (a third input: `assess` keeps its two).
    assess_trigger, assessed = gr.Button(visible=False), gr.JSON(visible=False)
    api_strokes = gr.Textbox("", visible=False, label="strokes")  # the name API clients see
    for api_name, inputs in (("assess", [upload, choice, session_models]),
                             ("assess_drawing", [upload, choice, session_models, api_strokes])):
        assess_trigger.click(assess_api, inputs, assessed, api_name=api_name, preprocess=False, show_progress="hidden")
    read_again = [sketch, upload, choice, session_models, lang, use_path, pen]
    clicked = predict_button.click(on_predict, read_again, outputs, **common)
    chosen = choice.change(on_predict, read_again, outputs, **common)
    toggled = use_path.change(on_predict, read_again, outputs, **common)
    sampled = [gallery.select(on_sample, [gr.State(dataset), choice, session_models, lang], outputs, **common)
               for dataset, gallery in galleries.items()]
    # A switch of language redraws what the server wrote in the old one: the answer is read again from what was
    # last read, by the model that read it (a sample's too); with nothing read yet it changes nothing, so the
    # switch as the page opens cannot wipe an answer on its way.
    relabeled = lang.change(upload_hint, lang, upload, **common).then(
        sample_galleries, lang, list(galleries.values()), **common).then(
        reread, [drawing, reader, choice, session_models, lang, use_path, pen], outputs, **common)
    details = dict(concurrency_id="details", concurrency_limit=DETAILS_CONCURRENCY,
                   after=[drawn, uploaded, clicked, chosen, toggled, *sampled, relabeled])
    compute_while_open(steps_box, steps_gallery, [drawing, reader, session_models, lang], [steps], **details)
    compute_while_open(table_box, every_model_table, [drawing, reader, session_models, lang], [table], **details)
    inside.wire(drawing, reader, session_models, lang, **details)
    return choice
