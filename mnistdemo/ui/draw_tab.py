"""Draw tab: sketch or upload a digit, see the 28x28 the model sees and what every model reads."""

from pathlib import Path

import cv2
import gradio as gr
import numpy as np
import pandas as pd

from mnistdemo.config import REPO_DIR
from mnistdemo.inference import SHIPPED, LoadedModel
from mnistdemo.preprocess import preprocess_steps
from mnistdemo.ui.inside_panel import build_inside_panel
from mnistdemo.strokes import BRUSH_RADIUS, CANVAS_SIZE
from mnistdemo.ui.texts import error_text, say, t, text
from mnistdemo.unsure import ENSEMBLE, Assessment, assess_probabilities

UNSURE_BELOW = 0.6  # the chosen model's best probability under this reads as "not sure"
# Each verdict is a translated text followed by the answer and its probability.
READS_TEXT = "Reads"
NOT_SURE_TEXT = "**Not sure.** Try drawing it larger or clearer. Best guess:"
NOT_A_DIGIT_TEXT = "**Not a digit?** To the digit models this looks like none of the ten digits. Best guess:"
EMPTY_TEXT = "Draw a digit (or upload an image) to see what the model reads."
UPLOAD_HINT = "Drop an image here, or click to upload"
SAMPLES_DIR = REPO_DIR / "data" / "samples"
PREVIEW_SIZE = 168  # the 28x28 shown 6x, pixels kept square


def model_choices(session_models: dict) -> list[tuple[str, str]]:
    """(title, name) of every shipped model that loaded, then this session's trained ones."""
    shipped = [(m.title, name) for name, m in SHIPPED.load_all().models.items()]
    trained = [(f"{m.title} · " + str(t("trained here")), name) for name, m in session_models.items()]
    return shipped + trained


def resolve_model(name: str | None, session_models: dict, lang: str = "") -> LoadedModel:
    """A session model or a shipped one; gr.Error with the reason if there is none."""
    if name in (session_models or {}):
        return session_models[name]
    try:
        return SHIPPED.get(name)
    except ValueError as error:
        raise gr.Error(text(str(error), lang)) from None


def sketch_image(value: dict | None) -> np.ndarray | None:
    """The Sketchpad's composite (black ink on white) or None when nothing is drawn."""
    image = (value or {}).get("composite")
    if image is None:
        return None
    image = np.asarray(image)
    rgb = image[..., :3] if image.ndim == 3 else image
    alpha = image[..., 3] if image.ndim == 3 and image.shape[2] == 4 else None
    has_ink = (rgb.min() < 128) if alpha is None else bool(((alpha > 0) & (rgb.min(axis=-1) < 128)).any())
    return image if has_ink else None


def _upload_path(value) -> str | None:
    """The server-side temp path of an upload: a FileData dict (preprocess=False) or a path."""
    if isinstance(value, dict):
        return value.get("path")
    return value or None


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def enlarge(image: np.ndarray, size: int = PREVIEW_SIZE) -> np.ndarray:
    """(28, 28) float32 in [0, 1] -> (size, size) uint8, pixels kept square."""
    return cv2.resize(_to_uint8(image), (size, size), interpolation=cv2.INTER_NEAREST)


def _verdict(label: dict[str, float], assessment: Assessment | None = None) -> str:
    """Markdown verdict: the chosen model's reading, overruled by the 'is it a digit?' signal if given."""
    best, p = max(label.items(), key=lambda kv: kv[1])
    answer = f" **{best}** ({p:.0%})"
    if assessment is not None and assessment.kind == "not_a_digit":
        return say(NOT_A_DIGIT_TEXT, answer)
    if p < UNSURE_BELOW or (assessment is not None and assessment.kind == "unsure"):
        return say(NOT_SURE_TEXT, answer)
    return say(READS_TEXT, answer)


