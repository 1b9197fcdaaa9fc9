"""The Draw tab's stroke event: the same answer as each model reading alone, computed alone; the details only while
open.

Run alone: `.venv/bin/python -m pytest tests/test_draw_tab.py -q` (about a minute)."""

import base64
import json
import struct

import cv2
import keras
import numpy as np
import pandas as pd
import pytest

from mnistdemo.architectures import CustomCNN, build_custom_cnn
from mnistdemo.inference import SHIPPED, LoadedModel, judge
from mnistdemo.preprocess import preprocess, preprocess_steps
from mnistdemo.strokes import (BRUSH_RADIUS, CANVAS_SIZE, HELD_OUT_WRITERS, canvas_strokes, load_pendigits,
                               random_placement, render_strokes)
from mnistdemo.ui import draw_tab

ENSEMBLE = SHIPPED.load_all().serving.ensemble  # the calibrated digit networks, the default first
TRAINED_HERE = "run01-custom"  # a session model (an untrained one: its answers are as good as any to compare)


@pytest.fixture(scope="module")
def drawn() -> list[tuple[np.ndarray, str]]:
    """36 canvases by held-out writers (RGBA, as the canvas's PNG decodes), finished digits and half-drawn ones,
    each with its strokes as the canvas sends them (JSON of whole pixels)."""
    rng = np.random.default_rng(15)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    out = []
    for i in rng.choice(len(digits), 30, replace=False):
        strokes = [np.round(s) for s in canvas_strokes(digits[i], CANVAS_SIZE, BRUSH_RADIUS, **random_placement(rng))]
        for k in [len(strokes)] + ([1] if len(strokes) > 1 and len(out) < 40 else []):
            rgb = render_strokes(strokes[:k], (CANVAS_SIZE, CANVAS_SIZE))
            out.append((np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)]),
                        json.dumps([s.astype(int).tolist() for s in strokes[:k]])))
    return out[:36]


@pytest.fixture(scope="module")
def canvases(drawn) -> list[np.ndarray]:
    return [canvas for canvas, _ in drawn]


@pytest.fixture(scope="module")
def session_models() -> dict:
    keras.utils.set_random_seed(0)
    model = build_custom_cnn(CustomCNN(blocks=1, filters=4))
    return {TRAINED_HERE: LoadedModel(TRAINED_HERE, model, {"dataset": "mnist"})}


def _data_url(image: np.ndarray) -> str:
    """An RGBA canvas as the Draw tab's canvas sends it: a PNG data URL."""
    png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGBA2BGRA))[1].tobytes()
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _answer_one_by_one(image, model_name: str | None, session_models: dict, strokes: str = ""):
    """The label, verdict and kind computed the plain way: every digit network and the detector read the image on its
    own, one call each, and the pen's path is read from the strokes as they were sent."""
    model = draw_tab.resolve_model(model_name, session_models)
    steps = preprocess_steps(image, model.dataset)
    seen = list(steps.values())[-1][None]
    members = [SHIPPED.models[name].probabilities(seen)[0] for name in ENSEMBLE if name in SHIPPED.models]
    ensemble = np.stack(members) if model.dataset == "mnist" else None
    flag = SHIPPED.detector.not_a_digit(seen)[0] if model.dataset == "mnist" else None
    pen = [np.array(points, float) for points in json.loads(strokes)] if strokes else None
    answer = judge(model, model.probabilities(seen)[0], ensemble, steps["ink"], not_a_digit=flag, strokes=pen)
    return draw_tab._in_language(answer.probabilities, ""), draw_tab._verdict(answer), answer.kind


def _png(data_url: str) -> np.ndarray:
    """A PNG data URL -> its pixels as they are."""
    assert data_url.startswith("data:image/png;base64,")
    return cv2.imdecode(np.frombuffer(base64.b64decode(data_url.partition(",")[2]), np.uint8), cv2.IMREAD_UNCHANGED)


