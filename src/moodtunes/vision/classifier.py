"""The emotion classifier: an ONNX model that describes itself, run by ONNX Runtime."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from moodtunes.emotions import EMOTIONS
from moodtunes.errors import ModelError
from moodtunes.vision.preprocess import FACE_SIZE, PREPROCESSING_VERSION, normalize_faces

REQUIRED_METADATA = ("labels", "input_size", "mean", "std", "preprocessing_version", "output")


def default_model_path() -> Path:
    """The model shipped inside the package."""
    return Path(str(resources.files("moodtunes") / "models" / "emotion.onnx"))


class EmotionClassifier:
    """Probabilities of the 7 emotions for 48x48 grey faces.

    One instance holds one ONNX Runtime session; build it once per process and share it
    (ONNX Runtime sessions are safe to run from several threads).
    """

    def __init__(self, path: str | Path | None = None, threads: int = 1) -> None:
        self.path = Path(path) if path is not None else default_model_path()
        if not self.path.is_file():
            raise ModelError(f"emotion model not found: {self.path}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(
                str(self.path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # ONNX Runtime raises its own untyped errors
            raise ModelError(f"{self.path} is not a loadable ONNX model: {exc}") from exc
        self.metadata = dict(self._session.get_modelmeta().custom_metadata_map)
        self._check_metadata()
        self.labels: tuple[str, ...] = tuple(json.loads(self.metadata["moodtunes.labels"]))
        self.mean = float(self.metadata["moodtunes.mean"])
        self.std = float(self.metadata["moodtunes.std"])
        self._input = self._session.get_inputs()[0].name

    def _check_metadata(self) -> None:
        missing = [k for k in REQUIRED_METADATA if f"moodtunes.{k}" not in self.metadata]
        if missing:
            raise ModelError(
                f"{self.path} lacks moodtunes metadata ({', '.join(missing)}); "
                "export models with `moodtunes train`"
            )
        meta = {k: self.metadata[f"moodtunes.{k}"] for k in REQUIRED_METADATA}
        problems = []
        if tuple(json.loads(meta["labels"])) != EMOTIONS:
            problems.append(f"labels {meta['labels']} are not {list(EMOTIONS)}")
        if meta["input_size"] != str(FACE_SIZE):
            problems.append(f"input size {meta['input_size']} is not {FACE_SIZE}")
        if meta["preprocessing_version"] != PREPROCESSING_VERSION:
            problems.append(
                f"preprocessing version {meta['preprocessing_version']} is not "
                f"{PREPROCESSING_VERSION}"
            )
        if meta["output"] != "probabilities":
            problems.append(f"output is {meta['output']!r}, not 'probabilities'")
        if problems:
            raise ModelError(f"{self.path} does not fit this moodtunes: " + "; ".join(problems))

    @property
    def validation_accuracy(self) -> float | None:
        value = self.metadata.get("moodtunes.validation_accuracy")
        return float(value) if value is not None else None

    @property
    def networks(self) -> list[dict[str, Any]] | None:
        """The members' network descriptions (training's NetConfig as plain data), one per
        member; None for a model exported before they were recorded."""
        value = self.metadata.get("moodtunes.net")
        if value is None:
            return None
        try:
            networks = json.loads(value)
        except ValueError:
            raise ModelError(f"{self.path}: moodtunes.net is not JSON: {value[:80]!r}") from None
        if not isinstance(networks, list):
            raise ModelError(f"{self.path}: moodtunes.net is not a list of networks")
        return networks

    def predict(self, faces: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """(N, 7) probabilities, in EMOTIONS order, for (N, 48, 48) uint8 grey faces."""
        faces = np.asarray(faces)
        if faces.dtype != np.uint8:
            raise ValueError(f"faces must be uint8 grey images, got {faces.dtype}")
        if faces.ndim == 3 and faces.shape[0] == 0:
            return np.zeros((0, len(EMOTIONS)), np.float32)
        x = normalize_faces(faces, self.mean, self.std)
        probs = self._session.run(None, {self._input: x})[0]
        return np.asarray(probs, dtype=np.float32)
