"""Faces followed from frame to frame, for a video (the server camera): a whole detection
every few frames, and in between each face looked for again only around where that detection
found it.

A webcam's faces move little between two frames 1/15 s apart, so a full search of the frame
for each is wasted work: `FaceTracker` searches the whole frame every `every` frames, or when
a face is lost, and otherwise only a small region about each face at about its size (MTCNN's
`detect_near`, on the whole frame's own pyramid levels, so that a still face is read the same
way from frame to frame). New faces that walk in are found at the next whole detection.
Detectors that cannot look near (Haar) detect every frame. docs/BENCHMARKS.md has what it
saves.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from moodtunes.vision.preprocess import Box
from moodtunes.vision.recognizer import EmotionRecognizer, Face

# A whole detection at least this often, in frames (at 15 frames a second, 3 times a second).
EVERY = 5


class FaceTracker:
    """`EmotionRecognizer.analyze` for consecutive frames of one video. Not shared between
    threads: one tracker per video."""

    def __init__(self, recognizer: EmotionRecognizer, every: int = EVERY) -> None:
        self.recognizer = recognizer
        self.every = max(1, every)
        self._anchors: list[Box] = []
        self._since = 0  # frames since the last whole detection
        self.whole = 0  # how many whole detections were made, and near ones
        self.near = 0

    def analyze(self, image: npt.NDArray[np.uint8]) -> list[Face]:
        """Every face in this frame, largest first, as `EmotionRecognizer.analyze` says."""
        detect_near = getattr(self.recognizer.detector, "detect_near", None)
        found = None
        if self._anchors and self._since < self.every - 1 and detect_near is not None:
            found = detect_near(image, self._anchors)
        if found is None:
            faces = self.recognizer.analyze(image)
            # Looked for near where the whole detection found them, not where the last near
            # look did: a still face is then read the same way frame after frame, instead of
            # drifting by a pixel or two each time.
            self._anchors = [f.box for f in faces]
            self._since = 0
            self.whole += 1
        else:
            faces = self.recognizer.classify(image, found)
            self._since += 1
            self.near += 1
        return faces

    def reset(self) -> None:
        """Forget the faces (a new video, a jump in time)."""
        self._anchors, self._since = [], 0
