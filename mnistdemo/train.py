"""Training: a Keras loop that reports batch and epoch events a caller can stream; no UI."""

import math
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mnistdemo.architectures import ARCHITECTURES, CustomCNN, Recipe, build_model, outputs_logits
from mnistdemo.augment import SPECS, augment_batch
from mnistdemo.checkpoints import load
from mnistdemo.config import data_dir
from mnistdemo.data import Dataset
from mnistdemo.drawn_images import drawn_training_set
from mnistdemo.evaluate import EVALUATION_BATCH


@dataclass(frozen=True)
class TrainConfig:
    """One training run: which network, on which data, with which recipe."""

    arch: str = "lenet5_bn"
    dataset: str = "mnist"
    recipe: Recipe = field(default_factory=Recipe)
    custom: CustomCNN | None = None  # used when arch == "custom"
    train_subset: int = 0  # 0 = the whole training set
    seed: int = 0
    drawn_copies: int = 0  # MNIST only: add this many renderings of each tuning writer's pen digit
    drawn_varied: bool = False  # ... every one after the first drawn as another hand might (`strokes.varied`)
    init_from: str = ""  # start from this saved model's weights (a .keras file of the same architecture)
    blend_start: float = 0.0  # with init_from: the end weights are this share of the start's, the rest the trained

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        custom = d.get("custom")
        return cls(arch=d["arch"], dataset=d["dataset"], recipe=Recipe(**d["recipe"]),
                   custom=CustomCNN(**custom) if custom else None,
                   train_subset=d.get("train_subset", 0), seed=d.get("seed", 0),
                   drawn_copies=d.get("drawn_copies", 0), drawn_varied=d.get("drawn_varied", False),
                   init_from=d.get("init_from", ""), blend_start=d.get("blend_start", 0.0))


def report_recipe(arch: str) -> Recipe:
    """The recipe the architecture's report used (the Train tab's preset)."""
    return ARCHITECTURES[arch].recipe if arch in ARCHITECTURES else Recipe()


@dataclass
class TrainResult:
    model: keras.Model
    config: TrainConfig
    history: dict  # per-epoch metrics, as Keras records them
    seconds: float  # time spent in fit()
    stopped: bool  # True if a Stop request ended the run early
    epochs_done: int


class StopOnRequest(keras.callbacks.Callback):
    """Ends training at the next batch once `event` is set."""

    def __init__(self, event: threading.Event):
        super().__init__()
        self.event = event
        self.stopped = False

    def on_train_batch_end(self, batch, logs=None):
        if self.event.is_set():
            self.stopped = True
            self.model.stop_training = True


def one_cycle(peak: float, total_steps: int) -> keras.optimizers.schedules.CosineDecay:
    """Linear warm-up from peak/25 to `peak` over the first 25% of steps, then cosine down to peak/1000."""
    total = max(1, total_steps)
    # In float64: in float32, 1 + cos near its end loses ~1e-5 of the last steps' rates (the optimizer
    # casts the rate to its variables' dtype anyway).
    return keras.optimizers.schedules.CosineDecay(np.float64(peak) / 25, decay_steps=0.75 * total, alpha=1e-3,
                                                  warmup_target=peak, warmup_steps=0.25 * total)


def _learning_rate(recipe: Recipe, total_steps: int):
    if recipe.schedule == "onecycle":
        return one_cycle(recipe.learning_rate, total_steps)
    if recipe.schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(recipe.learning_rate, total_steps, alpha=1e-3)
    if recipe.schedule != "constant":
        raise ValueError(f"Unknown schedule {recipe.schedule!r}; choose constant, cosine or onecycle.")
    return recipe.learning_rate


def _optimizer(recipe: Recipe, total_steps: int) -> keras.optimizers.Optimizer:
    lr = _learning_rate(recipe, total_steps)
    if recipe.optimizer == "adam":
        return keras.optimizers.Adam(lr)
    if recipe.optimizer == "sgd":
        return keras.optimizers.SGD(lr, momentum=recipe.momentum)
    raise ValueError(f"Unknown optimiser {recipe.optimizer!r}; choose adam or sgd.")


def to_model_input(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N, 28, 28, 1) float32 in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., None]


def _pipeline(x: np.ndarray, y: np.ndarray, batch_size: int, augment: bool, seed: int,
              dataset: str = "mnist") -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)

    def prepare(images, labels):
        images = tf.cast(images, tf.float32)[..., None] / 255.0
        one_hot = tf.one_hot(tf.cast(labels, tf.int32), 10)  # label smoothing needs one-hot targets
        return (augment_batch(images, SPECS[dataset]) if augment else images), one_hot

    # Random augmentation in parallel map calls draws its numbers in whatever order the calls run: one batch
    # at a time keeps "same settings and seed, same weights" true (the prefetch still overlaps it with training).
    parallel = None if augment else tf.data.AUTOTUNE
    return _without_autotuning(ds.map(prepare, num_parallel_calls=parallel).prefetch(tf.data.AUTOTUNE))


