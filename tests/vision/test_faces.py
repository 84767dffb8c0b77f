import numpy as np
import pytest

from moodtunes.vision.faces import HaarFaceDetector, WholeImageDetector, create_detector
from tests.support import FACE_AT, FACE_SIDE


def test_registry_lists_valid_names_on_unknown() -> None:
    assert isinstance(create_detector("haar"), HaarFaceDetector)
    with pytest.raises(ValueError, match="haar, whole"):
        create_detector("nope")


def test_haar_finds_a_real_face_where_it_was_pasted(face_frames: list[np.ndarray]) -> None:
    boxes = create_detector("haar").detect(face_frames[0])
    assert boxes
    x, y, w, h = boxes[0]
    cx, cy = x + w / 2, y + h / 2
    assert abs(cx - (FACE_AT[0] + FACE_SIDE / 2)) < FACE_SIDE / 4
    assert abs(cy - (FACE_AT[1] + FACE_SIDE / 2)) < FACE_SIDE / 4
    assert FACE_SIDE / 2 < w < FACE_SIDE * 1.5


def test_no_face_in_a_blank_frame(blank_frame: np.ndarray) -> None:
    assert create_detector("haar").detect(blank_frame) == []


def test_whole_image_detector() -> None:
    assert WholeImageDetector().detect(np.zeros((48, 60), np.uint8)) == [(0, 0, 60, 48)]
