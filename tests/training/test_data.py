from pathlib import Path

import numpy as np
import pytest

from moodtunes.training.data import FaceSet, load_npz


def test_loads_an_npz(tmp_path: Path) -> None:
    path = tmp_path / "faces.npz"
    np.savez(path, images=np.zeros((3, 48, 48), np.uint8), labels=np.array([0, 3, 6]))
    faces = load_npz(path)
    assert len(faces) == 3 and faces.labels.tolist() == [0, 3, 6]
    assert len(faces.subset(2)) == 2


def test_missing_keys_and_files_are_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, pixels=np.zeros((3, 48, 48), np.uint8))
    with pytest.raises(ValueError, match="missing key.*images, labels"):
        load_npz(path)
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        load_npz(tmp_path / "nothing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"junk")
    with pytest.raises(ValueError, match="not a readable npz"):
        load_npz(junk)


def test_wrong_shapes_and_labels() -> None:
    with pytest.raises(ValueError, match=r"\(N, 48, 48\)"):
        FaceSet(np.zeros((2, 32, 32), np.uint8), np.zeros(2, np.int64), "x")
    with pytest.raises(ValueError, match="labels must lie"):
        FaceSet(np.zeros((1, 48, 48), np.uint8), np.array([7]), "x")
