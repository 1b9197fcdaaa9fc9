"""The serving manifest: written and read back, and stale once a weights file or the preprocessing changes."""

import json

import pytest

from mnistdemo import serving
from mnistdemo.config import WEIGHTS_DIR
from mnistdemo.preprocess import PREPROCESSING_VERSION


def _manifest(tmp_path, **changes) -> serving.Serving:
    for name in ("a-mnist", "b-mnist"):
        (tmp_path / f"{name}.keras").write_bytes(name.encode() * 100)
    record = serving.Serving(default_model="a-mnist", ensemble=("a-mnist", "b-mnist"), score="ensemble_entropy",
                             unsure_above=0.4, not_a_digit_above=0.7,
                             hashes={n: serving.file_sha256(tmp_path / f"{n}.keras") for n in ("a-mnist", "b-mnist")})
    return serving.Serving(**{**record.__dict__, **changes})


def test_a_manifest_reads_back_as_written(tmp_path):
    written = _manifest(tmp_path)
    path = serving.write_manifest(written, tmp_path)
    assert path == tmp_path / "serving.json"
    read = serving.read_manifest(tmp_path)
    assert read == written and read.hashes == written.hashes
    assert json.loads(path.read_text())["preprocessing_version"] == PREPROCESSING_VERSION
    assert serving.stale_reasons(read, tmp_path) == []


def test_changed_missing_or_differently_preprocessed_weights_are_stale(tmp_path):
    record = _manifest(tmp_path)
    (tmp_path / "b-mnist.keras").write_bytes(b"retrained")
    assert serving.stale_reasons(record, tmp_path) == ["b-mnist.keras changed since calibration"]
    (tmp_path / "b-mnist.keras").unlink()
    assert serving.stale_reasons(record, tmp_path) == ["b-mnist.keras is missing"]
    older = _manifest(tmp_path, preprocessing_version=PREPROCESSING_VERSION - 1)
    [reason] = serving.stale_reasons(older, tmp_path)
    assert f"preprocessing version {PREPROCESSING_VERSION - 1}" in reason


def test_the_detector_is_part_of_the_manifest_and_goes_stale_like_the_networks(tmp_path):
    (tmp_path / "detector").mkdir()
    (tmp_path / "detector" / "is_digit.keras").write_bytes(b"detector" * 100)
    path = "detector/is_digit.keras"
    record = _manifest(tmp_path, detector=path, detector_above=0.25)
    record.hashes[path] = serving.file_sha256(tmp_path / path)
    serving.write_manifest(record, tmp_path)
    read = serving.read_manifest(tmp_path)
    assert read == record and read.hashes == record.hashes and read.detector_above == 0.25
    assert serving.stale_reasons(read, tmp_path) == []
    (tmp_path / path).write_bytes(b"retrained")
    assert serving.stale_reasons(read, tmp_path) == [f"{path} changed since calibration"]
    (tmp_path / path).unlink()
    assert serving.stale_reasons(read, tmp_path) == [f"{path} is missing"]
    # A manifest from before the detector reads as one without it.
    plain = json.loads((tmp_path / "serving.json").read_text())
    del plain["detector"]
    (tmp_path / "serving.json").write_text(json.dumps(plain))
    assert serving.read_manifest(tmp_path).detector == ""


def test_bad_manifests_are_refused(tmp_path):
    with pytest.raises(ValueError, match="^The 'not sure' threshold"):
        _manifest(tmp_path, unsure_above=0.9, not_a_digit_above=0.1)
    with pytest.raises(ValueError, match="^With the pen's path, the 'not sure' threshold"):
        _manifest(tmp_path, path_weight=0.45, path_unsure_above=0.9, path_not_a_digit_above=0.1)
    with pytest.raises(FileNotFoundError):
        serving.read_manifest(tmp_path)
    (tmp_path / "serving.json").write_text('{"score": "ensemble_entropy"}')
    with pytest.raises(ValueError, match="calibrate"):
        serving.read_manifest(tmp_path)


def test_the_shipped_manifest_fits_the_shipped_weights():
    shipped = serving.read_manifest(WEIGHTS_DIR)
    assert serving.stale_reasons(shipped, WEIGHTS_DIR) == []
    assert shipped.default_model == shipped.ensemble[0]


def test_the_pen_paths_thresholds_read_back_and_go_stale_with_its_weight(tmp_path):
    from mnistdemo.pen_path import PATH_WEIGHT

    record = _manifest(tmp_path, path_weight=PATH_WEIGHT, path_unsure_above=0.8, path_not_a_digit_above=0.9)
    serving.write_manifest(record, tmp_path)
    read = serving.read_manifest(tmp_path)
    assert read == record and serving.stale_reasons(read, tmp_path) == []
    assert (read.with_path().unsure_above, read.with_path().not_a_digit_above) == (0.8, 0.9)
    other = _manifest(tmp_path, path_weight=PATH_WEIGHT / 2, path_unsure_above=0.8, path_not_a_digit_above=0.9)
    assert serving.stale_reasons(other, tmp_path) == [f"calibrated with the pen's path weighted {PATH_WEIGHT / 2:g}, "
                                                      f"the app weights it {PATH_WEIGHT:g}"]
    assert _manifest(tmp_path).with_path() is None  # a manifest from before: drawings are judged by their picture
