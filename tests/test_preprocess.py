"""Tests for mnistdemo.preprocess: synthetic drawings and uploads of every awkward kind.

Run alone: .venv/bin/python -m pytest -q tests/test_preprocess.py
"""

import io
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from mnistdemo.preprocess import (
    COM_TARGET, MNIST_STROKE_WIDTH, fit_fashion, fit_mnist_box, ink_mask, load_image,
    preprocess, preprocess_steps, stroke_width,
)


def draw_seven(size: int = 280, scale: float = 1.0, offset: tuple[int, int] = (0, 0),
               thickness: int = 18) -> np.ndarray:
    """A "7" (bar, slanted stem, cross bar) -> (size, size) uint8, black ink on white."""
    canvas = np.full((size, size), 255, np.uint8)
    points = np.array([[80, 60], [200, 60], [120, 230]], float)
    points = (points - 140) * scale + 140 + np.array(offset)
    cv2.polylines(canvas, [points.astype(np.int32)], False, 0, thickness, cv2.LINE_AA)
    bar = ((points[1] + points[2]) / 2 + [[-30 * scale, 0], [30 * scale, 0]]).astype(np.int32)
    cv2.line(canvas, tuple(bar[0]), tuple(bar[1]), 0, thickness, cv2.LINE_AA)
    return canvas


def draw_ring(size: int = 280, center: tuple[int, int] = (140, 140),
              axes: tuple[int, int] = (60, 90), thickness: int = 18) -> np.ndarray:
    """A "0" -> (size, size) uint8, black ink on white."""
    canvas = np.full((size, size), 255, np.uint8)
    cv2.ellipse(canvas, center, axes, 0, 0, 360, 0, thickness, cv2.LINE_AA)
    return canvas


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    """Pillow image -> encoded bytes."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(H, W) -> (row, column) in index coordinates."""
    moments = cv2.moments(image.astype(np.float32))
    return moments["m01"] / moments["m00"], moments["m10"] / moments["m00"]


def extent(image: np.ndarray, threshold: float = 0.0) -> tuple[int, int]:
    """(H, W) -> (height, width) of the bounding box of pixels above threshold."""
    _, _, w, h = cv2.boundingRect((image > threshold).astype(np.uint8))
    return h, w


SEVEN = draw_seven()


def test_output_is_white_ink_on_black_28x28_float32():
    out = preprocess(SEVEN)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() == 0.0 and out.max() > 0.99
    assert out[0].max() == 0.0 and out[:, 0].max() == 0.0  # background is black


@pytest.mark.parametrize("subpixel", [False, True])
@pytest.mark.parametrize("image", [
    SEVEN, draw_seven(scale=0.5, offset=(-70, 60)), draw_ring(),
    draw_ring(center=(60, 200), axes=(20, 40), thickness=6), draw_ring(axes=(120, 40)),
], ids=["seven", "small-seven-low-left", "ring", "small-ring", "flat-ring"])
def test_centre_of_mass_is_within_1px_of_centre(image, subpixel):
    out = fit_mnist_box(ink_mask(load_image(image)), subpixel=subpixel)
    row, col = centre_of_mass(out)
    # Whole-pixel shifts (MNIST's way) leave up to 0.5 px per axis; subpixel ones ~0.
    tolerance = 0.05 if subpixel else 0.5 + 1e-6
    assert abs(row - COM_TARGET[0]) <= tolerance and abs(col - COM_TARGET[1]) <= tolerance


def test_ink_fits_the_20px_box_exactly_like_mnist():
    # The longest side is resized to exactly 20 px and MNIST's whole-pixel shift keeps
    # it so; real MNIST digits also span exactly 20 px (4998 of its first 5000).
    for image in (SEVEN, draw_ring(), draw_ring(axes=(120, 40))):
        assert max(extent(preprocess(image))) == 20
    # A subpixel shift spreads the edge pixels onto one more pixel.
    assert max(extent(fit_mnist_box(ink_mask(load_image(SEVEN)), subpixel=True))) in (20, 21)
    # The shorter side keeps the aspect ratio (ring 120 x 240 incl. thickness -> 10-11 x 20).
    height, width = extent(preprocess(draw_ring(axes=(60, 120)), even_strokes=False))
    assert height == 20 and 10 <= width <= 11


def test_dark_on_light_and_light_on_dark_give_the_same_result():
    np.testing.assert_allclose(preprocess(SEVEN), preprocess(255 - SEVEN), atol=1e-3)


