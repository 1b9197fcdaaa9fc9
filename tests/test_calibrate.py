"""`python -m mnistdemo calibrate`: thresholds from validation digits, written to the serving manifest."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from mnistdemo.calibrate import Calibration, calibrate, thresholds
from mnistdemo.config import REPO_DIR, WEIGHTS_DIR
from mnistdemo.serving import read_manifest


def test_thresholds_are_rounded_quantiles_of_the_digits_scores():
    scores = np.linspace(0.0, 1.0, 1001)
    assert thresholds(scores) == (0.975, 0.985)
    assert thresholds(scores * 0.123456) == (0.1204, 0.1216)
    with pytest.raises(ValueError):
        thresholds(scores, Calibration(sure_digits=0.99, accept_digits=0.9))
    with pytest.raises(ValueError):
        thresholds(np.zeros(0))


def test_the_cli_calibrates_a_folder_and_its_registry_finds_it_fresh(tmp_path):
    # A small fixture: two shipped digit networks, 200 validation digits (the full run is the slow test below).
    for name in ("lenet5_bn-mnist", "tf2_cnn-mnist"):
        for suffix in (".keras", ".json"):
            shutil.copy(WEIGHTS_DIR / f"{name}{suffix}", tmp_path)
    done = subprocess.run([sys.executable, "-m", "mnistdemo", "calibrate", "--dir", str(tmp_path), "--digits", "200",
                           "--default-model", "tf2_cnn-mnist"], cwd=REPO_DIR, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = json.loads((tmp_path / "serving.json").read_text())
    assert [m["name"] for m in manifest["ensemble"]] == ["tf2_cnn-mnist", "lenet5_bn-mnist"]
    assert manifest["calibration"]["digits"] == 200
    assert 0 < manifest["unsure_above"] <= manifest["not_a_digit_above"]
    from mnistdemo.inference import ModelRegistry

    registry = ModelRegistry(tmp_path).load_all()
    assert registry.stale_calibration == "" and registry.default_name == "tf2_cnn-mnist"


@pytest.mark.slow
def test_calibrating_the_shipped_models_reproduces_the_shipped_manifest():
    # ~2,000 validation digits rendered and read by 8 networks: about 40 s.
    fresh = calibrate(WEIGHTS_DIR)
    shipped = read_manifest(WEIGHTS_DIR)
    assert (fresh.unsure_above, fresh.not_a_digit_above) == (0.669, 0.7957)
    assert fresh == shipped and fresh.hashes == shipped.hashes and fresh.calibration == shipped.calibration
