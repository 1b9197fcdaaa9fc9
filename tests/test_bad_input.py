"""Bad input through the Python API and the real server's HTTP API: a right answer or one clear message, fast.

Run alone: .venv/bin/python -m pytest -q tests/test_bad_input.py (starts the app; the broken-weights tests a second one)
"""

import http.client
import io
import json
import re
import select
import shutil
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from mnistdemo import inference
from support.api import call, english, file_data, page_config, predict_http, top_label, upload
from support.app import start_app, stop_app
from support.drawings import held_out_twenty, on_canvas
from support.images import png, seven

FAST = 5.0  # seconds: generous, these answers take ~0.05 s on an idle machine
NO_INK = "No ink found: draw a digit first."
UNREADABLE = "Could not read the image: the file is not an image."
TOO_LARGE = "The image is too large (8000 x 8000 pixels); the limit is 50 megapixels."
# What a message to a visitor must never contain: a traceback, source files or server paths.
LEAKS = re.compile(r"Traceback|File \"|\.py\b|/tmp/|/root/|/home/|/work/|/usr/|/var/")


# ---- images ---------------------------------------------------------------------------------

def pil_bytes(image: Image.Image, fmt: str, **save: object) -> bytes:
    """A Pillow image -> encoded bytes in `fmt`."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def animated_gif() -> bytes:
    """Two frames: a '7', then a '1'; readers must take the first."""
    one = np.full((280, 280), 255, np.uint8)
    cv2.line(one, (140, 40), (140, 240), 0, 24)
    frames = [Image.fromarray(seven()).convert("P"), Image.fromarray(one).convert("P")]
    return pil_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def transparent_png() -> bytes:
    """RGBA, every pixel black: the digit exists only in the alpha channel."""
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = 255 - seven()
    return pil_bytes(Image.fromarray(rgba, "RGBA"), "PNG")


def big_noise_png() -> bytes:
    """8000 x 8000 stored uncompressed (~64 MB): above the server's upload limit."""
    noise = np.random.default_rng(0).integers(0, 256, (8000, 8000), np.uint8)
    return png(noise, compression=0)


@dataclass(frozen=True)
class Case:
    """One bad input: file name and bytes, the model asked for, and the one right outcome."""

    name: str
    filename: str
    make: Callable[[], bytes]
    digit: str | None = None  # the answer expected, or None when `message` is expected
    message: str | None = None
    model: str = ""


CASES = [
    Case("clear-seven", "seven.png", lambda: png(seven()), digit="7"),
    Case("empty-canvas", "blank.png", lambda: png(np.full((280, 280), 255, np.uint8)), message=NO_INK),
    Case("all-black", "black.png", lambda: png(np.zeros((280, 280), np.uint8)), message=NO_INK),
    Case("1x1", "dot.png", lambda: png(np.full((1, 1), 255, np.uint8)), message=NO_INK),
    # 8000 x 8000 that compresses under the 10 MB upload limit: answered at once, over HTTP too. A PNG
    # is refused from its header; a JPEG decodes at 1/8 size and is read. Over 10 MB: HTTP 413 (below).
    Case("8000x8000-png", "huge.png", lambda: png(seven(8000, 8000)), message=TOO_LARGE),
    Case("8000x8000-jpeg", "huge.jpg", lambda: pil_bytes(Image.fromarray(seven(8000, 8000)), "JPEG"), digit="7"),
    Case("corrupt-png", "corrupt.png", lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, message=UNREADABLE),
    Case("text-file", "notes.txt", lambda: b"this is not an image\n" * 50, message=UNREADABLE),
    Case("animated-gif", "anim.gif", animated_gif, digit="7"),
    Case("cmyk-jpeg", "cmyk.jpg", lambda: pil_bytes(Image.fromarray(seven()).convert("CMYK"), "JPEG"), digit="7"),
    Case("16-bit-png", "deep.png", lambda: png(seven(paper=65535, dtype=np.uint16)), digit="7"),
    Case("transparent-png", "alpha.png", transparent_png, digit="7"),
    Case("palette-png", "palette.png", lambda: pil_bytes(Image.fromarray(seven()).convert("RGB").convert("P"), "PNG"),
         digit="7"),
    Case("wide-2000x100", "wide.png", lambda: png(seven(100, 2000)), digit="7"),
    Case("unknown-model", "seven.png", lambda: png(seven()), message="Unknown model 'no-such-model'; available:",
         model="no-such-model"),
]


