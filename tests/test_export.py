"""ONNX export: every shipped model and a freshly trained one give Keras's answers in ONNX Runtime.

Run alone: .venv/bin/python -m pytest -q tests/test_export.py (the slow tests read MNIST and train a net)
"""

import hashlib
import json
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import pytest

from mnistdemo.architectures import outputs_logits
from mnistdemo.checkpoints import load
from mnistdemo.config import CLASS_NAMES, WEIGHTS_DIR
from mnistdemo.data import load_dataset
from mnistdemo.export import export_onnx, export_shipped, read_sidecar, shipped_names, sidecar_path
from mnistdemo.inference import LoadedModel
from mnistdemo.preprocess import PREPROCESSING_VERSION

SHIPPED = shipped_names(WEIGHTS_DIR)
IMAGES = 1000  # test images each exported model reads in ONNX Runtime and in Keras
TOLERANCE = 1e-4  # largest difference allowed between the two probabilities


def _loaded(name: str) -> LoadedModel:
    model, meta = load(WEIGHTS_DIR / f"{name}.keras")
    return LoadedModel(name, model, meta, outputs_logits(meta["arch"]))


def _run_onnx(path, images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) float32 in [0, 1] -> (N, 10) probabilities from ONNX Runtime."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], {"image": images[..., None]})[0]


def _assert_same_answers(model: LoadedModel, path, images: np.ndarray) -> None:
    keras_probs = model.probabilities(images)
    onnx_probs = _run_onnx(path, images)
    assert onnx_probs.shape == keras_probs.shape == (len(images), 10)
    assert (onnx_probs.argmax(axis=1) == keras_probs.argmax(axis=1)).all()
    assert np.abs(onnx_probs - keras_probs).max() < TOLERANCE
    np.testing.assert_allclose(onnx_probs.sum(axis=1), 1.0, atol=1e-5)


def test_there_are_shipped_models_of_both_data_sets():
    assert len(SHIPPED) >= 10
    assert {n.rsplit("-", 1)[1] for n in SHIPPED} == {"mnist", "fashion_mnist"}