def _without_autotuning(ds: tf.data.Dataset) -> tf.data.Dataset:
    """`ds` with tf.data's autotuning off: AUTOTUNE then means as many map calls as cores and a default prefetch.

    With it on, half to three quarters of the runs waited 3-10 s after their last batch while the epoch's iterator
    was torn down (the Train tab's defaults in one process here); without it the batches take as long as before."""
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


def split_data(data: Dataset, config: TrainConfig, rng: np.random.Generator):
    """Training subset and validation split, drawn with the run's seed."""
    x, y = data.x_train, data.y_train
    if config.train_subset and config.train_subset < len(x):
        keep = rng.choice(len(x), config.train_subset, replace=False)
        x, y = x[keep], y[keep]
    n_val = int(round(len(x) * config.recipe.validation_split))
    if n_val:
        order = rng.permutation(len(x))
        return (x[order[n_val:]], y[order[n_val:]]), (x[order[:n_val]], y[order[:n_val]])
    return (x, y), None


def _add_drawn_digits(x: np.ndarray, y: np.ndarray, config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Training images plus rendered pen-drawn digits of the tuning writers (the pipeline shuffles them in)."""
    if config.dataset != "mnist":
        raise ValueError("Drawn digits can only be added to MNIST.")
    drawn_x, drawn_y = drawn_training_set(config.drawn_copies, data_dir(), config.drawn_varied)
    return np.concatenate([x, drawn_x]), np.concatenate([y, drawn_y.astype(y.dtype)])


def train(config: TrainConfig, data: Dataset, callbacks: list | tuple = (),
          stop: threading.Event | None = None, verbose: int = 0, keep_traced: bool = False) -> TrainResult:
    """Train a fresh model, or go on from `config.init_from`'s weights.

    `callbacks` see every batch and epoch; `stop` ends the run early. `keep_traced`: the returned model
    is also kept, traced, for the next run of these settings (any seed), which will take it over and
    reset it; only for a caller that is done with the model before it trains again (a worker)."""
    if data.name != config.dataset:
        raise ValueError(f"The run asks for {config.dataset} but got {data.name}.")
    recipe = config.recipe
    if not 1 <= recipe.epochs <= 200 or not 1 <= recipe.batch_size <= 4096:
        raise ValueError("Epochs must be 1-200 and batch size 1-4096.")
    if config.blend_start and not (config.init_from and 0 < config.blend_start < 1):
        raise ValueError("Blending the start back in needs a model to start from and a share between 0 and 1.")
    keras.utils.set_random_seed(config.seed)
    (x, y), val = split_data(data, config, np.random.default_rng(config.seed))
    if config.drawn_copies:
        x, y = _add_drawn_digits(x, y, config)
    steps = math.ceil(len(x) / recipe.batch_size)
    model = build_model(config.arch, config.custom)
    if config.init_from:
        start_weights = load(Path(config.init_from))[0].get_weights()
        model.set_weights(start_weights)
    if (ready := _prepared.pop(replace(config, seed=0), None)) is not None:
        model = ready.take(model)
    else:
        ready = _compiled(model, config, steps)
    train_ds = _pipeline(x, y, recipe.batch_size, recipe.augment, config.seed, config.dataset)
    val_ds = None
    if val is not None:
        val_ds = tf.data.Dataset.from_tensor_slices((to_model_input(val[0]), keras.utils.to_categorical(val[1], 10)))
        val_ds = _without_autotuning(val_ds.batch(1024))
    stopper = StopOnRequest(stop or threading.Event())
    extra = []
    if val_ds is not None and recipe.reduce_lr_on_plateau and recipe.schedule == "constant":
        extra.append(keras.callbacks.ReduceLROnPlateau("val_accuracy", factor=0.2, patience=3))
    if val_ds is not None and recipe.early_stopping:
        extra.append(keras.callbacks.EarlyStopping("val_accuracy", patience=6, restore_best_weights=True))
    start = time.perf_counter()
    history = model.fit(train_ds, epochs=recipe.epochs, validation_data=val_ds,
                        callbacks=[stopper, *extra, *callbacks], verbose=verbose)
    seconds = time.perf_counter() - start
    if config.blend_start:  # weight-space averaging with the start (as in "robust fine-tuning", WiSE-FT)
        share = config.blend_start
        model.set_weights([share * a + (1 - share) * b for a, b in zip(start_weights, model.get_weights())])
    if keep_traced and _preparable(config, data):
        _keep(replace(config, seed=0), ready)
    return TrainResult(model=model, config=config, history=history.history, seconds=seconds,
                       stopped=stopper.stopped, epochs_done=len(history.history.get("loss", [])))


def skip_graph_rewriting() -> None:
    """Train without TensorFlow's graph rewriting (Grappler), as the Train tab's workers do.

    TensorFlow rewrites the training step before each run's first batch, even when the step is already traced
    (seeding a run clears TensorFlow's caches): 0.2-1.3 s a run, by network. The rewritten steps were no faster
    (runs alternating in one process: 51.0 ms a batch of the defaults with it, 50.4 ms without), and the test-set
    evaluation after them took as long (0.78 s and 0.77 s). The weights differ in the last bits, which can move
    a small run of a batch-norm network by a few points: figures quoted for the workers' runs are measured so."""
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})


