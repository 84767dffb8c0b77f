"""Scoring a classifier on labelled faces, checked by hand."""

from pathlib import Path

import numpy as np

from moodtunes.evaluation.fer2013 import FaceSet
from moodtunes.evaluation.metrics import evaluate, format_report
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
