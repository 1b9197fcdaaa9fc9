"""The Draw tab's "Inside the network" panel: the chosen model's feature maps, filters and saliency.

It reads what the Draw tab's answer last read, prepared for the model that read it (the 28x28 shown as
"What the model sees"), so it follows drawings, uploads, samples and model changes alike, and it works
only while open: after each Draw event's answer, and on opening (`details.compute_while_open`); a closed
panel costs the server nothing.
"""

from dataclasses import dataclass

import gradio as gr
import numpy as np

from mnistdemo import inside
from mnistdemo.inference import LoadedModel
from mnistdemo.preprocess import preprocess
from mnistdemo.ui.details import compute_while_open
from mnistdemo.ui.models import find_model
from mnistdemo.ui.texts import error_text, say, t, text, word

TITLE = "inside.title"
INTRO = "inside.intro"
SALIENCY_LABEL = "inside.saliency_label"
GRAD_CAM_LABEL = "inside.grad_cam_label"
MAPS_LABEL = "inside.maps_label"
FILTERS_LABEL = "inside.filters_label"
EMPTY_NOTE = "inside.empty"
READS_NOTE = "inside.reads"
# Gallery captions are not translated by Gradio: the server renders them in the visitor's language.
MAPS_CAPTION = "inside.caption.maps"
FILTERS_CAPTION = "inside.caption.filters"
FILTERS_CAPTION_DEEP = "inside.caption.filters_deep"
OVERLAY_SIZE = 224


@dataclass
class InsidePanel:
    """The panel's components; `wire` connects them once the Draw tab's events exist."""

    accordion: gr.Accordion
    note: gr.Markdown
    saliency: gr.Image
    grad_cam: gr.Image
    maps: gr.Gallery
    filters: gr.Gallery

    @property
    def outputs(self) -> list:
        return [self.note, self.saliency, self.grad_cam, self.maps, self.filters]

    def wire(self, drawing: gr.State, reader: gr.State, session_models: gr.State, lang: gr.Textbox, after: list,
             **event_args) -> None:
        """While open, recompute after each of the `after` events (and on opening), from `drawing` and `reader`."""
        compute_while_open(self.accordion, look_inside, [drawing, reader, session_models, lang], self.outputs, after,
                           **event_args)


def build_inside_panel() -> InsidePanel:
    """Lay out the closed accordion; call `.wire(...)` on the result after the Draw events."""
    with gr.Accordion(t(TITLE), open=False, elem_id="inside") as accordion:
        gr.Markdown(t(INTRO))
        note = gr.Markdown(say(EMPTY_NOTE), elem_id="inside-note")
        with gr.Row():
            saliency = gr.Image(label=t(SALIENCY_LABEL), interactive=False, format="png",
                                height=OVERLAY_SIZE + 40, elem_id="inside-saliency")
            grad_cam = gr.Image(label=t(GRAD_CAM_LABEL), interactive=False, format="png",
                                height=OVERLAY_SIZE + 40, elem_id="inside-grad-cam")
            filters = gr.Gallery(label=t(FILTERS_LABEL), columns=2, height=OVERLAY_SIZE + 40, format="png",
                                 object_fit="contain", elem_id="inside-filters")
        maps = gr.Gallery(label=t(MAPS_LABEL), columns=3, height="auto", format="png", object_fit="contain",
                          elem_id="inside-maps")
    return InsidePanel(accordion, note, saliency, grad_cam, maps, filters)


def look_inside(drawing, model_name: str | None, session_models: dict, lang: str = ""):
    """(what the answer last read, the model that read it, language) -> (note, saliency overlay, Grad-CAM
    overlay, maps, filters), for the 28x28 that model saw."""
    if drawing is None:
        return say(EMPTY_NOTE), None, None, [], []
    try:
        model = find_model(model_name, session_models)
        image = preprocess(drawing, model.dataset)
        probs = model.probabilities(image[None])[0]
        answer = int(probs.argmax())
        maps = _map_tiles(model, image, lang)
        reading = word(model.class_names[answer], lang)
        note = say(READS_NOTE, f" **{model.name}** → **{reading}** ({probs[answer]:.0%})")
        salient = inside.overlay(image, inside.saliency(model.model, image, answer), OVERLAY_SIZE)
        where = inside.overlay(image, inside.grad_cam(model.model, image, answer), OVERLAY_SIZE)
        return note, salient, where, maps, _filter_tiles(model, lang)
    except ValueError as error:
        return error_text(error, lang), None, None, [], []


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 < 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _map_tiles(model: LoadedModel, image: np.ndarray, lang: str) -> list[tuple[np.ndarray, str]]:
    tiles = []
    for n, (name, maps) in enumerate(inside.feature_maps(model.model, image), start=1):
        k = inside.conv_filters(model.model, name).shape[0]
        h, w, c = maps.shape
        tiles.append((inside.tile_maps(maps), text(MAPS_CAPTION, lang, nth=_ordinal(n), n=n, c=c, k=k, h=h, w=w)))
    return tiles


def _filter_tiles(model: LoadedModel, lang: str) -> list[tuple[np.ndarray, str]]:
    """The first conv layer's filters: deeper layers' 3x3 slices per input map read as noise."""
    name = inside.conv_layer_names(model.model)[0]
    kernel = inside.conv_filters(model.model, name)
    k, _, c_in, c_out = kernel.shape
    caption = text(FILTERS_CAPTION if c_in == 1 else FILTERS_CAPTION_DEEP, lang, c_out=c_out, c_in=c_in, k=k)
    return [(inside.tile_filters(kernel), caption)]