def test_importing_the_export_module_loads_no_converter_no_tensorflow_and_no_gradio():
    code = ("import sys, mnistdemo.export; "
            "print(sorted(m for m in ('gradio', 'tensorflow', 'tf2onnx', 'onnx', 'keras') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_a_logits_model_gets_a_softmax_and_a_sidecar_that_says_how_to_feed_it(tmp_path):
    name = "pytorch_tutorial_cnn-mnist"
    model = _loaded(name)
    assert model.logits  # the one shipped net whose last layer has no softmax
    path = export_shipped(name, tmp_path)
    assert path == tmp_path / f"{name}.onnx" and sidecar_path(path) == tmp_path / f"{name}.onnx.json"
    record = read_sidecar(path)
    assert record["format"] == "mnistdemo-onnx/1" and record["name"] == name
    assert record["preprocessing"] == "mnist_box" and record["preprocessing_params"]["box"] == 20
    assert record["preprocessing_version"] == PREPROCESSING_VERSION
    assert record["class_names"] == list(CLASS_NAMES["mnist"])
    assert record["input"]["shape"] == [None, 28, 28, 1] and record["output"]["shape"] == [None, 10]
    assert record["output"]["softmax_added"] is True
    source = WEIGHTS_DIR / f"{name}.keras"
    assert record["source"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert record["onnx"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["converter"]["opset"] == 17 and record["converter"]["versions"]["tf2onnx"]

    # The file carries the same record (less its own hash) for a page that fetches only the .onnx.
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    embedded = json.loads(session.get_modelmeta().custom_metadata_map["mnistdemo"])
    assert embedded == {k: v for k, v in record.items() if k != "onnx"}
    assert [i.name for i in session.get_inputs()] == ["image"]
    assert [o.name for o in session.get_outputs()] == ["probabilities"]

    images = np.random.default_rng(0).random((64, 28, 28), dtype=np.float32)
    _assert_same_answers(model, path, images)


def test_a_fashion_model_says_it_needs_the_fashion_fit(tmp_path):
    record = read_sidecar(export_shipped("fashion_cnn-fashion_mnist", tmp_path / "fashion.onnx"))
    assert record["preprocessing"] == "fashion_fit" and record["dataset"] == "fashion_mnist"
    assert record["class_names"][9] == "Ankle boot" and record["output"]["softmax_added"] is False
    assert (tmp_path / "fashion.onnx.json").is_file()


def test_an_export_is_reused_until_the_weights_or_the_file_change(tmp_path, monkeypatch):
    import mnistdemo.export as export

    model = _loaded("pytorch_tutorial_cnn-mnist")
    path = export_onnx(model, tmp_path)
    first = read_sidecar(path)
    converted = []
    real_convert = export._convert
    monkeypatch.setattr(export, "_convert",
                        lambda m, activation=None: converted.append(m) or real_convert(m, activation))

    assert export_onnx(model, tmp_path) == path and converted == []  # same weights: the file is reused

    path.write_bytes(path.read_bytes()[:-10])  # a truncated file is converted again
    export_onnx(model, tmp_path)
    assert converted == [model.model]
    assert read_sidecar(path)["onnx"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()

    weights = model.model.get_weights()
    model.model.set_weights([w * 1.01 for w in weights])  # new weights: a new export
    export_onnx(model, tmp_path)
    assert len(converted) == 2
    assert read_sidecar(path)["source"]["weights_sha256"] != first["source"]["weights_sha256"]
    assert read_sidecar(path)["source"]["file"] is None  # exported from memory, not from a .keras file


def test_unknown_names_and_bad_targets_get_a_clear_message(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown model 'nope'; choose one of: .*best_mnist-mnist"):
        export_shipped("nope", tmp_path)
    (tmp_path / "a-file.txt").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        export_shipped("pytorch_tutorial_cnn-mnist", tmp_path / "a-file.txt")


@pytest.fixture(scope="session")
def exported(tmp_path_factory) -> dict:
    """Every shipped model converted once per test session: name -> .onnx path."""
    out = tmp_path_factory.mktemp("onnx")
    return {name: export_shipped(name, out) for name in SHIPPED}


@pytest.fixture(scope="session")
def test_images() -> dict:
    """The first 1,000 test images of each data set as (N, 28, 28) float32 in [0, 1]."""
    return {name: load_dataset(name).x_test[:IMAGES].astype(np.float32) / 255.0 for name in CLASS_NAMES}


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_model_reads_its_test_images_as_keras_does(name, exported, test_images):
    model = _loaded(name)
    _assert_same_answers(model, exported[name], test_images[model.dataset])
    assert read_sidecar(exported[name])["source"]["test_accuracy"] == model.meta["test_accuracy"]


@pytest.mark.slow
def test_a_freshly_trained_model_reads_its_test_images_as_keras_does(tmp_path, test_images):
    from mnistdemo.architectures import CustomCNN, Recipe
    from mnistdemo.runs import serving_copy
    from mnistdemo.train import TrainConfig, train

    # What the Train tab makes: a custom batch-norm CNN, here 64 batches of 32 on 2,048 images.
    config = TrainConfig(arch="custom", custom=CustomCNN(blocks=2, filters=8, batch_norm=True, dense_units=32),
                         recipe=Recipe(optimizer="adam", learning_rate=3e-3, batch_size=32, epochs=1,
                                       validation_split=0.0, reduce_lr_on_plateau=False, early_stopping=False),
                         train_subset=2048, seed=3)
    result = train(config, load_dataset("mnist"))
    model = LoadedModel("fresh", serving_copy(result), {"arch": "custom", "dataset": "mnist"}, logits=False)
    path = export_onnx(model, tmp_path)
    _assert_same_answers(model, path, test_images["mnist"])
    accuracy = (_run_onnx(path, test_images["mnist"]).argmax(axis=1) == load_dataset("mnist").y_test[:IMAGES]).mean()
    assert accuracy > 0.5  # it learned something, and the ONNX file kept it
