"""Load the shipped models once and predict fast: any image in, class probabilities out."""

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mnistdemo.config import CLASS_NAMES, DATASET_TITLES, IMAGE_SIZE, WEIGHTS_DIR, weights_dir
from mnistdemo.preprocess import preprocess

_log = logging.getLogger(__name__)

DEFAULT_MODEL = "best_mnist-mnist"  # the shipped model that reads drawn digits best (bench/drawn_digits.py)
FALLBACK_DEFAULTS = ("lenet5_bn-mnist", "tf2_cnn-mnist")


@dataclass
class LoadedModel:
    """A model ready to predict, with what its sidecar says about it."""

    name: str
    model: keras.Model
    meta: dict
    logits: bool = False
    _fn: object = field(default=None, repr=False)

    @property
    def dataset(self) -> str:
        return self.meta["dataset"]

    @property
    def class_names(self) -> tuple[str, ...]:
        return CLASS_NAMES[self.dataset]

    @property
    def title(self) -> str:
        acc = self.meta.get("test_accuracy")
        score = f", {acc:.2%}" if acc is not None else ""
        return f"{self.name} ({DATASET_TITLES[self.dataset]}{score})"

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, 28, 28) float32 in [0, 1] -> (N, 10) float32 probabilities."""
        if self._fn is None:
            # A concrete traced function skips Keras's and tf.function's per-call overhead:
            # ~1.4 ms less per image than a plain tf.function or predict_on_batch here.
            spec = tf.TensorSpec([None, *images.shape[1:], 1], tf.float32)
            self._fn = tf.function(lambda x: self.model(x, training=False)).get_concrete_function(spec)
        out = self._fn(tf.constant(images[..., None], tf.float32)).numpy()
        if self.logits:
            out = tf.nn.softmax(out).numpy()
        return out

    def predict(self, image) -> dict[str, float]:
        """Any image (PIL, array, path, bytes) -> {class name: probability}; ValueError if no ink."""
        x = preprocess(image, self.dataset)
        return self.label(self.probabilities(x[None])[0])

    def label(self, probs: np.ndarray) -> dict[str, float]:
        return {name: float(p) for name, p in zip(self.class_names, probs)}


class Ensemble:
    """Several models reading the same images in one traced call: one trip into TensorFlow, not one per model."""

    def __init__(self, members: list[LoadedModel]):
        if not members:
            raise ValueError("An ensemble needs at least one model.")
        self.members = list(members)

        def read(x):
            outputs = [m.model(x, training=False) for m in self.members]
            return tf.stack([tf.nn.softmax(y) if m.logits else y for m, y in zip(self.members, outputs)])

        spec = tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 1], tf.float32)
        self._fn = tf.function(read).get_concrete_function(spec)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, 28, 28) float32 in [0, 1] -> (M members, N, 10) float32, each as its own `probabilities` gives."""
        return self._fn(tf.constant(np.asarray(images)[..., None], tf.float32)).numpy()


class ModelRegistry:
    """The shipped models in a folder: each `<name>.keras` with its `<name>.json`."""

    def __init__(self, directory: Path = WEIGHTS_DIR):
        self.directory = Path(directory)
        self.models: dict[str, LoadedModel] = {}
        self.unavailable: dict[str, str] = {}  # name -> why it could not be loaded
        self._lock = threading.Lock()
        self._loaded = False
        self._ensembles: dict[tuple[str, ...], Ensemble] = {}

    def load_all(self) -> "ModelRegistry":
        """Load every model once; a broken file makes only that model unavailable."""
        from mnistdemo.checkpoints import load, outputs_logits

        with self._lock:
            if self._loaded:
                return self
            for path in sorted(self.directory.glob("*.keras")):
                try:
                    model, meta = load(path)
                    self.models[path.stem] = LoadedModel(path.stem, model, meta, outputs_logits(meta))
                except Exception:  # any broken file: say so, log why, keep serving the rest
                    _log.exception("could not load %s", path)
                    missing = not path.with_suffix(".json").exists()
                    self.unavailable[path.stem] = ("its sidecar .json is missing" if missing
                                                   else "its weights file is corrupt or unreadable")
            self._loaded = True
        return self

    def ensemble(self, names: tuple[str, ...]) -> Ensemble | None:
        """The models called `names` that loaded, in that order, as one Ensemble (traced once); None if none did."""
        self.load_all()
        present = tuple(name for name in names if name in self.models)
        if not present:
            return None
        with self._lock:
            if present not in self._ensembles:
                self._ensembles[present] = Ensemble([self.models[name] for name in present])
            return self._ensembles[present]

    @property
    def default_name(self) -> str | None:
        for name in (DEFAULT_MODEL, *FALLBACK_DEFAULTS):
            if name in self.models:
                return name
        return next(iter(self.models), None)

    def get(self, name: str | None) -> LoadedModel:
        """The model called `name` (None = the default); ValueError naming the choices if unknown."""
        self.load_all()
        name = name or self.default_name
        if name in self.models:
            return self.models[name]
        if name in self.unavailable:
            raise ValueError(f"Model {name!r} is unavailable: {self.unavailable[name]}")
        raise ValueError(f"Unknown model {name!r}; available: {', '.join(self.models) or 'none'}.")


SHIPPED = ModelRegistry(weights_dir())  # $MNISTDEMO_WEIGHTS serves another folder


def available_models() -> list[str]:
    """Names of the shipped models that loaded."""
    return list(SHIPPED.load_all().models)


def predict(image, model: str | None = None) -> dict[str, float]:
    """Any image of a digit (PIL, uint8 array of any size and polarity) -> {class: probability}."""
    return SHIPPED.get(model).predict(image)
