"""Export a model for the web: an ONNX file that ONNX Runtime runs anywhere, with a JSON sidecar; no UI.

`export_onnx(model, out)` writes `<name>.onnx` and `<name>.onnx.json` (`out` is a folder, or the
`.onnx` path itself) and returns the `.onnx` path. `model` is a `LoadedModel` (inference.py); wrap
a bare Keras model as `LoadedModel(name, keras_model, meta, logits)`. `export_shipped(name, out)`
does the same for a model in weights/, and `export_detector(out)` for its "is it a digit?" network (the page
without a server runs it). Conversion is Keras's own `Model.export(format="onnx")`
(tf2onnx underneath); it is imported only when a model is exported.

The ONNX graph:
- input `image`: (batch, 28, 28, 1) float32 in [0, 1], light ink on black, exactly what the Keras
  model reads (what `mnistdemo.preprocess.preprocess` makes, with a channel axis);
- output `probabilities`: (batch, 10) float32, rows summing to 1. Models that end in logits get a
  softmax appended, so every exported model answers the same way.

The sidecar (`"format": "mnistdemo-onnx/1"`); the ONNX file carries the same record, less its
`onnx` entry, in its metadata under the key `mnistdemo`:
- `name`, `dataset` ("mnist" or "fashion_mnist"), `class_names` (output index -> name);
- `preprocessing`: "mnist_box" (crop to the ink, even the strokes to `stroke_width` px, fit the
  longest side into a `box` x `box` square keeping the aspect ratio, place it in `size` x `size` and
  shift it by whole pixels so that its centre of mass is at `centre_of_mass` (row, column)) or
  "fashion_fit" (crop to the object, fit its longest side to `size`, centre the box);
  `preprocessing_params` gives those numbers; `mnistdemo.preprocess.preprocess(image, dataset)` is
  the reference implementation, and `preprocessing_version` its `PREPROCESSING_VERSION` (it changes
  whenever what a model sees changes);
- `input` / `output`: name, shape (null = any batch size), dtype, range; `output.softmax_added`;
- `source`: the model it came from: `name`, `arch`, `params`, `test_accuracy`, `file` and `sha256`
  of the `.keras` file (null when exported from memory), `weights_sha256` (its float32 weights);
- `converter`: what converted it, the ONNX opset and the library versions;
- `onnx`: `file`, `bytes` and `sha256` of the `.onnx` file.

Exports are cached: when the sidecar beside the target already describes the same weights, converter
and versions, and the `.onnx` file still matches its recorded hash, nothing is converted again.
"""

import hashlib
import json
import os
import platform
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mnistdemo.config import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES, weights_dir
from mnistdemo.preprocess import COM_TARGET, MNIST_STROKE_WIDTH, PREPROCESSING_VERSION

if TYPE_CHECKING:  # TensorFlow loads only when a model is exported: a bad name fails at once
    from mnistdemo.inference import LoadedModel

FORMAT = "mnistdemo-onnx/1"
OPSET = 17  # run by onnxruntime-web and every ONNX Runtime of the last years
INPUT_NAME, OUTPUT_NAME = "image", "probabilities"
DETECTOR_OUTPUT = "not_a_digit"  # export_detector's output
PREPROCESSING = {
    "mnist": ("mnist_box", {"box": 20, "size": IMAGE_SIZE, "centre_of_mass": list(COM_TARGET),
                            "stroke_width": MNIST_STROKE_WIDTH, "whole_pixel_shift": True}),
    "fashion_mnist": ("fashion_fit", {"size": IMAGE_SIZE}),
}


def export_onnx(model: "LoadedModel", out: Path, source: Path | None = None) -> Path:
    """Write `<name>.onnx` (input (N, 28, 28, 1) float32 in [0, 1] -> (N, 10) probabilities) and its sidecar.

    `out` is a folder or the `.onnx` path; `source` is the `.keras` file the model was loaded from, if any.
    """
    path = _onnx_path(Path(out), model.name)
    record = _record(model, source)
    sidecar = sidecar_path(path)
    if _cached(path, sidecar, record):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    proto = _convert(model.model, "softmax" if model.logits else None)
    _name_inputs_and_outputs(proto, OUTPUT_NAME)
    proto.metadata_props.add(key="mnistdemo", value=json.dumps(record))
    _write_atomically(path, proto.SerializeToString())
    record["onnx"] = {"file": path.name, "bytes": path.stat().st_size, "sha256": _sha256(path.read_bytes())}
    _write_atomically(sidecar, (json.dumps(record, indent=1) + "\n").encode())
    return path


def export_shipped(name: str, out: Path, directory: Path | None = None) -> Path:
    """Export the shipped model `name` (weights/<name>.keras); ValueError naming the choices if unknown."""
    directory = Path(directory or weights_dir())
    choices = shipped_names(directory)
    if name not in choices:
        raise ValueError(f"Unknown model {name!r}; choose one of: {', '.join(choices) or 'none'}.")
    from mnistdemo.architectures import outputs_logits
    from mnistdemo.checkpoints import load
    from mnistdemo.inference import LoadedModel

    source = directory / f"{name}.keras"
    keras_model, meta = load(source)
    return export_onnx(LoadedModel(name, keras_model, meta, outputs_logits(meta["arch"])), out, source)


