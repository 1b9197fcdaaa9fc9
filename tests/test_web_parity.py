"""The static page's preprocessing (mnistdemo/web/preprocess.js, run in Node) against preprocess.py on pen digits.

Run alone: .venv/bin/python -m pytest -q tests/test_web_parity.py (needs Node.js and `npm ci`'s node_modules)
"""

import json
import subprocess

import numpy as np
import onnxruntime
import pytest

from mnistdemo.config import REPO_DIR
from mnistdemo.export import read_sidecar
from mnistdemo.preprocess import preprocess
from mnistdemo.static_site import page_spec
from mnistdemo.strokes import load_pendigits, random_placement, render_digit

RUNNER = REPO_DIR / "tests" / "preprocess_node.mjs"
PEN_PATH_RUNNER = REPO_DIR / "tests" / "penpath_node.mjs"
DIGITS = 600


def run_page_preprocessing(images: np.ndarray, spec: dict, tmp_path) -> np.ndarray:
    """(N, H, W, 3) uint8 RGB canvases -> (N, size, size) float32 from preprocess.js (NaN: no ink found)."""
    n, height, width, _ = images.shape
    rgba = np.concatenate([images, np.full((n, height, width, 1), 255, np.uint8)], axis=3)
    (tmp_path / "images.rgba").write_bytes(rgba.tobytes())
    header = {"width": width, "height": height, "count": n, "spec": spec}
    (tmp_path / "header.json").write_text(json.dumps(header))
    subprocess.run(["node", RUNNER, tmp_path / "header.json", tmp_path / "images.rgba", tmp_path / "out.f32"],
                   check=True, capture_output=True, timeout=600)
    return np.fromfile(tmp_path / "out.f32", np.float32).reshape(n, spec["size"], spec["size"])


@pytest.fixture(scope="module")
def drawings():
    """DIGITS pen digits of all 30 writers, each at a random size and place on the app's canvas, as RGB."""
    rng = np.random.default_rng(20)
    digits = load_pendigits()
    chosen = rng.choice(len(digits), DIGITS, replace=False)
    return np.stack([render_digit(digits[i], **random_placement(rng)) for i in chosen])


@pytest.mark.slow
@pytest.mark.parametrize("model", ["best_mnist-mnist", "best_fashion-fashion_mnist"])
def test_the_page_prepares_drawings_as_python_does(model, drawings, static_site, tmp_path):
    sidecar = read_sidecar(static_site / "models" / f"{model}.onnx")
    spec = page_spec(sidecar)
    page = run_page_preprocessing(drawings, spec, tmp_path)
    python = np.stack([preprocess(image, sidecar["dataset"]) for image in drawings])
    assert not np.isnan(page).any(), "the page found no ink in a drawing Python reads"
    difference = np.abs(page - python).max(axis=(1, 2))
    worst = difference.max()
    assert worst <= 0.05, f"{(difference > 0.05).sum()} drawings differ by more than 0.05 (worst {worst:.3f})"

    session = onnxruntime.InferenceSession(str(static_site / "models" / f"{model}.onnx"))
    read = lambda x: session.run(None, {sidecar["input"]["name"]: x[..., None]})[0].argmax(axis=1)  # noqa: E731
    same = (read(page) == read(python)).mean()
    assert same >= 0.995, f"the same top class on only {same:.1%} of {len(drawings)} drawings"


def test_a_blank_canvas_has_no_ink_on_the_page(static_site, tmp_path):
    spec = page_spec(read_sidecar(static_site / "models" / "best_mnist-mnist.onnx"))
    blank = np.full((1, 280, 280, 3), 255, np.uint8)
    assert np.isnan(run_page_preprocessing(blank, spec, tmp_path)).all()


def test_the_page_reads_the_pen_path_as_python_does(static_site, tmp_path):
    from mnistdemo import pen_path
    from mnistdemo.strokes import BRUSH_RADIUS, CANVAS_SIZE, HELD_OUT_WRITERS, canvas_strokes

    # 300 held-out pen digits as the canvas holds them: strokes of whole pixels, y down.
    rng = np.random.default_rng(21)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    drawings = [[np.round(s).astype(int).tolist() for s in canvas_strokes(digits[i], CANVAS_SIZE, BRUSH_RADIUS,
                                                                           **random_placement(rng))]
                for i in rng.choice(len(digits), 300, replace=False)]
    (tmp_path / "drawings.json").write_text(json.dumps(drawings))
    subprocess.run(["node", PEN_PATH_RUNNER, static_site, tmp_path / "drawings.json", tmp_path / "out.json"],
                   check=True, capture_output=True, timeout=600)
    page = json.loads((tmp_path / "out.json").read_text())
    python = np.stack([pen_path.path([np.array(s, float) for s in strokes], y_down=True) for strokes in drawings])
    np.testing.assert_allclose(page["paths"], python, atol=1e-9)
    same = np.isclose(page["votes"], pen_path.votes(python), atol=1e-9).all(axis=1)
    assert same.mean() >= 0.99, f"the same votes for only {same.sum()} of {len(drawings)} digits"
    print(f"the same votes for {same.sum()} of {len(drawings)} digits")
