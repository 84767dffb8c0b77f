"""A frame with two real faces for the several-faces tests: a large happy FER2013 face on the
left and a smaller sad one on the right, pasted enlarged into a 640x480 frame."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from moodtunes.vision.images import decode_image
from moodtunes.vision.recognizer import EmotionRecognizer, Face
from tests.support import CLEAR_FACES, FRAME_H, FRAME_W, jpeg

# Where each face goes: (PublicTest index, x, y, side). The first is the larger.
LARGE = (CLEAR_FACES["happy"], 40, 120, 224)
SMALL = (CLEAR_FACES["sad"], 400, 160, 160)


def two_face_frame(images: npt.NDArray[np.generic]) -> npt.NDArray[np.uint8]:
    """The BGR frame: happy (large, left) and sad (smaller, right) on a grey background."""
    frame = np.full((FRAME_H, FRAME_W), 120, np.uint8)
    for index, x, y, side in (LARGE, SMALL):
        face = np.asarray(images[index], np.uint8)
        frame[y:y + side, x:x + side] = cv2.resize(face, (side, side),
                                                   interpolation=cv2.INTER_CUBIC)
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def read_two_faces(frame: npt.NDArray[np.uint8], recognizer: EmotionRecognizer) -> list[Face]:
    """The two faces as the server finds them in the JPEG of `frame`, checked to be the large
    happy one first and the small sad one second (else the faces above need changing)."""
    faces = recognizer.analyze(decode_image(jpeg(frame)))
    assert [f.emotion for f in faces] == ["happy", "sad"], (
        f"the detector and model should read the frame's faces as happy, sad: {faces}")
    large, small = faces
    assert large.box[0] < FRAME_W / 2 < small.box[0], "happy on the left, sad on the right"
    return faces


def centre(face: Face) -> tuple[float, float]:
    x, y, w, h = face.box
    return x + w / 2, y + h / 2
