"""Inference speed of the shipped model and of a whole frame, on one core.

    .venv/bin/python benchmarks/bench_inference.py [--model PATH] [--repeat 200] [--detector haar]

Prints medians and 95th percentiles; docs/BENCHMARKS.md keeps the latest results.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from moodtunes.vision.classifier import EmotionClassifier
from moodtunes.vision.faces import create_detector
from moodtunes.vision.images import decode_image
from moodtunes.vision.recognizer import EmotionRecognizer

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "fer2013" / "publictest.npz"


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    for _ in range(10):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--detector", default="mtcnn", help="mtcnn (the default) or haar")
    args = parser.parse_args()

    classifier = EmotionClassifier(args.model, threads=1)
    cv2.setNumThreads(1)
    if SHARED.exists():
        with np.load(SHARED) as data:
            faces = data["images"][:8]
    else:
        faces = np.random.default_rng(0).integers(0, 256, (8, 48, 48), dtype=np.uint8)
    face = faces[:1]
    big = cv2.resize(faces[0], (192, 192), interpolation=cv2.INTER_CUBIC)
    frame = np.full((480, 640), 120, np.uint8)
    frame[144:336, 224:416] = big
    frame_bgr = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    encoded = cv2.imencode(".jpg", frame_bgr, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
    recognizer = EmotionRecognizer(create_detector(args.detector), classifier)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{platform.python_implementation()} {platform.python_version()}")
    print(f"model: {classifier.path} ({classifier.metadata.get('moodtunes.architecture')}, "
          f"TTA {classifier.metadata.get('moodtunes.tta')})")
    rows = [
        ("classify 1 face (batch 1)", lambda: classifier.predict(face)),
        ("classify 8 faces (batch 8)", lambda: classifier.predict(faces)),
        (f"{args.detector} detect, 640x480 frame",
         lambda: recognizer.detector.detect(frame_bgr)),
        ("whole frame: decode+detect+align+classify",
         lambda: recognizer.analyze(decode_image(encoded))),
    ]
    print(f"{'what':<40}{'median ms':>12}{'p95 ms':>10}")
    for name, fn in rows:
        median, p95 = timed(fn, args.repeat)
        print(f"{name:<40}{median:>12.2f}{p95:>10.2f}")


if __name__ == "__main__":
    main()
