from pathlib import Path

import cv2
import numpy as np
import pytest

from moodtunes.errors import ImageTooLargeError, InvalidImageError, UnsupportedMediaError
from moodtunes.vision import images
from moodtunes.vision.images import (
    check_declared_type,
    check_header,
    decode_image,
    encode_jpeg,
    read_image,
)
from tests.support import jpeg
from tests.vision import corpus


def test_decode_round_trip() -> None:
    image = np.full((30, 40, 3), 90, np.uint8)
    decoded = decode_image(encode_jpeg(image, quality=95))
    assert decoded.shape == (30, 40, 3)
    assert abs(int(decoded.mean()) - 90) <= 2


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\0" * 50])
def test_garbage_is_invalid(data: bytes) -> None:
    with pytest.raises(InvalidImageError):
        decode_image(data)


def test_truncated_jpeg_is_invalid() -> None:
    data = jpeg(np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8))
    with pytest.raises(InvalidImageError):
        decode_image(data[:100])


def test_read_image_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"nope")
    with pytest.raises(InvalidImageError, match="broken.jpg"):
        read_image(broken)
    with pytest.raises(InvalidImageError, match="missing.jpg"):
        read_image(tmp_path / "missing.jpg")


def test_bombs_are_refused_before_opencv_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(*args: object) -> None:
        raise AssertionError("cv2.imdecode ran")

    monkeypatch.setattr(images.cv2, "imdecode", no_decoding)
    for name, data in corpus.bombs().items():
        with pytest.raises(ImageTooLargeError) as caught:
            decode_image(data)
        assert caught.value.status == 413, name


def test_limits_of_size_and_sides() -> None:
    base = corpus.encode(".jpg", corpus.picture(64, 48))
    side = int(images.MAX_PIXELS ** 0.5)
    assert check_header(corpus.jpeg_sized(base, side, side)).pixels <= images.MAX_PIXELS
    with pytest.raises(ImageTooLargeError, match="at most 12,500,000 pixels"):
        check_header(corpus.jpeg_sized(base, side + 1, side + 1))
    assert decode_image(corpus.encode(".png", corpus.picture(images.MAX_SIDE, 1))).shape[1] == (
        images.MAX_SIDE)
    with pytest.raises(ImageTooLargeError):
        decode_image(corpus.encode(".png", corpus.picture(images.MAX_SIDE + 1, 1)))


def test_opencv_words_stay_out_of_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: object) -> None:
        raise cv2.error("imread_: OPENCV_IO_ENABLE_OPENEXR is off in /io/opencv/loadsave.cpp")

    monkeypatch.setattr(images.cv2, "imdecode", failing)
    with pytest.raises(InvalidImageError) as caught:
        decode_image(corpus.encode(".png", corpus.picture(8, 8)))
    assert caught.value.message == "the PNG image is damaged; it could not be decoded"


def test_decoded_size_must_be_the_declared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images.cv2, "imdecode", lambda *args: np.zeros((9, 9, 3), np.uint8))
    with pytest.raises(InvalidImageError, match="decoded to 9x9, not the 8x8"):
        decode_image(corpus.encode(".png", corpus.picture(8, 8)))


def test_declared_type_must_match_the_magic() -> None:
    jpg = corpus.encode(".jpg", corpus.picture(8, 8))
    check_declared_type(jpg, "image/jpeg")
    check_declared_type(jpg, "image/jpg", "me.JPEG")
    check_declared_type(jpg, "application/octet-stream", "blob")
    check_declared_type(jpg, "", "photo.gif")  # a name that declares nothing we read
    with pytest.raises(UnsupportedMediaError, match="declared as image/png but its bytes are JPEG"):
        check_declared_type(jpg, "image/png")
    with pytest.raises(UnsupportedMediaError, match=r"declared as a \.bmp file"):
        check_declared_type(jpg, "application/octet-stream", "C:\\photos\\me.bmp")
    with pytest.raises(UnsupportedMediaError, match="image/gif is not read here"):
        check_declared_type(jpg, "image/gif", "me.jpg")


def test_read_image_keeps_the_kind_of_error(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(corpus.png_bomb(100000, 100000))
    with pytest.raises(ImageTooLargeError, match="bomb.png: the PNG image is 100000x100000"):
        read_image(bomb)
    gif = tmp_path / "cat.gif"
    gif.write_bytes(corpus.gif(4, 4))
    with pytest.raises(UnsupportedMediaError, match="cat.gif: GIF images are not read here"):
        read_image(gif)


def test_a_bomb_costs_no_memory(tmp_path: Path) -> None:
    """Peak resident memory of a fresh process decoding each bomb: refused, it barely grows
    (the same files made OpenCV allocate gigabytes before headers were read)."""
    paths = []
    for n, data in enumerate(corpus.bombs().values()):
        paths.append(tmp_path / f"bomb{n}")
        paths[-1].write_bytes(data)
    costs = corpus.decode_costs(paths, tmp_path)
    assert {cost["outcome"] for cost in costs} == {"image_too_large"}
    assert max(float(cost["mb"]) for cost in costs) < 5, costs


def test_the_largest_image_allowed_costs_about_100_mb(tmp_path: Path) -> None:
    """The most memory one image can cost: the largest allowed, as a progressive 4:4:4 JPEG
    (with a lossy WebP with alpha, what OpenCV decodes with the most memory), in a fresh
    process (its peak resident memory)."""
    width, height = 4000, images.MAX_PIXELS // 4000
    path = tmp_path / "large.jpg"
    path.write_bytes(corpus.encode(
        ".jpg", corpus.picture(width, height), cv2.IMWRITE_JPEG_PROGRESSIVE, 1,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444))
    (cost,) = corpus.decode_costs([path], tmp_path)
    assert cost["outcome"] == "decoded"
    assert 60 < float(cost["mb"]) < 125, cost
