"""export-web: the static site's files, what site.json tells the page, the Space front matter, bad requests.

Run alone: .venv/bin/python -m pytest -q tests/test_static_site.py (starts the app; needs `npm ci`'s node_modules)
"""

import json
import re
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

from mnistdemo.__main__ import main
from mnistdemo.config import CLASS_NAMES, WEIGHTS_DIR
from mnistdemo.export import export_detector, read_sidecar
from mnistdemo.preprocess import BBOX_MIN_INK, MIN_CONTRAST, MNIST_STROKE_WIDTH
from mnistdemo import pen_path
from mnistdemo.static_site import DEFAULT_MODELS, PAGE_DIR, PAGE_FILES, PEN_PATH_FILE, export_site, page_spec
from mnistdemo.strokes import BRUSH_RADIUS, CANVAS_SIZE

SITE_FILES = {*PAGE_FILES, PEN_PATH_FILE, "site.json", "README.md", "ort/ort.wasm.bundle.min.js",
              "ort/ort-wasm-simd-threaded.wasm.gz", "models/is_digit.onnx",
              *(f"models/{name}.onnx{end}" for name in DEFAULT_MODELS for end in ("", ".json"))}


def test_the_site_holds_the_page_the_runtime_and_the_default_models(static_site):
    files = {str(p.relative_to(static_site)) for p in static_site.rglob("*") if p.is_file()}
    assert files == SITE_FILES
    assert all((static_site / name).stat().st_size < 10_000_000 for name in files)  # a Space takes them without LFS
    html = (static_site / "index.html").read_text()
    assert '<canvas id="sketch"' in html and 'id="reading"' in html and ">Clear</button>" in html


def test_site_json_gives_the_page_the_apps_canvas_and_each_models_preprocessing(static_site):
    site = json.loads((static_site / "site.json").read_text())
    assert (site["canvas_size"], site["brush_radius"]) == (CANVAS_SIZE, BRUSH_RADIUS)
    assert [m["name"] for m in site["models"]] == list(DEFAULT_MODELS)
    digits, fashion = site["models"]
    assert digits["spec"] == {"kind": "mnist_box", "box": 20, "size": 28, "centre_of_mass": [14.0, 14.0],
                              "stroke_width": MNIST_STROKE_WIDTH, "whole_pixel_shift": True,
                              "bbox_min_ink": BBOX_MIN_INK, "min_contrast": MIN_CONTRAST}
    assert fashion["spec"]["kind"] == "fashion_fit" and fashion["class_names"][9] == "Ankle boot"
    for model in site["models"]:
        assert (static_site / model["file"]).is_file()
        assert model["spec"] == page_spec(read_sidecar(static_site / model["file"]))
    # The pen paths, as pen_path.py reads them, to within their int16 step.
    spec = site["pen_path"]
    known, _, labels = pen_path.examples()
    assert (spec["points"], spec["neighbours"], spec["weight"]) == (pen_path.POINTS, pen_path.NEIGHBOURS,
                                                                    pen_path.PATH_WEIGHT)
    assert spec["labels"] == labels.tolist() and spec["file"] == PEN_PATH_FILE
    paths = np.fromfile(static_site / spec["file"], "<i2").reshape(known.shape) / spec["scale"]
    np.testing.assert_allclose(paths, known, atol=0.5 / spec["scale"])


def test_the_page_says_not_a_digit_where_the_app_does(static_site):
    import onnxruntime

    from mnistdemo.inference import SHIPPED
    from mnistdemo.nondigits import drawn_digits, non_digits
    from mnistdemo.ui.texts import text

    detector = json.loads((static_site / "site.json").read_text())["detector"]
    serving = SHIPPED.load_all().serving
    assert detector == {"file": "models/is_digit.onnx", "input": "image", "output": "not_a_digit",
                        "above": serving.detector_above}
    # The exported network scores drawings as the app's does, digits and doodles alike.
    images = np.r_[drawn_digits("test", limit=60)[0], non_digits("doodles", "test", 60).images].astype(np.float32)
    session = onnxruntime.InferenceSession(str(static_site / detector["file"]))
    page = session.run([detector["output"]], {detector["input"]: images[..., None]})[0][:, 0]
    app = SHIPPED.detector.not_a_digit(images)
    np.testing.assert_allclose(page, app, atol=1e-5)
    assert 0 < (app > detector["above"]).sum() < len(app)  # some drawings of each verdict
    # In the app's words: the Draw tab's "Not a digit?" for a drawing that looks like no digit.
    texts = (PAGE_DIR / "texts.js").read_text()
    for lang in ("en", "zh-CN"):
        said = text("draw.verdict.not_a_digit.unlike_digits", lang).replace("**", "")
        assert f'notADigit: "{said}"' in texts, said


