import time
from collections.abc import Callable
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


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_camera_reads_only_while_someone_watches(
    tmp_path: Path, recognizer: EmotionRecognizer, face_frames: list[np.ndarray]
) -> None:
    video = write_avi(tmp_path / "faces.avi", face_frames[:4], fps=20)
    camera = CameraStream(str(video), recognizer, idle_after=0.3).start()
    try:
        time.sleep(0.5)  # started, nobody watching: the device stays closed, nothing is read
        assert camera.running and camera.opens == 0 and camera.snapshot is None

        assert len(list(camera.mjpeg(max_frames=3))) == 3  # a viewer opens it
        assert camera.opens == 1
        assert _wait_until(lambda: not camera.awake)  # the viewer left: released
        snapshot = camera.snapshot
        assert snapshot is not None
        time.sleep(0.6)  # twice the idle time: still no frame read
        assert camera.snapshot is snapshot and camera.opens == 1 and not camera.awake

        camera.watch()  # a browser following the camera wakes it too
        assert _wait_until(lambda: camera.snapshot is not snapshot)
        assert camera.opens == 2 and camera.running and camera.error is None
        assert len(list(camera.mjpeg(max_frames=2))) == 2
        latest = camera.snapshot
        assert latest is not None and latest.index >= snapshot.index + 3
    finally:
        camera.stop()
    assert not camera.running and not camera.awake
