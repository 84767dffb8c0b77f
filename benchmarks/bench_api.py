"""Latency of POST /api/emotion through the Flask app (in process, one thread), per frame.

    .venv/bin/python benchmarks/bench_api.py [--repeat 100]

A 640x480 JPEG with one real FER2013 face (or a blank frame) is posted as a browser would.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from moodtunes.config import Settings
from moodtunes.music.catalog import Catalog
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.security import csrf_environ
from moodtunes.web.services import Services

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "fer2013" / "publictest.npz"


def frame_jpeg(with_face: bool) -> bytes:
    frame = np.full((480, 640), 120, np.uint8)
    if with_face and SHARED.exists():
        with np.load(SHARED) as data:
            face = data["images"][0]
        frame[144:336, 224:416] = cv2.resize(face, (192, 192), interpolation=cv2.INTER_CUBIC)
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    services = Services(EmotionRecognizer.default(threads=1), Catalog.builtin(), Settings())
    app = create_app({"SECRET_KEY": "bench"}, settings=services.settings, services=services)
    client = app.test_client()
    client.environ_base.update(csrf_environ(app))  # the token the page sends with its POSTs
    print(f"{'frame':<12}{'median ms':>12}{'p95 ms':>10}{'frames/s':>10}")
    for label, with_face in (("with a face", True), ("blank", False)):
        body = frame_jpeg(with_face)
        for _ in range(5):
            client.post("/api/emotion", data=body, content_type="image/jpeg")
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            res = client.post("/api/emotion", data=body, content_type="image/jpeg")
            samples.append((time.perf_counter() - started) * 1000)
            assert res.status_code == 200
        samples.sort()
        median = statistics.median(samples)
        p95 = samples[int(0.95 * (len(samples) - 1))]
        print(f"{label:<12}{median:>12.1f}{p95:>10.1f}{1000 / median:>10.1f}")


if __name__ == "__main__":
    main()
