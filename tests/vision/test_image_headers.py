import struct

import cv2
import numpy as np
import pytest

from moodtunes.errors import InvalidImageError, UnsupportedMediaError
from moodtunes.vision.headers import read_header, sniff
from tests.vision import corpus


@pytest.mark.parametrize("name", list(corpus.valid_images()))
def test_header_size_is_the_decoded_size(name: str) -> None:
    data, mimetype, (width, height) = corpus.valid_images()[name]
    header = read_header(data)
    assert header.format == mimetype.split("/")[1]
    assert (header.width, header.height) == (width, height)
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8),
                           cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    assert decoded.shape[:2] == (height, width)


# Baseline, extended, progressive, lossless, hierarchical and arithmetic-coded frames.
@pytest.mark.parametrize("sof", [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB,
                                 0xCD, 0xCE, 0xCF])
def test_every_jpeg_frame_marker_declares_the_size(sof: int) -> None:
    data = corpus.jpeg_sized(corpus.encode(".jpg", corpus.picture(64, 48)), 30000, 20000)
    at = data.index(b"\xff\xc0")
    header = read_header(data[:at + 1] + bytes([sof]) + data[at + 2:])
    assert (header.width, header.height) == (30000, 20000)


def test_jpeg_segments_are_skipped_by_length_not_searched() -> None:
    image = corpus.encode(".jpg", corpus.picture(64, 48))
    small = corpus.encode(".jpg", corpus.picture(16, 12))
    # A big frame inside an Exif thumbnail is not the image's...
    thumbnail = corpus.exif(1, corpus.jpeg_sized(small, 40000, 40000))
    header = read_header(corpus.with_segment(image, thumbnail))
    assert (header.width, header.height) == (64, 48)
    # ...and a small one does not hide a bomb after it.
    bomb = corpus.with_segment(corpus.jpeg_sized(image, 32000, 32000), corpus.exif(1, small))
    assert read_header(bomb).width == 32000


def test_jpeg_scans_are_counted() -> None:
    image = corpus.picture(64, 48)
    progressive = corpus.encode(".jpg", image, cv2.IMWRITE_JPEG_PROGRESSIVE, 1)
    assert read_header(corpus.encode(".jpg", image)).scans == 1
    assert read_header(progressive).scans == 10
    assert read_header(corpus.many_scans(progressive, 500)).scans == 510
    assert read_header(corpus.cmyk_jpeg(64, 48)).scans == 4


@pytest.mark.parametrize("data, words", [
    (b"\xff\xd8\xff", "no frame header"),
    (b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x10\x00\x10\x03" + b"\x01\x22\x00" * 3 + b"\xff\xd9",
     "no image data"),
    (b"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00", "image data before the frame"),
    (b"\xff\xd8\xff\xe0\x00\x01", "length 1"),
    (b"\xff\xd8\xff\xe0\x00\x04ab\x00\x00", "no marker at byte 8"),
    (b"\xff\xd8\xff\xc0\x00\x0b\x08\x00\x00\x00\x10\x01\x01\x11\x00\xff\xd9", "16x0 pixels"),
])
def test_damaged_jpeg_headers(data: bytes, words: str) -> None:
    with pytest.raises(InvalidImageError, match=words):
        read_header(data)


def test_png_header_is_checked() -> None:
    data = corpus.encode(".png", corpus.picture(8, 8))
    with pytest.raises(InvalidImageError, match="checksum"):
        read_header(data[:20] + bytes([data[20] ^ 1]) + data[21:])
    with pytest.raises(InvalidImageError, match="first chunk"):
        read_header(data[:8] + corpus.png_chunk(b"tEXt", b"a\0b") + data[8:])
    bad_depth = corpus.png([b"\0" * 4], 1, 1, 7, 2)
    with pytest.raises(InvalidImageError, match="colour type 2 at 7 bits"):
        read_header(bad_depth)
    with pytest.raises(UnsupportedMediaError, match="animated PNG"):
        read_header(corpus.animated_png(8, 8))
    with pytest.raises(InvalidImageError, match="before its image data"):
        read_header(data[:33])


def test_webp_headers() -> None:
    lossless = corpus.encode(".webp", corpus.picture(30, 20, 4), cv2.IMWRITE_WEBP_QUALITY, 101)
    lossy = corpus.encode(".webp", corpus.picture(30, 20), cv2.IMWRITE_WEBP_QUALITY, 80)
    assert read_header(corpus.webp_sized(lossless, 16000, 700)).width == 16000
    assert read_header(corpus.webp_sized(lossy, 900, 16000)).height == 16000
    assert read_header(corpus.vp8x(lossless, 30, 20)).width == 30
    with pytest.raises(InvalidImageError, match="canvas sizes differ"):
        read_header(corpus.vp8x(lossless, 3000, 2000))
    with pytest.raises(UnsupportedMediaError, match="animated WebP"):
        read_header(corpus.vp8x(lossless, 30, 20, 0x02))
    with pytest.raises(InvalidImageError, match="start code"):
        read_header(lossy[:23] + b"\0" + lossy[24:])


def test_bmp_headers() -> None:
    image = corpus.picture(6, 5)
    top_down = read_header(corpus.bmp_rgb(image, top_down=True))
    assert (top_down.width, top_down.height, top_down.complete) == (6, 5, True)
    assert read_header(corpus.bmp_rgb(image, header_size=12)).width == 6
    assert read_header(corpus.bmp_rle8(40000, 30000)).pixels == 1_200_000_000
    assert not read_header(corpus.bmp_rgb(image)[:-20]).complete
    with pytest.raises(InvalidImageError, match="top-down image that is run-length"):
        read_header(corpus.bmp(8, -8, 8, b"\0\1", compression=1, palette=corpus.GREY_PALETTE))
    with pytest.raises(UnsupportedMediaError, match="JPEG or PNG"):
        read_header(corpus.bmp(8, 8, 0, b"\xff\xd8\xff", compression=4))
    with pytest.raises(InvalidImageError, match="unknown header of 20 bytes"):
        read_header(b"BM" + b"\0" * 8 + struct.pack("<II", 54, 20) + b"\0" * 40)
    with pytest.raises(InvalidImageError, match="size of 0x5"):
        read_header(corpus.bmp(0, 5, 24, b"\0" * 4))


@pytest.mark.parametrize("mimetype", list(corpus.other_formats()))
def test_other_formats_are_named_and_refused(mimetype: str) -> None:
    data = corpus.other_formats()[mimetype]
    assert sniff(data) is None
    with pytest.raises(UnsupportedMediaError, match="are not read here"):
        read_header(data)


def test_any_truncation_or_bit_flip_is_a_clear_error_or_a_header() -> None:
    """The parsers raise nothing but InvalidImageError and UnsupportedMediaError (no
    IndexError, struct.error, ...) on any prefix and on thousands of damaged headers."""
    seen = set()
    for data, _, _ in corpus.valid_images().values():
        variants = [data[:n] for n in range(min(len(data), 400))]
        variants += [corpus.flipped(data, seed, 3, 80) for seed in range(200)]
        for variant in variants:
            try:
                read_header(variant)
                seen.add("header")
            except (InvalidImageError, UnsupportedMediaError) as exc:
                seen.add(type(exc).__name__)
    assert seen == {"header", "InvalidImageError", "UnsupportedMediaError"}
