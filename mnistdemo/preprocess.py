"""Any drawing or upload -> the (28, 28) float32 image the models expect.

MNIST's own recipe: find the ink, crop to it, fit the longest side into a 20 px box keeping
the aspect ratio (anti-aliased), place it in 28 x 28 and shift it so that its intensity
centre of mass is at the centre. Fashion-MNIST items instead fill the 28 x 28 frame.
"""

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from mnistdemo.config import DATASETS
from mnistdemo.messages import UserError

MAX_PIXELS = 50_000_000  # refused before decoding: 50 MP is already ~150 MB as RGB
WORK_SIZE = 1024  # longest side kept after loading; 28 x 28 needs no more
MIN_CONTRAST = 0.15  # ink this faint against its background is noise (paper, JPEG)
BBOX_MIN_INK = 0.05  # the faintest anti-aliased fringe does not count towards the extent
# MNIST's mean centre of mass in index coordinates (pixel (r, c) sits at r, c), measured
# on its 60k training images: (row 14.00, column 14.01), sd 0.29 px.
COM_TARGET = (14.0, 14.0)
# MNIST's median stroke width at 28 x 28 (`stroke_width`, 3,000 training digits; p10-p90
# 1.7-3.3 px). Evening strokes to it took a kNN proxy (MNIST-trained) from 89.5% to 90.7% on
# 2,000 pendigits drawn at random sizes (McNemar chi2 7.2), most for small drawings.
MNIST_STROKE_WIDTH = 2.3
NO_INK_MESSAGE = "No ink found: draw a digit first."
# Raise this whenever a change to the steps below changes what a model sees: calibrations (weights/serving.json),
# sidecars and the cache of rendered drawn digits carry it, so stale ones are found rather than trusted.
PREPROCESSING_VERSION = 1


def _check_size(width: int, height: int) -> None:
    """Refuse images above MAX_PIXELS before they cost memory or time."""
    if width * height > MAX_PIXELS:
        raise ValueError(f"The image is too large ({width} x {height} pixels); "
                         f"the limit is {MAX_PIXELS // 1_000_000} megapixels.")


def _pil_to_array(image: Image.Image) -> np.ndarray:
    """Pillow image of any mode -> (H, W) or (H, W, 4) array for `_array_to_gray`."""
    _check_size(*image.size)
    try:
        image.seek(0)  # animated GIF/PNG/WebP: the first frame
        image = ImageOps.exif_transpose(image)
        if image.mode.startswith("I") or image.mode == "F":
            array = np.asarray(image)  # 16/32-bit grey keeps its depth; scaled later
            return array.astype(array.dtype.newbyteorder("="))  # I;16B is big-endian
        if "A" in image.mode or image.mode in ("P", "La") or "transparency" in image.info:
            return np.asarray(image.convert("RGBA"))
        return np.asarray(image.convert("L"))  # RGB, CMYK, 1, YCbCr, LAB, ... -> luma
    except Exception:  # decoders fail in many ways (OSError, ValueError, SyntaxError, ...)
        raise UserError("error.image.truncated",
                        "Could not read the image: the file is corrupt or truncated.") from None


def _open_bytes(data: bytes) -> np.ndarray:
    """Encoded image bytes -> array; ValueError naming no path for anything unreadable."""
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ValueError(f"The image is too large; the limit is "
                         f"{MAX_PIXELS // 1_000_000} megapixels.") from None
    except Exception:  # Pillow's message may name a temporary file: keep it out
        raise UserError("error.image.not_an_image", "Could not read the image: the file is not an image.") from None
    with image:
        if image.format == "JPEG" and max(image.size) > 2 * WORK_SIZE:
            # libjpeg decodes at 1/2, 1/4 or 1/8 size for free: big photos load fast.
            image.draft("L" if image.mode == "RGB" else image.mode, (WORK_SIZE, WORK_SIZE))
        return _pil_to_array(image)


def _scale_to_unit(array: np.ndarray) -> np.ndarray:
    """Pixels -> float32 in [0, 1]: uint8 / 255, uint16 / 65535, floats [0, 1] or [0, 255]."""
    if array.dtype.kind not in "biuf":
        raise ValueError(f"Could not read the image: unsupported pixel type {array.dtype}.")
    values = array.astype(np.float32)
    if not np.isfinite(values).all() or values.min() < 0:
        raise ValueError("Could not read the image: pixels must be finite and not negative.")
    if array.dtype in (np.uint8, np.uint16):
        return values / np.float32(np.iinfo(array.dtype).max)
    # Floats come in [0, 1] or [0, 255]; wide integers (Pillow's "I" mode) in 8 or 16 bit.
    peak = float(values.max())
    top = 1.0 if array.dtype.kind in "bf" and peak <= 1 else 255.0 if peak <= 255 else 65535.0
    if peak > top:
        raise ValueError(f"Could not read the image: pixel values up to {peak:g}.")
    return values / np.float32(top)