def _compile(model: keras.Model, config: TrainConfig, steps_per_epoch: int) -> None:
    recipe = config.recipe
    model.compile(
        optimizer=_optimizer(recipe, steps_per_epoch * recipe.epochs),
        loss=keras.losses.CategoricalCrossentropy(from_logits=outputs_logits(config.arch),
                                                  label_smoothing=recipe.label_smoothing),
        metrics=["accuracy"],
    )


@dataclass
class _Prepared:
    """A compiled model whose training and prediction steps are already traced, and its optimizer's first state."""

    model: keras.Model
    optimizer_start: list

    def take(self, fresh: keras.Model) -> keras.Model:
        """The traced model with `fresh`'s weights and its optimizer as new: it trains exactly as `fresh` would."""
        # All variables, not only the weights: dropout's random state was seeded with `fresh`.
        for variable, value in zip(self.model.variables, fresh.variables, strict=True):
            variable.assign(value)
        for variable, value in zip(self.model.optimizer.variables, self.optimizer_start, strict=True):
            variable.assign(value)
        return self.model


_prepared: dict[TrainConfig, _Prepared] = {}  # by config with seed 0: the seed only changes weights and order
KEPT_TRACED = 2  # traced models a process keeps: the defaults' and the last run's settings


def _compiled(model: keras.Model, config: TrainConfig, steps_per_epoch: int) -> _Prepared:
    """Compile `model` for `config` and note its optimizer's first state, so that it can be reset later."""
    _compile(model, config, steps_per_epoch)
    model.optimizer.build(model.trainable_variables)
    return _Prepared(model, [variable.numpy() for variable in model.optimizer.variables])


def _preparable(config: TrainConfig, data: Dataset) -> bool:
    """Whether a traced model of these settings can serve another seed: augmenting and validating runs
    draw random numbers in their pipeline, and drawn digits are added per run."""
    recipe = config.recipe
    return not (recipe.augment or recipe.validation_split or config.drawn_copies or config.dataset != data.name)


def _keep(key: TrainConfig, prepared: _Prepared) -> None:
    """Keep `prepared` for the next run of `key`'s settings; the oldest kept goes beyond KEPT_TRACED."""
    _prepared.pop(key, None)
    _prepared[key] = prepared
    while len(_prepared) > KEPT_TRACED:
        _prepared.pop(next(iter(_prepared)))


def prepare(config: TrainConfig, data: Dataset) -> None:
    """Build, compile and trace `config`'s model on one batch, so that the next `train` of these settings
    (any seed) starts at its first batch: tracing costs a fresh model ~2 s of Python, which a warm
    worker pays while it waits. Augmenting runs are not prepared (their pipeline draws random numbers);
    settings already prepared are kept (the traced model outlives other runs and `clear_session`)."""
    recipe, key = config.recipe, replace(config, seed=0)
    if key in _prepared or not _preparable(config, data):
        return
    images = min(config.train_subset or len(data.x_train), len(data.x_train))  # split_data's count, no validation
    ready = _compiled(build_model(config.arch, config.custom), config, math.ceil(images / recipe.batch_size))
    one_batch = data.x_train[:recipe.batch_size], data.y_train[:recipe.batch_size]
    ready.model.fit(_pipeline(*one_batch, recipe.batch_size, False, 0, config.dataset), epochs=1, verbose=0)
    ready.model.predict_on_batch(to_model_input(data.x_test[:EVALUATION_BATCH]))
    _keep(key, ready)


def prepared_runs() -> list[TrainConfig]:
    """The settings (seed 0) whose next run is traced ahead."""
    return list(_prepared)


def with_recipe(config: TrainConfig, **changes) -> TrainConfig:
    """A copy of `config` with some recipe fields changed."""
    return replace(config, recipe=replace(config.recipe, **changes))