def _in_language(label: dict[str, float], lang: str) -> dict[str, float]:
    """Class names in the visitor's language (Gradio does not translate a Label's classes); digits stay digits."""
    return {text(name, lang): p for name, p in label.items()}


def _all_probabilities(image, session_models: dict, cache: dict[str, dict]) -> list[tuple[str, LoadedModel, np.ndarray]]:
    """(name, model, (10,) probabilities) of every model for the same image; `cache` holds preprocessing per data set."""
    rows = []
    for name, m in {**SHIPPED.models, **(session_models or {})}.items():
        if m.dataset not in cache:
            cache[m.dataset] = preprocess_steps(image, m.dataset)
        rows.append((name, m, m.probabilities(list(cache[m.dataset].values())[-1][None])[0]))
    return rows


def _all_models_table(rows: list[tuple[str, LoadedModel, np.ndarray]], lang: str) -> pd.DataFrame:
    """Every model's answer for the same image."""
    model, data_set, answer, confidence = (text(h, lang) for h in TABLE_HEADERS)
    return pd.DataFrame([{model: name, data_set: m.dataset, answer: text(m.class_names[int(probs.argmax())], lang),
                          confidence: f"{probs.max():.1%}"} for name, m, probs in rows])


def _assessment(rows: list[tuple[str, LoadedModel, np.ndarray]]) -> Assessment | None:
    """The 'is it a digit?' signal from the shipped MNIST models' probabilities already computed."""
    by_name = {name: probs for name, m, probs in rows if m is SHIPPED.models.get(name)}
    members = [by_name[name] for name in ENSEMBLE if name in by_name]
    return assess_probabilities(np.stack(members)[:, None])[0] if members else None


EMPTY = ({}, say(EMPTY_TEXT), None, [], None)
TABLE_HEADERS = ("model", "data set", "answer", "confidence")


def _empty(lang: str) -> tuple:
    """What the outputs show before anything is drawn: the table keeps its headers, in `lang`."""
    return (*EMPTY[:-1], pd.DataFrame(columns=[text(h, lang) for h in TABLE_HEADERS]))


def analyse(image, model_name: str | None, session_models: dict, lang: str = ""):
    """Image -> (label, verdict, 28x28 preview, preprocessing steps, all-models table), in language `lang`."""
    if image is None:
        return _empty(lang)
    model = resolve_model(model_name, session_models, lang)
    try:
        steps = preprocess_steps(image, model.dataset)
    except ValueError as error:
        return {}, error_text(error), None, [], None
    seen = list(steps.values())[-1]
    # Every model reads the image once: the table, the chosen model's label and the signal share it.
    rows = _all_probabilities(image, session_models, {model.dataset: steps})
    probs = next((p for _, m, p in rows if m is model), None)
    if probs is None:
        probs = model.probabilities(seen[None])[0]
    label = _in_language(model.label(probs), lang)
    # Only MNIST models read digits, so only their verdict asks "is it a digit at all?".
    verdict = _verdict(label, _assessment(rows) if model.dataset == "mnist" else None)
    gallery = [(_to_uint8(img), text(name, lang)) for name, img in steps.items()]
    return label, verdict, enlarge(seen), gallery, _all_models_table(rows, lang)


def on_sketch(value: dict | None, model_name: str, session_models: dict, lang: str = ""):
    return analyse(sketch_image(value), model_name, session_models, lang)


def on_upload(value, model_name: str, session_models: dict, lang: str = ""):
    path = _upload_path(value)
    return analyse(path, model_name, session_models, lang) if path else _empty(lang)


def on_predict(sketch: dict | None, upload, model_name: str, session_models: dict, lang: str = ""):
    image = sketch_image(sketch)
    return analyse(image if image is not None else _upload_path(upload), model_name, session_models, lang)


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


def _samples() -> list[tuple[str, str]]:
    return [(str(p), p.stem) for p in sorted(SAMPLES_DIR.glob("*/*.png"))]


