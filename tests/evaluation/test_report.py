"""The evaluation report: calibration by hand, and the folder `moodtunes evaluate --report`
writes."""

import json
from pathlib import Path

import numpy as np
import pytest

from moodtunes.cli import main
from moodtunes.evaluation.report import calibration


def test_calibration_by_hand() -> None:
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
