"""Load the shipped models once and predict fast: any image in, class probabilities out.

`assess` is the app's one answer to a drawing: the chosen model's probabilities together with
whether the digit networks, all asked at once, find it a clear digit (`mnistdemo.unsure`'s
calibrated signal) and, when they do not, the reason a person can act on.
"""

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import keras
import numpy as np
import tensorflow as tf

from mnistdemo import pen_path
from mnistdemo.config import CLASS_NAMES, DATASET_TITLES, IMAGE_SIZE, WEIGHTS_DIR, weights_dir
from mnistdemo.evaluate import to_probabilities
from mnistdemo.messages import UserError
from mnistdemo.preprocess import BBOX_MIN_INK, NO_INK_MESSAGE, preprocess, preprocess_steps, stroke_width
from mnistdemo.serving import CALIBRATE_COMMAND, MANIFEST_NAME, Serving, read_manifest, stale_reasons

if TYPE_CHECKING:
    from mnistdemo.detector import Detector

_log = logging.getLogger(__name__)

FALLBACK_DEFAULTS = ("lenet5_bn-mnist", "tf2_cnn-mnist")  # when the manifest's default model is unavailable


class LoadedModel:
    """A model ready to predict, with what its sidecar says about it.

    A model may also wait unbuilt (`model=None` and a `build` that makes it, as a class's trained
    models do: their weights cost a third of a built Keras model). It is built when first used, and of
    such models only the KEPT_BUILT most recently used stay built at a time.
    """

    def __init__(self, name: str, model: keras.Model | None, meta: dict, logits: bool = False,
                 build: Callable[[], keras.Model] | None = None):
        if model is None and build is None:
            raise ValueError("A LoadedModel needs a model or a way to build it.")
        self.name, self.meta, self.logits = name, meta, logits
        self._model, self._build, self._fn = model, build, None

    def __repr__(self) -> str:
        return f"LoadedModel({self.name!r})"

    @property
    def model(self) -> keras.Model:
        model = self._model
        if self._build is not None:
            model = _BUILT.use(self)
        return model

    def _let_go(self) -> None:
        """Free the built model (it is built again when next used)."""
        self._model = self._fn = None

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
        model, fn = self.model, self._fn
        if fn is None:
            # A concrete traced function skips Keras's and tf.function's per-call overhead:
            # ~1.4 ms less per image than a plain tf.function or predict_on_batch here.
            spec = tf.TensorSpec([None, *images.shape[1:], 1], tf.float32)
            read = tf.function(lambda x: to_probabilities(model(x, training=False), self.logits))
            fn = read.get_concrete_function(spec)
            if self._model is model:  # not let go meanwhile
                self._fn = fn
        return fn(tf.constant(images[..., None], tf.float32)).numpy()

    def predict(self, image) -> dict[str, float]:
        """Any image (PIL, array, path, bytes) -> {class name: probability}; ValueError if no ink."""
        x = preprocess(image, self.dataset)
        return self.label(self.probabilities(x[None])[0])

    def label(self, probs: np.ndarray) -> dict[str, float]:
        return {name: float(p) for name, p in zip(self.class_names, probs)}