def on_sample(model_name: str, session_models: dict, lang: str, evt: gr.SelectData):
    """A clicked test-set image: switch to a model of its data set if needed, then predict."""
    path = _samples()[evt.index][0]
    dataset = Path(path).parent.name
    model = resolve_model(model_name, session_models, lang)
    if model.dataset != dataset:
        candidates = [n for n, m in SHIPPED.models.items() if m.dataset == dataset]
        preferred = [n for n in candidates if n.startswith("best_")]
        model_name = (preferred or candidates or [model_name])[0]
    return (gr.update(value=model_name), *analyse(path, model_name, session_models, lang))


def build_draw_tab(session_models: gr.State, lang: gr.Textbox) -> gr.Dropdown:
    """Lay out the Draw tab and wire its events (`lang`: the page's language); returns the model dropdown."""
    SHIPPED.load_all()
    with gr.Row():
        with gr.Column(scale=1):
            sketch = gr.Sketchpad(
                label=t("Draw a digit"), canvas_size=(CANVAS_SIZE, CANVAS_SIZE), fixed_canvas=True,
                brush=gr.Brush(colors=["#000000"], default_size=BRUSH_RADIUS, color_mode="fixed"),
                layers=False, transforms=(), type="numpy", image_mode="RGBA", elem_id="sketch")
            upload = gr.Image(label=t("... or upload an image"), type="filepath", image_mode="RGBA",
                              sources=["upload", "clipboard"], height=200, elem_id="upload")
            choice = gr.Dropdown(model_choices({}), value=SHIPPED.default_name, label=t("Model"),
                                 elem_id="model-choice")
            predict_button = gr.Button(t("Predict"), variant="primary")
            if SHIPPED.unavailable:
                gr.Markdown(say("Unavailable models: ") + "; ".join(
                    f"`{name}` ({why})" for name, why in SHIPPED.unavailable.items()))
        with gr.Column(scale=1):
            label = gr.Label(num_top_classes=3, label=t("What the model reads"), elem_id="reading")
            verdict = gr.Markdown(EMPTY[1], elem_id="verdict")
            seen = gr.Image(label=t("What the model sees (28x28)"), height=PREVIEW_SIZE + 40,
                            interactive=False, format="png")
            with gr.Accordion(t("Preprocessing, step by step"), open=False):
                steps = gr.Gallery(columns=6, height=160, object_fit="contain", label=t("Steps"))
            with gr.Accordion(t("Every model on this drawing"), open=False):
                table = gr.Dataframe(headers=list(TABLE_HEADERS), interactive=False)
    inside = build_inside_panel()
    with gr.Accordion(t("Samples from the test sets: click one"), open=False):
        samples = gr.Gallery(_samples(), columns=10, height=140, allow_preview=False, label=t("Test images"))

    outputs = [label, verdict, seen, steps, table]
    common = dict(show_progress="hidden", api_visibility="private")
    drawn = sketch.change(on_sketch, [sketch, choice, session_models, lang], outputs, **common)
    uploaded = upload.upload(predict_api, [upload, choice, session_models], label, api_name="predict",
                             preprocess=False, show_progress="hidden").then(
        on_upload, [upload, choice, session_models, lang], outputs, preprocess=False, **common)
    clicked = predict_button.click(on_predict, [sketch, upload, choice, session_models, lang], outputs, **common)
    chosen = choice.change(on_predict, [sketch, upload, choice, session_models, lang], outputs, **common)
    sampled = samples.select(on_sample, [choice, session_models, lang], [choice, *outputs], **common)
    # A switch of language redraws what the server wrote in the old one.
    lang.change(upload_hint, lang, upload, **common).then(
        on_predict, [sketch, upload, choice, session_models, lang], outputs, **common)
    # The panel runs after each prediction has answered, never before it.
    inside.wire(seen, choice, session_models, after=[drawn, uploaded, clicked, chosen, sampled])
    return choice
