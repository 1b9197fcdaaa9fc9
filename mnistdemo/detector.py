"""Is it a digit at all? A small network that tells drawn digits from what else a class draws.

The digit networks learned digits only, so to them a smiley is a confident "0" and a "#" a "4". This
network learned the difference: MNIST's training digits and the tuning writers' pen digits against the
training split of `mnistdemo.nondigits` (Fashion-MNIST training images, scribbles, letters and doodles)
and random shapes (`mnistdemo.shapes`). It is two small networks in one model: one answers "digit or
not", the other reads the ten digits or "none of these"; its score is the mean of their two
probabilities that the drawing is not a digit (two ways of learning the same thing err apart).
`python -m mnistdemo calibrate` sets its threshold on validation digits (held-out writers), so that it
flags few real digits; `bench/unsure.py` measures it on the test split, whose letters and doodles it
never saw. The verdict (`mnistdemo.inference.judge`) says "Not a digit?" when it is over its threshold.

    python -m mnistdemo train-detector     # about 5 minutes on 2 cores; writes weights/detector/is_digit.keras
"""

import json
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mnistdemo.config import IMAGE_SIZE, data_dir

DETECTOR_PATH = Path("detector") / "is_digit.keras"  # in the weights folder, apart from the digit models
TRAIN_COMMAND = "python -m mnistdemo train-detector"
DRAWN_COPIES = 4  # renderings of each tuning writer's digit among the digits
NON_DIGITS = {"fashion": 12_000, "scribbles": 6_000, "letters": 6_000, "doodles": 9_000}
SHAPES = 9_000  # random shapes (mnistdemo.shapes) among the non-digits, beside the fixed doodles
NON_DIGIT_WEIGHT = 0.5  # the non-digits together weigh half as much as the digits in the loss
FILTERS = (16, 32, 64)  # per block of conv + batch norm + ReLU, 2x2 max-pooling between blocks
NONE = 10  # a non-digit's label in the training data; digits keep theirs (0-9)
# bench/detector_recipes.py compared this recipe with others on doodle kinds left out of training.


def build(filters: tuple[int, ...] = FILTERS, outputs: int = 1) -> keras.Model:
    """(N, 28, 28, 1) in [0, 1] -> (N, outputs) logits: 1, that the drawing is not a digit; 11, the ten
    digits and "none of these"."""
    layers = keras.layers
    blocks = []
    for i, width in enumerate(filters):
        if i:
            blocks.append(layers.MaxPooling2D())
        blocks += [layers.Conv2D(width, 3, padding="same", use_bias=False), layers.BatchNormalization(),
                   layers.ReLU()]
    return keras.Sequential([keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1)), *blocks, layers.GlobalAveragePooling2D(),
                             layers.Dense(outputs)], name="not_a_digit" if outputs == 1 else "digit_or_none")


def combine(binary: keras.Model, classes: keras.Model) -> keras.Model:
    """The two networks as one model: (N, 28, 28, 1) -> (N, 1) logit of the mean of their probabilities
    that the drawing is not a digit."""
    ops = keras.ops
    images = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1))
    p = (ops.sigmoid(binary(images)) + ops.softmax(classes(images))[:, NONE:]) / 2
    p = ops.clip(p, 1e-7, 1 - 1e-7)
    return keras.Model(images, ops.log(p) - ops.log1p(-p), name="is_digit")


def probability(model: keras.Model) -> keras.Model:
    """A detector as `train` makes it (two networks combined, or the "digit or not" one alone) -> a model of the same
    images -> (N, 1) the probability that each is not a digit, computed directly rather than from the logit (which
    needs ops that ONNX lacks): for the page without a server (`mnistdemo.export.export_detector`)."""
    ops = keras.ops
    images = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1))
    if model.name == "not_a_digit":
        return keras.Model(images, ops.sigmoid(model(images)))
    binary, classes = model.get_layer("not_a_digit"), model.get_layer("digit_or_none")
    return keras.Model(images, (ops.sigmoid(binary(images)) + ops.softmax(classes(images))[:, NONE:]) / 2)