class _Built:
    """The unbuilt-until-used models that are built now, most recently used last (at most KEPT_BUILT)."""

    def __init__(self, size: int):
        self.size = size
        self._order: OrderedDict[int, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()

    def use(self, loaded: LoadedModel) -> keras.Model:
        """`loaded`'s built model, building it if need be; lets go of the least recently used beyond `size`."""
        with self._lock:
            if loaded._model is None:
                loaded._model = loaded._build()
            self._order[id(loaded)] = loaded
            self._order.move_to_end(id(loaded))
            while len(self._order) > self.size:
                _, oldest = self._order.popitem(last=False)
                oldest._let_go()
            return loaded._model


KEPT_BUILT = 32  # trained models built at once across sessions: a class drawing with its own models
_BUILT = _Built(KEPT_BUILT)


class Ensemble:
    """Several models reading the same images in one traced call: one trip into TensorFlow, not one per model."""

    def __init__(self, members: list[LoadedModel]):
        if not members:
            raise ValueError("An ensemble needs at least one model.")
        self.members = list(members)

        def read(x):
            return tf.stack([to_probabilities(m.model(x, training=False), m.logits) for m in self.members])

        spec = tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 1], tf.float32)
        self._fn = tf.function(read).get_concrete_function(spec)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, 28, 28) float32 in [0, 1] -> (M members, N, 10) float32, each as its own `probabilities` gives."""
        return self._fn(tf.constant(np.asarray(images)[..., None], tf.float32)).numpy()


class ModelRegistry:
    """The shipped models in a folder: each `<name>.keras` with its `<name>.json`, and the folder's serving
    manifest (`serving.json`: the default model and the calibrated verdict, mnistdemo.serving)."""

    def __init__(self, directory: Path = WEIGHTS_DIR):
        self.directory = Path(directory)
        self.models: dict[str, LoadedModel] = {}
        self.unavailable: dict[str, str] = {}  # name -> why it could not be loaded
        self.serving: Serving | None = None  # None: no manifest anywhere, so no "not sure / not a digit" verdict
        self.stale_calibration: str = ""  # why the manifest's calibration does not fit these weights ("" if it does)
        self._lock = threading.Lock()
        self._loaded = False
        self._ensembles: dict[tuple[str, ...], Ensemble] = {}
        self.detector: "Detector | None" = None  # the manifest's "is it a digit?" network, if it loaded

    def load_all(self) -> "ModelRegistry":
        """Load every model once; a broken file makes only that model unavailable."""
        from mnistdemo.architectures import outputs_logits
        from mnistdemo.checkpoints import load

        with self._lock:
            if self._loaded:
                return self
            for path in sorted(self.directory.glob("*.keras")):
                try:
                    model, meta = load(path)
                    self.models[path.stem] = LoadedModel(path.stem, model, meta, outputs_logits(meta["arch"]))
                except Exception:  # any broken file: say so, log why, keep serving the rest
                    _log.exception("could not load %s", path)
                    missing = not path.with_suffix(".json").exists()
                    self.unavailable[path.stem] = ("its sidecar .json is missing" if missing
                                                   else "its weights file is corrupt or unreadable")
            self.serving, self.stale_calibration = _read_serving(self.directory)
            self.detector = _load_detector(self.directory, self.serving)
            if self.stale_calibration:  # say so, log why, keep serving with the thresholds there are
                _log.warning("stale calibration in %s: %s", self.directory, self.stale_calibration)
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

    def warm_up(self) -> None:
        """Read one made-up digit as a stroke does, with the default model alone and with the digit networks,
        and by its pen's path (which loads the tuning writers' paths, as the Whole numbers tab's first reading would).

        A fresh process spends ~1 s building and first running those traced calls; without this, the first
        visitor's first stroke would wait for it. Nothing to do when no model loaded."""
        if not self.load_all().models:
            return
        model = self.get(None)
        one = np.zeros((1, IMAGE_SIZE, IMAGE_SIZE), np.float32)
        one[:, 4:24, 12:16] = 1.0
        model.probabilities(one)
        assess_images(one, model, self)
        pen_path.votes_of([[np.array([(0.0, 0.0), (0.0, 1.0)])]])  # a first reading by the pen's path

    @property
    def default_name(self) -> str | None:
        self.load_all()
        chosen = (self.serving.default_model,) if self.serving else ()
        for name in (*chosen, *FALLBACK_DEFAULTS):
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
            raise UserError("error.model_unavailable", "Model {name!r} is unavailable: {why}", name=name,
                            why=self.unavailable[name])
        raise UserError("error.unknown_model", "Unknown model {name!r}; available: {available}.", name=name,
                        available=", ".join(self.models) or "none")


