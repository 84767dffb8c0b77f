from pathlib import Path

import cv2
import numpy as np

from moodtunes.vision.camera import CameraStream, annotate, parse_camera_source
from moodtunes.vision.recognizer import EmotionRecognizer, Face
from tests.support import write_avi


def test_parse_source() -> None:
    assert parse_camera_source("0") == 0
    assert parse_camera_source("clip.avi") == "clip.avi"


def test_annotate_draws_box_and_leaves_the_input_alone() -> None:
    frame = np.zeros((100, 100, 3), np.uint8)
    face = Face((10, 30, 50, 50), "happy", {"happy": 0.9})
    out = annotate(frame, [face])
    assert frame.max() == 0
    assert out[55, 10].any() and not out[55, 35].any()  # the box edge, not its inside


def test_video_file_is_read_by_one_thread_and_streamed(
    tmp_path: Path, recognizer: EmotionRecognizer, face_frames: list[np.ndarray]
) -> None:
    video = write_avi(tmp_path / "faces.avi", face_frames[:4], fps=20)
    camera = CameraStream(str(video), recognizer).start()
    try:
        parts = list(camera.mjpeg(max_frames=6))  # more frames than the file: it loops
        snap = camera.snapshot
    finally:
        camera.stop()
    assert len(parts) == 6 and not camera.running
    for part in parts:
        head, body = part.split(b"\r\n\r\n", 1)
        assert head.startswith(b"--frame\r\nContent-Type: image/jpeg")
        image = cv2.imdecode(np.frombuffer(body[:-2], np.uint8), cv2.IMREAD_COLOR)
        assert image.shape == (480, 640, 3)
    assert snap is not None and snap.faces and snap.mood is not None
    assert snap.index >= 6


def test_a_missing_video_reports_an_error(recognizer: EmotionRecognizer, tmp_path: Path) -> None:
    camera = CameraStream(str(tmp_path / "none.avi"), recognizer).start()
    assert list(camera.mjpeg()) == []
    camera.stop()
    assert camera.error is not None and "none.avi" in camera.error