def test_faint_ink_on_noisy_grey_paper_is_cleaned_up():
    rng = np.random.default_rng(0)
    ink = 1 - SEVEN / 255.0
    photo = 0.75 - 0.4 * ink + rng.normal(0, 0.02, ink.shape)  # grey pencil on grey paper
    out, clean = preprocess(np.clip(photo, 0, 1)), preprocess(SEVEN)
    assert out[clean == 0].max() < 0.1  # no noise where there is no ink
    assert np.corrcoef(out.ravel(), clean.ravel())[0, 1] > 0.95


def test_transparent_png_with_ink_only_in_alpha():
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[:, :, 3] = 255 - SEVEN  # black everywhere; only alpha says where the ink is
    out = preprocess(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    np.testing.assert_allclose(out, preprocess(SEVEN), atol=1e-3)


def test_palette_png_with_a_transparent_black_background():
    palette = Image.fromarray(SEVEN, "L").convert("P")
    # Make the background colour black but transparent: a naive conversion sees all black.
    background = palette.getpixel((0, 0))
    colours = palette.getpalette()
    colours[3 * background:3 * background + 3] = [0, 0, 0]
    palette.putpalette(colours)
    data = encode(palette, "PNG", transparency=background)
    assert Image.open(io.BytesIO(data)).mode == "P"
    assert np.abs(preprocess(data) - preprocess(SEVEN)).max() < 0.05


def test_16_bit_png():
    deep = Image.fromarray(SEVEN.astype(np.uint16) * 257)
    data = encode(deep, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    np.testing.assert_allclose(load_image(data), SEVEN / 255.0, atol=1e-4)


def test_cmyk_jpeg():
    data = encode(Image.fromarray(SEVEN).convert("CMYK"), "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    assert np.abs(preprocess(data) - preprocess(SEVEN)).max() < 0.2


def test_animated_gif_uses_the_first_frame():
    tall = Image.fromarray(draw_ring(axes=(30, 110)))
    wide = Image.fromarray(draw_ring(axes=(110, 30)))
    data = encode(tall, "GIF", save_all=True, append_images=[wide], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    height, width = extent(preprocess(data))
    assert height == 20 and width < 12


def test_exif_orientation_is_honoured():
    image = np.full((100, 200), 255, np.uint8)  # 200 wide, 100 high
    image[:30, :30] = 0  # a dark top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    gray = load_image(encode(Image.fromarray(image), "JPEG", exif=exif, quality=95))
    assert gray.shape == (200, 100)
    assert gray[:30, -30:].mean() < 0.1 and gray[:30, :30].mean() > 0.9  # now top-right


@pytest.mark.parametrize("value", [0, 255])
def test_1x1_image_loads_and_has_no_ink(value):
    data = encode(Image.new("L", (1, 1), value), "PNG")
    assert load_image(data).shape == (1, 1)
    with pytest.raises(ValueError, match="No ink"):
        preprocess(data)


def test_8000x8000_image_is_refused_quickly():
    data = encode(Image.new("L", (8000, 8000), 255), "PNG", compress_level=1)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="too large"):
        preprocess(data)
    with pytest.raises(ValueError, match="too large"):
        load_image(np.zeros((8000, 8000), np.uint8))
    assert time.perf_counter() - start < 10.0  # generous: a guard against pathological slowness, not a benchmark


def test_49_megapixel_image_is_fast_and_read_right():
    big = cv2.resize(SEVEN, (7000, 7000), interpolation=cv2.INTER_LINEAR)
    jpeg = encode(Image.fromarray(big), "JPEG", quality=90)
    start = time.perf_counter()
    from_array = preprocess(np.repeat(big[:, :, None], 3, axis=2))
    from_jpeg = preprocess(jpeg)
    assert time.perf_counter() - start < 10.0  # generous: a guard against pathological slowness, not a benchmark
    assert load_image(jpeg).shape == (1024, 1024)
    for out in (from_array, from_jpeg):
        assert np.abs(out - preprocess(SEVEN)).max() < 0.3


def test_blank_images_have_no_ink():
    rng = np.random.default_rng(0)
    paper = np.clip(0.9 + rng.normal(0, 0.01, (280, 280)), 0, 1)  # noise is not ink
    for blank in (np.full((280, 280), 255, np.uint8), np.zeros((50, 50)), paper):
        with pytest.raises(ValueError, match="No ink found"):
            preprocess(blank)


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    encode(Image.fromarray(SEVEN), "PNG")[:300],
    b"hello, this is a text file\n" * 20,
    b"",
], ids=["png-header-only", "truncated-png", "text", "empty"])
def test_unreadable_bytes_raise_a_clear_value_error(data, tmp_path):
    with pytest.raises(ValueError, match="Could not read the image"):
        load_image(data)
    path = tmp_path / "upload.png"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="Could not read the image") as caught:
        load_image(path)
    assert str(tmp_path) not in str(caught.value) and "upload" not in str(caught.value)