# ---- raw HTTP: support/api.py, plus an upload that survives the server's early refusal ----

def upload_status(url: str, filename: str, data: bytes, chunk: int = 2**18) -> int:
    """POST /gradio_api/upload in chunks, stopping once the server answers; its HTTP status.

    A server that refuses a large body answers before reading it all, then resets the
    connection: read the answer as soon as it comes instead of failing on the reset.
    """
    boundary = uuid.uuid4().hex
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.putrequest("POST", "/gradio_api/upload")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    try:
        for start in range(0, len(body), chunk):
            if select.select([connection.sock], [], [], 0)[0]:
                break  # the answer is already there
            connection.sock.sendall(body[start:start + chunk])
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        return connection.getresponse().status
    finally:
        connection.close()


def assert_clear_message(message: object, expected: str) -> None:
    """One plain message: the expected text, nothing that leaks the server's insides."""
    assert isinstance(message, str), message
    assert message.startswith(expected), message
    assert not LEAKS.search(message), message


# ---- the matrix -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def case_files(tmp_path_factory) -> dict[str, Path]:
    """Every case's bytes written once: name -> path."""
    folder = tmp_path_factory.mktemp("bad-input")
    paths = {}
    for case in CASES:
        paths[case.name] = folder / f"{case.name}-{case.filename}"
        paths[case.name].write_bytes(case.make())
    return paths


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_python_api(case: Case, case_files):
    from mnistdemo.inference import predict

    predict(case_files["clear-seven"])  # warm: the first call traces the model
    start = time.perf_counter()
    try:
        label = predict(case_files[case.name], case.model or None)
        outcome = max(label, key=label.get)
    except ValueError as error:
        outcome = str(error)
    assert time.perf_counter() - start < FAST
    if case.digit is not None:
        assert outcome == case.digit
    else:
        assert_clear_message(outcome, case.message)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_http_api(case: Case, case_files, app_url):
    predict_http(app_url, "seven.png", case_files["clear-seven"].read_bytes())  # warm
    start = time.perf_counter()
    event, result = predict_http(app_url, case.filename, case_files[case.name].read_bytes(), case.model)
    assert time.perf_counter() - start < FAST
    if case.digit is not None:
        assert (event, top_label(result)) == ("complete", case.digit)
    else:
        # The SSE `event: error` data is {"error": <gr.Error message>, "title", "duration", "visible"}.
        assert event == "error"
        assert_clear_message(result["error"], case.message)
        assert not LEAKS.search(json.dumps(result)), result
    # The server keeps serving after every bad input.
    assert top_label(predict_http(app_url, "seven.png", case_files["clear-seven"].read_bytes())[1]) == "7"


@pytest.mark.slow
def test_http_refuses_an_upload_over_the_size_limit_with_413(app_url):
    data = big_noise_png()
    assert len(data) > 10 * 2**20  # MAX_FILE_SIZE is 10 MB
    start = time.perf_counter()
    assert upload_status(app_url, "noise.png", data) == 413
    assert time.perf_counter() - start < FAST
    assert top_label(predict_http(app_url, "seven.png", png(seven()))[1]) == "7"


@pytest.mark.slow
def test_http_without_a_file_gets_one_message(app_url):
    event, result = call(app_url, "predict", [None, ""])
    assert (event, result["error"]) == ("error", "Send an image file.")


@pytest.mark.slow
def test_http_assess_gives_the_verdict_the_page_shows(app_url):
    def assess(data: bytes, model: str = "") -> tuple[str, dict]:
        event, result = call(app_url, "assess", [file_data(upload(app_url, "drawing.png", data), "drawing.png"), model])
        return event, result[0] if event == "complete" else result

    event, answer = assess(png(seven()))
    assert event == "complete"
    assert (answer["kind"], answer["answer"], answer["reason"]) == ("digit", "7", None)
    assert answer["model"] == "best_mnist-mnist"
    assert answer["message"].startswith("best_mnist-mnist reads 7 (") and sum(answer["votes"].values()) == 8
    event, answer = assess(png(seven()), "best_fashion-fashion_mnist")
    assert (event, answer["kind"]) == ("complete", "item")
    assert assess(png(np.full((280, 280), 255, np.uint8))) == ("error", assess(png(np.full((9, 9), 255, np.uint8)))[1])
    assert assess(png(np.full((280, 280), 255, np.uint8)))[1]["error"] == NO_INK
    assert call(app_url, "assess", [file_data(upload(app_url, "x.png", png(seven())), "x.png"), "nope"])[0] == "error"
    assert call(app_url, "assess", [None, ""])[1]["error"] == "Send an image file."


