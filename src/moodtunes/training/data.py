"""FER2013 as arrays: (N, 48, 48) uint8 images and (N,) int64 labels in EMOTIONS order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import EMOTIONS
from moodtunes.vision.preprocess import FACE_SIZE


@dataclass(frozen=True)
class FaceSet:
    """Faces with their labels; `name` says where they came from (for reports and metadata)."""

    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64]
    name: str

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or self.images.shape[1:] != (FACE_SIZE, FACE_SIZE):
            raise ValueError(
                f"{self.name}: images must be (N, {FACE_SIZE}, {FACE_SIZE}), "
                f"got {self.images.shape}"
            )
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError(
                f"{self.name}: {self.images.shape[0]} images but labels of shape "
                f"{self.labels.shape}"
            )
        if self.labels.size and (self.labels.min() < 0 or self.labels.max() >= len(EMOTIONS)):
            raise ValueError(f"{self.name}: labels must lie in 0..{len(EMOTIONS) - 1}")

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def subset(self, count: int) -> FaceSet:
        """The first `count` faces (for quick runs and tests)."""
        return FaceSet(self.images[:count], self.labels[:count], f"{self.name}[:{count}]")


def load_npz(path: str | Path) -> FaceSet:
    """Faces from an npz with keys `images` (N, 48, 48) uint8 and `labels` (N,)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such data file: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = {"images", "labels"} - set(data.files)
            if missing:
                raise ValueError(
                    f"{path}: missing key(s) {', '.join(sorted(missing))}; "
                    f"found {', '.join(data.files) or 'none'}"
                )
            images = np.ascontiguousarray(data["images"], dtype=np.uint8)
            labels = np.asarray(data["labels"], dtype=np.int64)
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path}: not a readable npz file ({exc})") from exc
    return FaceSet(images, labels, path.name)