def _read_serving(directory: Path) -> tuple[Serving | None, str]:
    """`directory`'s serving manifest (else the shipped one) and why its calibration is stale ("" if it is not)."""
    fix = f"rerun `{CALIBRATE_COMMAND}`"
    try:
        serving = read_manifest(directory)
    except FileNotFoundError:
        if directory.resolve() == WEIGHTS_DIR.resolve() or not (WEIGHTS_DIR / MANIFEST_NAME).exists():
            return None, f"there is no {MANIFEST_NAME}, so no drawing is judged 'not sure' or 'not a digit'; {fix}"
        serving = read_manifest(WEIGHTS_DIR)
        return serving, f"there is no {MANIFEST_NAME} beside these weights, so the shipped calibration judges them"
    except ValueError as error:
        return None, f"{error} No drawing is judged 'not sure' or 'not a digit'."
    reasons = stale_reasons(serving, directory)
    if not reasons:
        return serving, ""
    return serving, "; ".join(reasons) + f": the 'not sure / not a digit' thresholds may be off; {fix}"


def _load_detector(directory: Path, serving: Serving | None) -> "Detector | None":
    """The manifest's "is it a digit?" network, beside the weights or else the shipped one (None if none loads)."""
    from mnistdemo.detector import Detector

    if serving is None or not serving.detector:
        return None
    for path in (directory / serving.detector, WEIGHTS_DIR / serving.detector):
        if path.exists():
            try:
                return Detector.load(path)
            except Exception:  # a broken file: the verdict goes on without it; the stale check says why
                _log.exception("could not load %s", path)
                return None
    return None


SHIPPED = ModelRegistry(weights_dir())  # $MNISTDEMO_WEIGHTS serves another folder


def available_models() -> list[str]:
    """Names of the shipped models that loaded."""
    return list(SHIPPED.load_all().models)


def predict(image, model: str | None = None) -> dict[str, float]:
    """Any image of a digit (PIL, uint8 array of any size and polarity) -> {class: probability}."""
    return SHIPPED.get(model).predict(image)


# The verdict. KINDS: "digit" (the digit networks agree it is a clear digit), "unsure", "not_a_digit"
# (mnistdemo.unsure's calibrated thresholds), and "item" for a Fashion-MNIST model, which the
# digit check does not apply to.
KINDS = ("digit", "unsure", "not_a_digit", "item")
# Why a drawing is not read as a clear digit, most actionable first; `Answer.message` words them.
REASONS = ("tiny", "edge", "disagree", "unlike_digits", "unsure_together")
# A drawing whose longest side is under this many stroke widths is a blob to the models: the default
# model read 1,000 held-out pen digits drawn with the app's brush at random sizes 99% right from 5 stroke
# widths up, 93-95% at 3.5-5, 85% at 3-3.5, 41% at 2.5-3 and 16% below (`python bench/verdicts.py --sizes`),
# so below it size alone makes a reading unsure.
TINY_BELOW = 3.5
OFF_EDGE = 1.0  # solid ink along a border at least a stroke wide: a stroke runs off the edge


@dataclass(frozen=True)
class Answer:
    """One drawing read by one model, with the digit networks' verdict on it."""

    kind: str  # one of KINDS
    model: str  # the model whose probabilities these are
    probabilities: dict[str, float]  # class name -> probability, in class order
    reason: str | None = None  # one of REASONS when kind is "unsure" or "not_a_digit"
    votes: dict[str, int] = field(default_factory=dict)  # answer -> digit networks reading it, most first
    pen_path: bool = False  # read together with the pen's path (mnistdemo.pen_path), not from the picture alone

    @property
    def answer(self) -> str:
        return max(self.probabilities, key=self.probabilities.get)

    @property
    def networks(self) -> int:
        return sum(self.votes.values())

    @property
    def message(self) -> str:
        """The verdict in one English sentence."""
        path = " with the pen's path" if self.pen_path else ""
        reading = f"{self.model}{path} reads {self.answer} ({self.probabilities[self.answer]:.0%})."
        if self.kind in ("digit", "item"):
            return reading
        opening = "Not sure." if self.kind == "unsure" else "Not a digit?"
        return f"{opening} {self.explanation} {reading}"

    @property
    def explanation(self) -> str:
        """Why it is not a clear digit, in English ('' for a clear one)."""
        top, count = next(iter(self.votes.items()), ("", 0))
        return {
            None: "",
            "tiny": "The drawing is very small for the brush: draw it larger.",
            "edge": "A stroke runs off the edge, so part of the drawing may be missing: draw it inside the canvas.",
            "disagree": "The networks disagree: " + vote_text(self.votes) + ".",
            "unlike_digits": "It does not look like any of the ten digits.",
            "unsure_together": f"All {count} networks read {top}, but not with confidence.",
        }[self.reason]

    def to_dict(self) -> dict:
        """Plain JSON-able fields, for the HTTP API."""
        return {"kind": self.kind, "model": self.model, "answer": self.answer, "probabilities": self.probabilities,
                "reason": self.reason, "votes": self.votes, "pen_path": self.pen_path, "message": self.message}


