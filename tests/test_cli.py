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
    assert set(results[0]["faces"][0]) == {"box", "emotion", "scores"}
