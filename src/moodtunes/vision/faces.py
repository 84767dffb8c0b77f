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
from moodtunes.vision.mtcnn import Mtcnn, MtcnnSettings, RawDetections
from moodtunes.vision.preprocess import Box, to_grey

Point = tuple[float, float]
LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


@dataclass(frozen=True)
class Detection:
    """One face: its box (x, y, w, h) in pixels of the image, the detector's confidence and,
    from detectors that find them, five landmarks in `LANDMARK_NAMES` order ("left" as seen
    in the image)."""

    box: Box
    score: float = 1.0
    landmarks: tuple[Point, ...] | None = None

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


class FaceDetector(Protocol):
    """Finds faces in an image (BGR, BGRA or grey), largest first."""

    def detect(self, image: npt.NDArray[np.uint8]) -> list[Detection]: ...


def largest_first(found: list[Detection]) -> list[Detection]:
    return sorted(found, key=lambda d: d.area, reverse=True)


def scaled(d: Detection, sx: float, sy: float, width: int, height: int) -> Detection:
    """`d` found on a resized copy, in pixels of the `width` x `height` original."""
    x, y, w, h = d.box
    x0, y0 = min(round(x * sx), width - 1), min(round(y * sy), height - 1)
    box = (x0, y0, max(1, min(round(w * sx), width - x0)), max(1, min(round(h * sy), height - y0)))
    points = None if d.landmarks is None else tuple((px * sx, py * sy) for px, py in d.landmarks)
    return Detection(box, d.score, points)


def to_rgb(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """An RGB copy of a BGR, BGRA or grey image."""
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1):
        return np.ascontiguousarray(np.repeat(image.reshape(image.shape[0], -1, 1), 3, 2))
    if image.ndim == 3 and image.shape[2] in (3, 4):
        return np.ascontiguousarray(image[:, :, 2::-1])
    raise ValueError(f"expected a grey, BGR or BGRA image, got shape {image.shape}")


class MtcnnFaceDetector:
    """MTCNN through ONNX Runtime (moodtunes.vision.mtcnn): boxes and five landmarks.

    When the image as it is shows no face, the detector looks twice more, each time with a
    margin of the image's mean colour around it, more lenient first two stages and a stricter
    last one (which decides): every face-free frame gets these looks, and a stricter last
    stage keeps them from inventing faces there.

    1. as it is: in a tight crop (a face from brow to chin, as photo apps and data sets cut
       them) the face's box reaches past the edges, where the first network never looks;
    2. with its local contrast evened out (CLAHE on the lightness): a face in the dark, in
       the shadow of a window behind it or half in shade is brought back to the contrast the
       networks learnt from.

    A frame with a face in it costs one look; docs/BENCHMARKS.md has what each look finds.
    """

    # The margin, as a fraction of each side, and the thresholds of the later looks. O-Net at
    # 0.8 rather than 0.7 there: on face-free mosaics of face tiles 21 boxes instead of 35 in
    # 100 frames, for 1 point of tight crops and 6 of very dark faces (on this project's own
    # hard frames, docs/BENCHMARKS.md).
    margin = 0.4
    second_thresholds = (0.4, 0.5, 0.8)

    def __init__(self, settings: MtcnnSettings | None = None, threads: int = 1) -> None:
        self.mtcnn = Mtcnn(settings or MtcnnSettings(), threads)
        self._clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))

    def detect(self, image: npt.NDArray[np.uint8]) -> list[Detection]:
        height, width = image.shape[:2]
        if min(height, width) < 12:
            return []
        # A large photo is searched on a copy whose shorter side is the smallest face looked
        # for (MtcnnSettings.min_face_fraction) times 48 px: it holds every face looked for,
        # and the work stays that of a modest photo however many pixels come in.
        s = self.mtcnn.settings
        scale = min(1.0, s.min_face / s.min_face_fraction / min(height, width))
        if scale < 1.0:
            size = (max(12, round(width * scale)), max(12, round(height * scale)))
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            return [scaled(d, width / small.shape[1], height / small.shape[0], width, height)
                    for d in self._detect_all(to_rgb(np.asarray(small, np.uint8)))]
        return self._detect_all(to_rgb(image))

    def _detect_all(self, rgb: npt.NDArray[np.uint8]) -> list[Detection]:
        height, width = rgb.shape[:2]
        found = self._detect(rgb, 0, 0)
        if not found:
            top, left = round(height * self.margin), round(width * self.margin)
            for look in (rgb, self.even_out(rgb)):
                colour = [float(c) for c in look.reshape(-1, 3).mean(0)]
                padded = cv2.copyMakeBorder(look, top, top, left, left, cv2.BORDER_CONSTANT,
                                            value=colour)
                found = self._detect(np.asarray(padded, np.uint8), left, top,
                                     self.second_thresholds)
                if found:
                    break
        return largest_first(found)

    def detect_near(self, image: npt.NDArray[np.uint8], boxes: list[Box]
                    ) -> list[Detection] | None:
        """The faces again near where they were (`boxes`, from the frame before), each looked
        for only around its box and at about its size: a fraction of a whole detection. None
        when one of them is not found there (it left, or moved too far): detect afresh."""
        height, width = image.shape[:2]
        whole_levels = self.mtcnn.scales(height, width)
        found = []
        for x, y, w, h in boxes:
            side = max(w, h)
            # A face moves a fraction of its size between frames: a margin of 40% of it.
            x0, y0 = max(int(x - side * 0.4), 0), max(int(y - side * 0.4), 0)
            x1 = min(int(x + w + side * 0.4), width)
            y1 = min(int(y + h + side * 0.4), height)
            if x1 - x0 < 12 or y1 - y0 < 12:
                return None
            region = to_rgb(image[y0:y1, x0:x1])  # only the region is converted
            # The whole frame's own pyramid levels, those for faces of 0.6-1.6x this one:
            # the region is seen at the scales a whole detection sees it at, and so found
            # where a whole detection finds it (a still face does not wander).
            levels = [k for k in whole_levels if side * 0.6 <= 12 / k <= side * 1.6]
            raw = self.mtcnn.detect(region, levels=levels, at_most=3)
            near = [d for d in self._detections(raw, -x0, -y0, width, height)
                    if abs(d.box[0] + d.box[2] / 2 - x - w / 2) < side * 0.4
                    and abs(d.box[1] + d.box[3] / 2 - y - h / 2) < side * 0.4]
            if not near:
                return None
            found.append(max(near, key=lambda d: d.score))
        return largest_first(found)

    def even_out(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """`rgb` with its lightness's local contrast equalised (CLAHE), colours kept."""
        lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
        lab[:, :, 0] = self._clahe.apply(np.ascontiguousarray(lab[:, :, 0]))
        return np.asarray(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), np.uint8)

    def _detect(self, rgb: npt.NDArray[np.uint8], dx: int, dy: int,
                thresholds: tuple[float, float, float] | None = None) -> list[Detection]:
        """Faces in `rgb`, an image with margins of `dx`, `dy` around the original."""
        raw = self.mtcnn.detect(rgb, thresholds)
        return self._detections(raw, dx, dy, rgb.shape[1] - 2 * dx, rgb.shape[0] - 2 * dy)

    @staticmethod
    def _detections(raw: RawDetections, dx: int, dy: int, width: int, height: int
                    ) -> list[Detection]:
        """`raw`'s faces moved by (-dx, -dy) into the original image of `width` x `height`:
        boxes clipped to it (what is drawn and classified lies in it), landmarks as found."""
        found = []
        for (x0, y0, x1, y1), score, points in zip(raw.boxes, raw.scores, raw.landmarks,
                                                   strict=True):
            bx0, by0 = max(round(float(x0)) - dx, 0), max(round(float(y0)) - dy, 0)
            bx1, by1 = min(round(float(x1)) - dx, width), min(round(float(y1)) - dy, height)
            if bx1 - bx0 < 4 or by1 - by0 < 4:
                continue
            found.append(Detection(
                (bx0, by0, bx1 - bx0, by1 - by0), float(score),
                tuple((float(px) - dx, float(py) - dy) for px, py in points)))
        return found


