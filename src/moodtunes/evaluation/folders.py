"""Labelled photos in class folders, read the way the app reads a face: through a detector.

The layout people have for SFEW, copies of JAFFE or CK+, or their own photos: ROOT/<emotion>/
holding images of any size, colour or grey, the label from the folder's name (Angry, anger,
disgusted, Fear, happiness, ... in any case). Each image goes through the face detector and the
app's aligned crop (`moodtunes.vision.align`), and the largest face is the one scored; with the
detector "whole" the image itself is the face, stretched to 48x48. Images in which no face is
found are not dropped: they are listed, and the accuracy "over all images" counts them wrong.

Folds for honest validation are made by group, not by image: SFEW's file names start with the
film (`Airheads_000519240_00000005.png`), and two frames of one scene on both sides of a split
would flatter any model (`group_of`, `folds_by_group`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import EMOTIONS
from moodtunes.evaluation.fer2013 import (
    FOLDER_EMOTIONS,
    IMAGE_SUFFIXES,
    FaceSet,
    _natural_key,
    _progress_bar,
)
from moodtunes.vision.preprocess import FACE_SIZE

# Folder names of the seven classes, in the spellings data sets use.
CLASS_NAMES: dict[str, str] = {
    **FOLDER_EMOTIONS,
    "anger": "angry", "happiness": "happy", "sadness": "sad", "surprised": "surprise",
    "fearful": "fear", "disgusted": "disgust", "neutrality": "neutral",
}
_GROUP = re.compile(r"^(.+?)_\d")


@dataclass
class FolderFaces:
    """What `load_class_folders` found: the scored faces with each one's file, and the images
    where no face was found (with their labels)."""

    faces: FaceSet
    paths: list[Path]
    missed: list[tuple[Path, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def images(self) -> int:
        return len(self.paths) + len(self.missed)


def class_of(folder: Path) -> str | None:
    return CLASS_NAMES.get(folder.name.lower())


def is_class_layout(root: Path) -> bool:
    """Whether `root` holds <emotion>/ folders of images (and not FER2013's train/ test/)."""
    return root.is_dir() and any(
        d.is_dir() and class_of(d) is not None for d in root.iterdir())


def group_of(path: Path) -> str:
    """The group a file belongs to: the part of its name before the first "_<digit>" (SFEW's
    film), else its whole stem (each image its own group)."""
    found = _GROUP.match(path.stem)
    return found[1] if found else path.stem


def folds_by_group(groups: list[str], k: int) -> npt.NDArray[np.int64]:
    """A fold in 0..k-1 for each item, whole groups together, the folds as even in size as
    whole groups allow (the largest groups placed first, each in the smallest fold so far)."""
    if k < 2:
        raise ValueError(f"folds must be at least 2, got {k}")
    sizes: dict[str, int] = {}
    for g in groups:
        sizes[g] = sizes.get(g, 0) + 1
    if len(sizes) < k:
        raise ValueError(f"{len(sizes)} groups cannot make {k} folds")
    fold_of: dict[str, int] = {}
    totals = [0] * k
    for g in sorted(sizes, key=lambda g: (-sizes[g], g)):
        smallest = min(range(k), key=lambda f: (totals[f], f))
        fold_of[g] = smallest
        totals[smallest] += sizes[g]
    return np.asarray([fold_of[g] for g in groups], np.int64)


def face_crop(detector: str) -> Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.uint8] | None]:
    """How an image becomes the face that is scored: the largest face `detector` finds,
    aligned as the app aligns it (None when it finds none); "whole" takes the image itself."""
    from moodtunes.vision.align import align_face
    from moodtunes.vision.faces import create_detector
    from moodtunes.vision.preprocess import crop_face

    if detector == "whole":
        return lambda image: crop_face(image, (0, 0, image.shape[1], image.shape[0]))
    found = create_detector(detector)

    def crop(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8] | None:
        faces = found.detect(image)
        return align_face(image, faces[0]) if faces else None

    return crop


def through_detector(faces: FaceSet, crop: Callable[[npt.NDArray[np.uint8]],
                                                    npt.NDArray[np.uint8] | None],
                     name: str) -> tuple[FaceSet, int]:
    """Faces that are crops already (FER2013's) made faces again by `crop`: those it finds,
    and how many it finds none in."""
    kept = [(c, label) for image, label in zip(faces.images, faces.labels, strict=True)
            if (c := crop(image)) is not None]
    found = FaceSet(np.stack([c for c, _ in kept]) if kept else faces.images[:0],
                    np.asarray([label for _, label in kept], np.int64), f"{faces.name} {name}")
    return found, len(faces) - len(kept)


def load_class_folders(root: str | Path, crop: Callable[[npt.NDArray[np.uint8]],
                                                        npt.NDArray[np.uint8] | None],
                       *, progress: bool | None = None) -> FolderFaces:
    """Every image under ROOT/<emotion>/, made a 48x48 grey face by `crop` (None: no face
    found). Folders that name no emotion, and files that are not images, are listed in
    `problems`; unreadable images too."""
    import cv2

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no such data folder: {root}")
    problems: list[str] = []
    found: list[tuple[Path, int]] = []
    for folder in sorted(d for d in root.iterdir() if d.is_dir()):
        emotion = class_of(folder)
        files = sorted((p for p in folder.iterdir() if p.is_file()),
                       key=lambda p: _natural_key(p.name))
        images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
        if emotion is None:
            if images:
                problems.append(f"{folder}: {len(images)} image(s) in a folder that names no "
                                f"emotion (expected one of {', '.join(EMOTIONS)})")
            continue
        for other in (p for p in files if p.suffix.lower() not in IMAGE_SUFFIXES):
            problems.append(f"{other}: not an image ({', '.join(IMAGE_SUFFIXES)})")
        found += [(p, EMOTIONS.index(emotion)) for p in images]
    if not found:
        raise ValueError(f"{root}: no images in folders named after emotions (expected "
                         f"ROOT/<emotion>/*.png, emotion one of {', '.join(EMOTIONS)})")
    faces: list[npt.NDArray[np.uint8]] = []
    labels: list[int] = []
    paths: list[Path] = []
    missed: list[tuple[Path, int]] = []
    bar = _progress_bar(len(found), root.name, "img", len(found) >= 200 if progress is None
                        else progress)
    try:
        for path, label in found:
            bar.update(1)
            try:
                data = np.fromfile(path, np.uint8)
            except OSError as exc:
                problems.append(f"{path}: cannot read it ({exc.strerror})")
                continue
            image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
            if image is None:
                problems.append(f"{path}: not a readable image")
                continue
            face = crop(np.asarray(image, np.uint8))
            if face is None:
                missed.append((path, label))
                continue
            faces.append(face)
            labels.append(label)
            paths.append(path)
    finally:
        bar.close()
    stacked = np.stack(faces) if faces else np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8)
    return FolderFaces(FaceSet(stacked, np.asarray(labels, np.int64), root.resolve().name),
                       paths, missed, problems)
