"""Face detectors side by side on the project's own hard cases, and the whole frame's speed.

    .venv/bin/python benchmarks/bench_detectors.py [--scale 1.0] [--json out.json]

Recall (a box holding the face's centre at 0.5-2x its size) of each detector on each set of
benchmarks/hard_frames.py, boxes on face-free frames, and milliseconds per 640x480 frame on
one core. Then the whole frame, as the app does it (JPEG decode, detect, align, classify),
timed interleaved with the paper's detector alone (OpenCV Haar, scaleFactor 1.1, minNeighbors
5, on the full grey frame) on the same frames. docs/BENCHMARKS.md keeps the latest results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hard_frames import HARD_KINDS, Frame, frames, hits  # noqa: E402

from moodtunes.vision.faces import HaarFaceDetector, HaarSettings, MtcnnFaceDetector  # noqa: E402
from moodtunes.vision.images import decode_image  # noqa: E402
from moodtunes.vision.preprocess import Box, to_grey  # noqa: E402
from moodtunes.vision.recognizer import EmotionRecognizer  # noqa: E402

SETS = {"easy": 400, "hard": 400, "small": 100, "several": 100, "fer": 300, "tight": 300,
        "empty": 100, "mosaic": 100}
FACE_FREE = ("empty", "mosaic")


class PaperHaar:
    """The paper's detector: the frontal cascade on the full grey frame, 1.1 and 5."""

    def __init__(self) -> None:
        self.cascade = cv2.CascadeClassifier(
            str(Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"))  # type: ignore[attr-defined]

    def boxes(self, image: np.ndarray) -> list[Box]:
        found = self.cascade.detectMultiScale(to_grey(image), scaleFactor=1.1, minNeighbors=5)
        return [tuple(int(v) for v in b) for b in np.asarray(found).reshape(-1, 4)]  # type: ignore[misc]


class HaarAsBefore(HaarFaceDetector):
    """moodtunes' Haar set-up until 2026-12-01: equalizeHist on a 400 px copy."""

    def detect(self, image: np.ndarray):  # type: ignore[no-untyped-def]
        grey = to_grey(image)
        return super().detect(cv2.equalizeHist(grey))


def detectors() -> dict[str, Callable[[np.ndarray], list[Box]]]:
    mtcnn, haar, before, paper = (MtcnnFaceDetector(), HaarFaceDetector(HaarSettings()),
                                  HaarAsBefore(), PaperHaar())
    return {
        "MTCNN (moodtunes' default)": lambda im: [d.box for d in mtcnn.detect(im)],
        "Haar, moodtunes' fallback (400 px, no equalizeHist)": lambda im: [
            d.box for d in haar.detect(im)],
        "Haar as moodtunes used it (400 px, equalizeHist)": lambda im: [
            d.box for d in before.detect(im)],
        "Haar, the paper's (full frame, 1.1, 5)": paper.boxes,
    }


def recall(sets: dict[str, list[Frame]]) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for name, detect in detectors().items():
        row: dict[str, float] = {}
        by_kind: dict[str, list[bool]] = defaultdict(list)
        times = []
        for set_name, items in sets.items():
            found, total, boxes = 0, 0, 0
            for frame in tqdm(items, desc=f"{name[:24]} / {set_name}", leave=False):
                started = time.perf_counter()
                got = detect(frame.image)
                if frame.image.shape[:2] == (480, 640):
                    times.append((time.perf_counter() - started) * 1000)
                boxes += len(got)
                for face in frame.faces:
                    ok = hits(got, face)
                    found += ok
                    total += 1
                    if set_name == "hard":
                        by_kind[frame.kind].append(ok)
            row[set_name] = boxes if set_name in FACE_FREE else found / total
        for kind in HARD_KINDS:
            row[f"hard: {kind}"] = float(np.mean(by_kind[kind]))
        row["ms"] = statistics.median(times)
        results[name] = row
    return results


def speed(items: list[Frame], repeat: int) -> dict[str, float]:
    """The whole frame against the paper's detector alone, interleaved, on the same frames."""
    recognizer = EmotionRecognizer.default()
    paper = PaperHaar()
    jpegs = [cv2.imencode(".jpg", f.image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
             for f in items]
    greys = [to_grey(decode_image(j)) for j in jpegs]
    whole, alone = [], []
    for _ in range(repeat):
        for data, grey in tqdm(list(zip(jpegs, greys, strict=True)), desc="speed", leave=False):
            started = time.perf_counter()
            recognizer.analyze(decode_image(data))
            whole.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            paper.cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5)
            alone.append((time.perf_counter() - started) * 1000)
    return {"whole frame ms": statistics.median(whole),
            "paper's Haar alone ms": statistics.median(alone),
            "ratio": statistics.median(whole) / statistics.median(alone),
            "whole frames per second": 1000 / statistics.median(whole)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of each set's size")
    parser.add_argument("--repeat", type=int, default=2, help="passes of the speed test")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    try:
        sets = {k: list(frames(k, max(8, round(n * args.scale)))) for k, n in SETS.items()}
    except FileNotFoundError as exc:
        print(f"needs ../shared/data: {exc}", file=sys.stderr)
        return 1
    results = recall(sets)
    columns = [*SETS, *(f"hard: {k}" for k in HARD_KINDS), "ms"]
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          "1 thread")
    print("| detector | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in results.items():
        cells = [f"{row[c]:.0f}" if c in FACE_FREE else f"{row[c]:.1f}" if c == "ms"
                 else f"{row[c]:.1%}" for c in columns]
        print(f"| {name} | " + " | ".join(cells) + " |")
    fast = speed(sets["easy"][:100] + sets["hard"][:100], args.repeat)
    print("\nWhole frame (decode, detect, align, classify) vs the paper's Haar alone, "
          "interleaved on 200 easy and hard frames:")
    for k, v in fast.items():
        print(f"  {k}: {v:.3f}" if k == "ratio" else f"  {k}: {v:.1f}")
    if args.json:
        args.json.write_text(json.dumps({"recall": results, "speed": fast,
                                         "sizes": {k: len(v) for k, v in sets.items()}},
                                        indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
