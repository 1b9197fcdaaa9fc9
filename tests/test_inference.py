"""Inference: the shipped models load, score what their sidecars say, and predict any image.

Run alone: .venv/bin/python -m pytest -q tests/test_inference.py (one slow test reads the MNIST test set)
"""

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from mnistdemo.architectures import ARCHITECTURES, outputs_logits
from mnistdemo.checkpoints import load
from mnistdemo.config import WEIGHTS_DIR
from mnistdemo.inference import SHIPPED, ModelRegistry, available_models, predict
from mnistdemo.train import to_model_input

SHIPPED_FILES = sorted(WEIGHTS_DIR.glob("*.keras"))
MNIST_MODELS = [p.stem for p in SHIPPED_FILES if json.loads(p.with_suffix(".json").read_text())["dataset"] == "mnist"]
# Floors of the architectures issue (test accuracy).
FLOORS = {("pytorch_tutorial_cnn", "mnist"): 0.989, ("fashion_cnn", "fashion_mnist"): 0.915,
          ("best_mnist", "mnist"): 0.9965, ("best_fashion", "fashion_mnist"): 0.94}
SEED_FLOOR_MNIST = 0.99
EXPECTED = [f"{arch}-{dataset}" for arch, spec in ARCHITECTURES.items() for dataset in spec.datasets]


def _seven(size: int = 280) -> np.ndarray:
    """A thick black '7' on white, (size, size) uint8."""
    import cv2

    image = np.full((size, size), 255, np.uint8)
    s = size / 280
    cv2.line(image, (int(80 * s), int(60 * s)), (int(200 * s), int(60 * s)), 0, max(1, int(18 * s)))
    cv2.line(image, (int(200 * s), int(60 * s)), (int(120 * s), int(230 * s)), 0, max(1, int(18 * s)))
    return image


@pytest.mark.parametrize("name", EXPECTED)
def test_every_architecture_ships_trained(name):
    assert (WEIGHTS_DIR / f"{name}.keras").exists(), f"no shipped weights for {name}"


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=[p.stem for p in SHIPPED_FILES])
def test_shipped_file_is_small_and_described(path):
    assert path.stat().st_size < 10 * 2**20, "a Space refuses plain-git files over 10 MB"
    meta = json.loads(path.with_suffix(".json").read_text())
    for key in ("dataset", "arch", "config", "seed", "epochs", "train_seconds", "test_accuracy", "test_loss",
                "per_class_accuracy", "versions", "command"):
        assert key in meta, key
    assert meta["command"].startswith("python -m mnistdemo train")


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED_FILES, ids=[p.stem for p in SHIPPED_FILES])
def test_shipped_model_scores_what_its_sidecar_says(path):
    from mnistdemo.data import load_dataset
    from mnistdemo.evaluate import evaluate_model

    model, meta = load(path)
    data = load_dataset(meta["dataset"])
    ev = evaluate_model(model, to_model_input(data.x_test), data.y_test, logits=outputs_logits(meta["arch"]))
    assert abs(ev.accuracy - meta["test_accuracy"]) <= 0.0005


@pytest.mark.parametrize("name", [p.stem for p in SHIPPED_FILES])
def test_shipped_model_meets_its_floor(name):
    # The sidecar's figure, which the test above re-measures on the real test set.
    meta = json.loads((WEIGHTS_DIR / f"{name}.json").read_text())
    floor = FLOORS.get((meta["arch"], meta["dataset"]), SEED_FLOOR_MNIST if meta["dataset"] == "mnist" else 0.0)
    assert meta["test_accuracy"] >= floor, f"{name}: {meta['test_accuracy']:.4f} < floor {floor}"


def test_predict_returns_every_class_summing_to_one():
    result = predict(_seven())
    assert list(result) == [str(d) for d in range(10)]
    assert sum(result.values()) == pytest.approx(1.0, abs=1e-4)
    assert max(result, key=result.get) == "7"


