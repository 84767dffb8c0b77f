"""`moodtunes train`: train, pick the best epoch, export it to ONNX, check it, quantize it."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from moodtunes.training.export import export_onnx
from moodtunes.training.quantize import ACCURACY_TOLERANCE, CALIBRATION_FACES, quantize_model
from moodtunes.training.train import (
    TrainConfig,
    load_checkpoint,
    predict_probs,
    read_faces,
    train,
)


def run_training(config: TrainConfig, resume: bool = True, ship_to: Path | None = None,
                 progress: bool = True, quantize: bool = True) -> Path:
    """Train, export and check, then write `model.onnx` into the run folder.

    `model.onnx` is the int8 model when quantizing costs at most ACCURACY_TOLERANCE of
    validation accuracy, else the float one (`model.fp32.onnx`). It is copied to `ship_to`.
    """
    started = time.perf_counter()
    best = train(config, resume=resume, progress=progress)
    net, state = load_checkpoint(best)
    val = read_faces(config.val_data, config.val_usage)
    probs = predict_probs(net, val.images, device=torch.device("cpu"))
    val_acc = float((probs.argmax(1) == val.labels).mean())
    history = state["history"]
    metadata = {
        "architecture": config.arch,
        "training_data": f"{Path(config.train_data).name} {config.train_usage}"
        + (f" (first {config.limit})" if config.limit else ""),
        "validation_data": f"{Path(config.val_data).name} {config.val_usage}",
        "validation_accuracy": f"{val_acc:.4f}",
        "best_epoch": str(state["epoch"]),
        "epochs": str(config.epochs),
        "train_seconds": f"{sum(r['seconds'] for r in history):.0f}",
        "config": json.dumps(asdict(config)),
    }
    out = Path(config.out_dir)
    float_path, onnx_path = out / "model.fp32.onnx", out / "model.onnx"
    gap = export_onnx(net, float_path, metadata, parity_faces=val.images[:64])
    print(f"exported {float_path} (validation accuracy {val_acc:.4f}, "
          f"ONNX/PyTorch max gap {gap:.1e})")
    chosen = float_path
    if quantize:
        train_set = read_faces(config.train_data, config.train_usage)
        pick = np.random.default_rng(config.seed).permutation(len(train_set))
        result = quantize_model(float_path, out / "model.int8.onnx",
                                train_set.images[pick[:CALIBRATION_FACES]],
                                val.images, val.labels)
        verdict = "kept" if result.acceptable else (
            f"not kept: it loses more than {ACCURACY_TOLERANCE:.1%}")
        print(f"int8 model: validation accuracy {result.int8_accuracy:.4f} "
              f"(float {result.float_accuracy:.4f}), same top emotion on "
              f"{result.agreement:.1%} of faces; {verdict}")
        if result.acceptable:
            chosen = result.path
    shutil.copyfile(chosen, onnx_path)
    print(f"wrote {onnx_path} in {time.perf_counter() - started:.0f}s")
    if ship_to is not None:
        ship_to.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(onnx_path, ship_to)
        print(f"shipped to {ship_to}")
    return onnx_path