@pytest.mark.slow
def test_http_assess_drawing_reads_the_pen_path_from_the_strokes_sent_with_the_image(app_url):
    digit, placement = held_out_twenty()[18]  # a held-out "9" whose picture alone reads "7"
    canvas, strokes = on_canvas(digit, placement)
    picture = png(canvas)
    sent = json.dumps([s.astype(int).tolist() for s in strokes])

    def assess_http(*strokes_json: str) -> tuple[str, dict]:
        endpoint = "assess_drawing" if strokes_json else "assess"
        event, result = call(app_url, endpoint, [file_data(upload(app_url, "nine.png", picture), "nine.png"), "",
                                                 *strokes_json])
        return event, result[0] if event == "complete" else result

    alone, with_path = assess_http(), assess_http(sent)
    assert alone[0] == with_path[0] == "complete"
    assert not alone[1]["pen_path"] and with_path[1]["pen_path"]
    here = inference.assess(picture, strokes=strokes).to_dict()
    assert with_path[1]["probabilities"] == pytest.approx(here["probabilities"], abs=1e-6)
    assert with_path[1]["probabilities"]["9"] > alone[1]["probabilities"]["9"] + 0.2
    assert assess_http("")[1]["pen_path"] is False  # no strokes: the picture alone, as before
    for bad in ("not json", "[]", "[[1, 2]]", json.dumps([[[0, 0]]] * 201)):
        event, error = assess_http(bad)
        assert (event, error["error"].split(":")[0]) == ("error", "The strokes must be JSON"), bad


# ---- broken weights -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def broken_app(tmp_path_factory):
    """The app on a copy of weights/ whose first model is corrupt: (URL, broken name, other names)."""
    from mnistdemo.config import WEIGHTS_DIR

    weights = tmp_path_factory.mktemp("weights")
    shutil.copytree(WEIGHTS_DIR, weights, dirs_exist_ok=True)
    models = sorted(p.stem for p in weights.glob("*.keras"))
    assert len(models) >= 2, "needs one model to break and one to keep"
    broken = models[0]
    # The others must read a "7": MNIST models only (a Fashion-MNIST model answers with clothes).
    others = [m for m in models[1:] if json.loads((weights / f"{m}.json").read_text())["dataset"] == "mnist"]
    (weights / f"{broken}.keras").write_bytes(b"PK\x03\x04 not a zip, not a model" * 100)
    proc, url = start_app({"MNISTDEMO_WEIGHTS": str(weights)})
    yield url, broken, others
    stop_app(proc)


@pytest.mark.slow
def test_broken_weights_leave_the_app_serving_the_rest(broken_app):
    url, broken, others = broken_app
    components = page_config(url, timeout=120)["components"]  # a busy machine is slow
    texts = [english(c["props"].get("value") or "") for c in components if c["type"] == "markdown"]
    unavailable = [t for t in texts if "Unavailable models" in t]
    assert unavailable and f"`{broken}` (" in unavailable[0], texts  # named, with a reason in brackets
    dropdown = next(c for c in components if c["props"].get("elem_id") == "model-choice")
    choices = [value for _, value in dropdown["props"]["choices"]]
    assert broken not in choices and set(others) <= set(choices)
    event, message = predict_http(url, "seven.png", png(seven()), broken)
    assert event == "error" and message["error"].startswith(f"Model {broken!r} is unavailable: ")
    for name in others:
        event, result = predict_http(url, "seven.png", png(seven()), name)
        assert (event, top_label(result)) == ("complete", "7"), name


@pytest.mark.slow
def test_broken_weights_reason_names_no_server_path(broken_app):
    url, broken, _ = broken_app
    components = page_config(url, timeout=120)["components"]
    texts = [english(c["props"].get("value") or "") for c in components if c["type"] == "markdown"]
    shown = next(t for t in texts if "Unavailable models" in t)
    event, message = predict_http(url, "seven.png", png(seven()), broken)
    assert event == "error"
    for text in (shown, message["error"]):
        assert not LEAKS.search(text), text
