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


def test_calibration_by_hand() -> None:
    from moodtunes.training.report import calibration

    probs = np.array([[0.9, 0.1] + [0] * 5, [0.9, 0.1] + [0] * 5,
                      [0.55, 0.45] + [0] * 5, [0.55, 0.45] + [0] * 5], np.float32)
    labels = np.array([0, 1, 0, 0])
    cal = calibration(probs, labels, bins=10)
    # bin 0.9: confidence 0.9, accuracy 0.5; bin 0.5: confidence 0.55, accuracy 1.0
    assert cal["ece"] == pytest.approx(0.5 * 0.4 + 0.5 * 0.45)
    assert sum(b["count"] for b in cal["bins"]) == 4


def test_report_folder(tmp_path: Path, publictest: dict[str, np.ndarray],
                       capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib", reason="the training extra is not installed")
    data = tmp_path / "some.npz"
    np.savez(data, images=publictest["images"][:100], labels=publictest["labels"][:100])
    history = tmp_path / "history.json"
    # two epochs, then a warm restart with weight averaging (raw weights' accuracy beside it)
    history.write_text(json.dumps([
        {"epoch": e, "train_loss": 1.5 / e, "val_loss": 1.4 / e, "train_acc": 0.2 * e,
         "val_acc": 0.2 * e, "stage": 1 + (e > 2), "raw_val_acc": 0.19 * e if e > 2 else None}
        for e in (1, 2, 3)]))
    report = tmp_path / "report"
    assert main(["evaluate", str(data), "--report", str(report),
                 "--history", str(history)]) == 0
    metrics = json.loads((report / "metrics.json").read_text())
    assert 0 <= metrics["ece"] <= 1 and metrics["count"] == 100
    for name in ("confusion_matrix.png", "reliability.png", "training_curves.png"):
        assert (report / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


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