def _array_to_gray(array: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, 1|2|3|4) array -> (H, W) float32 in [0, 1], transparency on white."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (2, 3, 4)):
        raise ValueError(f"Could not read the image: expected (H, W) or (H, W, 3|4) pixels, "
                         f"got shape {array.shape}.")
    height, width = array.shape[:2]
    if height == 0 or width == 0:
        raise UserError("error.image.no_pixels", "Could not read the image: it has no pixels.")
    _check_size(width, height)
    # uint8/uint16 stay integers until the image is small: a float copy costs 4x memory.
    if array.dtype not in (np.uint8, np.uint16):
        array = _scale_to_unit(array)
    white = np.iinfo(array.dtype).max if array.dtype.kind == "u" else 1.0
    if array.ndim == 3:
        channels = array.shape[2]
        if channels >= 3:
            code = cv2.COLOR_RGBA2GRAY if channels == 4 else cv2.COLOR_RGB2GRAY
            gray = cv2.cvtColor(np.ascontiguousarray(array), code)
        else:
            gray = np.ascontiguousarray(array[:, :, 0])
        if channels in (2, 4):  # composite onto white: darkness scales with alpha
            alpha = np.ascontiguousarray(array[:, :, -1])
            gray = white - cv2.multiply(white - gray, alpha, scale=1.0 / white)
        array = gray
    if max(height, width) > WORK_SIZE:
        scale = WORK_SIZE / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        array = cv2.resize(array, size, interpolation=cv2.INTER_AREA)
    return np.clip(_scale_to_unit(array), 0.0, 1.0)


