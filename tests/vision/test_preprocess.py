import numpy as np
import pytest

from moodtunes.vision.preprocess import (
    FER2013_MEAN,
    FER2013_STD,
    crop_face,
    normalize_faces,
    preprocess_face,
    to_grey,
)


def gradient(h: int = 96, w: int = 96) -> np.ndarray:
    return (np.add.outer(np.arange(h), np.arange(w)) % 256).astype(np.uint8)


def test_golden_values_of_a_known_face() -> None:
    # A 96x96 gradient, the box its top-left 96x96, is halved by INTER_AREA: pixel (i, j) of
    # the 48x48 face is the mean of the 2x2 block, 2i + 2j + 1. These numbers are the contract
    # between training and inference: change them only with PREPROCESSING_VERSION.
    x = preprocess_face(gradient(), (0, 0, 96, 96))
    assert x.shape == (1, 48, 48) and x.dtype == np.float32
    for i, j in [(0, 0), (10, 3), (47, 47)]:
        expected = ((2 * i + 2 * j + 1) / 255 - FER2013_MEAN) / FER2013_STD
        assert x[0, i, j] == pytest.approx(expected, abs=1e-5)


def test_crop_clips_to_the_image_and_resizes() -> None:
    image = np.zeros((100, 100, 3), np.uint8)
    image[:50, :50] = 255
    face = crop_face(image, (-20, -20, 70, 70))  # only the white 50x50 part is inside
    assert face.shape == (48, 48) and face.dtype == np.uint8
    assert face.min() == 255


def test_box_outside_the_image_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside"):
        crop_face(np.zeros((10, 10), np.uint8), (20, 20, 5, 5))


def test_grey_from_bgr_bgra_and_grey() -> None:
    bgr = np.zeros((4, 4, 3), np.uint8)
    bgr[..., 2] = 255  # pure red
    assert to_grey(bgr)[0, 0] == 76  # ITU-R BT.601 weight of red
    assert to_grey(np.dstack([bgr, np.full((4, 4), 255, np.uint8)]))[0, 0] == 76
    assert to_grey(bgr[..., 0]).shape == (4, 4)
    with pytest.raises(ValueError, match="grey, BGR or BGRA"):
        to_grey(np.zeros((4, 4, 2), np.uint8))


def test_normalize_rejects_wrong_shapes() -> None:
    assert normalize_faces(np.zeros((48, 48), np.uint8)).shape == (1, 1, 48, 48)
    with pytest.raises(ValueError, match="48, 48"):
        normalize_faces(np.zeros((2, 32, 32), np.uint8))


def test_training_uses_the_same_arithmetic() -> None:
    torch = pytest.importorskip("torch", reason="the training extra is not installed")
    from moodtunes.training.train import to_input

    faces = np.random.default_rng(0).integers(0, 256, (5, 48, 48), dtype=np.uint8)
    ours = normalize_faces(faces)
    theirs = to_input(torch.from_numpy(faces)).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
