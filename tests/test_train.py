"""Training as events: a short run streams batch and epoch events, Stop ends it early, sweeps and presets.

Run alone: .venv/bin/python -m pytest -q tests/test_train.py (the slow tests read MNIST and train)
"""

import math
import queue
import threading
from dataclasses import replace

import keras
import numpy as np
import pytest

from mnistdemo.architectures import CustomCNN, Recipe, build_model
from mnistdemo.checkpoints import SAFE_STEM
from mnistdemo.data import load_dataset
from mnistdemo.events import BatchEvent, EpochEvent, EventReporter, time_left, train_size
from mnistdemo.presets import FAST, SWEEPS, sweep_configs
from mnistdemo.runs import reproduce_command
from mnistdemo.train import (TrainConfig, _pipeline, one_cycle, prepare, prepared_runs, to_model_input, train,
                             with_recipe)

# 1000 images, a quarter held out: 750 to train = 6 batches per epoch, 5 of 128 and one of 110.
TINY = TrainConfig(arch="custom", custom=CustomCNN(blocks=1, filters=8), train_subset=1000, seed=1,
                   recipe=Recipe(learning_rate=3e-3, batch_size=128, epochs=2, validation_split=0.25))


@pytest.fixture(autouse=True)
def nothing_traced_ahead(monkeypatch):
    """Each test starts with no traced model kept by an earlier one."""
    import mnistdemo.train

    monkeypatch.setattr(mnistdemo.train, "_prepared", {})


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist")


def _drain(events: queue.Queue) -> list:
    out = []
    while not events.empty():
        out.append(events.get_nowait())
    return out


