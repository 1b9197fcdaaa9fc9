"""Looking inside the models: feature maps, filters, saliency, on every shipped model and a custom one.

Run alone: .venv/bin/python -m pytest -q tests/test_inside.py
"""

import gc
import subprocess
import sys
import weakref

import cv2
import keras
import numpy as np
import pytest

from mnistdemo import inside
from mnistdemo.architectures import CustomCNN, build_custom_cnn
from mnistdemo.config import WEIGHTS_DIR
from mnistdemo.inference import SHIPPED
from mnistdemo.preprocess import preprocess
from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits, render_digit

NAMES = sorted(p.stem for p in WEIGHTS_DIR.glob("*.keras"))
MNIST_NAMES = [n for n in NAMES if n.endswith("-mnist")]


@pytest.fixture(scope="module")
def drawn():
    """Ten real pen-drawn digits by held-out writers, through the app's preprocessing: [(label, (28, 28))]."""
    rng = np.random.default_rng(0)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    picked = (digits[i] for i in rng.choice(len(digits), 10, replace=False))
    return [(d.label, preprocess(render_digit(d))) for d in picked]


def _convs(model: keras.Model) -> list:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def _eager_maps(model: keras.Model, image: np.ndarray) -> list[np.ndarray]:
    """Reference for a Sequential model: run it layer by layer and read each conv's maps by the documented rule."""
    x, outputs = image[None, ..., None], []
    for layer in model.layers:
        x = layer(x, training=False)
        outputs.append(np.asarray(x)[0])
    stack, maps = model.layers, []
    for conv in _convs(model):
        i = stack.index(conv)
        while i + 1 < len(stack) and isinstance(stack[i + 1], (keras.layers.BatchNormalization, keras.layers.ReLU)):
            i += 1
        pool_then_relu = (i + 2 < len(stack) and isinstance(stack[i + 1], keras.layers.MaxPooling2D)
                          and isinstance(stack[i + 2], keras.layers.ReLU))
        maps.append(np.maximum(outputs[i], 0) if pool_then_relu else outputs[i])
    return maps


@pytest.mark.parametrize("name", NAMES)
def test_feature_maps_of_every_conv_layer(name, drawn):
    model = SHIPPED.get(name).model
    image = drawn[0][1]
    maps = inside.feature_maps(model, image)
    assert [n for n, _ in maps] == [c.name for c in _convs(model)]
    for (_, m), conv in zip(maps, _convs(model)):
        assert m.dtype == np.float32 and m.shape == tuple(conv.output.shape[1:])
        assert np.isfinite(m).all() and m.max() > 0
    if isinstance(model, keras.Sequential):
        for (_, m), expected in zip(maps, _eager_maps(model, image)):
            np.testing.assert_allclose(m, expected, rtol=1e-4, atol=1e-4)
    tiles = [inside.tile_maps(m) for _, m in maps]
    assert all(t.dtype == np.uint8 and t.ndim == 3 and t.shape[2] == 3 for t in tiles)


@pytest.mark.parametrize("name", NAMES)
def test_filters_are_the_kernels(name):
    model = SHIPPED.get(name).model
    for conv in _convs(model):
        kernel = inside.conv_filters(model, conv.name)
        np.testing.assert_array_equal(kernel, conv.get_weights()[0])
        assert kernel.dtype == np.float32 and kernel.ndim == 4
    k, _, _, c_out = inside.conv_filters(model, _convs(model)[0].name).shape
    grid = inside.tile_filters(inside.conv_filters(model, _convs(model)[0].name))
    assert grid.dtype == np.uint8 and grid.shape[2] == 3 and grid.size > c_out * k * k * 3


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", ["integrated", "grad_cam"])
def test_saliency_is_a_28x28_map_in_unit_range(name, method, drawn):
    loaded = SHIPPED.get(name)
    label, image = drawn[1]
    answer = int(loaded.probabilities(image[None])[0].argmax())
    heat = inside.saliency(loaded.model, image, answer, method)
    assert heat.shape == (28, 28) and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() == pytest.approx(1.0)
    picture = inside.overlay(image, heat, 112)
    assert picture.shape == (112, 112, 3) and picture.dtype == np.uint8


@pytest.mark.parametrize("name", MNIST_NAMES)
def test_integrated_gradients_add_up_to_the_logit_change(name, drawn):
    """IG's completeness: the attributions sum to logit(image) - logit(black), up to the path's discretisation."""
    model = SHIPPED.get(name).model
    errors = []
    for label, image in drawn:
        attributions, total = inside.integrated_gradients(model, image, label)
        assert abs(total) > 0.1
        errors.append(abs(attributions.sum() - total) / abs(total))
    assert np.median(errors) < 0.15, f"relative errors {np.round(errors, 2)}"


@pytest.mark.parametrize("name", MNIST_NAMES)
def test_integrated_gradients_light_up_the_ink(name, drawn):
    model = SHIPPED.get(name).model
    for label, image in drawn:
        ink = image > 0.1
        heat = inside.saliency(model, image, label)
        share = heat[ink].sum() / heat.sum()
        assert share > 3 * ink.mean(), f"digit {label}: {share:.0%} of the saliency on {ink.mean():.0%} ink"