def test_every_shipped_model_is_available():
    assert sorted(available_models()) == sorted(p.stem for p in SHIPPED_FILES)
    assert not SHIPPED.unavailable


def test_the_shipped_calibration_fits_the_shipped_weights_and_names_the_default():
    assert SHIPPED.load_all().stale_calibration == ""
    assert SHIPPED.default_name == SHIPPED.serving.default_model == SHIPPED.serving.ensemble[0]
    assert set(SHIPPED.serving.ensemble) == set(MNIST_MODELS)


def test_a_changed_weights_file_makes_the_calibration_stale(tmp_path, caplog):
    shutil.copytree(WEIGHTS_DIR, tmp_path, dirs_exist_ok=True)
    member = SHIPPED.load_all().serving.ensemble[1]
    with (tmp_path / f"{member}.keras").open("ab") as weights:
        weights.write(b"\0")  # one byte more: the file still loads, but it is no longer what was calibrated
    with caplog.at_level("WARNING", logger="mnistdemo.inference"):
        registry = ModelRegistry(tmp_path).load_all()
    assert member in registry.models and not registry.unavailable
    assert f"{member}.keras changed since calibration" in registry.stale_calibration
    assert "python -m mnistdemo calibrate" in registry.stale_calibration
    assert any("stale calibration" in record.getMessage() for record in caplog.records)
    # It still serves, with the thresholds it has.
    assert registry.serving == SHIPPED.serving


@pytest.mark.parametrize("name", MNIST_MODELS)
def test_every_mnist_model_reads_a_clear_seven(name):
    result = predict(_seven(), model=name)
    assert max(result, key=result.get) == "7"


def test_predict_takes_pil_rgb_rgba_and_either_polarity():
    seven = _seven()
    inverted = 255 - seven
    rgba = np.dstack([np.zeros_like(seven)] * 3 + [inverted])  # ink only in alpha
    for image in (Image.fromarray(seven), np.dstack([seven] * 3), inverted, rgba, _seven(1000)):
        result = predict(image)
        assert max(result, key=result.get) == "7"


def test_no_ink_and_unknown_model_are_clear_errors():
    with pytest.raises(ValueError, match="[Nn]o ink"):
        predict(np.full((280, 280), 255, np.uint8))
    with pytest.raises(ValueError, match="Unknown model"):
        predict(_seven(), model="no_such_model")


def test_broken_weights_file_makes_only_that_model_unavailable(tmp_path):
    good = WEIGHTS_DIR / f"{MNIST_MODELS[0]}.keras"  # it must read a "7"
    shutil.copy(good, tmp_path / good.name)
    shutil.copy(good.with_suffix(".json"), tmp_path / good.with_suffix(".json").name)
    (tmp_path / "broken-mnist.keras").write_bytes(b"these are not weights")
    (tmp_path / "broken-mnist.json").write_text(json.dumps({"arch": "lenet5_bn", "dataset": "mnist"}))
    (tmp_path / "orphan-mnist.keras").write_bytes(good.read_bytes())  # no sidecar
    registry = ModelRegistry(tmp_path).load_all()
    assert list(registry.models) == [good.stem]
    assert set(registry.unavailable) == {"broken-mnist", "orphan-mnist"}
    with pytest.raises(ValueError, match="unavailable"):
        registry.get("broken-mnist")
    assert max(registry.get(good.stem).predict(_seven()).values()) > 0.5


def test_saved_then_loaded_model_predicts_the_same(tmp_path):
    from mnistdemo.checkpoints import save

    model, meta = load(SHIPPED_FILES[0])
    x = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    save(model, {**meta, "name": "copy"}, tmp_path)
    again, _ = load(tmp_path / "copy.keras")
    np.testing.assert_allclose(model.predict_on_batch(x), again.predict_on_batch(x), atol=1e-6)


