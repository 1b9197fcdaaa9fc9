"""Export in a real browser: train a tiny net in the Train tab, download it for the web, run it in ONNX Runtime.

Run alone: .venv/bin/python -m pytest -q tests/test_browser_export.py (needs Chromium; trains a small net: minutes)
"""

import json
import re

import numpy as np
import onnxruntime as ort
import pytest

from mnistdemo.data import load_dataset
from support.browser import choose, set_slider

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_model_trained_in_the_train_tab_downloads_as_onnx_and_predicts(page, app_url, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(app_url)
    page.get_by_role("tab", name="Train & compare").click()

    # A small run: the custom CNN (the quick preset's), 10,000 images, 1 epoch of 157 batches. Not the
    # settings of test_browser_train: an identical run would be shared, not trained again.
    choose(page, "train-arch", "Custom CNN")
    page.get_by_text("Conv + pool blocks").wait_for()
    set_slider(page, "train-subset", 10000)
    set_slider(page, "train-epochs", 1)
    choose(page, "train-batch-size", "64")
    page.locator("#train-start").click()
    page.locator("#train-status").get_by_text("now in the Draw tab").wait_for(timeout=120_000)
    page.locator("#train-summary").get_by_text(re.compile(r"run01-custom")).wait_for(timeout=30_000)

    # One click converts on the server and downloads the file.
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="Download for the web (ONNX)").click()
    download = download_info.value
    assert download.suggested_filename == "run01-custom.onnx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    page.locator("#train-onnx").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/mnistdemo-browser-export.png")

    # The file stands alone: ONNX Runtime reads it, its metadata names the classes and the preprocessing,
    # and it reads MNIST test digits far above chance (the quick preset's net after 157 batches gets over 90%).
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    record = json.loads(session.get_modelmeta().custom_metadata_map["mnistdemo"])
    assert record["name"] == "run01-custom" and record["preprocessing"] == "mnist_box"
    assert record["class_names"] == [str(d) for d in range(10)]
    data = load_dataset("mnist")
    x = (data.x_test[:500].astype(np.float32) / 255.0)[..., None]
    probs = session.run(["probabilities"], {"image": x})[0]
    assert probs.shape == (500, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert (probs.argmax(axis=1) == data.y_test[:500]).mean() > 0.6