def test_a_page_without_digit_models_has_no_detector(tmp_path, capsys):
    main(["export-web", str(tmp_path), "--models", "best_fashion-fashion_mnist"])
    assert json.loads((tmp_path / "site.json").read_text())["detector"] is None
    assert not (tmp_path / "models" / "is_digit.onnx").exists()
    assert "Not a digit?" not in capsys.readouterr().out
    main(["export-web", str(tmp_path), "--models", "tf2_cnn-mnist"])  # the same folder, now with a digit model
    assert json.loads((tmp_path / "site.json").read_text())["detector"]["file"] == "models/is_digit.onnx"
    assert 'It says "Not a digit?" as the app does' in capsys.readouterr().out


def test_a_detector_changed_since_calibration_is_exported_with_a_warning(tmp_path):
    weights = shutil.copytree(WEIGHTS_DIR, tmp_path / "weights")
    manifest = json.loads((weights / "serving.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the calibrated detector exports without one
        assert export_detector(tmp_path / "fresh", weights)["above"] == manifest["detector"]["not_a_digit_above"]
    manifest["detector"]["sha256"] = "0" * 64
    (weights / "serving.json").write_text(json.dumps(manifest))
    with pytest.warns(UserWarning, match="changed since calibration.*python -m mnistdemo calibrate"):
        assert export_detector(tmp_path / "stale", weights)["file"] == "is_digit.onnx"
    assert (tmp_path / "stale" / "is_digit.onnx").is_file()


def test_the_page_fetches_nothing_from_another_host(static_site):
    for name in PAGE_FILES:
        text = (static_site / name).read_text()
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), f"{name} names another host"
    assert json.loads((static_site / "site.json").read_text())["app_url"] == "http://127.0.0.1:7860/"  # only a link


def test_the_readme_makes_the_folder_a_static_space(static_site):
    readme = (static_site / "README.md").read_text()
    front = dict(line.split(": ", 1) for line in readme.split("---\n")[1].strip().splitlines())
    assert front["sdk"] == "static" and front["app_file"] == "index.html"
    assert {"title", "emoji", "colorFrom", "colorTo", "short_description"} <= front.keys()
    assert len(front["short_description"]) <= 60


def test_the_chinese_class_names_are_the_apps():
    from mnistdemo.ui.texts import word  # the page words Fashion-MNIST's classes as the app does

    texts = (PAGE_DIR / "texts.js").read_text()
    for name in CLASS_NAMES["fashion_mnist"]:
        assert re.search(rf'"?{re.escape(name)}"?: "{re.escape(word(name, "zh-CN"))}"', texts), name


@pytest.mark.parametrize("models, message", [
    (["nope-mnist"], "unknown model 'nope-mnist'"),
    (["best_mnist-mnist", "best_mnist-mnist"], "a model twice"),
    ([], "no models"),
])
def test_bad_model_lists_get_a_clear_message(tmp_path, models, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        export_site(tmp_path, models)
    assert not any(tmp_path.iterdir())  # nothing written


def test_the_cli_says_what_is_wrong(tmp_path, capsys):
    target = tmp_path / "a-file"
    target.write_text("")
    with pytest.raises(SystemExit, match="is a file"):
        main(["export-web", str(target)])
    with pytest.raises(SystemExit, match="unknown model 'nope'"):
        main(["export-web", str(tmp_path / "site"), "--models", "nope"])


def test_importing_the_site_module_loads_no_tensorflow_and_no_gradio():
    code = "import sys, mnistdemo.static_site; print(sorted({'tensorflow', 'gradio'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
