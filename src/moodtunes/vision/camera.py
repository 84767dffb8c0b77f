"""A server-side camera: one capture thread for the whole server, however many viewers.

The thread reads frames from a camera index or a video file (looped, at its own frame rate),
finds faces and emotions, draws them, and keeps the newest annotated JPEG and the smoothed mood.
Viewers of /video_feed wait on a condition for the next frame; nobody opens the camera again.

The camera works only while someone watches: `watch()` (called by each /video_feed viewer for
every frame it waits for, and by each request of a browser following the server camera) keeps
it awake for `idle_after` seconds more. With nobody watching, the thread releases the device
and sleeps on an event, reading no frames, until the next `watch()` opens it again.

A device that cannot be opened (or stops giving frames) is not fatal: `error` says why, the
thread goes back to sleep, and the first `watch()` at least `retry_after` seconds later tries
again, so a camera plugged in later works. Nobody watching still costs nothing.

Every face in a frame is boxed and labelled; the mood follows the largest one (`pick_face`),
whose box is marked as the one the music follows.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from moodtunes.mood import MoodSettings, MoodState
from moodtunes.vision.images import encode_jpeg
from moodtunes.vision.recognizer import EmotionRecognizer, Face, pick_face
from moodtunes.vision.tracking import FaceTracker

log = logging.getLogger(__name__)

BOX_COLOUR = (80, 200, 120)
# The face the music follows: a thicker box in another colour, and a note on its label.
DRIVER_COLOUR = (60, 170, 255)
DRIVER_NOTE = "music"
# How long the camera keeps reading after the last viewer or follower was seen.
IDLE_AFTER_S = 10.0
# How long after a failed open the next watch() may try the device again.
RETRY_AFTER_S = 5.0


def parse_camera_source(value: str) -> int | str:
    """A camera index ("0") or a video file path / stream URL."""
    return int(value) if value.strip().isdigit() else value


def annotate(frame: npt.NDArray[np.uint8], faces: list[Face],
             driver: int | None = None) -> npt.NDArray[np.uint8]:
    """A copy of `frame` with each face's box and top emotion drawn on it; the face at index
    `driver`, whose mood the music follows, is drawn thicker, in its own colour, and says so."""
    out = frame.copy()
    for i, face in enumerate(faces):
        drives = i == driver
        colour = DRIVER_COLOUR if drives else BOX_COLOUR
        x, y, w, h = face.box
        cv2.rectangle(out, (x, y), (x + w, y + h), colour, 4 if drives else 2)
        label = f"{face.emotion} {face.scores[face.emotion]:.0%}"
        if drives and len(faces) > 1:
            label += f" - {DRIVER_NOTE}"
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 1)
        top = max(y - th - 8, 0)
        cv2.rectangle(out, (x, top), (x + tw + 8, top + th + 8), colour, -1)
        cv2.putText(out, label, (x + 4, top + th + 3), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    (20, 20, 20), 1, cv2.LINE_AA)
    return out


@dataclass(frozen=True)
class CameraSnapshot:
    jpeg: bytes
    faces: list[Face]
    mood: MoodState | None
    index: int
    # The index in `faces` of the face the mood follows (the largest); None without faces.
    driver: int | None = None


class CameraStream:
    """Owns the capture device and the one thread that reads it, while someone watches."""

    def __init__(self, source: int | str, recognizer: EmotionRecognizer,
                 max_fps: float = 15.0, mood: MoodSettings | None = None,
                 idle_after: float = IDLE_AFTER_S,
                 retry_after: float = RETRY_AFTER_S) -> None:
        self.source = source
        self.recognizer = recognizer
        self.max_fps = max_fps
        self.mood_settings = mood or MoodSettings()
        self.idle_after = idle_after
        self.retry_after = retry_after
        # Why the last try to open or read the device failed; None once it opens again.
        self.error: str | None = None
        # How many tries to open the device have ended (opened or failed), how many opened it,
        # and whether it is open now.
        self.attempts = 0
        self.opens = 0
        self.awake = False
        # A failed try: the earliest moment (time.monotonic()) a watch() may wake a retry.
        self._retry_at = -math.inf
        self._snapshot: CameraSnapshot | None = None
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._watched_at = -math.inf
        self._thread: threading.Thread | None = None

    def start(self) -> CameraStream:
        """Starts the thread, which opens the device only once someone watches."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="moodtunes-camera",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def watch(self) -> None:
        """Someone watches: keeps the camera reading (opening it when asleep) for
        `idle_after` seconds more."""
        self._watched_at = time.monotonic()
        self._wake.set()

    @property
    def watched(self) -> bool:
        return time.monotonic() - self._watched_at < self.idle_after

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def failed(self) -> bool:
        """The last try to open or read the device failed, and it is not reading now."""
        return self.error is not None and not self.awake

    @property
    def retry_in(self) -> float:
        """Seconds until a watch() may try a failed device again (0 when it may now)."""
        return max(0.0, self._retry_at - time.monotonic())

    def watch_and_wait(self, timeout: float = 2.0) -> bool:
        """watch(), for someone who wants frames now, and wait (up to `timeout` seconds) until
        the camera reads or a try to open it has failed; True when it reads. A device that
        failed within the backoff is not tried: False at once."""
        with self._changed:
            tried = self.attempts
        self.watch()
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._stop.is_set() and not self.awake:
                if self.failed and (self.attempts > tried or self._watched_at < self._retry_at):
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return self.awake

    @property
    def snapshot(self) -> CameraSnapshot | None:
        return self._snapshot

    def _open(self) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(self.source)
        if not capture.isOpened():
            capture.release()
            raise OSError(f"cannot open camera or video {self.source!r}")
        return capture

    def _wanted(self) -> bool:
        """Someone watches, and (after a failure) watched again once the backoff was over."""
        return self.watched and self._watched_at >= self._retry_at

    def _sleep_until_watched(self) -> None:
        while not self._stop.is_set() and not self._wanted():
            self._wake.clear()
            if self._wanted():  # a watch() between the check above and the clear
                return
            self._wake.wait()

    def _fail(self, message: str, tried: bool) -> None:
        """Records why the device gave nothing (`tried`: a try to open it ended so), and lets
        only a watch() after the backoff wake the thread again."""
        log.error("%s; trying again when someone watches, in %.0f s at the earliest",
                  message, self.retry_after)
        with self._changed:
            self.attempts += tried
            self.error = message
            self._retry_at = time.monotonic() + self.retry_after
            self._changed.notify_all()

    def _run(self) -> None:
        mood: MoodState | None = None
        index = 0
        while not self._stop.is_set():
            self._sleep_until_watched()
            if self._stop.is_set():
                return
            try:
                capture = self._open()
            except OSError as exc:
                self._fail(str(exc), tried=True)
                continue
            with self._changed:
                self.attempts += 1
                self.opens += 1
                self.awake = True
                self.error = None
                self._changed.notify_all()
            log.info("server camera %r opened: someone watches", self.source)
            try:
                mood, index, ok = self._read(capture, mood, index)
            finally:
                capture.release()
                with self._changed:
                    self.awake = False
                    self._changed.notify_all()
            if not ok:
                self._fail(f"no frames from {self.source!r}", tried=False)
                continue
            log.info("server camera %r released: nobody watched for %.0f s", self.source,
                     self.idle_after)

    def _read(self, capture: cv2.VideoCapture, mood: MoodState | None,
              index: int) -> tuple[MoodState | None, int, bool]:
        """Reads frames while someone watches; the mood and frame count so far, and False
        when the source gave out. The mood follows the largest face (`pick_face`)."""
        is_file = isinstance(self.source, str)
        fps = capture.get(cv2.CAP_PROP_FPS) if is_file else 0.0
        interval = 1.0 / min(fps if fps and fps > 0 else self.max_fps, self.max_fps)
        read_here = 0
        # Faces are followed from frame to frame, with a whole detection every few frames
        # (moodtunes.vision.tracking): most frames cost a fraction of a detection.
        tracker = FaceTracker(self.recognizer)
        while not self._stop.is_set() and self.watched:
            started = time.monotonic()
            ok, frame = capture.read()
            if not ok:
                if is_file and read_here > 0:  # a video file loops, like a camera that never ends
                    capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    tracker.reset()
                    continue
                return mood, index, False
            read_here += 1
            image = np.asarray(frame, np.uint8)
            faces = tracker.analyze(image)
            driver = pick_face(faces)
            if driver is not None:
                probs = list(faces[driver].scores.values())
                now = time.time()
                mood = (MoodState.start(probs, now) if mood is None
                        else mood.observe(probs, now, self.mood_settings))
            index += 1
            snapshot = CameraSnapshot(encode_jpeg(annotate(image, faces, driver)), faces, mood,
                                      index, driver)
            with self._changed:
                self._snapshot = snapshot
                self._changed.notify_all()
            self._stop.wait(max(0.0, interval - (time.monotonic() - started)))
        return mood, index, True

    def wait_for_frame(self, after: int, timeout: float = 2.0) -> CameraSnapshot | None:
        """The first snapshot newer than index `after`; None after `timeout` seconds, or at
        once when the device failed."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._stop.is_set():
                snap = self._snapshot
                if snap is not None and snap.index > after:
                    return snap
                if self.failed:
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)
        return None

    def mjpeg(self, max_frames: int | None = None) -> Iterator[bytes]:
        """multipart/x-mixed-replace parts, one per new frame, until the camera stops or
        fails; the viewer keeps the camera awake while it reads them."""
        last = self._snapshot.index if self._snapshot is not None else 0
        sent = 0
        while not self._stop.is_set() and (max_frames is None or sent < max_frames):
            self.watch()
            snap = self.wait_for_frame(last)
            if snap is None:
                if not self.running or self.failed:
                    return
                continue
            last = snap.index
            sent += 1
            yield (b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                   + str(len(snap.jpeg)).encode() + b"\r\n\r\n" + snap.jpeg + b"\r\n")