@pytest.mark.parametrize("model_name", [None, "lenet5_bn-mnist", "lenet5_bn-fashion_mnist", TRAINED_HERE])
def test_the_answer_is_exactly_what_it_was(drawn, session_models, model_name):
    verdicts = set()
    for composite, strokes in drawn:
        label, verdict, preview, drawing, reader, pen, _ = draw_tab.on_sketch(_data_url(composite), model_name,
                                                                              session_models, "", True, strokes)
        assert (label, verdict, preview["kind"]) == _answer_one_by_one(composite, model_name, session_models, strokes)
        assert [p.tolist() for p in pen] == json.loads(strokes)
        dataset = draw_tab.resolve_model(model_name, session_models).dataset
        seen = list(preprocess_steps(composite, dataset).values())[-1]
        np.testing.assert_allclose(_png(preview["src"]) / 255, seen, atol=1 / 255)  # what the model saw, as it is
        np.testing.assert_array_equal(drawing, composite)  # the PNG is lossless
        assert reader == (model_name or SHIPPED.default_name)
        # The verdict's first words; a verdict with nothing to fill in is its message id, translated in the browser.
        verdicts.add(verdict.split("**")[1] if "**" in verdict else verdict)
    if model_name is None:  # the comparison covered more than one kind of verdict
        assert len(verdicts) >= 2, verdicts


def test_the_ensemble_reads_as_each_model_alone(canvases):
    ensemble = SHIPPED.ensemble(ENSEMBLE)
    assert ensemble.names == ENSEMBLE
    images = np.stack([preprocess(c) for c in canvases[:8]])
    together = ensemble.probabilities(images)
    for member, probs in zip(ensemble.members, together):
        np.testing.assert_array_equal(probs, member.probabilities(images))


def test_a_stroke_computes_no_details(canvases, monkeypatch):
    def not_now(*args, **kwargs):
        raise AssertionError("a detail was computed for the answer")

    monkeypatch.setattr(draw_tab, "_all_probabilities", not_now)
    monkeypatch.setattr(draw_tab, "steps_gallery", not_now)
    label, verdict, preview, drawing, reader, *_ = draw_tab.on_sketch(_data_url(canvases[0]), None, {})
    assert label and "**" in verdict and preview["kind"] == "digit"


@pytest.mark.parametrize("value", ["", None, "data:image/png;base64,", "data:image/png;base64,not-base64!",
                                   "data:image/png;base64," + base64.b64encode(b"no image at all").decode()])
def test_an_empty_or_broken_canvas_reads_as_nothing_drawn(value):
    assert draw_tab.on_sketch(value, None, {}) == (*draw_tab.EMPTY, 0)


def test_the_answer_echoes_the_number_of_the_change_it_answers(canvases):
    assert draw_tab.on_sketch(_data_url(canvases[0]), None, {}, "", True, "", 7)[-1] == 7
    assert draw_tab.on_sketch("", None, {}, "", True, "", 8) == (*draw_tab.EMPTY, 8)


def test_a_png_that_claims_a_huge_size_is_not_decoded():
    png = cv2.imencode(".png", np.zeros((8, 8), np.uint8))[1].tobytes()
    huge = png[:16] + struct.pack(">II", 100_000, 100_000) + png[24:]  # the header's width and height
    huge_url = "data:image/png;base64," + base64.b64encode(huge).decode()
    assert draw_tab.on_sketch(huge_url, None, {}) == (*draw_tab.EMPTY, 0)


def test_a_blank_canvas_reads_as_nothing_drawn():
    assert draw_tab.on_sketch(_data_url(np.full((280, 280, 4), 255, np.uint8)), None, {}) == (*draw_tab.EMPTY, 0)


def test_the_details_show_the_drawing_when_asked(canvases, session_models):
    default = SHIPPED.default_name
    gallery = draw_tab.steps_gallery(canvases[0], default, session_models)
    assert len(gallery) == len(preprocess_steps(canvases[0])) and all(img.dtype == np.uint8 for img, _ in gallery)
    table = draw_tab.every_model_table(canvases[0], default, session_models)
    digit_models = [m for m in SHIPPED.models.values() if m.dataset == "mnist"]
    assert isinstance(table, pd.DataFrame) and len(table) == len(digit_models) + 1  # and the one trained here
    blank = np.full((280, 280, 4), 255, np.uint8)
    assert draw_tab.steps_gallery(None, None, {}) == [] and draw_tab.every_model_table(None, None, {}).empty
    assert draw_tab.steps_gallery(blank, default, {}) == [] and draw_tab.every_model_table(blank, default, {}).empty
    # An empty table keeps its headers, in the page's language.
    assert list(draw_tab.every_model_table(None, None, {}, "zh-CN").columns) == [
        draw_tab.text(h, "zh-CN") for h in draw_tab.TABLE_HEADERS]


