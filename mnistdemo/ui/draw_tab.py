"""Draw tab: sketch or upload a digit, see the 28x28 the model sees and what every model reads."""

from pathlib import Path

import cv2
import gradio as gr
import numpy as np
import pandas as pd

from mnistdemo.config import REPO_DIR
from mnistdemo.inference import SHIPPED, LoadedModel
from mnistdemo.preprocess import preprocess, preprocess_steps
from mnistdemo.strokes import BRUSH_RADIUS, CANVAS_SIZE
from mnistdemo.ui.details import compute_while_open
from mnistdemo.ui.inside_panel import build_inside_panel
from mnistdemo.ui.texts import both, error_text, say, t
from mnistdemo.unsure import ENSEMBLE, Assessment, assess_probabilities

UNSURE_BELOW = 0.6  # the chosen model's best probability under this reads as "not sure"
# Each verdict is a translated text followed by the answer and its probability.
READS_TEXT = "Reads"
NOT_SURE_TEXT = "**Not sure.** Try drawing it larger or clearer. Best guess:"
NOT_A_DIGIT_TEXT = "**Not a digit?** To the digit models this looks like none of the ten digits. Best guess:"
EMPTY_TEXT = "Draw a digit (or upload an image) to see what the model reads."
SAMPLES_DIR = REPO_DIR / "data" / "samples"
PREVIEW_SIZE = 168  # the 28x28 shown 6x, pixels kept square
# Events at once on the whole server: more threads than the two cores only queue on the GIL; the
# answer events get their own slots so that details (only while open) never hold them up.
ANSWER_CONCURRENCY = 4
DETAILS_CONCURRENCY = 2


def model_choices(session_models: dict) -> list[tuple[str, str]]:
    """(title, name) of every shipped model that loaded, then this session's trained ones."""
    shipped = [(m.title, name) for name, m in SHIPPED.load_all().models.items()]
    trained = [(f"{m.title} · " + str(t("trained here")), name) for name, m in session_models.items()]
    return shipped + trained


def resolve_model(name: str | None, session_models: dict) -> LoadedModel:
    """A session model or a shipped one; gr.Error with the reason if there is none."""
    if name in (session_models or {}):
        return session_models[name]
    try:
        return SHIPPED.get(name)
    except ValueError as error:
        raise gr.Error(str(error)) from None


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


def _in_both(label: dict[str, float]) -> dict[str, float]:
    """Class names in both languages (a Label's classes are not translated by Gradio); digits stay digits."""
    return {both(name): p for name, p in label.items()}


def _all_probabilities(image, session_models: dict, cache: dict[str, dict]) -> list[tuple[str, LoadedModel, np.ndarray]]:
    """(name, model, (10,) probabilities) of every model for the same image; `cache` holds preprocessing per data set."""
    rows = []
    for name, m in {**SHIPPED.models, **(session_models or {})}.items():
        if m.dataset not in cache:
            cache[m.dataset] = preprocess_steps(image, m.dataset)
        rows.append((name, m, m.probabilities(list(cache[m.dataset].values())[-1][None])[0]))
    return rows


def _all_models_table(rows: list[tuple[str, LoadedModel, np.ndarray]]) -> pd.DataFrame:
    """Every model's answer for the same image."""
    return pd.DataFrame([{both("model"): name, both("data set"): m.dataset,
                          both("answer"): both(m.class_names[int(probs.argmax())]),
                          both("confidence"): f"{probs.max():.1%}"} for name, m, probs in rows])


def read(model: LoadedModel, seen: np.ndarray) -> tuple[np.ndarray, Assessment | None]:
    """(28, 28) float32 -> the chosen model's (10,) probabilities and, for an MNIST model, the 'is it a digit?'
    signal: the shipped MNIST models read it in one call, the chosen one among them when it is one."""
    ensemble = SHIPPED.ensemble(ENSEMBLE) if model.dataset == "mnist" else None
    # Only MNIST models read digits, so only their verdict asks "is it a digit at all?".
    if ensemble is None:
        return model.probabilities(seen[None])[0], None
    members = ensemble.probabilities(seen[None])
    chosen = next((i for i, m in enumerate(ensemble.members) if m is model), None)
    probs = members[chosen, 0] if chosen is not None else model.probabilities(seen[None])[0]
    return probs, assess_probabilities(members)[0]


EMPTY = ({}, say(EMPTY_TEXT), None, None)