@pytest.mark.slow
def test_short_run_emits_batch_and_epoch_events(mnist):
    events: queue.Queue = queue.Queue()
    assert train_size(TINY, mnist) == 750
    result = train(TINY, mnist, callbacks=[EventReporter(events, samples=750, batch_size=128)])
    got = _drain(events)
    batches = [e for e in got if isinstance(e, BatchEvent)]
    epochs = [e for e in got if isinstance(e, EpochEvent)]
    assert [b.step for b in batches] == list(range(1, 13))
    assert all(b.total_steps == 12 for b in batches)
    assert batches[5].epoch == pytest.approx(1.0) and batches[-1].epoch == pytest.approx(2.0)
    assert [e.epoch for e in epochs] == [1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(epochs[0].logs)
    assert result.epochs_done == 2 and not result.stopped
    assert len(result.history["val_accuracy"]) == 2
    # Per-batch values recovered from Keras's running means average back to the epoch's logged mean,
    # and each batch's accuracy is a whole number of its images.
    sizes = [128] * 5 + [110]
    for epoch, logs in zip((batches[:6], batches[6:]), (e.logs for e in epochs)):
        assert np.average([b.loss for b in epoch], weights=sizes) == pytest.approx(logs["loss"], rel=1e-4)
        assert np.average([b.accuracy for b in epoch], weights=sizes) == pytest.approx(logs["accuracy"], abs=1e-4)
        for b, n in zip(epoch, sizes):
            assert b.accuracy * n == pytest.approx(round(b.accuracy * n), abs=0.02)
    assert batches[-1].loss < batches[0].loss  # it learns


class _StopAfter(keras.callbacks.Callback):
    """Presses Stop (sets the event) after `n` batches, as the UI's button does from another thread."""

    def __init__(self, event: threading.Event, n: int):
        super().__init__()
        self.event, self.n, self.seen = event, n, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.n:
            self.event.set()


@pytest.mark.slow
def test_stop_ends_the_run_at_the_next_batch_and_keeps_a_usable_model(mnist):
    stop = threading.Event()
    presser = _StopAfter(stop, n=8)
    config = with_recipe(TINY, epochs=20, validation_split=0.0)  # 8 batches per epoch, 160 in all
    result = train(config, mnist, callbacks=[presser], stop=stop)
    assert result.stopped
    assert presser.seen == 9  # StopOnRequest saw the event at the end of the following batch
    assert result.epochs_done == 2
    probs = np.asarray(result.model.predict_on_batch(to_model_input(mnist.x_test[:500])))
    assert probs.shape == (500, 10) and np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    assert np.mean(probs.argmax(axis=1) == mnist.y_test[:500]) > 0.3  # 9 batches already beat chance


@pytest.mark.parametrize("sweep", list(SWEEPS))
def test_sweeps_change_one_setting_under_the_same_budget(sweep):
    base = TrainConfig(arch="lenet5_bn", custom=CustomCNN(blocks=2, filters=16, batch_norm=True),
                       recipe=Recipe(epochs=2, batch_size=64), train_subset=3000, seed=7)
    jobs = sweep_configs(sweep, base)
    _, field, values = SWEEPS[sweep]
    assert [getattr(c.custom, field) for _, c in jobs] == list(values)
    assert len({label for label, _ in jobs}) == len(jobs)
    for label, config in jobs:
        assert SAFE_STEM.match(label)
        assert config.arch == "custom" and config.recipe == base.recipe
        assert (config.train_subset, config.seed, config.dataset) == (3000, 7, "mnist")
        assert config.custom.filters == 16 and config.custom.batch_norm
    params = [build_model("custom", c.custom).count_params() for _, c in jobs]
    assert len(set(params)) == len(params)  # each setting really changes the network
    with pytest.raises(ValueError, match="Unknown experiment"):
        sweep_configs("depth", base)


def test_fast_preset_is_small_batch_norm_and_one_epoch():
    model = build_model(FAST.arch, FAST.custom)
    assert FAST.custom.batch_norm and FAST.recipe.epochs == 1 and FAST.recipe.schedule == "onecycle"
    assert model.count_params() < 200_000


@pytest.mark.parametrize("augment", [False, True])
def test_training_batches_come_without_tf_datas_autotuning(augment):
    # Its background thread made many finished runs wait 3-10 s while their iterator was torn down.
    images, labels = np.zeros((10, 28, 28), np.uint8), np.arange(10)
    batches = _pipeline(images, labels, 4, augment, seed=0)
    assert batches.options().autotune.enabled is False
    assert [len(y) for _, y in batches] == [4, 4, 2]


def test_time_left_extrapolates_the_pace_after_the_first_batch():
    event = BatchEvent(epoch=0.5, step=11, total_steps=101, loss=1.0, accuracy=0.5)
    # First batch done at 3 s (tracing), then 10 batches in 5 s: 90 to go at 0.5 s each.
    assert time_left(event, elapsed=8.0, first_batch_at=3.0) == pytest.approx(45.0)


def test_reproduce_command_names_every_recipe_setting():
    config = TrainConfig(arch="lenet5_bn", recipe=Recipe(epochs=4, augment=True), train_subset=6000, seed=3)
    command = reproduce_command(config)
    assert command.startswith("python -m mnistdemo train --arch lenet5_bn")
    for flag in ("--epochs 4", "--augment", "--no-early-stop", "--subset 6000", "--seed 3", "--lr 0.001"):
        assert flag in command
    assert "Train & compare" in reproduce_command(TrainConfig(arch="custom"))


def test_a_prepared_run_trains_exactly_as_a_fresh_one_and_only_once(mnist):
    # A worker traces the defaults' run ahead (any seed may follow); the run must not change by it.
    config = replace(TINY, recipe=replace(TINY.recipe, validation_split=0.0, epochs=1), seed=5)
    prepare(replace(config, seed=0), mnist)
    assert replace(config, seed=0) in prepared_runs()
    warm = train(config, mnist)
    assert not prepared_runs()  # used up: the next run of these settings traces its own
    fresh = train(config, mnist)
    assert warm.model is not fresh.model
    for a, b in zip(warm.model.get_weights(), fresh.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_prepared_run_outlives_other_runs_and_is_not_traced_again(mnist):
    # A worker prepares the defaults once; runs of other settings and clear_session come between.
    config = replace(TINY, recipe=replace(TINY.recipe, validation_split=0.0, epochs=1), seed=5)
    import mnistdemo.train

    prepare(config, mnist)
    traced = mnistdemo.train._prepared[replace(config, seed=0)].model
    train(replace(config, custom=CustomCNN(blocks=2, filters=8)), mnist)
    keras.backend.clear_session()
    prepare(config, mnist)  # already there: kept as it is
    assert prepared_runs() == [replace(config, seed=0)]
    assert mnistdemo.train._prepared[replace(config, seed=0)].model is traced
    warm = train(config, mnist)
    fresh = train(config, mnist)
    for a, b in zip(warm.model.get_weights(), fresh.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_worker_keeps_its_traced_model_for_the_next_seed_and_it_trains_exactly_as_fresh(mnist):
    # Thirty visitors on the same settings with their own seeds: each run after the first takes over the
    # traced model. Dropout's random state must come from the new seed too, not only the weights.
    config = TrainConfig(arch="custom", custom=CustomCNN(blocks=2, filters=8, dense_units=16, batch_norm=True,
                                                         dropout=0.3), train_subset=1000, seed=1,
                         recipe=Recipe(learning_rate=3e-3, batch_size=128, epochs=1, validation_split=0.0))
    fresh = train(replace(config, seed=7), mnist)
    first = train(config, mnist, keep_traced=True)
    assert first.model is not fresh.model and prepared_runs() == [replace(config, seed=0)]
    kept = train(replace(config, seed=7), mnist, keep_traced=True)
    assert kept.model is first.model
    for a, b in zip(kept.model.get_weights(), fresh.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_run_keeps_its_model_only_when_asked_and_a_process_keeps_few(mnist):
    import mnistdemo.train

    config = replace(TINY, recipe=replace(TINY.recipe, validation_split=0.0, epochs=1))
    train(config, mnist)
    assert not prepared_runs()  # a caller that keeps using its model (the CLI, in-process runs)
    settings = [replace(config, custom=CustomCNN(blocks=1, filters=f)) for f in (4, 6, 8)]
    for each in settings:
        train(each, mnist, keep_traced=True)
    assert prepared_runs() == [replace(each, seed=0) for each in settings[-mnistdemo.train.KEPT_TRACED:]]


def test_blending_the_start_back_in_averages_the_weights(mnist, tmp_path):
    from mnistdemo.checkpoints import save

    config = replace(TINY, recipe=replace(TINY.recipe, validation_split=0.0, epochs=1))
    start = train(config, mnist)
    path = save(start.model, {"name": "start", "arch": "custom", "config": config.to_dict()}, tmp_path)
    onward = replace(config, seed=2, init_from=str(path))
    trained = train(onward, mnist).model.get_weights()
    blended = train(replace(onward, blend_start=0.25), mnist).model.get_weights()
    for s, t, b in zip(start.model.get_weights(), trained, blended, strict=True):
        np.testing.assert_allclose(b, 0.25 * s + 0.75 * t, rtol=1e-6, atol=1e-7)
    assert not all(np.array_equal(t, b) for t, b in zip(trained, blended))
    with pytest.raises(ValueError, match="start from"):
        train(replace(config, blend_start=0.5), mnist)  # nothing to blend back in
    with pytest.raises(ValueError, match="between 0 and 1"):
        train(replace(onward, blend_start=1.5), mnist)


def test_augmented_runs_are_not_prepared(mnist):
    prepare(with_recipe(TINY, augment=True, validation_split=0.0), mnist)
    assert not prepared_runs()


def _one_cycle_formula(peak: float, total: int, step: int) -> float:
    """The one-cycle schedule train.py once wrote by hand (in float32): 25% linear warm-up from peak/25, then
    cosine down to peak/1000, here in float64."""
    t = step / max(1, total)
    if t < 0.25:
        return peak * (0.04 + 0.96 * t / 0.25)
    return peak * (0.001 + 0.999 * 0.5 * (1 + math.cos(math.pi * (t - 0.25) / 0.75)))


@pytest.mark.parametrize("total", [118, 469, 7])
def test_one_cycle_is_kerass_cosine_decay_with_the_hand_written_schedule(total):
    schedule = one_cycle(5e-3, total)  # every step of a run of `total` batches, and one more
    rates = [float(schedule(step)) for step in range(total + 1)]
    expected = [_one_cycle_formula(5e-3, total, step) for step in range(total + 1)]
    np.testing.assert_allclose(rates, expected, rtol=1e-6)
