from pathlib import Path

import cv2
import numpy as np
import pytest

from moodtunes.emotions import EMOTIONS
from moodtunes.evaluation.folders import (
    face_crop,
    folds_by_group,
    group_of,
    is_class_layout,
    load_class_folders,
)


def photo_folders(root: Path, face_frames: list[np.ndarray], blank: np.ndarray) -> Path:
    """Angry/ (two faces, SFEW-style names of two films), happiness/ (a face, a blank
    frame, a text file, a broken image) and holiday/ (names no emotion)."""
    for name in ("Angry", "happiness", "holiday"):
        (root / name).mkdir(parents=True)
    cv2.imwrite(str(root / "Angry" / "Airheads_000519240_00000005.png"), face_frames[0])
    cv2.imwrite(str(root / "Angry" / "Bruno_001234_00000001.png"), face_frames[1])
    cv2.imwrite(str(root / "happiness" / "Airheads_000600000_00000002.jpg"), face_frames[2])
    cv2.imwrite(str(root / "happiness" / "empty_room.png"), blank)
    (root / "happiness" / "notes.txt").write_text("not a face")
    (root / "happiness" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    cv2.imwrite(str(root / "holiday" / "beach.png"), face_frames[3])
    return root


def test_class_folders_through_the_detector(tmp_path: Path, face_frames: list[np.ndarray],
                                            blank_frame: np.ndarray) -> None:
    root = photo_folders(tmp_path / "photos", face_frames, blank_frame)
    assert is_class_layout(root) and not is_class_layout(tmp_path / "photos" / "Angry")
    found = load_class_folders(root, face_crop("mtcnn"), progress=False)
    assert found.faces.images.shape == (3, 48, 48)
    assert [EMOTIONS[i] for i in found.faces.labels] == ["angry", "angry", "happy"]
    assert [p.parent.name for p in found.paths] == ["Angry", "Angry", "happiness"]
    assert [(p.name, EMOTIONS[label]) for p, label in found.missed] == [
        ("empty_room.png", "happy")]
    assert found.images == 4
    said = "\n".join(found.problems)
    assert "holiday: 1 image(s) in a folder that names no emotion" in said
    assert "notes.txt: not an image" in said and "broken.png: not a readable image" in said


def test_whole_takes_every_image_as_the_face(tmp_path: Path, face_frames: list[np.ndarray],
                                             blank_frame: np.ndarray) -> None:
    root = photo_folders(tmp_path / "photos", face_frames, blank_frame)
    found = load_class_folders(root, face_crop("whole"), progress=False)
    assert len(found.faces) == 4 and not found.missed
    expected = cv2.resize(cv2.cvtColor(blank_frame, cv2.COLOR_BGR2GRAY), (48, 48),
                          interpolation=cv2.INTER_AREA)
    assert np.array_equal(found.faces.images[3], expected)


def test_no_images_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "sad").mkdir()
    with pytest.raises(ValueError, match="no images in folders named after emotions"):
        load_class_folders(tmp_path, face_crop("whole"))
    with pytest.raises(FileNotFoundError):
        load_class_folders(tmp_path / "nope", face_crop("whole"))


def test_groups_and_folds_keep_a_film_together() -> None:
    assert group_of(Path("Airheads_000519240_00000005.png")) == "Airheads"
    assert group_of(Path("Harry_Potter_and_the_Goblet_Of_Fire_003458400_00000001.png")) == (
        "Harry_Potter_and_the_Goblet_Of_Fire")
    assert group_of(Path("portrait.png")) == "portrait"
    groups = ["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"] * 2 + ["e"] * 2
    folds = folds_by_group(groups, 2)
    for g in set(groups):  # a group never spans two folds
        assert len({f for f, gg in zip(folds, groups, strict=True) if gg == g}) == 1
    sizes = np.bincount(folds)
    assert sizes.sum() == 16 and sizes.max() - sizes.min() <= 2  # as even as whole groups allow
    with pytest.raises(ValueError, match="at least 2"):
        folds_by_group(groups, 1)
    with pytest.raises(ValueError, match="5 groups cannot make 6 folds"):
        folds_by_group(groups, 6)
