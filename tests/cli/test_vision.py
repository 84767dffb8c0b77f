import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from moodtunes.cli import main


def test_detect_names_unreadable_files_and_goes_on(
    tmp_path: Path, face_frames: list[np.ndarray], capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "face.png"
    cv2.imwrite(str(good), face_frames[0])
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 truncated")
    missing = tmp_path / "missing.jpg"
    code = main(["detect", str(broken), str(good), str(missing)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "broken.jpg" in err and "missing.jpg" in err
    assert "face.png:" in out and "box [" in out


def test_detect_json(tmp_path: Path, face_frames: list[np.ndarray], blank_frame: np.ndarray,
                     capsys: pytest.CaptureFixture[str]) -> None:
    face, blank = tmp_path / "face.jpg", tmp_path / "blank.jpg"
    cv2.imwrite(str(face), face_frames[0])
    cv2.imwrite(str(blank), blank_frame)
    assert main(["detect", "--json", str(face), str(blank)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in results] == [str(face), str(blank)]
    assert len(results[0]["faces"]) == 1 and results[1]["faces"] == []
    assert set(results[0]["faces"][0]) == {"box", "emotion", "scores", "landmarks"}


def test_evaluate_command_json(tmp_path: Path, publictest: dict[str, np.ndarray],
                               capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "some.npz"
    np.savez(data, images=publictest["images"][:200], labels=publictest["labels"][:200])
    assert main(["evaluate", str(data), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 0 <= out["accuracy"] <= 1 and out["count"] == 200
    assert np.array(out["confusion_matrix"]).sum() == 200
    assert set(out["per_class"]) == {"angry", "disgust", "fear", "happy", "sad", "surprise",
                                     "neutral"}


def test_evaluate_command_text_and_errors(tmp_path: Path, publictest: dict[str, np.ndarray],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "some.npz"
    np.savez(data, images=publictest["images"][:50], labels=publictest["labels"][:50])
    assert main(["evaluate", str(data)]) == 0
    assert "confusion matrix" in capsys.readouterr().out
    assert main(["evaluate", str(tmp_path / "none.npz")]) == 2
    assert "none.npz" in capsys.readouterr().err


def test_evaluate_reads_kaggle_csv_and_reports_bad_rows(
    tmp_path: Path, publictest: dict[str, np.ndarray], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = ["emotion,pixels,Usage"]
    for image, label in zip(publictest["images"][:6], publictest["labels"][:6], strict=True):
        rows.append(f"{label},{' '.join(map(str, image.ravel()))},PublicTest")
    rows.append("3,1 2 3,PublicTest")  # line 8: too few pixels
    data = tmp_path / "fer2013.csv"
    data.write_text("\n".join(rows) + "\n")
    assert main(["evaluate", str(data), "--usage", "PublicTest", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["count"] == 6
    assert "line 8" in err


def test_evaluate_class_folders_with_folds(tmp_path: Path, face_frames: list[np.ndarray],
                                           blank_frame: np.ndarray,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for i, emotion in enumerate(("Sad", "Happy")):
        (tmp_path / emotion).mkdir()
        for j in range(3):
            cv2.imwrite(str(tmp_path / emotion / f"Film{j}_00{i}{j}_1.png"),
                        face_frames[3 * i + j])
    cv2.imwrite(str(tmp_path / "Sad" / "Film9_0099_1.png"), blank_frame)
    assert main(["evaluate", str(tmp_path), "--folds", "2"]) == 0
    out = capsys.readouterr().out
    assert "detector  mtcnn: a face in 6 of 7 images" in out
    assert "folds by group (film): 2" in out and "fold 2:" in out
    assert main(["evaluate", str(tmp_path), "--detector", "whole", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["detector"] == "whole" and result["images"] == 7 and result["missed"] == 0
    assert 0 <= result["ece"] <= 1 and result["count"] == 7


def test_evaluate_folds_need_class_folders(tmp_path: Path, publictest: dict[str, np.ndarray],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "some.npz"
    np.savez(data, images=publictest["images"][:20], labels=publictest["labels"][:20])
    assert main(["evaluate", str(data), "--folds", "3"]) == 2
    assert "--folds splits class folders" in capsys.readouterr().err
    # FER2013's own crops through the detector: most are found again.
    assert main(["evaluate", str(data), "--detector", "mtcnn", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["images"] == 20 and result["missed"] <= 4
