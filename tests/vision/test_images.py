from pathlib import Path

import numpy as np
import pytest

from moodtunes.errors import InvalidImageError
from moodtunes.vision.images import decode_image, encode_jpeg, read_image
from tests.support import jpeg


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
