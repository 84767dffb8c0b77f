"""`moodtunes train`: train, pick the best epoch, export it to ONNX and check the export."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import torch

from moodtunes.training.export import export_onnx
from moodtunes.training.train import (
    TrainConfig,
    load_checkpoint,
    predict_probs,
    read_faces,
    train,
)


def run_training(config: TrainConfig, resume: bool = True, ship_to: Path | None = None,
                 progress: bool = True) -> Path:
    """Train, export `model.onnx` into the run folder, optionally copy it to `ship_to`."""
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
    onnx_path = Path(config.out_dir) / "model.onnx"
    gap = export_onnx(net, onnx_path, metadata, parity_faces=val.images[:64])
    print(f"exported {onnx_path} (validation accuracy {val_acc:.4f}, "
          f"ONNX/PyTorch max gap {gap:.1e}) in {time.perf_counter() - started:.0f}s")
    if ship_to is not None:
        ship_to.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(onnx_path, ship_to)
        print(f"shipped to {ship_to}")
    return onnx_path
