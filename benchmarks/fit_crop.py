"""Fits the crop rule of moodtunes.vision.align to how FER2013's own faces are framed.

FER2013 Training faces are enlarged and pasted into 640x480 frames at known places and sizes;
the detector runs on each frame, and for every face it finds the true square (where the face
was pasted) is written in the detector's terms: relative to the eyes for MTCNN (side, and the
centre's offset down and across, in eye distances), relative to the box for Haar. The medians
are the rule; the spread says how consistently the detector frames a face.

    python benchmarks/fit_crop.py [--faces 3000]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from moodtunes.vision.faces import Detection, HaarFaceDetector, MtcnnFaceDetector

FER_TRAIN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fer2013" / "train.npz"
W, H = 640, 480


def paste(face: npt.NDArray[np.uint8], rng: np.random.Generator
          ) -> tuple[npt.NDArray[np.uint8], tuple[float, float, float]]:
    """A grey frame with `face` enlarged into it; the true square's centre and side."""
    side = int(rng.integers(120, 241))
    x, y = int(rng.integers(0, W - side)), int(rng.integers(0, H - side))
    noise = rng.normal(0, 1, (H // 16, W // 16)).astype(np.float32)
    back = cv2.resize(noise, (W, H), interpolation=cv2.INTER_CUBIC) * 25 + rng.uniform(60, 190)
    frame = np.clip(back, 0, 255).astype(np.uint8)
    frame[y:y + side, x:x + side] = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
    return frame, (x + side / 2, y + side / 2, float(side))


def found(detections: list[Detection], cx: float, cy: float) -> Detection | None:
    for d in detections:
        x, y, w, h = d.box
        if x <= cx <= x + w and y <= cy <= y + h:
            return d
    return None


def eye_terms(d: Detection, cx: float, cy: float, side: float) -> tuple[float, float, float]:
    assert d.landmarks is not None
    (lx, ly), (rx, ry) = d.landmarks[0], d.landmarks[1]
    dist = math.hypot(rx - lx, ry - ly)
    angle = math.atan2(ry - ly, rx - lx)
    vx, vy = cx - (lx + rx) / 2, cy - (ly + ry) / 2
    across = (vx * math.cos(angle) + vy * math.sin(angle)) / dist
    down = (-vx * math.sin(angle) + vy * math.cos(angle)) / dist
    return side / dist, down, across


def box_terms(d: Detection, cx: float, cy: float, side: float) -> tuple[float, float, float]:
    x, y, w, h = d.box
    return side / max(w, h), (cx - x - w / 2) / w, (cy - y - h / 2) / h


def report(name: str, terms: list[tuple[float, float, float]], labels: tuple[str, ...]) -> None:
    a = np.asarray(terms)
    print(f"{name}: {len(a)} faces")
    for i, label in enumerate(labels):
        q1, med, q3 = np.percentile(a[:, i], [25, 50, 75])
        print(f"  {label:7s} median {med:+.3f}  (quartiles {q1:+.3f} .. {q3:+.3f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not FER_TRAIN.is_file():
        print(f"needs FER2013 Training at {FER_TRAIN}", file=sys.stderr)
        return 1
    with np.load(FER_TRAIN, allow_pickle=False) as data:
        usable = (data["pixel_source"] == 0) & ~data["label_row_ambiguous"]
        images = data["images"][usable]
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(len(images), size=min(args.faces, len(images)), replace=False)
    mtcnn, haar = MtcnnFaceDetector(), HaarFaceDetector()
    eyes: list[tuple[float, float, float]] = []
    boxes: dict[str, list[tuple[float, float, float]]] = {"mtcnn box": [], "haar box": []}
    for n, i in enumerate(chosen, 1):
        frame, (cx, cy, side) = paste(images[i], rng)
        if (d := found(mtcnn.detect(frame), cx, cy)) is not None:
            eyes.append(eye_terms(d, cx, cy, side))
            boxes["mtcnn box"].append(box_terms(d, cx, cy, side))
        if (d := found(haar.detect(frame), cx, cy)) is not None:
            boxes["haar box"].append(box_terms(d, cx, cy, side))
        if n % 500 == 0:
            print(f"{n}/{len(chosen)} frames", file=sys.stderr)
    report("mtcnn eyes (in eye distances)", eyes, ("side", "down", "across"))
    # The side from the eyes alone shrinks with a turned head (the eyes come closer); from
    # the box alone it follows the box's own whims: how far off each is, and their mean.
    e, b = np.asarray(eyes)[:, 0], np.asarray(boxes["mtcnn box"])[:, 0]
    for label, ratio in (("eyes", e / np.median(e)), ("box", b / np.median(b)),
                         ("mean of both", 2 / (np.median(e) / e + np.median(b) / b))):
        print(f"  side from {label}: half of the faces within "
              f"{np.percentile(np.abs(np.log(ratio)), 50):.1%} of the true side")
    for name, terms in boxes.items():
        report(f"{name} (in box sizes)", terms, ("side", "dx", "dy"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