def load_image(source: Image.Image | np.ndarray | str | Path | bytes) -> np.ndarray:
    """PIL image, array, file path or encoded bytes -> (H, W) float32 grey in [0, 1], 1 = white.

    Longest side > WORK_SIZE is shrunk (INTER_AREA); more than MAX_PIXELS is refused.
    """
    if isinstance(source, Image.Image):
        return _array_to_gray(_pil_to_array(source))
    if isinstance(source, np.ndarray):
        return _array_to_gray(source)
    if isinstance(source, (str, Path)):
        try:
            source = Path(source).read_bytes()
        except OSError:
            raise UserError("error.image.unopenable",
                            "Could not read the image: the file could not be opened.") from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _array_to_gray(_open_bytes(bytes(source)))
    raise TypeError(f"load_image takes a PIL image, array, path or bytes, "
                    f"not {type(source).__name__}")


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """(H, W) float32 grey in [0, 1] -> (H, W) float32 ink in [0, 1], 1 = full ink."""
    gray = np.asarray(gray, dtype=np.float32)
    if gray.ndim != 2 or gray.size == 0:
        raise ValueError(f"Expected a (H, W) grey image, got shape {gray.shape}.")
    # The border is mostly background: a light border means dark ink, and vice versa.
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    light_background = np.median(border) >= 0.5
    ink = 1.0 - gray if light_background else gray
    border = 1.0 - border if light_background else border
    background = float(np.median(border))
    noise = 1.4826 * float(np.median(np.abs(border - background)))  # robust sigma
    # Otsu splits strokes from background; the strokes' 90th percentile is their core
    # level, which pencils and photos rarely bring to full ink.
    otsu, _ = cv2.threshold(np.round(ink * 255).astype(np.uint8), 0, 255,
                            cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    strokes = ink[ink > max(otsu / 255.0, background)]
    peak = float(np.percentile(strokes, 90)) if strokes.size else background
    if peak - background < MIN_CONTRAST:
        return np.zeros_like(ink)
    # Stretch so that background noise (3 sigma) reads 0 and the core 1; edges stay grey.
    floor = min(background + 3.0 * noise, (background + peak) / 2)
    return np.clip((ink - floor) / (peak - floor), 0.0, 1.0).astype(np.float32)


def _crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """(H, W) ink -> (h, w) float32 crop to its bounding box; ValueError if there is none."""
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2 or not np.isfinite(ink).all():
        raise ValueError(f"Expected a finite (H, W) ink image, got shape {ink.shape}.")
    if not (ink > BBOX_MIN_INK).any():
        raise UserError("error.no_ink", NO_INK_MESSAGE)
    x, y, w, h = cv2.boundingRect((ink > BBOX_MIN_INK).astype(np.uint8))
    return ink[y:y + h, x:x + w]


def _fit_longest_side(crop: np.ndarray, side: int) -> np.ndarray:
    """(h, w) float32 -> float32 with its longest side `side` px, aspect kept, anti-aliased."""
    h, w = crop.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    # INTER_AREA averages when shrinking but copies pixels blockily when enlarging.
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.clip(cv2.resize(crop, size, interpolation=interpolation), 0.0, 1.0)


def stroke_width(ink: np.ndarray) -> float:
    """(H, W) float32 ink -> mean stroke width in px: 2 x ink area / outline length."""
    ink = np.asarray(ink, dtype=np.float32)
    factor = int(np.ceil(100 / max(ink.shape)))  # outlines of tiny images are too coarse
    if factor > 1:
        ink = cv2.resize(ink, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)
    mask = (ink > 0.5).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * float(ink.sum()) / max(outline, 1.0) / factor


def _even_strokes(cropped: np.ndarray, width: float) -> np.ndarray:
    """(h, w) ink cropped to the digit -> ink grown or thinned to strokes `width` px wide."""
    change = (width - stroke_width(cropped)) / 2  # per side
    if abs(change) < 0.5:
        return cropped
    pad = int(np.ceil(max(change, 0.0))) + 1
    ink = cv2.copyMakeBorder(cropped, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0.0)
    core = (ink > 0.5).astype(np.uint8)
    # Distances to the outline move it by `change` and keep a 1 px anti-aliased edge.
    if change > 0:
        outside = cv2.distanceTransform(1 - core, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        ink = np.maximum(ink, np.clip(change + 0.5 - outside, 0.0, 1.0))
    else:
        inside = cv2.distanceTransform(core, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        ink = np.minimum(ink, np.clip(inside + change + 0.5, 0.0, 1.0))
    return _crop_to_ink(ink) if (ink > BBOX_MIN_INK).any() else cropped


def _mnist_steps(ink: np.ndarray, box: int, size: int, subpixel: bool,
                 target_width: float | None) -> dict[str, np.ndarray]:
    """Ink -> {"cropped", ["even strokes",] "<box>x<box> box", "centred <size>x<size>"}."""
    steps = {"cropped": _crop_to_ink(ink)}
    if target_width is not None:  # the width wanted at `size`, scaled to the crop
        crop_width = target_width * max(steps["cropped"].shape) / box
        steps["even strokes"] = _even_strokes(steps["cropped"], crop_width)
    fitted = _fit_longest_side(list(steps.values())[-1], box)
    # numpy, not cv2.moments: OpenCV reads an (N, 2) array as a contour (a 1-2 px wide "1").
    rows, cols = np.indices(fitted.shape)
    mass = float(fitted.sum())
    dx = COM_TARGET[1] - float((fitted * cols).sum()) / mass
    dy = COM_TARGET[0] - float((fitted * rows).sum()) / mass
    if not subpixel:
        # MNIST moved whole pixels: its digits span exactly 20 px and its centres of mass
        # scatter with sd 0.29 px around (14, 14), the sd of rounding. No bilinear blur.
        dx, dy = round(dx), round(dy)
    # Never shift ink out of the frame: a lopsided digit keeps its ink, slightly off centre.
    dx = float(np.clip(dx, 0, size - fitted.shape[1]))
    dy = float(np.clip(dy, 0, size - fitted.shape[0]))
    centred = cv2.warpAffine(fitted, np.float32([[1, 0, dx], [0, 1, dy]]), (size, size),
                             flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    return steps | {f"{box}x{box} box": fitted, f"centred {size}x{size}": np.clip(centred, 0, 1)}


def fit_mnist_box(ink: np.ndarray, box: int = 20, size: int = 28, *, subpixel: bool = False,
                  target_width: float | None = None) -> np.ndarray:
    """(H, W) float32 ink -> (size, size) float32 in [0, 1], longest side `box`, mass centred.

    The default shifts by whole pixels as MNIST did; `subpixel=True` centres exactly (a
    bilinear shift: edges spread to box + 1 px). `target_width` (px at `size`) evens strokes.
    """
    if not 1 <= box <= size:
        raise ValueError(f"box must be between 1 and size ({size}), got {box}")
    return _mnist_steps(ink, box, size, subpixel, target_width)[f"centred {size}x{size}"]


def _fashion_steps(ink: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Ink -> {"cropped", "<size>x<size>"} float32 images."""
    cropped = _crop_to_ink(ink)
    fitted = _fit_longest_side(cropped, size)
    h, w = fitted.shape
    framed = np.zeros((size, size), np.float32)
    top, left = (size - h) // 2, (size - w) // 2
    framed[top:top + h, left:left + w] = fitted
    return {"cropped": cropped, f"{size}x{size}": framed}


def fit_fashion(ink: np.ndarray, size: int = 28) -> np.ndarray:
    """(H, W) float32 light object on black -> (size, size) float32 filling the frame."""
    return _fashion_steps(ink, size)[f"{size}x{size}"]


def preprocess_steps(image, dataset: str = "mnist", *,
                     even_strokes: bool = True) -> dict[str, np.ndarray]:
    """Anything `load_image` takes -> named float32 steps; the last is `preprocess`'s result."""
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}.")
    gray = load_image(image)
    steps = {"input": gray, "ink": ink_mask(gray)}
    if dataset == "mnist":
        width = MNIST_STROKE_WIDTH if even_strokes else None
        return steps | _mnist_steps(steps["ink"], 20, 28, subpixel=False, target_width=width)
    return steps | _fashion_steps(steps["ink"], 28)


def preprocess(image, dataset: str = "mnist", *, even_strokes: bool = True) -> np.ndarray:
    """Anything `load_image` takes -> (28, 28) float32 in [0, 1], white ink on black."""
    return list(preprocess_steps(image, dataset, even_strokes=even_strokes).values())[-1]