def analyse(image, model_name: str | None, session_models: dict):
    """Image -> (label, verdict, 28x28 preview, the image for the details): only what the answer needs."""
    if image is None:
        return EMPTY
    model = resolve_model(model_name, session_models)
    try:
        seen = preprocess(image, model.dataset)
    except ValueError as error:
        return {}, error_text(error), None, None
    probs, assessment = read(model, seen)
    label = _in_both(model.label(probs))
    return label, _verdict(label, assessment), enlarge(seen), image


def steps_gallery(image, model_name: str | None, session_models: dict) -> list[tuple[np.ndarray, str]]:
    """The drawing's preprocessing for the chosen model, step by step ([] for none or no ink)."""
    if image is None:
        return []
    try:
        steps = preprocess_steps(image, resolve_model(model_name, session_models).dataset)
    except ValueError:
        return []  # the verdict already says why
    return [(_to_uint8(img), both(name)) for name, img in steps.items()]


def every_model_table(image, session_models: dict) -> pd.DataFrame | None:
    """Every model's answer for the drawing (None for none or no ink)."""
    if image is None:
        return None
    try:
        return _all_models_table(_all_probabilities(image, session_models, {}))
    except ValueError:
        return None


def on_sketch(value: dict | None, model_name: str, session_models: dict):
    return analyse(sketch_image(value), model_name, session_models)


def on_upload(value, model_name: str, session_models: dict):
    path = _upload_path(value)
    return analyse(path, model_name, session_models) if path else EMPTY


def on_predict(sketch: dict | None, upload, model_name: str, session_models: dict):
    image = sketch_image(sketch)
    return analyse(image if image is not None else _upload_path(upload), model_name, session_models)


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


def on_sample(model_name: str, session_models: dict, evt: gr.SelectData):
    """A clicked test-set image: switch to a model of its data set if needed, then predict."""
    path = _samples()[evt.index][0]
    dataset = Path(path).parent.name
    model = resolve_model(model_name, session_models)
    if model.dataset != dataset:
        candidates = [n for n, m in SHIPPED.models.items() if m.dataset == dataset]
        preferred = [n for n in candidates if n.startswith("best_")]
        model_name = (preferred or candidates or [model_name])[0]
    return (gr.update(value=model_name), *analyse(path, model_name, session_models))


def build_draw_tab(session_models: gr.State) -> gr.Dropdown:
    """Lay out the Draw tab and wire its events; returns the model dropdown."""
    SHIPPED.load_all()
    drawing = gr.State(None)  # what the Draw tab last read (canvas array or upload path), for its details
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
            with gr.Accordion(t("Preprocessing, step by step"), open=False, elem_id="steps") as steps_box:
                steps = gr.Gallery(columns=6, height=160, object_fit="contain", label=t("Steps"), elem_id="steps-gallery")
            with gr.Accordion(t("Every model on this drawing"), open=False, elem_id="every-model") as table_box:
                table = gr.Dataframe(headers=[both(h) for h in ("model", "data set", "answer", "confidence")],
                                     interactive=False, elem_id="every-model-table")
    inside = build_inside_panel()
    with gr.Accordion(t("Samples from the test sets: click one"), open=False):
        samples = gr.Gallery(_samples(), columns=10, height=140, allow_preview=False, label=t("Test images"))

    # The answer alone: the details below are computed only while their accordion is open, after it.
    outputs = [label, verdict, seen, drawing]
    common = dict(show_progress="hidden", api_visibility="private", concurrency_id="answer",
                  concurrency_limit=ANSWER_CONCURRENCY)
    drawn = sketch.change(on_sketch, [sketch, choice, session_models], outputs, **common)
    uploaded = upload.upload(predict_api, [upload, choice, session_models], label, api_name="predict",
                             preprocess=False, show_progress="hidden").then(
        on_upload, [upload, choice, session_models], outputs, preprocess=False, **common)
    clicked = predict_button.click(on_predict, [sketch, upload, choice, session_models], outputs, **common)
    chosen = choice.change(on_predict, [sketch, upload, choice, session_models], outputs, **common)
    sampled = samples.select(on_sample, [choice, session_models], [choice, *outputs], **common)
    answered = [drawn, uploaded, clicked, chosen, sampled]
    details = dict(concurrency_id="details", concurrency_limit=DETAILS_CONCURRENCY, after=answered)
    compute_while_open(steps_box, steps_gallery, [drawing, choice, session_models], [steps], **details)
    compute_while_open(table_box, every_model_table, [drawing, session_models], [table], **details)
    inside.wire(seen, choice, session_models, **details)
    return choice