def training_data(seed: int = 0, shapes: int = SHAPES) -> tuple[np.ndarray, np.ndarray, dict]:
    """-> (N, 28, 28) float32 in [0, 1], (N,) int32 labels (a digit's class, `NONE` for a non-digit), and the
    counts of each group."""
    from mnistdemo.data import load_dataset
    from mnistdemo.drawn_images import drawn_training_set
    from mnistdemo.nondigits import non_digits, random_shapes

    mnist = load_dataset("mnist")
    drawn, drawn_labels = drawn_training_set(DRAWN_COPIES, data_dir())
    groups = {"mnist": mnist.x_train.astype(np.float32) / 255, "pen digits": drawn.astype(np.float32) / 255}
    groups |= {kind: non_digits(kind, "training", n, seed).images for kind, n in NON_DIGITS.items()}
    groups["shapes"] = random_shapes(shapes, seed)
    x = np.concatenate(list(groups.values()))
    digits = np.r_[mnist.y_train, drawn_labels]
    y = np.r_[digits, np.full(len(x) - len(digits), NONE)].astype(np.int32)
    return x, y, {name: len(images) for name, images in groups.items()}


def _fit(outputs: int, x: np.ndarray, y: np.ndarray, seed: int, epochs: int, batch_size: int,
         filters: tuple[int, ...], non_digit_weight: float, verbose: int) -> keras.Model:
    """Train one network of `build(filters, outputs)` on (x, y) as `training_data` gives them."""
    from mnistdemo.augment import SPECS, augment_batch

    keras.utils.set_random_seed(seed)
    none = y == NONE
    weights = np.where(none, non_digit_weight * (~none).sum() / max(none.sum(), 1), 1.0).astype(np.float32)
    targets = none.astype(np.float32) if outputs == 1 else y
    batches = tf.data.Dataset.from_tensor_slices((x, targets, weights)).shuffle(len(x), seed=seed).batch(batch_size)
    batches = batches.map(lambda images, labels, w: (augment_batch(images[..., None], SPECS["mnist"]), labels, w))
    model = build(filters, outputs)
    steps = epochs * int(np.ceil(len(x) / batch_size))
    loss = (keras.losses.BinaryCrossentropy(from_logits=True) if outputs == 1
            else keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.compile(keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(3e-3, steps)), loss)
    model.fit(batches.prefetch(tf.data.AUTOTUNE), epochs=epochs, verbose=verbose)
    return model


def train(seed: int = 0, epochs: int = 3, batch_size: int = 128, filters: tuple[int, ...] = FILTERS,
          non_digit_weight: float = NON_DIGIT_WEIGHT, data: tuple | None = None, pair: bool = True,
          verbose: int = 2) -> tuple[keras.Model, dict]:
    """Train the detector -> (model, the record its sidecar keeps). `data`: (x, y, counts) as `training_data`
    gives them (default: `training_data(seed)`). `pair=False`: the "digit or not" network alone."""
    x, y, counts = data if data is not None else training_data(seed)
    start = time.perf_counter()
    model = _fit(1, x, y, seed, epochs, batch_size, filters, non_digit_weight, verbose)
    if pair:
        model = combine(model, _fit(NONE + 1, x, y, seed, epochs, batch_size, filters, non_digit_weight, verbose))
    record = {"name": "is_digit", "networks": 2 if pair else 1, "params": model.count_params(), "epochs": epochs,
              "seed": seed, "train_seconds": round(time.perf_counter() - start, 1), "images": counts,
              "non_digit_weight": non_digit_weight, "command": TRAIN_COMMAND}
    return model, record


def save(model: keras.Model, record: dict, weights: Path) -> Path:
    """Write `weights`/detector/is_digit.keras and its .json sidecar; -> the .keras path."""
    path = Path(weights) / DETECTOR_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    path.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return path


class Detector:
    """The trained detector, ready to score drawings fast."""

    def __init__(self, model: keras.Model):
        self.model = model
        spec = tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 1], tf.float32)
        self._fn = tf.function(lambda x: tf.sigmoid(model(x, training=False))[:, 0]).get_concrete_function(spec)

    @classmethod
    def load(cls, path: Path) -> "Detector":
        return cls(keras.saving.load_model(path, compile=False))

    def not_a_digit(self, images: np.ndarray) -> np.ndarray:
        """(N, 28, 28) float32 in [0, 1] -> (N,) float32: how sure it is that each is not a digit."""
        return self._fn(tf.constant(np.asarray(images, np.float32)[..., None])).numpy()
