import json
from pathlib import Path

import numpy as np
import pytest

from moodtunes.cli import main
from moodtunes.training.data import FaceSet
from moodtunes.training.evaluate import evaluate, format_report
from moodtunes.vision.classifier import EmotionClassifier


class FixedClassifier(EmotionClassifier):
    """Predicts the class written in each face's first pixel."""

    def __init__(self) -> None:
        self.path = Path("fixed")

    def predict(self, faces: np.ndarray) -> np.ndarray:
        return np.eye(7, dtype=np.float32)[faces[:, 0, 0]]


def test_metrics_by_hand() -> None:
    images = np.zeros((4, 48, 48), np.uint8)
    images[:, 0, 0] = [0, 0, 3, 4]  # predictions
    result = evaluate(FixedClassifier(), FaceSet(images, np.array([0, 3, 3, 4]), "hand"))
    assert result.accuracy == 0.75
    cm = result.confusion()
    assert cm[3, 0] == 1 and cm[0, 0] == 1 and cm.sum() == 4
    per = result.per_class()
    assert per["angry"]["precision"] == 0.5 and per["angry"]["recall"] == 1.0
    assert per["happy"]["recall"] == 0.5 and per["happy"]["precision"] == 1.0
    assert "accuracy  0.7500" in format_report(result)


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