@dataclass(frozen=True)
class HaarSettings:
    # Detection runs on a copy scaled down to this width: a 640x480 frame costs ~27 ms instead
    # of ~60 ms (shared/MEASURED.md) and faces in a webcam frame stay well above min_size.
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

    def detect(self, image: npt.NDArray[np.uint8]) -> list[Detection]:
        grey = to_grey(image)
        s = self.settings
        height, width = grey.shape
        scale = min(1.0, s.max_width / width, s.max_height / height)
        # At least one pixel each way: a 10000x10 image scales to 400x0 otherwise.
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if min(size) < s.min_size:  # no face of min_size fits
            return []
        # No histogram equalisation: it stretches the noise of dark and backlit frames into
        # edges, and cost 14 points of recall on hard frames (shared/MEASURED.md).
        small = grey if scale == 1.0 else cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        found = self._cascade.detectMultiScale(
            small, scaleFactor=s.scale_factor, minNeighbors=s.min_neighbors,
            minSize=(s.min_size, s.min_size),
        )
        return largest_first([
            Detection((round(x / scale), round(y / scale), round(w / scale), round(h / scale)))
            for (x, y, w, h) in np.asarray(found).reshape(-1, 4)
        ])


class WholeImageDetector:
    """Treats the whole image as one face: for inputs that are already face crops."""

    def detect(self, image: npt.NDArray[np.uint8]) -> list[Detection]:
        return [Detection((0, 0, int(image.shape[1]), int(image.shape[0])))]


DEFAULT_DETECTOR = "mtcnn"
DETECTORS: dict[str, Callable[[], FaceDetector]] = {
    "mtcnn": MtcnnFaceDetector,
    "haar": HaarFaceDetector,
    "whole": WholeImageDetector,
}


def create_detector(name: str = DEFAULT_DETECTOR) -> FaceDetector:
    """The face detector registered as `name`."""
    try:
        factory = DETECTORS[name]
    except KeyError:
        raise ValueError(
            f"unknown face detector {name!r}; choose one of: {', '.join(sorted(DETECTORS))}"
        ) from None
    return factory()