def test_wide_2000x100_image():
    wide = np.full((100, 2000), 255, np.uint8)
    cv2.line(wide, (100, 50), (1900, 50), 0, 20)
    assert load_image(wide).shape == (51, 1024)  # shrunk early
    out = preprocess(wide)
    assert extent(out)[1] == 20 and extent(out)[0] <= 4
    assert abs(centre_of_mass(out)[0] - COM_TARGET[0]) <= 0.5


def test_inputs_of_every_kind_agree(tmp_path):
    path = tmp_path / "seven.png"
    Image.fromarray(SEVEN).save(path)
    expected = SEVEN / 255.0
    rgb = np.repeat(SEVEN[:, :, None], 3, axis=2)
    for source in (path, str(path), path.read_bytes(), Image.open(path), rgb,
                   SEVEN.astype(np.float64), expected.astype(np.float32), SEVEN[:, :, None]):
        np.testing.assert_allclose(load_image(source), expected, atol=1e-5)


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 5)), np.zeros((0, 4)), np.full((4, 4), -1.0),
                                 np.full((4, 4), np.nan), np.full((4, 4), 1e6)])
def test_bad_arrays_raise_value_error(bad):
    with pytest.raises(ValueError, match="Could not read the image"):
        load_image(bad)


def test_unsupported_source_type_raises_type_error():
    with pytest.raises(TypeError):
        load_image(12)


def test_unknown_dataset_raises_value_error():
    with pytest.raises(ValueError, match="Unknown dataset"):
        preprocess(SEVEN, dataset="cifar")


def test_fashion_items_fill_the_frame():
    out = preprocess(draw_ring(axes=(100, 60)), dataset="fashion_mnist")
    assert out.shape == (28, 28) and out.dtype == np.float32
    height, width = extent(out, threshold=0.05)
    assert width == 28 and 16 <= height <= 19  # 220 x 140 incl. thickness -> 28 x ~18
    np.testing.assert_array_equal(fit_fashion(ink_mask(load_image(draw_ring()))).shape, (28, 28))


def test_steps_are_named_and_end_with_the_result():
    steps = preprocess_steps(SEVEN)
    assert list(steps) == ["input", "ink", "cropped", "even strokes", "20x20 box",
                           "centred 28x28"]
    np.testing.assert_array_equal(steps["centred 28x28"], preprocess(SEVEN))
    assert all(step.dtype == np.float32 for step in steps.values())
    assert list(preprocess_steps(SEVEN, "fashion_mnist"))[-1] == "28x28"


def test_even_strokes_bring_thin_and_thick_drawings_towards_mnist():
    thin_big = draw_ring(axes=(125, 125), thickness=8)  # ~1.3 px at 28 x 28
    thick_small = draw_ring(axes=(40, 40), thickness=16)  # ~3.6 px at 28 x 28
    plain = [stroke_width(preprocess(i, even_strokes=False)) for i in (thin_big, thick_small)]
    even = [stroke_width(preprocess(i)) for i in (thin_big, thick_small)]
    assert plain[1] - plain[0] > 1.5
    assert all(abs(w - MNIST_STROKE_WIDTH) < 0.5 for w in even), even


def test_importing_preprocess_does_not_import_gradio_or_tensorflow():
    code = ("import sys, mnistdemo.preprocess; "
            "print(sorted({'gradio', 'tensorflow', 'keras'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("thickness", [1, 3, 20])
def test_a_vertical_one_of_any_thickness_is_centred(thickness):
    # A 1-2 px wide 20 px tall result once broke the centring (OpenCV read it as a contour).
    image = np.full((280, 280), 255, np.uint8)
    cv2.line(image, (140, 56), (140, 224), 0, thickness)
    out = preprocess(image)
    rows, cols = np.nonzero(out > 0.1)
    assert rows.max() - rows.min() + 1 >= 19
    assert 12 <= cols.min() and cols.max() <= 15
