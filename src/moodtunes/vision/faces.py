"""Face detectors behind one interface, chosen by registry name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from moodtunes.errors import ModelError
from moodtunes.vision.preprocess import Box, to_grey


class FaceDetector(Protocol):
    """Finds faces: boxes (x, y, w, h) in pixels of the given image, largest first."""

    def detect(self, image: npt.NDArray[np.uint8]) -> list[Box]: ...


@dataclass(frozen=True)
class HaarSettings:
    # Detection runs on a copy scaled down to this width: a 640x480 frame costs ~60 ms instead
    # of ~220 ms (shared/MEASURED.md) and faces in a webcam frame stay well above min_size.
    max_width: int = 400
    # Very tall images are scaled to this height instead, so that the cascade's work stays
    # bounded; frames and photos up to 2:5 (portrait) never reach it.
    max_height: int = 1000
    scale_factor: float = 1.1
    min_neighbors: int = 5
    min_size: int = 30


class HaarFaceDetector:
    """OpenCV's frontal-face Haar cascade (shipped with opencv-python-headless < 5)."""

    def __init__(self, settings: HaarSettings | None = None, cascade: str | None = None) -> None:
        self.settings = settings or HaarSettings()
        path = Path(cascade or Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
                    / "haarcascade_frontalface_default.xml")
        self._cascade = cv2.CascadeClassifier(str(path))
        if self._cascade.empty():
            raise ModelError(
                f"cannot load the Haar cascade {path}; opencv-python-headless 5 ships none, "
                "install opencv-python-headless<5"
            )

    def detect(self, image: npt.NDArray[np.uint8]) -> list[Box]:
        grey = to_grey(image)
        s = self.settings
        height, width = grey.shape
        scale = min(1.0, s.max_width / width, s.max_height / height)
        # At least one pixel each way: a 10000x10 image scales to 400x0 otherwise.
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if min(size) < s.min_size:  # no face of min_size fits
            return []
        small = grey if scale == 1.0 else cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        small = cv2.equalizeHist(small)
        found = self._cascade.detectMultiScale(
            small, scaleFactor=s.scale_factor, minNeighbors=s.min_neighbors,
            minSize=(s.min_size, s.min_size),
        )
        boxes = [
            (round(x / scale), round(y / scale), round(w / scale), round(h / scale))
            for (x, y, w, h) in np.asarray(found).reshape(-1, 4)
        ]
        return sorted(boxes, key=lambda b: b[2] * b[3], reverse=True)


class WholeImageDetector:
    """Treats the whole image as one face: for inputs that are already face crops."""

    def detect(self, image: npt.NDArray[np.uint8]) -> list[Box]:
        return [(0, 0, int(image.shape[1]), int(image.shape[0]))]


DETECTORS: dict[str, Callable[[], FaceDetector]] = {
    "haar": HaarFaceDetector,
    "whole": WholeImageDetector,
}


def create_detector(name: str = "haar") -> FaceDetector:
    """The face detector registered as `name`."""
    try:
        factory = DETECTORS[name]
    except KeyError:
        raise ValueError(
            f"unknown face detector {name!r}; choose one of: {', '.join(sorted(DETECTORS))}"
        ) from None
    return factory()
