"""The Draw tab's core as a static site any web folder can serve: no server code, nothing fetched elsewhere.

`export_site(out, models)` writes into `out`:
- the page (`index.html`, `style.css`, `app.js`, `pad.js`, `texts.js`, `preprocess.js`, `penpath.js`: the files of
  `mnistdemo/web/`); `preprocess.js` and `penpath.js` are the page's ports of `mnistdemo/preprocess.py` and
  `mnistdemo/pen_path.py`, which stay the reference;
- `pen_path.bin`: the tuning writers' digits as pen paths (`mnistdemo.pen_path`), int16 little-endian, for the page
  to read a digit by its pen's path as the app does;
- ONNX Runtime Web's WebAssembly build, from the npm package pinned in package.json (`npm ci` installs it):
  its ES module and its binary, gzipped (the page unzips it; 14.2 MB -> 3.7 MB, and no file needs Git LFS);
- `models/<name>.onnx` with their sidecars (`mnistdemo.export`), `models/is_digit.onnx` (the "is it a digit?"
  network, when a digit model is on the page and the weights' serving manifest names one), and `site.json`: what
  the page needs of them (file, input and output names, class names, preprocessing with every number it uses, the
  detector's threshold), the
  app's canvas size and brush, the pen paths' labels and how to read them, and the full app's address;
- `README.md` whose front matter makes the folder a static Hugging Face Space.
"""

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np

from mnistdemo import pen_path
from mnistdemo.config import REPO_DIR
from mnistdemo.preprocess import BBOX_MIN_INK, MIN_CONTRAST
from mnistdemo.strokes import BRUSH_RADIUS, CANVAS_SIZE

PAGE_DIR = Path(__file__).resolve().parent / "web"
PAGE_FILES = ("index.html", "style.css", "app.js", "pad.js", "texts.js", "preprocess.js", "penpath.js")
PEN_PATH_FILE = "pen_path.bin"
PEN_PATH_SCALE = 60_000  # a path's coordinates lie within [-0.5, 0.5]: int16 keeps them to 2e-5
DEFAULT_MODELS = ("best_mnist-mnist", "best_fashion-fashion_mnist")
FULL_APP_URL = "http://127.0.0.1:7860/"  # where `make run` serves it; a hosted copy passes its own
ORT_PACKAGE = "onnxruntime-web"
ORT_MODULE = "ort.wasm.bundle.min.mjs"  # the WebAssembly build with its loader inside; no WebGPU/WebGL
ORT_MODULE_COPY = "ort.wasm.bundle.min.js"  # some web servers do not serve .mjs as JavaScript
ORT_WASM = "ort-wasm-simd-threaded.wasm"
SPACE_FRONT_MATTER = {
    "title": "mnistdemo in your browser",
    "emoji": "✍️",
    "colorFrom": "indigo",
    "colorTo": "yellow",
    "sdk": "static",
    "app_file": "index.html",
    "pinned": "false",
    "license": "mit",
    "short_description": "Draw a digit; a CNN reads it in your browser, no server",
}


