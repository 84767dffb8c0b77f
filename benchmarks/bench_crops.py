"""What the crop does to the classifier: the shipped model's accuracy on faces found in frames,
cropped in different ways.

    .venv/bin/python benchmarks/bench_crops.py [--faces 3589]

FER2013 PublicTest faces are enlarged (96-240 px) and pasted into 640x480 frames at random
places, as benchmarks/fit_crop.py does (PublicTest, not the Training faces the rule was fitted
on). On the faces MTCNN finds, the model reads: the original 48x48 face (the ceiling), the
aligned crop (moodtunes' crop: the FER2013 rule from the eyes, turned level), the same without
turning, and the detector's own box. The same is then done on SFEW 2.0 Train's tight crops
(in-the-wild faces), where the alternative is the whole crop, stretched to 48x48, as
`--detector whole` reads it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_crop import paste  # noqa: E402
from hard_frames import FER_PUBLICTEST, SFEW  # noqa: E402

from moodtunes.emotions import EMOTIONS  # noqa: E402
from moodtunes.vision.align import crop_square, face_square  # noqa: E402
from moodtunes.vision.classifier import EmotionClassifier  # noqa: E402
from moodtunes.vision.faces import Detection, MtcnnFaceDetector  # noqa: E402
from moodtunes.vision.preprocess import crop_face  # noqa: E402

SFEW_NAMES = {"Angry": "angry", "Disgust": "disgust", "Fear": "fear", "Happy": "happy",
              "Sad": "sad", "Surprise": "surprise", "Neutral": "neutral"}


def crops(image: np.ndarray, d: Detection) -> dict[str, np.ndarray]:
    square = face_square(d)
    return {
        "aligned (moodtunes)": crop_square(image, square),
        "aligned, not turned": crop_square(image, dataclasses.replace(square, angle=0.0)),
        "the detector's box": crop_face(image, d.box),
    }


def accuracy(model: EmotionClassifier, faces: dict[str, list[np.ndarray]],
             labels: list[int]) -> dict[str, float]:
    y = np.asarray(labels)
    return {k: float((model.predict(np.stack(v)).argmax(1) == y).mean()) for k, v in faces.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=int, default=3589)
    args = parser.parse_args(argv)
    if not FER_PUBLICTEST.is_file() or not SFEW.is_dir():
        print(f"needs {FER_PUBLICTEST} and {SFEW}", file=sys.stderr)
        return 1
    model, detector = EmotionClassifier(), MtcnnFaceDetector()
    with np.load(FER_PUBLICTEST, allow_pickle=False) as data:
        images, labels = data["images"][: args.faces], data["labels"][: args.faces]
    rng = np.random.default_rng(0)
    faces: dict[str, list[np.ndarray]] = {"the original 48x48 face": []}
    found: list[int] = []
    for face, label in tqdm(list(zip(images, labels, strict=True)), desc="FER2013 in frames"):
        frame, (cx, cy, _) = paste(face, rng)
        hits = [d for d in detector.detect(frame)
                if d.box[0] <= cx <= d.box[0] + d.box[2] and d.box[1] <= cy <= d.box[1] + d.box[3]]
        if not hits:
            continue
        found.append(int(label))
        faces["the original 48x48 face"].append(face)
        for k, v in crops(frame, hits[0]).items():
            faces.setdefault(k, []).append(v)
    print(f"FER2013 PublicTest in frames: {len(found)} of {len(images)} found "
          f"({len(found) / len(images):.1%}); accuracy on those:")
    for k, v in accuracy(model, faces, found).items():
        print(f"  {k}: {v:.1%}")
    # The same faces with the head tilted 15-30 degrees either way (the frame turned about
    # the face): where turning the crop upright should earn its keep.
    rolled: dict[str, list[np.ndarray]] = {"the original 48x48 face": []}
    rolled_labels: list[int] = []
    for face, label in tqdm(list(zip(images, labels, strict=True)), desc="tilted"):
        frame, (cx, cy, _) = paste(face, rng)
        angle = float(rng.choice([-1, 1]) * rng.uniform(15, 30))
        turn = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
        frame = cv2.warpAffine(frame, turn, (frame.shape[1], frame.shape[0]),
                               borderMode=cv2.BORDER_REPLICATE)
        hits = [d for d in detector.detect(frame)
                if d.box[0] <= cx <= d.box[0] + d.box[2] and d.box[1] <= cy <= d.box[1] + d.box[3]]
        if not hits:
            continue
        rolled_labels.append(int(label))
        rolled["the original 48x48 face"].append(face)
        for k, v in crops(frame, hits[0]).items():
            rolled.setdefault(k, []).append(v)
    print(f"The same, tilted 15-30 degrees: {len(rolled_labels)} of {len(images)} found; "
          "accuracy on those:")
    for k, v in accuracy(model, rolled, rolled_labels).items():
        print(f"  {k}: {v:.1%}")
    sfew: dict[str, list[np.ndarray]] = {}
    sfew_labels: list[int] = []
    paths = sorted(SFEW.glob("*/*.png"))
    missed = 0
    for path in tqdm(paths, desc="SFEW Train"):
        image = np.asarray(cv2.imread(str(path)), np.uint8)
        hits = detector.detect(image)
        if not hits:
            missed += 1
            continue
        sfew_labels.append(EMOTIONS.index(SFEW_NAMES[path.parent.name]))
        sfew.setdefault("the whole crop (--detector whole)", []).append(
            crop_face(image, (0, 0, image.shape[1], image.shape[0])))
        for k, v in crops(image, hits[0]).items():
            sfew.setdefault(k, []).append(v)
    print(f"SFEW 2.0 Train crops: {len(paths) - missed} of {len(paths)} found; accuracy on "
          "those:")
    for k, v in accuracy(model, sfew, sfew_labels).items():
        print(f"  {k}: {v:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
