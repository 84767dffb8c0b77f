"""`moodtunes train` and `moodtunes export`: checkpoints to a checked, quantized ONNX model."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from moodtunes.evaluation.fer2013 import FaceSet
from moodtunes.training.config import TrainConfig
from moodtunes.training.export import ProbabilityHead, export_onnx, head_probabilities
from moodtunes.training.quantize import ACCURACY_TOLERANCE, CALIBRATION_FACES, quantize_model
from moodtunes.training.train import (
    checkpoint_net,
    load_checkpoint,
    read_faces,
    recalibrate_batchnorm,
    train,
)


def run_training(config: TrainConfig, resume: bool = True, ship_to: Path | None = None,
                 progress: bool = True, quantize: bool = True, recalibrate: bool = True,
                 export: bool = True) -> Path:
    """Train, then package the best checkpoint as `model.onnx` in the run folder.

    Without `export` (a stage that only feeds a warm restart) it returns the best checkpoint.
    """
    started = time.perf_counter()
    best = train(config, resume=resume, progress=progress)
    if not export:
        print(f"done in {time.perf_counter() - started:.0f}s (not exported)")
        return best
    path = package_model([best], Path(config.out_dir), quantize=quantize, ship_to=ship_to,
                         recalibrate=recalibrate)
    print(f"done in {time.perf_counter() - started:.0f}s")
    return path


def _train_seconds(histories: list[list[dict[str, Any]]]) -> float:
    """Training time of all members, counting once an epoch that several members share (a
    warm restart carries its starting run's history; snapshot members share that run)."""
    kept: list[list[dict[str, Any]]] = []
    for history in sorted(histories, key=len, reverse=True):
        if not any(other[:len(history)] == history for other in kept):
            kept.append(history)
    return sum(r["seconds"] for history in kept for r in history)


def package_model(checkpoints: list[Path], out: Path, mirror: bool = True,
                  quantize: bool = True, ship_to: Path | None = None,
                  recalibrate: bool = True) -> Path:
    """Export the averaged checkpoints, check parity, quantize, and write `out/model.onnx`.

    With `recalibrate`, each network's BatchNorm statistics are re-estimated on the
    unaugmented training faces (recalibrate_batchnorm); the re-estimated networks are exported
    when they are at least as accurate on the validation faces as the trained ones.

    `model.onnx` is the int8 model when quantizing costs at most ACCURACY_TOLERANCE of
    validation accuracy, else the float one (`model.fp32.onnx`); it is copied to `ship_to`.
    Validation and calibration data are those of the first checkpoint's configuration.
    """
    loaded = [load_checkpoint(path) for path in checkpoints]
    nets = [net for net, _ in loaded]
    descriptions = [checkpoint_net(state, path).to_dict()
                    for (_, state), path in zip(loaded, checkpoints, strict=True)]
    configs = [TrainConfig(**{**asdict(TrainConfig()), **state["config"]})
               for _, state in loaded]
    first = configs[0]
    val: FaceSet = read_faces(first.val_data, first.val_usage)
    # the training faces, for the BatchNorm statistics and the int8 calibration
    train_set: FaceSet | None = None
    if recalibrate or quantize:
        train_set = read_faces(first.train_data, first.train_usage)
        if first.limit:
            train_set = train_set.subset(first.limit)

    def accuracy(candidates: list[torch.nn.Module]) -> float:
        probs = head_probabilities(ProbabilityHead(candidates, mirror=mirror), val.images)
        return float((probs.argmax(1) == val.labels).mean())

    val_acc = trained_acc = accuracy(nets)
    batchnorm = "as trained"
    if recalibrate and train_set is not None:  # read above whenever re-estimating
        fresh = [recalibrate_batchnorm(net, train_set.images, mirror=mirror) for net in nets]
        if fresh != nets:  # a network without BatchNorm comes back as itself
            fresh_acc = accuracy(fresh)
            kept = fresh_acc >= val_acc
            faces = (f"{len(train_set)} unaugmented training faces"
                     + (" and their mirror images" if mirror else ""))
            print(f"BatchNorm statistics re-estimated on {faces}: validation accuracy "
                  f"{fresh_acc:.4f} (as trained {val_acc:.4f}); "
                  + ("kept" if kept else "not kept"))
            if kept:
                nets, val_acc, batchnorm = fresh, fresh_acc, f"re-estimated on {faces}"
    single = len(loaded) == 1
    metadata = {
        "architecture": "+".join(c.arch for c in configs),
        "net": descriptions,  # one NetConfig per member, as training.config.NetConfig.to_dict
        "training_data": f"{Path(first.train_data).name} {first.train_usage}"
        + (f" (first {first.limit})" if first.limit else ""),
        "validation_data": f"{Path(first.val_data).name} {first.val_usage}",
        "validation_accuracy": f"{val_acc:.4f}",
        "batchnorm_statistics": batchnorm,
        "trained_validation_accuracy": f"{trained_acc:.4f}",
        "best_epoch": ",".join(str(state["epoch"]) for _, state in loaded),
        "epochs": ",".join(str(c.epochs) for c in configs),
        "train_seconds": f"{_train_seconds([state['history'] for _, state in loaded]):.0f}",
        "config": json.dumps(asdict(first) if single else [asdict(c) for c in configs]),
    }
    out.mkdir(parents=True, exist_ok=True)
    float_path, onnx_path = out / "model.fp32.onnx", out / "model.onnx"
    gap = export_onnx(nets, float_path, metadata, parity_faces=val.images[:64], mirror=mirror)
    print(f"exported {float_path} (validation accuracy {val_acc:.4f}, "
          f"ONNX/PyTorch max gap {gap:.1e})")
    chosen = float_path
    int8_path = out / "model.int8.onnx"
    int8_path.unlink(missing_ok=True)  # never leave an int8 file from an earlier export
    if quantize and train_set is not None:  # read above whenever quantizing
        pick = np.random.default_rng(first.seed).permutation(len(train_set))
        result = quantize_model(float_path, int8_path, train_set.images[pick[:CALIBRATION_FACES]],
                                val.images, val.labels)
        verdict = "kept" if result.acceptable else (
            f"not kept: it loses more than {ACCURACY_TOLERANCE:.1%}")
        print(f"int8 model: validation accuracy {result.int8_accuracy:.4f} "
              f"(float {result.float_accuracy:.4f}), same top emotion on "
              f"{result.agreement:.1%} of faces; {verdict}")
        if result.acceptable:
            chosen = result.path
    shutil.copyfile(chosen, onnx_path)
    print(f"wrote {onnx_path}")
    if ship_to is not None:
        ship_to.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(onnx_path, ship_to)
        print(f"shipped to {ship_to}")
    return onnx_path
