"""Architectures: the lab reports' networks, parameter for parameter.

Run alone: .venv/bin/python -m pytest -q tests/test_architectures.py
"""

import subprocess
import sys

import pytest

from mnistdemo.architectures import ARCHITECTURES, CustomCNN, build_custom_cnn, build_model

# Parameter counts as the lab reports' Keras summaries print them.
REPORTED_PARAMS = {
    "tf2_cnn_dense1024": 3_241_354,
    "tf2_cnn": 50_186,
    "resnet_block_3x3": 1_219_530,
    "resnet_block_5x5": 1_252_298,
    "fashion_cnn": 243_786,
    "lenet5_bn": 81_282,
    "pytorch_tutorial_cnn": 8_490,
}


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_parameter_count(name):
    model = build_model(name)
    assert model.count_params() == ARCHITECTURES[name].params
    assert model.output_shape == (None, 10)
    if name in REPORTED_PARAMS:
        assert model.count_params() == REPORTED_PARAMS[name]


def test_every_report_network_is_registered():
    assert set(REPORTED_PARAMS) <= set(ARCHITECTURES)


@pytest.mark.parametrize("blocks,kernel", [(1, 3), (2, 5), (3, 7), (4, 3)])
def test_custom_cnn_builds(blocks, kernel):
    model = build_custom_cnn(CustomCNN(blocks=blocks, kernel_size=kernel, filters=8, dense_units=16,
                                       batch_norm=True, dropout=0.2))
    convs = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    assert len(convs) == blocks and convs[0].kernel_size == (kernel, kernel)


def test_bad_choices_are_clear_errors():
    with pytest.raises(ValueError, match="Unknown architecture"):
        build_model("vgg16")
    with pytest.raises(ValueError, match="1 to 4"):
        build_custom_cnn(CustomCNN(blocks=5))
    with pytest.raises(ValueError, match="Kernel size"):
        build_custom_cnn(CustomCNN(kernel_size=4))


def test_core_modules_do_not_import_gradio():
    code = ("import sys, mnistdemo.data, mnistdemo.preprocess, mnistdemo.architectures, mnistdemo.train, "
            "mnistdemo.evaluate, mnistdemo.inference, mnistdemo.checkpoints, mnistdemo.strokes, "
            "mnistdemo.events, mnistdemo.presets, mnistdemo.runs, mnistdemo.drawn_images, mnistdemo.replay, "
            "mnistdemo.drawn_numbers, mnistdemo.serving, mnistdemo.calibrate, mnistdemo.unsure, "
            "mnistdemo.live, mnistdemo.plots, mnistdemo.augment; "
            "assert 'gradio' not in sys.modules, 'a core module imported gradio'")
    subprocess.run([sys.executable, "-c", code], check=True)
