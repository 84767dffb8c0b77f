"""Turning bytes and files into images, with clear errors for everything that is not one."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from moodtunes.errors import InvalidImageError

# Enough for a 12-megapixel photo; larger ones are almost always a mistake or an attack.
MAX_PIXELS = 40_000_000


def decode_image(data: bytes) -> npt.NDArray[np.uint8]:
    """A BGR image from encoded bytes (JPEG, PNG, WebP, BMP, ...)."""
    if not data:
        raise InvalidImageError("the image is empty")
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    except cv2.error as exc:
        raise InvalidImageError(f"the image could not be decoded ({exc.err})") from exc
    if image is None or image.size == 0:
        raise InvalidImageError("the data is not an image we can read (JPEG, PNG, WebP, BMP)")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise InvalidImageError(
            f"the image is {image.shape[1]}x{image.shape[0]}; at most {MAX_PIXELS:,} pixels"
        )
    return np.asarray(image, np.uint8)


def read_image(path: str | Path) -> npt.NDArray[np.uint8]:
    """A BGR image from a file; InvalidImageError naming the file when it cannot be read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidImageError(f"{path}: {exc.strerror or exc}") from exc
    try:
        return decode_image(data)
    except InvalidImageError as exc:
        raise InvalidImageError(f"{path}: {exc.message}") from exc


def encode_jpeg(image: npt.NDArray[np.uint8], quality: int = 80) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InvalidImageError("could not encode the frame as JPEG")
    return buffer.tobytes()
