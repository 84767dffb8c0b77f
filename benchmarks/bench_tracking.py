"""The server camera's tracker (moodtunes.vision.tracking) against a whole detection on every
frame, on webcam-like videos made from SFEW faces that drift across the frame.

    .venv/bin/python benchmarks/bench_tracking.py [--videos 8] [--frames 90]

Per frame, one core: milliseconds of `EmotionRecognizer.analyze` (detect, align, classify) and
of `FaceTracker.analyze` on the same frames, and how often the tracker's driving face (the
largest) gets the same emotion as a whole detection gives it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hard_frames import background, paste, sensor, sfew_faces  # noqa: E402

from moodtunes.vision.recognizer import EmotionRecognizer  # noqa: E402
from moodtunes.vision.tracking import FaceTracker  # noqa: E402


def video(face: np.ndarray, frames: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A face of 120-220 px drifting and turning slowly over a still background."""
    back = background(rng)
    width = float(rng.uniform(120, 220))
    x, y = float(rng.uniform(150, 490)), float(rng.uniform(160, 320))
    vx, vy = rng.uniform(-3, 3, 2)
    out = []
    for i in range(frames):
        frame = back.copy()
        x = float(np.clip(x + vx, width * 0.6, 640 - width * 0.6))
        y = float(np.clip(y + vy, width * 0.7, 480 - width * 0.7))
        paste(frame, face, x, y, width * (1 + 0.1 * np.sin(i / 15)), 8 * np.sin(i / 20))
        out.append(sensor(frame, rng, 3))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=int, default=8)
    parser.add_argument("--frames", type=int, default=90)
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    rng = np.random.default_rng(0)
    faces = sfew_faces(every=7)
    recognizer = EmotionRecognizer.default()
    whole_ms, tracked_ms, same, total = [], [], 0, 0
    for v in range(args.videos):
        frames = video(faces[int(rng.integers(len(faces)))], args.frames, rng)
        tracker = FaceTracker(recognizer)
        for frame in frames:
            started = time.perf_counter()
            whole = recognizer.analyze(frame)
            whole_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            tracked = tracker.analyze(frame)
            tracked_ms.append((time.perf_counter() - started) * 1000)
            if whole:
                total += 1
                same += bool(tracked) and tracked[0].emotion == whole[0].emotion
        print(f"video {v + 1}: {tracker.whole} whole detections, {tracker.near} near",
              file=sys.stderr)
    print(f"{len(whole_ms)} frames of {args.videos} videos, one core:")
    print(f"  whole detection every frame: {statistics.median(whole_ms):.1f} ms median")
    print(f"  tracker: {statistics.median(tracked_ms):.1f} ms median, "
          f"{statistics.mean(tracked_ms):.1f} ms mean")
    print(f"  the tracker's face has the whole detection's emotion in {same / max(total, 1):.1%} "
          f"of {total} frames with a face")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