def test_closed_accordions_send_nothing_to_the_server():
    """The events after an answer that feed the details run in the browser only; the server's detail
    events are started only by the hidden counter the browser bumps while an accordion is open."""
    from mnistdemo.ui import build_demo

    config = build_demo().get_config_file()
    components = {c["id"]: c for c in config["components"]}
    by_elem = {c["props"].get("elem_id"): i for i, c in components.items()}
    details = {by_elem[e] for e in ("steps-gallery", "every-model-table", "inside-maps", "inside-saliency",
                                    "inside-note")}
    dependencies = config["dependencies"]
    stroke = next(d for d in dependencies if (by_elem["sketch"], "change") in map(tuple, d["targets"]))
    assert not details & set(stroke["outputs"]) and stroke["backend_fn"]
    after_stroke = [d for d in dependencies if d.get("trigger_after") == stroke["id"]]
    assert len(after_stroke) == 3 and not any(d["backend_fn"] for d in after_stroke)
    feeding = [d for d in dependencies if details & set(d["outputs"])]
    assert len(feeding) == 3
    for d in feeding:
        (target, event), = d["targets"]
        assert event == "change" and components[target]["type"] == "number"
        assert components[target]["props"]["visible"] == "hidden"


def test_the_queue_polls_every_few_milliseconds_not_every_one():
    import inspect

    from gradio import queueing

    from mnistdemo.ui import PROGRESS_POLL_SECONDS, QUEUE_POLL_SECONDS, build_demo

    # Still the knobs Gradio's loops read:
    assert "self.sleep_when_free" in inspect.getsource(queueing.Queue.start_processing)
    assert "self.progress_update_sleep_when_free" in inspect.getsource(queueing.Queue.start_progress_updates)
    queue = build_demo()._queue
    assert (queue.sleep_when_free, queue.progress_update_sleep_when_free) == (QUEUE_POLL_SECONDS,
                                                                               PROGRESS_POLL_SECONDS)


def test_an_unknown_model_is_said_in_the_visitors_language():
    import gradio as gr

    from mnistdemo.ui.models import resolve_model

    with pytest.raises(gr.Error, match="Unknown model 'no-such-model'; available: "):
        resolve_model("no-such-model", {}, "en")
    with pytest.raises(gr.Error, match="没有名为 'no-such-model' 的模型"):
        resolve_model("no-such-model", {}, "zh-CN")
    with pytest.raises(ValueError, match="Unknown model 'no-such-model'"):  # English for the API and the CLI
        SHIPPED.get("no-such-model")


def test_a_language_switch_rereads_the_last_drawing_and_leaves_an_empty_page_alone(canvases):
    """Nothing read yet: no update at all (an answer on its way, a sample's, is not wiped as the page opens)."""
    default = SHIPPED.default_name
    assert all(update == {"__type__": "update"} for update in draw_tab.reread(None, None, default, {}, "zh-CN"))
    label, verdict, *_ = draw_tab.reread(canvases[0], default, default, {}, "zh-CN")
    assert (label, verdict) == draw_tab.analyse(canvases[0], default, {}, "zh-CN")[:2]
    # A sample of the other data set was read by that data set's model: the verdict says so again.
    sandal = str(draw_tab.SAMPLES_DIR / "fashion_mnist" / "5-test8.png")
    label, verdict, *_ = draw_tab.reread(sandal, "best_fashion-fashion_mnist", default, {}, "zh-CN")
    assert verdict.startswith(draw_tab.say(draw_tab.OTHER_DATASET_TEXTS["fashion_mnist"])) and "best_fashion" in verdict


def test_a_drawing_is_read_with_its_pen_path_unless_the_box_is_unticked(drawn):
    default = SHIPPED.default_name
    differ = 0
    for composite, strokes in drawn[:10]:
        url = _data_url(composite)
        with_path = draw_tab.on_sketch(url, None, {}, "", True, strokes)
        unticked = draw_tab.on_sketch(url, None, {}, "", False, strokes)
        assert unticked[:3] == draw_tab.on_sketch(url, None, {}, "", True, "")[:3]  # as without strokes
        assert with_path[5] is not None and unticked[5] is not None  # kept either way, for the box ticked again
        differ += with_path[0] != unticked[0]
        # Ticked again, the model chosen again, Predict, or a language switch: read again with the strokes kept.
        for again in (draw_tab.on_predict(url, None, default, {}, "", True, unticked[5]),
                      draw_tab.reread(composite, default, default, {}, "", True, with_path[5])):
            assert again[:3] == with_path[:3]
    assert differ >= 8  # the path changes the probabilities shown
    # An upload is read from its picture alone.
    assert draw_tab.on_predict(None, None, default, {}, "", True, None) == draw_tab.EMPTY
