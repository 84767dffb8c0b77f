import numpy as np

from moodtunes.vision.faces import create_detector
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.vision.tracking import FaceTracker
from tests.support import FACE_AT, FACE_SIDE


def moving(frame: np.ndarray, steps: int, dx: int) -> list[np.ndarray]:
    """The frame's face moved `dx` px right at each step, over its grey background."""
    x, y = FACE_AT
    face = frame[y:y + FACE_SIDE, x:x + FACE_SIDE].copy()
    out = []
    for i in range(steps):
        f = np.full_like(frame, 120)
        nx = x - 100 + i * dx
        f[y:y + FACE_SIDE, nx:nx + FACE_SIDE] = face
        out.append(f)
    return out


def test_a_moving_face_is_followed_with_few_whole_detections(
        recognizer: EmotionRecognizer, face_frames: list[np.ndarray]) -> None:
    frames = moving(face_frames[0], 12, 6)  # 90 px a second at 15 frames a second
    tracker = FaceTracker(recognizer, every=5)
    diffs = []
    for i, frame in enumerate(frames):
        tracked = tracker.analyze(frame)
        whole = recognizer.analyze(frame)
        assert len(tracked) == len(whole) == 1, f"frame {i}"
        # The tracked eyes are where a whole detection puts them (the crop follows them), and
        # the emotions read there are close.
        assert tracked[0].landmarks is not None and whole[0].landmarks is not None
        for (tx, ty), (wx, wy) in zip(tracked[0].landmarks[:2], whole[0].landmarks[:2],
                                      strict=True):
            assert max(abs(tx - wx), abs(ty - wy)) < FACE_SIDE / 20, f"frame {i}"
        diffs.append(max(abs(tracked[0].scores[k] - whole[0].scores[k]) for k in whole[0].scores))
    assert np.median(diffs) < 0.1, diffs
    assert tracker.whole == 3 and tracker.near == 9  # frames 0, 5 and 10 detect afresh


def test_a_face_that_leaves_is_detected_afresh(recognizer: EmotionRecognizer,
                                               face_frames: list[np.ndarray],
                                               blank_frame: np.ndarray) -> None:
    tracker = FaceTracker(recognizer, every=100)
    assert len(tracker.analyze(face_frames[0])) == 1
    assert tracker.analyze(blank_frame) == []  # lost near its box: a whole detection says so
    assert tracker.whole == 2 and tracker.near == 0
    assert len(tracker.analyze(face_frames[1])) == 1
    assert tracker.whole == 3


def test_haar_detects_every_frame(face_frames: list[np.ndarray]) -> None:
    recognizer = EmotionRecognizer(create_detector("haar"), EmotionRecognizer.default().classifier)
    tracker = FaceTracker(recognizer)
    for frame in face_frames[:3]:
        tracker.analyze(frame)
    assert tracker.whole == 3 and tracker.near == 0
