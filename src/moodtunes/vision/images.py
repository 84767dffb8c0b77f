"""Turning bytes and files into images, with clear errors for everything that is not one.

An image is checked before it is decoded: its magic number must be JPEG, PNG, WebP or BMP
(the only decoders of OpenCV's that moodtunes lets run), and the size its header declares
(`moodtunes.vision.headers`) must be within MAX_PIXELS and MAX_SIDE, so that a
decompression bomb is refused before OpenCV allocates its pixels."""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

import cv2
import numpy as np
import numpy.typing as npt

from moodtunes.errors import ImageTooLargeError, InvalidImageError, UnsupportedMediaError
from moodtunes.vision.headers import FORMATS, SUPPORTED, ImageHeader, read_header, sniff

log = logging.getLogger(__name__)

# A 12-megapixel photo (4032x3024) fits. Decoding costs OpenCV 5.7 to 8.7 bytes a pixel at its
# peak (a progressive JPEG or a lossy WebP with alpha the most), so about 105 MB at this limit.
MAX_PIXELS = 12_500_000
# Wide or tall images are fine up to this side (WebP's own limit is 16383).
MAX_SIDE = 16_384
# libjpeg runs every scan of a progressive JPEG over the whole image; encoders write about 10.
# A few bytes make a scan, so a file of thousands of them costs seconds of CPU at any size.
MAX_JPEG_SCANS = 64

# Files larger than this are not read: an uncompressed 16-bit RGBA image of MAX_PIXELS is 100 MB.
MAX_FILE_BYTES = 128 * 2**20

# MIME types an image may be declared as, with the format each means.
MIME_FORMATS = {
    "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/pjpeg": "jpeg",
    "image/png": "png", "image/webp": "webp",
    "image/bmp": "bmp", "image/x-bmp": "bmp", "image/x-ms-bmp": "bmp",
}
# File name extensions that declare a format.
EXTENSION_FORMATS = {
    ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".jfif": "jpeg", ".pjpeg": "jpeg",
    ".pjp": "jpeg", ".png": "png", ".webp": "webp", ".bmp": "bmp", ".dib": "bmp",
}
# Declarations that say nothing about the format.
UNDECLARED = ("", "application/octet-stream")


def check_header(data: bytes) -> ImageHeader:
    """The image's header, once its format and declared size are known to be acceptable:
    `UnsupportedMediaError` (415) for another format, `ImageTooLargeError` (413) for one too
    large to decode, `InvalidImageError` (400) for a damaged header."""
    if not data:
        raise InvalidImageError("the image is empty")
    header = read_header(data)
    name = FORMATS[header.format]
    if header.width > MAX_SIDE or header.height > MAX_SIDE or header.pixels > MAX_PIXELS:
        raise ImageTooLargeError(
            f"the {name} image is {header.width}x{header.height}; images can be at most "
            f"{MAX_PIXELS:,} pixels and {MAX_SIDE:,} on a side")
    if header.scans > MAX_JPEG_SCANS:
        raise ImageTooLargeError(
            f"the JPEG image has {header.scans} scans; at most {MAX_JPEG_SCANS} are decoded")
    if not header.complete:
        raise InvalidImageError(f"the {name} image ends before its last row of pixels")
    return header


def check_declared_type(data: bytes, mimetype: str | None, filename: str | None = None) -> None:
    """`UnsupportedMediaError` unless what the sender declared (a MIME type, and a file name's
    extension for an upload) names the format that the bytes' magic number shows. A part
    declared only as application/octet-stream under a name without an image extension is
    judged by its bytes alone."""
    found = sniff(data)
    declared = (mimetype or "").lower()
    claims = []
    if declared not in UNDECLARED:
        if declared not in MIME_FORMATS:
            raise UnsupportedMediaError(f"{declared} is not read here; send {SUPPORTED}")
        claims.append((declared, MIME_FORMATS[declared]))
    extension = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    if extension in EXTENSION_FORMATS:
        claims.append((f"a {extension} file", EXTENSION_FORMATS[extension]))
    for claim, kind in claims:
        if found is not None and found != kind:
            raise UnsupportedMediaError(
                f"the image is declared as {claim} but its bytes are {FORMATS[found]}; "
                "declare the type it is")


def decode_image(data: bytes) -> npt.NDArray[np.uint8]:
    """A BGR image from encoded bytes (JPEG, PNG, WebP or BMP), its EXIF orientation applied."""
    header = check_header(data)
    name = FORMATS[header.format]
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as exc:
        # OpenCV's own words (file names, build options) are for the log, not for senders.
        log.debug("OpenCV could not decode a %s image: %s", name, exc)
        image = None
    if image is None or image.size == 0:
        raise InvalidImageError(f"the {name} image is damaged; it could not be decoded")
    if image.shape[:2] not in ((header.height, header.width), (header.width, header.height)):
        raise InvalidImageError(
            f"the {name} image decoded to {image.shape[1]}x{image.shape[0]}, not the "
            f"{header.width}x{header.height} its header declares")
    return np.asarray(image, np.uint8)


def read_image(path: str | Path) -> npt.NDArray[np.uint8]:
    """A BGR image from a file; InvalidImageError naming the file when it cannot be read."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImageTooLargeError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidImageError(f"{path}: {exc.strerror or exc}") from exc
    try:
        return decode_image(data)
    except (InvalidImageError, UnsupportedMediaError) as exc:
        raise type(exc)(f"{path}: {exc.message}") from exc


def encode_jpeg(image: npt.NDArray[np.uint8], quality: int = 80) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InvalidImageError("could not encode the frame as JPEG")
    return buffer.tobytes()
