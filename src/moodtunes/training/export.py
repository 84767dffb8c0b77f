"""ONNX export with self-describing metadata, followed by a parity check against PyTorch."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn.functional as F
from torch import nn

from moodtunes.emotions import EMOTIONS
from moodtunes.vision.preprocess import (
    FACE_SIZE,
    FER2013_MEAN,
    FER2013_STD,
    PREPROCESSING_VERSION,
    normalize_faces,
)

PARITY_TOLERANCE = 1e-4


class ProbabilityHead(nn.Module):
    """Wraps logit networks: softmax probabilities averaged over the networks and, with
    `mirror`, over the face and its mirror image (test-time augmentation)."""

    def __init__(self, nets: nn.Module | Sequence[nn.Module], mirror: bool = True) -> None:
        super().__init__()
        self.nets = nn.ModuleList([nets] if isinstance(nets, nn.Module) else list(nets))
        self.mirror = mirror

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        views = [x, torch.flip(x, dims=[3])] if self.mirror else [x]
        probs = [F.softmax(net(view), 1) for net in self.nets for view in views]
        return torch.stack(probs).mean(0)


@torch.no_grad()
def head_probabilities(head: ProbabilityHead, faces: np.ndarray, batch_size: int = 256,
                       device: torch.device | None = None) -> np.ndarray:
    """What the exported graph computes, in PyTorch, for uint8 faces (on `head`'s device)."""
    head.eval()
    out = []
    for start in range(0, len(faces), batch_size):
        x = torch.from_numpy(normalize_faces(faces[start:start + batch_size]))
        out.append(head(x.to(device) if device is not None else x).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 7), np.float32)


def export_onnx(nets: nn.Module | Sequence[nn.Module], path: str | Path,
                metadata: dict[str, Any], parity_faces: np.ndarray | None = None,
                mirror: bool = True) -> float:
    """Write `nets` (averaged) to `path` as ONNX; return the worst probability gap to PyTorch.

    Raises RuntimeError when the gap exceeds PARITY_TOLERANCE (and removes the file).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    members = [nets] if isinstance(nets, nn.Module) else list(nets)
    head = ProbabilityHead([net.cpu().eval() for net in members], mirror=mirror).eval()
    dummy = torch.zeros(2, 1, FACE_SIZE, FACE_SIZE)
    # The TorchScript exporter writes one self-contained file from plain torch; the dynamo one
    # needs onnxscript and may split weights into a side file. Its deprecation notices (the
    # exporter's and those of torch internals it calls) are known and not ours to act on.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            head, (dummy,), str(path), input_names=["faces"], output_names=["probabilities"],
            dynamic_axes={"faces": {0: "batch"}, "probabilities": {0: "batch"}},
            opset_version=17, dynamo=False,
        )
    model = onnx.load(str(path))
    props = {
        "moodtunes.labels": json.dumps(list(EMOTIONS)),
        "moodtunes.input_size": str(FACE_SIZE),
        "moodtunes.mean": repr(FER2013_MEAN),
        "moodtunes.std": repr(FER2013_STD),
        "moodtunes.preprocessing_version": PREPROCESSING_VERSION,
        "moodtunes.output": "probabilities",
        "moodtunes.tta": "hflip" if mirror else "none",
        "moodtunes.members": str(len(members)),
    }
    props.update({f"moodtunes.{k}": v if isinstance(v, str) else json.dumps(v)
                  for k, v in metadata.items()})
    del model.metadata_props[:]
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))

    if parity_faces is None:
        rng = np.random.default_rng(0)
        parity_faces = rng.integers(0, 256, (16, FACE_SIZE, FACE_SIZE), dtype=np.uint8)
    x = normalize_faces(parity_faces)
    expected = head_probabilities(head, parity_faces)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"faces": x})[0]
    gap = float(np.abs(got - expected).max())
    if gap > PARITY_TOLERANCE:
        path.unlink()
        raise RuntimeError(
            f"ONNX export differs from PyTorch by {gap:.2e} (> {PARITY_TOLERANCE}); not saved"
        )
    return gap
