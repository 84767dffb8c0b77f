import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from moodtunes.vision.camera import (
    BOX_COLOUR,
    DRIVER_COLOUR,
    CameraStream,
    annotate,
    parse_camera_source,
)
from moodtunes.vision.recognizer import EmotionRecognizer, Face
from tests.support import write_avi
from tests.web.crowd import read_two_faces, two_face_frame


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


def test_annotate_marks_the_face_the_music_follows() -> None:
    frame = np.zeros((200, 300, 3), np.uint8)
    faces = [Face((20, 60, 100, 100), "happy", {"happy": 0.9}),
             Face((180, 60, 80, 80), "sad", {"sad": 0.8})]
    out = annotate(frame, faces, driver=1)
    # Both boxes drawn; the driver's in its own colour and thicker, the other as before.
    assert tuple(out[110, 20]) == BOX_COLOUR and not out[110, 23].any()
    assert tuple(out[100, 180]) == DRIVER_COLOUR and tuple(out[100, 181]) == DRIVER_COLOUR
    assert (out[100, 181:183] == DRIVER_COLOUR).all() and not out[100, 190].any()
    # Only the driver's label says it drives the music: its label is wider than without.
    alone = annotate(frame, faces, driver=None)
    assert tuple(alone[100, 180]) == BOX_COLOUR
    label_row = 60 - 12
    assert (out[label_row, 180:300] == DRIVER_COLOUR).all(axis=1).sum() > \
        (alone[label_row, 180:300] == BOX_COLOUR).all(axis=1).sum()


def test_a_camera_that_cannot_open_says_why_sleeps_and_tries_again_when_watched(
    tmp_path: Path, recognizer: EmotionRecognizer, face_frames: list[np.ndarray]
) -> None:
    missing = tmp_path / "plugged-in-later.avi"
    camera = CameraStream(str(missing), recognizer, idle_after=5.0, retry_after=0.4).start()
    try:
        time.sleep(0.3)  # nobody watching: not even tried
        assert camera.attempts == 0 and camera.error is None and not camera.failed

        assert camera.watch_and_wait() is False  # a viewer: tried once, and it failed
        assert camera.failed and camera.error is not None and str(missing) in camera.error
        assert camera.attempts == 1 and camera.opens == 0 and camera.running
        assert camera.snapshot is None and list(camera.mjpeg()) == []  # no frozen frame
        assert 0 < camera.retry_in <= 0.4

        camera.watch()  # within the backoff: no new try
        time.sleep(1.0)  # the backoff is over, but nobody watched since: still asleep
        assert camera.attempts == 1 and camera.opens == 0

        camera.watch()  # a later watch tries again (the file is still missing)
        assert _wait_until(lambda: camera.attempts == 2)
        assert camera.failed and camera.opens == 0

        write_avi(missing, face_frames[:3], fps=20)  # the camera is plugged in
        time.sleep(0.5)
        assert camera.watch_and_wait(timeout=5.0) is True
        assert camera.error is None and not camera.failed and camera.opens == 1
        assert len(list(camera.mjpeg(max_frames=2))) == 2
    finally:
        camera.stop()
    assert not camera.running


def test_the_mood_follows_the_largest_face_and_its_box_is_marked(
    tmp_path: Path, recognizer: EmotionRecognizer,
    publictest: dict[str, npt.NDArray[np.generic]],
) -> None:
    frame = two_face_frame(publictest["images"])
    large, small = read_two_faces(frame, recognizer)
    video = write_avi(tmp_path / "two.avi", [frame] * 3, fps=20)
    camera = CameraStream(str(video), recognizer).start()
    try:
        parts = list(camera.mjpeg(max_frames=2))
        snap = camera.snapshot
    finally:
        camera.stop()
    assert len(parts) == 2 and snap is not None and len(snap.faces) == 2
    assert snap.driver == 0 and snap.mood is not None and snap.mood.emotion == "happy"
    image = cv2.imdecode(np.frombuffer(snap.jpeg, np.uint8), cv2.IMREAD_COLOR)
    x, y, w, h = snap.faces[0].box
    ox, oy, ow, oh = snap.faces[1].box

    def near(pixel: npt.NDArray[np.uint8], colour: tuple[int, int, int]) -> bool:
        return bool(np.abs(pixel.astype(int) - colour).max() < 40)  # JPEG's colours wander

    assert near(image[y + h // 2, x + 1], DRIVER_COLOUR)  # the large face drives the music
    assert near(image[oy + oh // 2, ox], BOX_COLOUR)  # the other is boxed too
