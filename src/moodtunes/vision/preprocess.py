"""The one preprocessing function shared by training and inference.

A face becomes a float32 48x48 grey image, scaled to 0..1 and then standardised with the mean
and standard deviation recorded in the model's metadata. Bump PREPROCESSING_VERSION whenever
this changes: models record the version they were trained with and the loader refuses others.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

PREPROCESSING_VERSION = "1"
FACE_SIZE = 48
# Statistics of the FER2013 Training pixels (scaled to 0..1); stored in every model's metadata.
FER2013_MEAN = 0.5077
FER2013_STD = 0.2550

Box = tuple[int, int, int, int]


def to_grey(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """A single-channel view of a BGR, BGRA or already grey image."""
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY), np.uint8)
    raise ValueError(f"expected a grey, BGR or BGRA image, got shape {image.shape}")


def crop_face(image: npt.NDArray[np.uint8], box: Box) -> npt.NDArray[np.uint8]:
    """The grey, 48x48 uint8 face inside `box` (x, y, w, h), clipped to the image."""
    grey = to_grey(image)
    x, y, w, h = (int(v) for v in box)
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, grey.shape[1]), min(y + h, grey.shape[0])
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"face box {box} lies outside the {grey.shape[1]}x{grey.shape[0]} image")
    face = grey[y0:y1, x0:x1]
    if face.shape != (FACE_SIZE, FACE_SIZE):
        interpolation = cv2.INTER_AREA if min(face.shape) > FACE_SIZE else cv2.INTER_LINEAR
        face = np.asarray(
            cv2.resize(face, (FACE_SIZE, FACE_SIZE), interpolation=interpolation), np.uint8
        )
    return np.ascontiguousarray(face)


def normalize_faces(
    faces: npt.NDArray[np.uint8], mean: float = FER2013_MEAN, std: float = FER2013_STD
) -> npt.NDArray[np.float32]:
    """(N, 48, 48) uint8 faces to the (N, 1, 48, 48) float32 tensor a model takes."""
    faces = np.asarray(faces)
    if faces.ndim == 2:
        faces = faces[None]
    if faces.ndim != 3 or faces.shape[1:] != (FACE_SIZE, FACE_SIZE):
        raise ValueError(f"expected (N, {FACE_SIZE}, {FACE_SIZE}) faces, got {faces.shape}")
    scaled = faces.astype(np.float32) / np.float32(255.0)
    return ((scaled - np.float32(mean)) / np.float32(std))[:, None, :, :]


def preprocess_face(
    image: npt.NDArray[np.uint8],
    box: Box | None = None,
    mean: float = FER2013_MEAN,
    std: float = FER2013_STD,
) -> npt.NDArray[np.float32]:
    """Crop, grey, 48x48 and normalise one face: the (1, 48, 48) model input."""
    if box is None:
        box = (0, 0, image.shape[1], image.shape[0])
    return normalize_faces(crop_face(image, box)[None], mean, std)[0]