def test_grad_cam_of_the_default_model_looks_near_the_ink(drawn):
    """Grad-CAM is coarse (7x7 here), so ask only that it lands near strokes more than the area there explains."""
    model = SHIPPED.get(None).model
    shares, areas = [], []
    for label, image in drawn:
        near = cv2.dilate((image > 0.1).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        heat = inside.grad_cam(model, image, label)
        shares.append(heat[near].sum() / heat.sum())
        areas.append(near.mean())
    assert np.mean(shares) > 1.5 * np.mean(areas), (shares, areas)


@pytest.mark.parametrize("name,start,step", [
    ("best_mnist-mnist", 1.5, 4.0),  # 'same' convs, two 2x2 pools: 7x7
    ("pytorch_tutorial_cnn-mnist", 6.5, 2.0),  # 5x5 valid, pool, 5x5 valid: 8x8 over the middle 16 px
    ("resnet_block_3x3-mnist", 2.0, 1.0),  # two 3x3 valid convs: 24x24
    ("tf2_cnn-mnist", 0.5, 2.0),  # the last conv reads the 14x14 pool
])
def test_grad_cam_maps_are_laid_back_where_they_came_from(name, start, step):
    model = SHIPPED.get(name).model
    assert inside._geometry(model, _convs(model)[-1]) == (start, step)


@pytest.mark.parametrize("spec", [CustomCNN(), CustomCNN(blocks=4, kernel_size=5, batch_norm=True, dense_units=32,
                                                         dropout=0.2)])
def test_a_model_trained_in_the_train_tab_works(spec, drawn):
    model = build_custom_cnn(spec)
    image = drawn[2][1]
    maps = inside.feature_maps(model, image)
    assert [m.shape[:2] for _, m in maps] == [(28, 28), (14, 14), (7, 7), (4, 4)][:spec.blocks]
    assert all(m.min() >= 0 for _, m in maps)  # read after the ReLU
    assert inside.saliency(model, image, 3).shape == (28, 28)
    assert inside.grad_cam(model, image, 3).shape == (28, 28)


def test_probes_are_cached_and_dropped_with_their_model(drawn):
    model = build_custom_cnn(CustomCNN(blocks=1, filters=4))
    inside.feature_maps(model, drawn[0][1])
    probe = inside._probe(model)
    inside.saliency(model, drawn[0][1], 1)
    assert inside._probe(model) is probe
    ref = weakref.ref(model)
    del model, probe
    gc.collect()
    assert ref() is None, "the cache keeps a dead session's model alive"


@pytest.mark.parametrize("bad", [np.zeros((280, 280)), np.zeros((28, 28, 3)), np.full((28, 28), np.nan),
                                 np.full((28, 28), 255.0), "digit.png"])
def test_bad_images_are_refused(bad):
    with pytest.raises(ValueError):
        inside.feature_maps(SHIPPED.get(None).model, bad)


def test_bad_requests_are_refused(drawn):
    model, image = SHIPPED.get(None).model, drawn[0][1]
    for call in [lambda: inside.saliency(model, image, 10), lambda: inside.saliency(model, image, -1),
                 lambda: inside.grad_cam(model, image, 2.5), lambda: inside.saliency(model, image, 1, "lime"),
                 lambda: inside.conv_filters(model, "dense"), lambda: inside.feature_maps("best_mnist", image),
                 lambda: inside.overlay(image, np.zeros((14, 14)))]:
        with pytest.raises(ValueError):
            call()
    no_conv = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match="no Conv2D"):
        inside.feature_maps(no_conv, image)


def test_panel_shows_what_the_model_saw():
    """What the open panel computes (a closed one is never asked: tests/test_draw_tab.py), for what the Draw tab
    last read: the model that read it sees the drawing prepared again, the 28x28 the tab showed."""
    from mnistdemo.ui.inside_panel import EMPTY_NOTE, look_inside
    from mnistdemo.ui.texts import say

    rng = np.random.default_rng(4)
    digit = load_pendigits(writers=HELD_OUT_WRITERS)[int(rng.integers(100))]
    drawing = render_digit(digit)
    assert look_inside(None, None, {})[0] == say(EMPTY_NOTE)
    note, salient, where, maps, filters = look_inside(drawing, "pytorch_tutorial_cnn-mnist", {})
    model = SHIPPED.get("pytorch_tutorial_cnn-mnist")
    read = model.class_names[int(model.probabilities(preprocess(drawing)[None])[0].argmax())]
    assert f"→ **{read}** (" in note and salient.shape == where.shape == (224, 224, 3)
    assert len(maps) == 2 and len(filters) == 1
    assert look_inside(drawing, "no-such-model", {})[0].startswith("**Unknown model")


def test_core_does_not_import_gradio():
    code = "import sys, mnistdemo.inside; assert 'gradio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
