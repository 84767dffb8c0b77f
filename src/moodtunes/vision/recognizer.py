"""Whole frames in, faces with emotions out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import EMOTIONS
from moodtunes.vision.classifier import EmotionClassifier
from moodtunes.vision.faces import FaceDetector, create_detector
from moodtunes.vision.preprocess import Box, crop_face


@dataclass(frozen=True)
class Face:
    """One face: its box (x, y, w, h) in image pixels, top emotion and all 7 probabilities."""

    box: Box
    emotion: str
    scores: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"box": list(self.box), "emotion": self.emotion,
                "scores": {k: round(v, 4) for k, v in self.scores.items()}}


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
    def default(cls, model: str | Path | None = None, detector: str = "haar",
                threads: int = 1) -> EmotionRecognizer:
        """The shipped model (or `model`) with the named face detector."""
        return cls(create_detector(detector), EmotionClassifier(model, threads=threads))

    def analyze(self, image: npt.NDArray[np.uint8]) -> list[Face]:
        """Every face found in `image` (BGR or grey), largest first."""
        boxes = self.detector.detect(image)[: self.max_faces]
        if not boxes:
            return []
        crops = np.stack([crop_face(image, box) for box in boxes])
        probs = self.classifier.predict(crops)
        return [
            Face(tuple(int(v) for v in box), EMOTIONS[int(p.argmax())], scores_dict(p))  # type: ignore[arg-type]
            for box, p in zip(boxes, probs, strict=True)
        ]

    def classify_faces(self, faces: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """(N, 7) probabilities for already-cropped (N, 48, 48) grey faces."""
        return self.classifier.predict(faces)
