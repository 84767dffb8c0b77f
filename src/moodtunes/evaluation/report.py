"""An evaluation written out as a folder people can read: numbers as JSON, pictures as PNG.

Needs matplotlib (the `train` extra); nothing here imports torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import EMOTIONS
from moodtunes.evaluation.metrics import Evaluation

CALIBRATION_BINS = 15


def calibration(probs: npt.NDArray[np.float32], labels: npt.NDArray[np.int64],
                bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """Expected calibration error over equal-width confidence bins, and the bins themselves."""
    confidence = probs.max(1)
    correct = probs.argmax(1) == labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        mask = which == b
        count = int(mask.sum())
        if count == 0:
            rows.append({"low": float(edges[b]), "high": float(edges[b + 1]), "count": 0,
                         "confidence": None, "accuracy": None})
            continue
        conf, acc = float(confidence[mask].mean()), float(correct[mask].mean())
        ece += count / len(labels) * abs(conf - acc)
        rows.append({"low": float(edges[b]), "high": float(edges[b + 1]), "count": count,
                     "confidence": conf, "accuracy": acc})
    return {"ece": ece, "bins": rows}


def write_report(result: Evaluation, out_dir: str | Path,
                 history: list[dict[str, float]] | None = None) -> list[Path]:
    """metrics.json, confusion_matrix.png, reliability.png and, given a training history,
    training_curves.png; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cal = calibration(result.probs, result.labels)
    metrics = result.to_dict() | {"ece": cal["ece"], "calibration_bins": cal["bins"]}
    written = [out / "metrics.json"]
    written[0].write_text(json.dumps(metrics, indent=2))

    cm = result.confusion()
    share = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(EMOTIONS)), EMOTIONS, rotation=45, ha="right")
    ax.set_yticks(range(len(EMOTIONS)), EMOTIONS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{result.data}: accuracy {result.accuracy:.1%} (rows sum to 1)")
    for i in range(len(EMOTIONS)):
        for j in range(len(EMOTIONS)):
            ax.text(j, i, f"{share[i, j]:.2f}\n{cm[i, j]}", ha="center", va="center",
                    fontsize=7, color="white" if share[i, j] > 0.5 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    written.append(out / "confusion_matrix.png")
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 5))
    filled = [b for b in cal["bins"] if b["count"]]
    centres = [(b["low"] + b["high"]) / 2 for b in filled]
    ax.bar(centres, [b["accuracy"] for b in filled], width=1 / CALIBRATION_BINS,
           edgecolor="black", alpha=0.7, label="accuracy")
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.set_xlabel("confidence (top probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"reliability: ECE {cal['ece']:.3f}")
    ax.legend(loc="upper left")
    fig.tight_layout()
    written.append(out / "reliability.png")
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)

    if history:
        epochs = [r["epoch"] for r in history]
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        left.plot(epochs, [r["train_loss"] for r in history], label="train")
        left.plot(epochs, [r["val_loss"] for r in history], label="validation")
        left.set_xlabel("epoch")
        left.set_ylabel("loss")
        left.legend()
        right.plot(epochs, [r["train_acc"] for r in history], label="train (augmented)")
        right.plot(epochs, [r["val_acc"] for r in history], label="validation")
        raw = [(r["epoch"], r["raw_val_acc"]) for r in history
               if r.get("raw_val_acc") is not None]
        if raw:
            right.plot(*zip(*raw, strict=True), ":", label="validation, raw weights (not EMA)")
        for before, after in zip(history, history[1:], strict=False):
            # histories written before `stage` existed show a restart where averaging begins
            if (after.get("stage", 1) != before.get("stage", 1)
                    or (before.get("raw_val_acc") is None) != (after.get("raw_val_acc") is None)):
                for ax in (left, right):
                    ax.axvline(before["epoch"] + 0.5, color="grey", linestyle="--", lw=0.8)
                right.annotate("warm restart", (before["epoch"] + 0.5, 0.02),
                               xycoords=("data", "axes fraction"), rotation=90, fontsize=8,
                               color="grey", ha="right")
        right.set_xlabel("epoch")
        right.set_ylabel("accuracy")
        right.legend()
        fig.tight_layout()
        written.append(out / "training_curves.png")
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    return written