def vote_text(votes: dict[str, int]) -> str:
    """{"4": 5, "9": 3} -> "5 of 8 networks read 4; 3 read 9"."""
    total = sum(votes.values())
    parts = [f"{n} of {total} networks read {answer}" if i == 0 else f"{n} read{'s' if n == 1 else ''} {answer}"
             for i, (answer, n) in enumerate(votes.items())]
    return "; ".join(parts)


def ink_geometry(ink: np.ndarray) -> tuple[float, bool]:
    """(H, W) float32 ink in [0, 1] -> (the ink's longest side in stroke widths, whether a stroke runs off the edge)."""
    mask = ink > BBOX_MIN_INK
    if not mask.any():
        raise UserError("error.no_ink", NO_INK_MESSAGE)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    width = max(stroke_width(crop), 1.0)
    # A stroke cut off by the edge leaves solid ink along it about a stroke wide; a round
    # brush tip that merely reaches the edge leaves only a few pixels.
    solid = ink > 0.5
    cut = max(solid[0].sum(), solid[-1].sum(), solid[:, 0].sum(), solid[:, -1].sum()) >= OFF_EDGE * width
    return max(crop.shape) / width, bool(cut)


def judge(model: LoadedModel, probs: np.ndarray, ensemble: np.ndarray | None = None,
          ink: np.ndarray | None = None, serving: Serving | None = None, not_a_digit: float | None = None,
          strokes: list[np.ndarray] | None = None) -> Answer:
    """The Answer from probabilities already computed: `probs` (10,) of `model`, `ensemble` (M, 10) of the
    calibrated digit networks (`serving.ensemble`, default: the shipped manifest's) on the same drawing,
    `ink` (H, W) the drawing's ink, `not_a_digit` the "is it a digit?" network's score (mnistdemo.detector).

    `strokes`: the canvas strokes that drew it ((n, 2) pixels each, in drawing order). A digit model's
    probabilities and the networks' are then mixed with the pen's path's votes (`pen_path.mix`), and judged by
    the thresholds calibrated for that (`Serving.with_path`); without such thresholds, by the picture alone."""
    from mnistdemo.unsure import assess_probabilities

    serving = serving or SHIPPED.load_all().serving
    if model.dataset != "mnist" or ensemble is None or len(ensemble) == 0 or serving is None:
        kind = "item" if model.dataset != "mnist" else "digit"
        return Answer(kind, model.name, model.label(probs))
    ensemble = np.asarray(ensemble, dtype=np.float64)
    with_path = serving.with_path() if strokes else None
    if with_path is not None:
        voted = pen_path.votes_of([strokes], y_down=True)[0]
        probs, ensemble, serving = pen_path.mix(probs, voted), pen_path.mix(ensemble, voted[None]), with_path
    probabilities = model.label(probs)
    kind = assess_probabilities(ensemble[:, None], serving)[0].kind
    counts = np.bincount(ensemble.argmax(axis=-1), minlength=10)
    votes = {str(d): int(counts[d]) for d in np.argsort(-counts, kind="stable") if counts[d]}
    answer = max(probabilities, key=probabilities.get)
    # The page shows this model's answer: when the networks mostly read something else, it is no clear digit.
    if kind == "digit" and answer != next(iter(votes)):
        kind = "unsure"
    # The digit networks know only digits (a smiley is a confident "0" to them); the detector knows the rest.
    unlike = not_a_digit is not None and bool(serving.unlike_digits(not_a_digit))
    if unlike:
        kind = "not_a_digit"
    size, edge = ink_geometry(ink) if ink is not None else (np.inf, False)
    # Drawings this small are misread with confidence, so size alone makes a reading unsure.
    if size < TINY_BELOW and kind == "digit":
        kind = "unsure"
    read_path = with_path is not None
    if kind == "digit":
        return Answer(kind, model.name, probabilities, votes=votes, pen_path=read_path)
    if size < TINY_BELOW:
        reason = "tiny"
    elif edge:
        reason = "edge"
    elif unlike:  # whatever the digit networks read in it
        reason = "unlike_digits"
    elif len(votes) > 1 or answer != next(iter(votes)):
        reason = "disagree"
    else:
        reason = "unlike_digits" if kind == "not_a_digit" else "unsure_together"
    return Answer(kind, model.name, probabilities, reason, votes, read_path)