def export_site(out: Path, models: tuple[str, ...] | list[str] = DEFAULT_MODELS,
                app_url: str = FULL_APP_URL, weights: Path | None = None) -> dict[str, int]:
    """Write the static site into `out` -> {relative path: bytes} of every file it holds.

    `models` are names in the weights folder (the first is the page's default); ValueError for an
    unknown or repeated name, or when ONNX Runtime Web cannot be installed.
    """
    from mnistdemo.export import export_detector, export_shipped, read_sidecar, shipped_names

    models = list(models)
    known = shipped_names(weights)
    unknown = [name for name in models if name not in known]
    if not models or unknown or len(set(models)) != len(models):
        problem = f"unknown model {unknown[0]!r}" if unknown else "no models" if not models else "a model twice"
        raise ValueError(f"Cannot export the page with {problem}; choose from: {', '.join(known)}.")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file; give a folder for the site.")
    runtime = ort_dist()
    (out / "models").mkdir(parents=True, exist_ok=True)
    (out / "ort").mkdir(exist_ok=True)
    for name in PAGE_FILES:
        shutil.copyfile(PAGE_DIR / name, out / name)
    shutil.copyfile(runtime / ORT_MODULE, out / "ort" / ORT_MODULE_COPY)
    (out / "ort" / f"{ORT_WASM}.gz").write_bytes(gzip.compress((runtime / ORT_WASM).read_bytes(), 9, mtime=0))
    entries = []
    for name in models:
        path = export_shipped(name, out / "models", weights)
        entries.append(_page_model(read_sidecar(path), f"models/{path.name}"))
    for stale in (out / "models").glob("*.onnx*"):  # models of an earlier export with other --models
        if stale.name.split(".onnx")[0] not in models:
            stale.unlink()
    # The "is it a digit?" network, for the page to say "Not a digit?" where the app would.
    detector = export_detector(out / "models", weights) if any(m["dataset"] == "mnist" for m in entries) else None
    if detector:
        detector["file"] = f"models/{detector['file']}"
    examples, _, labels = pen_path.examples()
    (out / PEN_PATH_FILE).write_bytes(np.round(examples * PEN_PATH_SCALE).astype("<i2").tobytes())
    site = {"models": entries, "canvas_size": CANVAS_SIZE, "brush_radius": BRUSH_RADIUS, "app_url": app_url,
            "pen_path": {"file": PEN_PATH_FILE, "scale": PEN_PATH_SCALE, "points": pen_path.POINTS,
                         "neighbours": pen_path.NEIGHBOURS, "weight": pen_path.PATH_WEIGHT,
                         "labels": labels.tolist()},
            "detector": detector, "onnxruntime_web": ort_version()}
    (out / "site.json").write_text(json.dumps(site, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(models), encoding="utf-8")
    return {str(p.relative_to(out)): p.stat().st_size for p in sorted(out.rglob("*")) if p.is_file()}


def page_spec(sidecar: dict) -> dict:
    """An export sidecar's preprocessing -> the `spec` preprocess.js takes, with every number it uses."""
    kind, params = sidecar["preprocessing"], sidecar["preprocessing_params"]
    if kind == "mnist_box" and not params.get("whole_pixel_shift", False):
        raise ValueError(f"{sidecar['name']}: the page shifts by whole pixels only, as MNIST did.")
    if kind not in ("mnist_box", "fashion_fit"):
        raise ValueError(f"{sidecar['name']}: the page has no preprocessing {kind!r}.")
    return {"kind": kind, **params, "bbox_min_ink": BBOX_MIN_INK, "min_contrast": MIN_CONTRAST}


def _page_model(sidecar: dict, file: str) -> dict:
    return {"name": sidecar["name"], "file": file, "dataset": sidecar["dataset"],
            "class_names": sidecar["class_names"], "input": sidecar["input"]["name"],
            "output": sidecar["output"]["name"], "test_accuracy": sidecar["source"]["test_accuracy"],
            "spec": page_spec(sidecar)}


def ort_dist() -> Path:
    """ONNX Runtime Web's dist folder at the version package-lock.json pins, installed by `npm ci` if needed."""
    dist = REPO_DIR / "node_modules" / ORT_PACKAGE / "dist"
    if ort_version() != _pinned_ort_version() or not (dist / ORT_WASM).is_file():
        try:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=REPO_DIR, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        except (OSError, subprocess.CalledProcessError) as error:
            detail = getattr(error, "stderr", None) or str(error)
            raise ValueError(f"ONNX Runtime Web is not installed and `npm ci` in {REPO_DIR} failed: "
                             f"{detail.strip()[-300:]}") from None
    return dist


def ort_version() -> str | None:
    """The installed onnxruntime-web version (None if it is not installed)."""
    manifest = REPO_DIR / "node_modules" / ORT_PACKAGE / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.is_file() else None


def _pinned_ort_version() -> str:
    lock = json.loads((REPO_DIR / "package-lock.json").read_text())
    return lock["packages"][f"node_modules/{ORT_PACKAGE}"]["version"]


def _readme(models: list[str]) -> str:
    front = "\n".join(f"{key}: {value}" for key, value in SPACE_FRONT_MATTER.items())
    return (f"---\n{front}\n---\n\n# mnistdemo in your browser\n\n"
            "Draw a digit (or a piece of clothing) and a convolutional network reads it, entirely in your "
            "browser: the models run in ONNX Runtime Web and nothing you draw leaves your device.\n\n"
            f"Models: {', '.join(f'`{m}`' for m in models)}. Made with `python -m mnistdemo export-web` "
            "from the mnistdemo project; serve this folder with any static web server.\n")