def export_detector(out: Path, directory: Path | None = None) -> dict | None:
    """The "is it a digit?" network that the weights folder's serving manifest names (`mnistdemo.detector`) as
    `out`/is_digit.onnx: input `image` as above -> output `not_a_digit`, (batch, 1) float32, how sure it is that
    the drawing is not a digit. -> {"file", "input", "output", "above"} (`above`: the manifest's threshold, over
    which the app says "Not a digit?"), or None when the folder has no manifest or it names no detector. When the
    calibration is stale (`serving.stale_reasons`), the detector is exported with a warning, as the app serves it
    with one."""
    from mnistdemo.detector import Detector, probability
    from mnistdemo.serving import CALIBRATE_COMMAND, read_manifest, stale_reasons

    directory = Path(directory or weights_dir())
    try:
        serving = read_manifest(directory)
    except (OSError, ValueError):
        return None
    if not serving.detector or not (directory / serving.detector).is_file():
        return None
    if reasons := stale_reasons(serving, directory):
        warnings.warn("; ".join(reasons) + f": the page's 'Not a digit?' threshold may be off; rerun "
                      f"`{CALIBRATE_COMMAND}`", stacklevel=2)
    proto = _convert(probability(Detector.load(directory / serving.detector).model))
    _name_inputs_and_outputs(proto, DETECTOR_OUTPUT)
    path = Path(out) / "is_digit.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, proto.SerializeToString())
    return {"file": path.name, "input": INPUT_NAME, "output": DETECTOR_OUTPUT, "above": serving.detector_above}


def shipped_names(directory: Path | None = None) -> list[str]:
    """Names of the models in the weights folder (each `<name>.keras` with its sidecar)."""
    directory = Path(directory or weights_dir())
    return sorted(p.stem for p in directory.glob("*.keras") if p.with_suffix(".json").is_file())


def sidecar_path(onnx_path: Path) -> Path:
    """`x.onnx` -> `x.onnx.json` (not `x.json`, which is the `.keras` file's sidecar)."""
    return onnx_path.with_name(onnx_path.name + ".json")


def read_sidecar(onnx_path: Path) -> dict:
    """The sidecar of an exported `.onnx` file."""
    return json.loads(sidecar_path(Path(onnx_path)).read_text())


def _onnx_path(out: Path, name: str) -> Path:
    if out.suffix == ".onnx":
        return out
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file; give a folder or a path ending in .onnx.")
    return out / f"{name}.onnx"


def _record(model: "LoadedModel", source: Path | None) -> dict:
    """Everything the sidecar says except the `.onnx` file's own size and hash."""
    import keras
    import onnx
    import tensorflow as tf
    import tf2onnx

    dataset = model.dataset
    preprocessing, params = PREPROCESSING[dataset]
    weights = b"".join(np.asarray(w, np.float32).tobytes() for w in model.model.get_weights())
    return {
        "format": FORMAT,
        "name": model.name,
        "dataset": dataset,
        "class_names": list(CLASS_NAMES[dataset]),
        "preprocessing": preprocessing,
        "preprocessing_params": params,
        "preprocessing_version": PREPROCESSING_VERSION,
        "input": {"name": INPUT_NAME, "shape": [None, IMAGE_SIZE, IMAGE_SIZE, 1], "dtype": "float32",
                  "range": [0.0, 1.0], "ink": "light on black"},
        "output": {"name": OUTPUT_NAME, "shape": [None, NUM_CLASSES], "dtype": "float32",
                   "softmax_added": bool(model.logits)},
        "source": {"name": model.name, "arch": model.meta.get("arch"), "params": int(model.model.count_params()),
                   "test_accuracy": model.meta.get("test_accuracy"),
                   "file": source.name if source else None,
                   "sha256": _sha256(source.read_bytes()) if source else None,
                   "weights_sha256": _sha256(weights)},
        "converter": {"name": "keras.Model.export(format='onnx') via tf2onnx", "opset": OPSET,
                      "versions": {"python": platform.python_version(), "keras": keras.__version__,
                                   "tensorflow": tf.__version__, "tf2onnx": tf2onnx.__version__,
                                   "onnx": onnx.__version__, "numpy": np.__version__}},
    }


def _cached(path: Path, sidecar: Path, record: dict) -> bool:
    """True if `path` is an export of the same weights by the same converter, intact."""
    try:
        old = json.loads(sidecar.read_text())
        stored = old.pop("onnx")
        return old == record and _sha256(path.read_bytes()) == stored["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _convert(keras_model, activation: str | None = None):
    """A Keras model of (N, 28, 28, 1) images, with `activation` ("softmax", "sigmoid") after its outputs, as an
    ONNX ModelProto."""
    import keras
    import onnx
    import tensorflow as tf

    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1), name=INPUT_NAME)
    outputs = keras_model(inputs, training=False)
    if activation:
        outputs = keras.layers.Activation(activation)(outputs)
    wrapped = keras.Model(inputs, outputs)
    spec = [tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 1], tf.float32, name=INPUT_NAME)]
    with tempfile.TemporaryDirectory(prefix="mnistdemo-onnx-") as tmp:
        target = Path(tmp) / "model.onnx"
        with warnings.catch_warnings():  # Keras's numpy-2 patch of tf2onnx probes np.object
            warnings.filterwarnings("ignore", message=".*np.object.*", category=FutureWarning)
            wrapped.export(str(target), format="onnx", input_signature=spec, opset_version=OPSET, verbose=False)
        return onnx.load(str(target))


def _name_inputs_and_outputs(proto, output: str) -> None:
    """Name the output `output` (tf2onnx calls it `Identity:0`) and the batch axis `batch`."""
    import onnx

    graph = proto.graph
    old = graph.output[0].name
    for node in graph.node:
        node.input[:] = [output if n == old else n for n in node.input]
        node.output[:] = [output if n == old else n for n in node.output]
    graph.output[0].name = output
    for value in (graph.input[0], graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    onnx.checker.check_model(proto)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temp file beside `path`, then rename: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; an export is meant to be served
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