# ---- the one answer: assess / judge ------------------------------------------------------------

def _probs(answer: int, p: float) -> np.ndarray:
    """(10,) probabilities: `p` on `answer`, the rest spread evenly."""
    out = np.full(10, (1 - p) / 9)
    out[answer] = p
    return out


def _ensemble(*votes: tuple[int, int, float]) -> np.ndarray:
    """(M, 10) probabilities of M networks from (answer, how many networks, their probability)."""
    return np.stack([_probs(answer, p) for answer, n, p in votes for _ in range(n)])


def _ink(size: int = 150, at: tuple[int, int] = (140, 140), canvas: int = 280, width: int = 20) -> np.ndarray:
    """(canvas, canvas) float32 ink of a ring `size` px across with strokes `width` px wide, centred `at`."""
    import cv2

    ink = np.zeros((canvas, canvas), np.float32)
    cv2.circle(ink, at, (size - width) // 2, 1.0, width)
    return ink


def test_clear_digit_the_networks_agree_on_reads_plainly():
    from mnistdemo.inference import judge

    answer = judge(SHIPPED.get(None), _probs(4, 0.98), _ensemble((4, 8, 0.97)), _ink())
    assert (answer.kind, answer.reason, answer.answer, answer.votes) == ("digit", None, "4", {"4": 8})
    assert answer.message == "best_mnist-mnist reads 4 (98%)."


def test_networks_that_disagree_are_said_and_counted_not_advice():
    from mnistdemo.inference import judge

    answer = judge(SHIPPED.get(None), _probs(4, 0.98), _ensemble((9, 2, 0.97), (4, 6, 0.97)), _ink())
    assert (answer.kind, answer.reason, answer.votes) == ("unsure", "disagree", {"4": 6, "9": 2})
    assert "6 of 8 networks read 4; 2 read 9" in answer.message and "larger" not in answer.message
    split = judge(SHIPPED.get(None), _probs(3, 0.6), _ensemble((3, 4, 0.5), (9, 4, 0.5)), _ink())
    assert (split.kind, split.reason) == ("not_a_digit", "disagree")


def test_a_model_that_reads_otherwise_than_the_networks_is_not_sure():
    from mnistdemo.inference import judge

    answer = judge(SHIPPED.get(None), _probs(9, 0.7), _ensemble((4, 8, 0.99)), _ink())
    assert (answer.kind, answer.reason) == ("unsure", "disagree")


def test_what_the_detector_flags_is_not_a_digit_even_when_every_network_is_sure():
    # A smiley is a confident "0" to all eight digit networks; the "is it a digit?" network overrules them.
    from mnistdemo.inference import judge

    serving = SHIPPED.load_all().serving
    assert serving.detector, "the shipped manifest names the detector"
    sure_zero = (SHIPPED.get(None), _probs(0, 1.0), _ensemble((0, 8, 1.0)), _ink())
    flagged = judge(*sure_zero, not_a_digit=min(1.0, serving.detector_above + 0.01))
    assert (flagged.kind, flagged.reason) == ("not_a_digit", "unlike_digits")
    assert flagged.message.startswith("Not a digit? It does not look like any of the ten digits.")
    assert judge(*sure_zero, not_a_digit=serving.detector_above - 0.01).kind == "digit"
    assert judge(*sure_zero).kind == "digit"  # no detector score: the networks alone


def test_size_and_edge_advice_only_where_they_are_the_cause():
    from mnistdemo.inference import TINY_BELOW, judge, ink_geometry

    tiny, edge = ink_geometry(_ink(size=50))
    assert tiny < TINY_BELOW and not edge
    # Tiny drawings are misread with confidence: size alone makes them unsure, and says so.
    answer = judge(SHIPPED.get(None), _probs(0, 1.0), _ensemble((0, 8, 1.0)), _ink(size=50))
    assert (answer.kind, answer.reason) == ("unsure", "tiny") and "larger" in answer.message
    off = _ink(at=(40, 140))  # the ring's left side runs off the canvas
    assert ink_geometry(off)[1] and not ink_geometry(_ink(at=(80, 140)))[1]
    assert judge(SHIPPED.get(None), _probs(0, 1.0), _ensemble((0, 8, 1.0)), off).kind == "digit"
    cut = judge(SHIPPED.get(None), _probs(0, 0.9), _ensemble((0, 6, 0.97), (6, 2, 0.97)), off)
    assert (cut.kind, cut.reason) == ("unsure", "edge") and "edge" in cut.message


def test_a_fashion_model_names_the_item_without_the_digit_check():
    from mnistdemo.inference import assess

    answer = assess(_seven(), "best_fashion-fashion_mnist")
    assert answer.kind == "item" and answer.reason is None and answer.answer in answer.probabilities
    assert set(answer.to_dict()) == {"kind", "model", "answer", "probabilities", "reason", "votes", "pen_path",
                                     "message"}


def test_assess_reads_held_out_pen_digits_and_refuses_an_empty_canvas():
    from mnistdemo.inference import assess
    from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits, render_digit

    digits = load_pendigits(writers=HELD_OUT_WRITERS)[:20]
    answers = [assess(render_digit(d, height_frac=0.6)) for d in digits]
    right = [a for a, d in zip(answers, digits) if a.kind == "digit" and a.answer == str(d.label)]
    assert len(right) >= 17, [(d.label, a.message) for a, d in zip(answers, digits)]
    assert all(a.networks == 8 and sum(a.probabilities.values()) == pytest.approx(1, abs=1e-4) for a in answers)
    with pytest.raises(ValueError, match="No ink"):
        assess(np.full((280, 280), 255, np.uint8))


def test_assess_images_gives_one_answer_per_preprocessed_drawing():
    from mnistdemo.inference import assess_images
    from mnistdemo.preprocess import preprocess

    images = np.stack([preprocess(_seven()), preprocess(255 - _seven())])
    answers = assess_images(images, SHIPPED.get(None))
    assert [a.answer for a in answers] == ["7", "7"] and assess_images(images[:0], SHIPPED.get(None)) == []


def test_what_the_detector_flags_is_said_to_look_like_no_digit_even_where_the_networks_disagree():
    from mnistdemo.inference import judge

    serving = SHIPPED.load_all().serving
    split = (SHIPPED.get(None), _probs(8, 0.6), _ensemble((4, 7, 0.9), (8, 1, 0.9)), _ink())
    assert judge(*split).reason == "disagree"
    flagged = judge(*split, not_a_digit=min(1.0, serving.detector_above + 0.01))
    assert (flagged.kind, flagged.reason) == ("not_a_digit", "unlike_digits")
    # Size and edge advice still come first: they say what to do.
    tiny = judge(SHIPPED.get(None), _probs(0, 1.0), _ensemble((0, 8, 1.0)), _ink(size=50), not_a_digit=1.0)
    assert (tiny.kind, tiny.reason) == ("not_a_digit", "tiny")


def test_models_kept_as_weights_are_built_when_used_and_only_a_few_stay_built(monkeypatch):
    from mnistdemo import inference
    from mnistdemo.checkpoints import rebuild

    monkeypatch.setattr(inference, "_BUILT", inference._Built(3))
    meta = json.loads((WEIGHTS_DIR / "lenet5_bn-mnist.json").read_text())
    weights = SHIPPED.get("lenet5_bn-mnist").model.get_weights()
    built = []

    def build():
        built.append(1)
        return rebuild(meta, weights)

    kept = [inference.LoadedModel(f"kept{i}", None, meta, build=build) for i in range(6)]
    assert not built  # nothing is built until it is used
    images = np.stack([_seven(280)[::10, ::10] / 255.0] * 2).astype(np.float32)
    expected = SHIPPED.get("lenet5_bn-mnist").probabilities(images)
    for model in kept:
        np.testing.assert_allclose(model.probabilities(images), expected, atol=1e-6)
    assert len(built) == len(kept)
    assert sum(m._model is not None for m in kept) == 3
    assert kept[0]._model is None and kept[-1]._model is not None  # the least recently used were let go
    np.testing.assert_allclose(kept[0].probabilities(images), expected, atol=1e-6)  # built again on use
    assert len(built) == len(kept) + 1 and kept[3]._model is None


def test_warm_up_builds_what_a_first_stroke_reads(tmp_path):
    registry = ModelRegistry(WEIGHTS_DIR).load_all()
    default = registry.get(None)
    assert default._fn is None and not registry._ensembles  # a fresh registry has read nothing yet
    registry.warm_up()
    assert default._fn is not None  # the default model's own read (the Whole numbers tab's)
    assert tuple(registry.serving.ensemble) in registry._ensembles  # the digit networks' one call
    ModelRegistry(tmp_path).warm_up()  # no models: nothing to warm, and no error


def _canvas_digits(count: int, seed: int) -> list[tuple[int, np.ndarray, list[np.ndarray]]]:
    """`count` held-out pen digits as the Draw tab gets them: (label, the canvas, its strokes in whole pixels)."""
    from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits, random_placement
    from support.drawings import on_canvas

    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    rng = np.random.default_rng(seed)
    return [(digits[i].label, *on_canvas(digits[i], random_placement(rng)))
            for i in np.sort(rng.choice(len(digits), count, replace=False))]


def test_strokes_mix_the_pen_path_into_the_reading_unless_the_manifest_has_no_thresholds_for_it():
    from dataclasses import replace

    from mnistdemo import pen_path
    from mnistdemo.inference import assess, judge
    from mnistdemo.preprocess import preprocess

    [(_, canvas, strokes)] = _canvas_digits(1, seed=3)
    model, serving = SHIPPED.get(None), SHIPPED.load_all().serving
    assert serving.path_weight == pen_path.PATH_WEIGHT and serving.with_path().unsure_above > serving.unsure_above
    picture, with_path = assess(canvas), assess(canvas, strokes=strokes)
    assert with_path.pen_path and not picture.pen_path and "with the pen's path" in with_path.message
    voted = pen_path.votes_of([strokes], y_down=True)[0]
    probs = model.probabilities(preprocess(canvas)[None])[0]
    np.testing.assert_allclose(list(with_path.probabilities.values()), pen_path.mix(probs, voted), atol=1e-6)
    # A manifest without thresholds for the path reads the picture alone, strokes or not.
    plain = replace(serving, path_weight=0.0)
    alone = judge(model, probs, _ensemble((4, 8, 0.97)), serving=plain, strokes=strokes)
    assert plain.with_path() is None and not alone.pen_path
    np.testing.assert_allclose(list(alone.probabilities.values()), probs, atol=1e-6)


def test_held_out_pen_digits_drawn_on_the_canvas_are_read_and_accepted():
    # 400 held-out pen digits (seed 11) as the Draw tab reads them. Measured: with their strokes 394 read right and
    # 389 accepted as a digit; from the picture alone 393 and 380. (Seeds 12 and 13: 398 / 392 against 395 / 387,
    # and 397 / 394 against 397 / 390.)
    from mnistdemo.inference import assess

    drawn = _canvas_digits(400, seed=11)
    tally = {}
    for name, use in (("picture", False), ("path", True)):
        answers = [(label, assess(canvas, strokes=strokes if use else None)) for label, canvas, strokes in drawn]
        tally[name] = (sum(a.answer == str(label) for label, a in answers), sum(a.kind == "digit" for _, a in answers))
    (right, accepted), (right_before, accepted_before) = tally["path"], tally["picture"]
    assert right >= max(392, right_before) and accepted >= 386 and accepted > accepted_before, tally
