"""Scoring an ONNX emotion model on labelled faces (numpy and ONNX Runtime only, no torch)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import EMOTIONS
from moodtunes.evaluation.fer2013 import FaceSet
from moodtunes.vision.classifier import EmotionClassifier


@dataclass(frozen=True)
class Evaluation:
    data: str
    model: str
    labels: npt.NDArray[np.int64]
    probs: npt.NDArray[np.float32]
    seconds: float

    @property
    def predictions(self) -> npt.NDArray[np.int64]:
        return self.probs.argmax(1).astype(np.int64)

    @property
    def accuracy(self) -> float:
        return float((self.predictions == self.labels).mean()) if len(self.labels) else 0.0

    def confusion(self) -> npt.NDArray[np.int64]:
        """Rows are true classes, columns predicted classes, in EMOTIONS order."""
        k = len(EMOTIONS)
        return np.bincount(self.labels * k + self.predictions, minlength=k * k).reshape(k, k)

    def per_class(self) -> dict[str, dict[str, float | int]]:
        cm = self.confusion()
        out: dict[str, dict[str, float | int]] = {}
        for i, name in enumerate(EMOTIONS):
            support, predicted, hit = int(cm[i].sum()), int(cm[:, i].sum()), int(cm[i, i])
            precision = hit / predicted if predicted else 0.0
            recall = hit / support if support else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            out[name] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
        return out

    def to_dict(self) -> dict[str, Any]:
        per_class = self.per_class()
        return {
            "data": self.data,
            "model": self.model,
            "count": int(len(self.labels)),
            "accuracy": self.accuracy,
            "macro_f1": float(np.mean([c["f1"] for c in per_class.values()])),
            "per_class": per_class,
            "labels": list(EMOTIONS),
            "confusion_matrix": self.confusion().tolist(),
            "seconds": self.seconds,
        }


def evaluate(classifier: EmotionClassifier, faces: FaceSet,
             batch_size: int = 256) -> Evaluation:
    """Run the classifier over every face."""
    started = time.perf_counter()
    chunks = [classifier.predict(faces.images[i:i + batch_size])
              for i in range(0, len(faces), batch_size)]
    probs = np.concatenate(chunks) if chunks else np.zeros((0, len(EMOTIONS)), np.float32)
    return Evaluation(faces.name, str(classifier.path), faces.labels, probs,
                      time.perf_counter() - started)


def format_report(result: Evaluation) -> str:
    """The evaluation as a plain-text table for the terminal."""
    lines = [f"model     {result.model}", f"data      {result.data} ({len(result.labels)} faces)",
             f"accuracy  {result.accuracy:.4f}", "",
             f"{'class':<10}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for name, c in result.per_class().items():
        lines.append(f"{name:<10}{c['precision']:>10.3f}{c['recall']:>10.3f}{c['f1']:>10.3f}"
                     f"{c['support']:>10d}")
    lines += ["", "confusion matrix (rows: true, columns: predicted)",
              " " * 10 + "".join(f"{n[:7]:>8}" for n in EMOTIONS)]
    for name, row in zip(EMOTIONS, result.confusion(), strict=True):
        lines.append(f"{name:<10}" + "".join(f"{v:>8d}" for v in row))
    return "\n".join(lines)

