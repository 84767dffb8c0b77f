"""Whole frames in, faces with emotions out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import EMOTIONS
from moodtunes.vision.align import align_face
from moodtunes.vision.classifier import EmotionClassifier
from moodtunes.vision.faces import (
    DEFAULT_DETECTOR,
    Detection,
    FaceDetector,
    Point,
    create_detector,
)
from moodtunes.vision.preprocess import Box


@dataclass(frozen=True)
class Face:
    """One face: its box (x, y, w, h) in image pixels, top emotion and all 7 probabilities,
    and the detector's five landmarks where it gives them (moodtunes.vision.faces)."""

    box: Box
    emotion: str
    scores: dict[str, float]
    landmarks: tuple[Point, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"box": list(self.box), "emotion": self.emotion,
                "scores": {k: round(v, 4) for k, v in self.scores.items()},
                "landmarks": None if self.landmarks is None
                else [[round(x, 1), round(y, 1)] for x, y in self.landmarks]}


def pick_face(faces: list[Face], at: Point | None = None) -> int | None:
    """Which face drives the mood: the one whose box holds the point `at` (the nearest centre
    when several do, or none does), else the largest. None when there are no faces."""
    if not faces:
        return None
    if at is None:
        return max(range(len(faces)), key=lambda i: faces[i].box[2] * faces[i].box[3])
    px, py = at

    def distance(i: int) -> tuple[bool, float]:
        x, y, w, h = faces[i].box
        inside = x <= px <= x + w and y <= py <= y + h
        return (not inside, (x + w / 2 - px) ** 2 + (y + h / 2 - py) ** 2)

    return min(range(len(faces)), key=distance)


def scores_dict(probs: npt.NDArray[np.float32]) -> dict[str, float]:
    return {label: float(p) for label, p in zip(EMOTIONS, probs, strict=True)}


class EmotionRecognizer:
    """A face detector and an emotion classifier, used together on whole frames."""

    def __init__(self, detector: FaceDetector, classifier: EmotionClassifier,
                 max_faces: int = 8) -> None:
        self.detector = detector
        self.classifier = classifier
        self.max_faces = max_faces

    @classmethod
    def default(cls, model: str | Path | None = None, detector: str = DEFAULT_DETECTOR,
                threads: int = 1) -> EmotionRecognizer:
        """The shipped model (or `model`) with the named face detector."""
        return cls(create_detector(detector), EmotionClassifier(model, threads=threads))

    def analyze(self, image: npt.NDArray[np.uint8]) -> list[Face]:
        """Every face found in `image` (BGR or grey), largest first, each classified on its
        aligned crop (moodtunes.vision.align)."""
        return self.classify(image, self.detector.detect(image))

    def classify(self, image: npt.NDArray[np.uint8], found: list[Detection]) -> list[Face]:
        """The faces of detections already made in `image` (the first `max_faces`)."""
        found = found[: self.max_faces]
        if not found:
            return []
        crops = np.stack([align_face(image, d) for d in found])
        probs = self.classifier.predict(crops)
        return [
            Face(d.box, EMOTIONS[int(p.argmax())], scores_dict(p), d.landmarks)
            for d, p in zip(found, probs, strict=True)
        ]

    def classify_faces(self, faces: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """(N, 7) probabilities for already-cropped (N, 48, 48) grey faces."""
        return self.classifier.predict(faces)
