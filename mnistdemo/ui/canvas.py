"""The app's canvases: the static page's drawing pad (mnistdemo/web/pad.js) in an HTML component.

A canvas's value is its picture, a PNG data URL ("" when nothing is drawn), set after every stroke,
Undo and Clear; its change event is what reads it. Undo and Clear run in the browser alone. Gradio's
Sketchpad sent the server its layers, uploaded them again several times and waited on the queue at
every stroke; this sends one request, and is ready to draw without choosing a tool first.
"""

import base64
import binascii
import json
import struct

import cv2
import gradio as gr
import numpy as np

from mnistdemo.static_site import PAGE_DIR
from mnistdemo.strokes import BRUSH_RADIUS
from mnistdemo.ui.texts import t

PAD_JS = (PAGE_DIR / "pad.js").read_text().replace("export function", "function") + """
const canvas = element.querySelector("canvas");
canvas.pad = drawingPad(canvas, () => { props.value = canvas.pad.strokes.length ? canvas.toDataURL() : ""; });
canvas.pad.brushRadius = props.brush_radius;
canvas.pad.paint();
"""
# What the page's canvases send (PNGs of at most 840x280, a few KB to tens of KB), with room to spare; a value
# beyond these is no drawing of ours and is not decoded (a small PNG may claim a huge size).
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 2 << 20
MAX_PNG_SIDE = 4096
PAD_ACTION_JS = "() => {{ document.querySelector('#{elem_id} canvas').pad.{action}(); }}"
# A canvas's change event sends its strokes and numbers the changes (STROKES_CHANGE_JS: the last two inputs become the
# strokes, as JSON of whole canvas pixels, and the count). The pen's path reads what the picture loses
# (mnistdemo.pen_path), and where digits touch, the strokes still tell them apart (mnistdemo.numbers); each answer
# echoes its number, so that the page, and a test, can tell when the last change is answered.
STROKES_CHANGE_JS = ("(...inputs) => {{ const pad = document.querySelector('#{elem_id} canvas').pad; "
                     "pad.sent = (pad.sent || 0) + 1; "
                     "const strokes = pad.strokes.map((points) => points.map((point) => point.map(Math.round))); "
                     "return [...inputs.slice(0, -2), JSON.stringify(strokes), pad.sent]; }}")
MAX_STROKES_CHARS = 1 << 20  # a number written on the canvas sends a few KB ...
MAX_STROKES = 200  # ... of a few strokes a digit


def drawing_pad(size: tuple[int, int], elem_id: str) -> gr.HTML:
    """A canvas of `size` (width, height) pixels with Undo and Clear under it; `#<elem_id>-undo`, `-clear`."""
    width, height = size
    pad = gr.HTML("", html_template=f'<canvas width="{width}" height="{height}" aria-label="Drawing canvas"></canvas>',
                  js_on_load=PAD_JS, brush_radius=BRUSH_RADIUS, elem_id=elem_id,
                  elem_classes=["drawing-pad"])
    with gr.Row():
        for action, label in (("undo", "draw.undo"), ("clear", "draw.clear")):
            button = gr.Button(t(label), size="sm", elem_id=f"{elem_id}-{action}")
            button.click(None, js=PAD_ACTION_JS.format(elem_id=elem_id, action=action))
    return pad


def changes_with_strokes(elem_id: str) -> tuple[gr.Textbox, gr.Number, str]:
    """For a canvas's change event: a hidden text of its strokes and a hidden number of the change (its last two
    inputs; the number is also an output), and the event's js."""
    strokes = gr.Textbox("", show_label=False, container=False, elem_id=f"{elem_id}-strokes",
                         elem_classes=["change-number"])
    number = gr.Number(0, show_label=False, container=False, elem_id=f"{elem_id}-changes",
                       elem_classes=["change-number"])
    return strokes, number, STROKES_CHANGE_JS.format(elem_id=elem_id)


def canvas_strokes(value: str | None) -> list[np.ndarray] | None:
    """The strokes a canvas sent (JSON: lists of [x, y] canvas pixels) -> (n, 2) float arrays, or None
    when there are none or they are not strokes at all (then a drawing is read from its picture alone)."""
    if not value or len(value) > MAX_STROKES_CHARS:
        return None
    try:
        strokes = [np.array(points, dtype=np.float64) for points in json.loads(value)]
    except (ValueError, TypeError, RecursionError):
        return None
    if not 0 < len(strokes) <= MAX_STROKES:
        return None
    if not all(points.ndim == 2 and points.shape[1] == 2 and len(points) and np.isfinite(points).all()
               for points in strokes):
        return None
    return [np.clip(points, -MAX_PNG_SIDE, 2 * MAX_PNG_SIDE) for points in strokes]


def canvas_image(value: str | None) -> np.ndarray | None:
    """A canvas's value -> (H, W, 4) uint8 RGBA, or None when nothing is drawn (or it is no image at all)."""
    image = _decode_data_url(value or "")
    if image is None:
        return None
    # Channel by channel: numpy's min over a last axis of 3 is ten times slower (3 ms a stroke here).
    darkest = np.minimum(np.minimum(image[..., 0], image[..., 1]), image[..., 2])
    has_ink = bool(((darkest < 128) & (image[..., 3] > 0)).any())
    return image if has_ink else None


def _decode_data_url(url: str) -> np.ndarray | None:
    """"data:image/png;base64,..." -> (H, W, 4) uint8 RGBA, or None for "" or anything that is no canvas PNG."""
    _, _, payload = url.partition(",")
    if len(payload) > MAX_PNG_BYTES * 4 // 3 + 4:
        return None
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or max(struct.unpack(">II", data[16:24])) > MAX_PNG_SIDE:
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.ndim != 3 or image.shape[2] not in (3, 4):
        return None
    return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGBA)
