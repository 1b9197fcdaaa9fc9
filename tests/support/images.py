"""Test images made here: a thick "7" of any size, dtype and polarity, and PNG bytes of any array."""

import cv2
import numpy as np


def seven(height: int = 280, width: int = 280, paper: int = 255, ink: int = 0,
          dtype: type = np.uint8) -> np.ndarray:
    """A thick '7' centred in a (height, width) image of `paper` with `ink` strokes."""
    image = np.full((height, width), paper, dtype)
    side = 0.8 * min(height, width)
    x0, y0 = (width - side) / 2, (height - side) / 2
    point = lambda fx, fy: (int(x0 + fx * side), int(y0 + fy * side))  # noqa: E731
    thickness = max(2, int(0.09 * side))
    cv2.line(image, point(0.15, 0.1), point(0.85, 0.1), ink, thickness)
    cv2.line(image, point(0.85, 0.1), point(0.4, 0.95), ink, thickness)
    return image


def png(array: np.ndarray, **params: int) -> bytes:
    """(H, W[, C]) uint8/uint16 array -> PNG bytes (OpenCV keeps 16-bit depth)."""
    flags = [cv2.IMWRITE_PNG_COMPRESSION, params.get("compression", 1)]
    return cv2.imencode(".png", array, flags)[1].tobytes()
