"""Aligned, calibrated face crops: the one function that turns a detection into the 48x48 grey
face the classifier sees, for inference and for training alike.

FER2013's faces are framed the way its authors' detector framed them: a square a little wider
than the face, the eyes a little above the middle. A detector's own box is framed otherwise
(MTCNN's runs from the brows to below the chin), and a classifier trained on FER2013 loses
points on crops framed differently (shared/MEASURED.md: 4-9 points). So the crop is not the
box: from the eyes it finds a square placed and sized as FER2013's are, turned so that the
eyes are level. The rule's numbers were fitted by running the detector on FER2013 Training
faces padded into larger frames, where the true square is known
(`python benchmarks/fit_crop.py` reproduces them and their spread). Detections without eyes
(the Haar cascade, whole images) are cropped by a rule fitted the same way to their boxes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from moodtunes.vision.faces import Detection
from moodtunes.vision.preprocess import FACE_SIZE, crop_face, to_grey


@dataclass(frozen=True)
class EyeRule:
    """The square, in units of the distance between the eyes, in the frame of the eyes (x
    along the line from the left eye to the right, y down the face): its side, and where its
    centre lies from the point between the eyes."""

    side: float
    down: float
    across: float = 0.0


@dataclass(frozen=True)
class BoxRule:
    """The square from a box: its side in units of the box's width, and its centre's offset
    from the box's centre in units of the box's width and height."""

    side: float = 1.0
    dx: float = 0.0
    dy: float = 0.0


# Fitted on 3,000 FER2013 Training faces by `python benchmarks/fit_crop.py` (medians of the
# 2,808 that MTCNN found; the quartiles of the side are 2.47-3.02, of `down` 0.26-0.41; the
# median of `across`, -0.013, is taken as 0, as faces are symmetric). See docs/MODEL.md,
# "What the classifier sees".
FER_EYES = EyeRule(side=2.70, down=0.31, across=0.0)
# Haar's boxes, fitted the same way (2,213 faces): 5% tighter than FER2013's squares, centred.
FER_HAAR_BOX = BoxRule(side=1.05, dx=0.0, dy=0.0)


@dataclass(frozen=True)
class Square:
    """A square in image pixels, turned by `angle` radians (clockwise, as the image's y axis
    points down)."""

    cx: float
    cy: float
    side: float
    angle: float = 0.0


def eyes_of(detection: Detection) -> tuple[tuple[float, float], tuple[float, float]] | None:
    if detection.landmarks is None or len(detection.landmarks) < 2:
        return None
    return detection.landmarks[0], detection.landmarks[1]


def face_square(detection: Detection, eyes: EyeRule = FER_EYES,
                box: BoxRule = FER_HAAR_BOX) -> Square:
    """Where FER2013 would have framed this face."""
    found = eyes_of(detection)
    if found is not None:
        (lx, ly), (rx, ry) = found
        distance = math.hypot(rx - lx, ry - ly)
        if distance >= 2.0:
            angle = math.atan2(ry - ly, rx - lx)
            cos, sin = math.cos(angle), math.sin(angle)
            mx, my = (lx + rx) / 2, (ly + ry) / 2
            # The face's axes in the image: across = (cos, sin), down = (-sin, cos).
            ox, oy = eyes.across * distance, eyes.down * distance
            return Square(mx + ox * cos - oy * sin, my + ox * sin + oy * cos,
                          eyes.side * distance, angle)
    x, y, w, h = detection.box
    return Square(x + w / 2 + box.dx * w, y + h / 2 + box.dy * h, box.side * max(w, h))


def crop_square(image: npt.NDArray[np.uint8], square: Square,
                size: int = FACE_SIZE) -> npt.NDArray[np.uint8]:
    """The grey `size` x `size` image of `square`, turned upright. Beyond the image's edges
    the edge pixels are repeated, as a face at the border of a frame is in FER2013."""
    grey = to_grey(image)
    side = max(square.side, 1.0)
    cx, cy = square.cx, square.cy
    # A face much larger than the output is first shrunk by area averaging (a warp alone
    # samples it, and aliases): only the part around the square, to at most twice the output.
    shrink = min(1.0, 2.0 * size / side)
    if shrink < 1.0:
        reach = side * 0.75  # half the square's diagonal, and a little more
        x0, y0 = max(int(cx - reach), 0), max(int(cy - reach), 0)
        x1 = min(int(math.ceil(cx + reach)), grey.shape[1])
        y1 = min(int(math.ceil(cy + reach)), grey.shape[0])
        if x1 > x0 and y1 > y0:
            region = grey[y0:y1, x0:x1]
            out_w = max(1, round((x1 - x0) * shrink))
            out_h = max(1, round((y1 - y0) * shrink))
            grey = np.asarray(cv2.resize(region, (out_w, out_h), interpolation=cv2.INTER_AREA),
                              np.uint8)
            sx, sy = out_w / (x1 - x0), out_h / (y1 - y0)
            cx, cy, side = (cx - x0) * sx, (cy - y0) * sy, side * (sx + sy) / 2
    scale = size / side
    cos, sin = math.cos(square.angle) * scale, math.sin(square.angle) * scale
    # dest = scale * R(-angle) * (src - centre) + size / 2
    matrix = np.array([[cos, sin, size / 2 - cos * cx - sin * cy],
                       [-sin, cos, size / 2 + sin * cx - cos * cy]], np.float64)
    face = cv2.warpAffine(grey, matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(face, np.uint8)


def align_face(image: npt.NDArray[np.uint8], detection: Detection,
               size: int = FACE_SIZE) -> npt.NDArray[np.uint8]:
    """The 48x48 grey face the classifier sees for `detection`: framed as FER2013's faces
    are and, when the detector found the eyes, turned so that they are level. A detection
    that is the whole image (`--detector whole`: the image is a face crop already) is the
    image resized, as it is."""
    if eyes_of(detection) is None and detection.box == (0, 0, image.shape[1], image.shape[0]):
        return crop_face(image, detection.box)
    return crop_square(image, face_square(detection), size)