def _read(images: np.ndarray, model: LoadedModel, registry: "ModelRegistry") -> tuple:
    """(N, 28, 28) float32 -> `model`'s (N, 10) probabilities and, for a digit model, the (N, M, 10) of the
    calibrated digit networks (`registry.serving.ensemble`), all read in one traced call, and the (N,)
    "is it a digit?" scores (None for what is not read)."""
    serving = registry.load_all().serving
    ensemble = registry.ensemble(serving.ensemble) if model.dataset == "mnist" and serving else None
    if ensemble is None:
        return model.probabilities(images), None, None
    members = ensemble.probabilities(images)
    chosen = next((i for i, m in enumerate(ensemble.members) if m is model), None)
    probs = members[chosen] if chosen is not None else model.probabilities(images)
    flags = registry.detector.not_a_digit(images) if registry.detector is not None else None
    return probs, members.transpose(1, 0, 2), flags


def assess_images(images: np.ndarray, model: LoadedModel, registry: "ModelRegistry | None" = None,
                  strokes: "list[list[np.ndarray] | None] | None" = None) -> list[Answer]:
    """(N, 28, 28) float32 drawings already preprocessed for `model` -> one Answer each (no size or edge check);
    `strokes`: each drawing's canvas strokes, where known (`judge`)."""
    images = np.asarray(images, dtype=np.float32)
    if len(images) == 0:
        return []
    registry = registry or SHIPPED
    probs, ensemble, flags = _read(images, model, registry)
    members = ensemble if ensemble is not None else [None] * len(probs)
    flags = flags if flags is not None else [None] * len(probs)
    strokes = strokes or [None] * len(probs)
    return [judge(model, p, e, serving=registry.serving, not_a_digit=f, strokes=s)
            for p, e, f, s in zip(probs, members, flags, strokes)]


def assess_steps(steps: dict[str, np.ndarray], model: LoadedModel, registry: "ModelRegistry | None" = None,
                 strokes: list[np.ndarray] | None = None) -> Answer:
    """A drawing's preprocessing for `model` (`preprocess_steps`: its "ink" first, the 28x28 last) and the canvas
    strokes that drew it, if known (`judge`) -> its Answer."""
    seen = list(steps.values())[-1][None]
    registry = registry or SHIPPED
    probs, ensemble, flags = _read(seen, model, registry)
    return judge(model, probs[0], None if ensemble is None else ensemble[0], steps["ink"], registry.serving,
                 None if flags is None else float(flags[0]), strokes)


def assess(image, model: "str | LoadedModel | None" = None, strokes: list[np.ndarray] | None = None) -> Answer:
    """Any image of a digit (PIL, array, path, bytes) and a model or its name (None = the default) -> its Answer;
    with `strokes`, the canvas strokes that drew it ((n, 2) pixels each, y down, in drawing order), a digit is
    also read by its pen's path (`judge`).

    ValueError with a message a person understands for an unknown model or an image with no ink."""
    chosen = model if isinstance(model, LoadedModel) else SHIPPED.get(model)
    return assess_steps(preprocess_steps(image, chosen.dataset), chosen, strokes=strokes)
