"""What each of the recipe's measurable decisions is worth, for one finished training run.

    .venv/bin/python benchmarks/model_decisions.py RUN_DIR [--val PUBLICTEST_NPZ]
        [--train TRAINING_NPZ] [--repeat 200] [--json]

For RUN_DIR (a `moodtunes train` output folder) it measures on the validation split:
- test-time augmentation: the selected network alone against averaged with its mirror image;
- BatchNorm statistics re-estimated on the unaugmented training faces (what the export does)
  against those left by training;
- weight averaging (EMA): accuracy of the averaged weights against the raw ones, at the selected
  epoch and at the best epoch of each, from the last stage's history;
- each warm restart: the best epoch and the time of every stage, from the run's history;
- int8 quantization: accuracy, agreement with the float model and time per face (batch 1, one
  thread, both mirror passes, median of --repeat) of `model.fp32.onnx` against `model.int8.onnx`.
Needs the training extra (torch). docs/MODEL.md keeps the latest results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch

from moodtunes.training.export import ProbabilityHead, head_probabilities
from moodtunes.training.quantize import predict
from moodtunes.training.train import load_checkpoint, recalibrate_batchnorm
from moodtunes.vision.preprocess import normalize_faces

FER_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "fer2013"
DEFAULT_VAL = FER_DIR / "publictest.npz"
DEFAULT_TRAIN = FER_DIR / "train.npz"


def tta_accuracy(run: Path, images: np.ndarray, labels: np.ndarray,
                 train_images: np.ndarray | None) -> dict[str, float]:
    """Accuracy of the selected network with and without the mirror pass, with BatchNorm
    statistics as trained and (given training faces) re-estimated on them."""
    trained, _ = load_checkpoint(run / "best.ckpt")
    nets = {"": trained}
    if train_images is not None:
        nets["recalibrated_"] = recalibrate_batchnorm(trained, train_images)
    accuracy = {}
    for prefix, net in nets.items():
        for name, mirror in (("single_pass", False), ("with_mirror", True)):
            probs = head_probabilities(ProbabilityHead(net, mirror=mirror), images)
            accuracy[prefix + name] = float((probs.argmax(1) == labels).mean())
    return accuracy


def history_figures(run: Path) -> dict[str, Any]:
    history = json.loads((run / "history.json").read_text())
    out: dict[str, Any] = {"epochs": len(history),
                           "train_seconds": round(sum(r["seconds"] for r in history))}
    stages: dict[int, list[dict[str, Any]]] = {}
    for record in history:
        stages.setdefault(record.get("stage", 1), []).append(record)
    out["stages"] = [{"stage": stage, "epochs": len(records),
                      "best": max(r["val_acc"] for r in records),
                      "seconds": round(sum(r["seconds"] for r in records))}
                     for stage, records in sorted(stages.items())]
    averaged = [r for r in stages[max(stages)] if r.get("raw_val_acc") is not None]
    if averaged:
        best = max(averaged, key=lambda r: r["val_acc"])
        out["ema_best"] = best["val_acc"]
        out["ema_best_epoch"] = best["epoch"]
        out["raw_at_that_epoch"] = best["raw_val_acc"]
        out["raw_best"] = max(r["raw_val_acc"] for r in averaged)
    return out


def ms_per_face(path: Path, face: np.ndarray, repeat: int) -> float:
    """Median time of one face (batch 1) on one thread."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    x = normalize_faces(face)
    for _ in range(20):
        session.run(None, {"faces": x})
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        session.run(None, {"faces": x})
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--val", type=Path, default=DEFAULT_VAL)
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN,
                        help="training faces for the BatchNorm re-estimate ('' to skip it)")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with np.load(args.val) as data:
        images, labels = data["images"], data["labels"]
    train_images = None
    if str(args.train) not in ("", "."):
        with np.load(args.train) as data:
            train_images = data["images"]

    result: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "run": str(args.run), "faces": len(labels),
        "tta": tta_accuracy(args.run, images, labels, train_images),
        "history": history_figures(args.run),
    }
    float_path, int8_path = args.run / "model.fp32.onnx", args.run / "model.int8.onnx"
    if float_path.exists() and int8_path.exists():
        p32, p8 = predict(float_path, images), predict(int8_path, images)
        ms32 = ms_per_face(float_path, images[:1], args.repeat)
        ms8 = ms_per_face(int8_path, images[:1], args.repeat)
        result["quantization"] = {
            "float_accuracy": float((p32.argmax(1) == labels).mean()),
            "int8_accuracy": float((p8.argmax(1) == labels).mean()),
            "agreement": float((p32.argmax(1) == p8.argmax(1)).mean()),
            "float_ms_per_face": round(ms32, 2), "int8_ms_per_face": round(ms8, 2),
        }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"machine: {result['machine']}; run {args.run}; {len(labels)} validation faces")
    tta = result["tta"]
    print(f"mirror TTA: {tta['single_pass']:.2%} alone -> {tta['with_mirror']:.2%} averaged")
    if "recalibrated_with_mirror" in tta:
        print(f"BatchNorm statistics re-estimated on the training faces: "
              f"{tta['with_mirror']:.2%} as trained -> {tta['recalibrated_with_mirror']:.2%} "
              f"(single pass {tta['single_pass']:.2%} -> {tta['recalibrated_single_pass']:.2%})")
    h = result["history"]
    for stage in h["stages"]:
        print(f"stage {stage['stage']}: {stage['epochs']} epochs, best {stage['best']:.2%}, "
              f"{stage['seconds']} s")
    if "ema_best" in h:
        print(f"weight averaging: {h['ema_best']:.2%} averaged at epoch {h['ema_best_epoch']} "
              f"vs {h['raw_at_that_epoch']:.2%} raw (raw best {h['raw_best']:.2%})")
    if "quantization" in result:
        q = result["quantization"]
        print(f"int8: {q['float_accuracy']:.2%} float -> {q['int8_accuracy']:.2%} int8, "
              f"same top emotion on {q['agreement']:.1%}; {q['float_ms_per_face']} ms -> "
              f"{q['int8_ms_per_face']} ms per face")


if __name__ == "__main__":
    main()
