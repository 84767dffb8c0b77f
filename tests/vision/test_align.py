import math

import cv2
import numpy as np
import pytest

from moodtunes.vision.align import FER_EYES, Square, align_face, crop_square, face_square
from moodtunes.vision.faces import Detection, MtcnnFaceDetector
from moodtunes.vision.preprocess import crop_face
from tests.support import face_frame


def texture(h: int = 480, w: int = 640) -> np.ndarray:
    rng = np.random.default_rng(3)
    small = rng.integers(0, 256, (h // 8, w // 8), dtype=np.uint8)
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), np.uint8)


def eyes_at(lx: float, ly: float, rx: float, ry: float) -> Detection:
    box = (int(lx) - 20, int(ly) - 20, int(rx - lx) + 40, int(rx - lx) + 40)
    return Detection(box, 1.0, ((lx, ly), (rx, ry), (0, 0), (0, 0), (0, 0)))


def test_the_square_follows_the_eyes() -> None:
    sq = face_square(eyes_at(100, 200, 200, 200))
    assert sq.side == pytest.approx(FER_EYES.side * 100)
    assert (sq.cx, sq.cy) == pytest.approx((150, 200 + FER_EYES.down * 100))
    assert sq.angle == 0
    # Turned 90 degrees clockwise (the right eye below the left): "down" points to -x.
    turned = face_square(eyes_at(100, 100, 100.0001, 200))
    assert turned.angle == pytest.approx(math.pi / 2, abs=1e-4)
    assert (turned.cx, turned.cy) == pytest.approx((100 - FER_EYES.down * 100, 150), abs=1e-2)


def test_a_turned_face_comes_out_upright() -> None:
    image = texture()
    upright = crop_square(image, Square(320, 240, 160))
    matrix = cv2.getRotationMatrix2D((320, 240), -25, 1.0)  # 25 degrees clockwise
    turned = cv2.warpAffine(image, matrix, (640, 480), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
    back = crop_square(turned, Square(320, 240, 160, math.radians(25)))
    assert np.abs(back.astype(int) - upright).mean() < 6


def test_a_large_face_is_shrunk_without_aliasing() -> None:
    stripes = np.zeros((2000, 2000), np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes: a bare warp would sample them black or white
    face = crop_square(stripes, Square(1000, 1000, 1200))
    assert face.shape == (48, 48) and abs(float(face.mean()) - 127.5) < 10 and face.std() < 10


def test_whole_image_detections_are_the_image_resized() -> None:
    image = texture(60, 48)
    face = align_face(image, Detection((0, 0, 48, 60)))
    assert np.array_equal(face, crop_face(image, (0, 0, 48, 60)))


def likeness(crop: np.ndarray, face: np.ndarray) -> float:
    """Correlation of two faces' shapes (blurred: a pixel's shift is not a different face)."""
    a, b = (cv2.GaussianBlur(x.astype(np.float32), (0, 0), 2) for x in (crop, face))
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_aligned_crops_are_framed_as_fer2013s_faces(publictest: dict[str, np.ndarray]) -> None:
    """The calibration: a FER2013 face pasted into a frame, found and aligned, comes back
    close to the face itself, closer than the detector's own box frames it."""
    detector = MtcnnFaceDetector()
    aligned, boxed = [], []
    for face in publictest["images"][:60]:
        frame = face_frame(face)
        found = detector.detect(frame)
        if found:
            aligned.append(likeness(align_face(frame, found[0]), face))
            boxed.append(likeness(align_face(frame, Detection(found[0].box)), face))
    assert len(aligned) >= 50
    assert np.median(aligned) > 0.65, f"median likeness {np.median(aligned):.2f}"
    assert np.median(aligned) > np.median(boxed) + 0.02
