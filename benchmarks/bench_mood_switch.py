"""What a camera switch between two clear faces does to the playlist, and whether two server
processes on one database agree, measured through the real app as issue 11 measured them.

    .venv/bin/python benchmarks/bench_mood_switch.py [--switches 8] [--frames 10] [--json]

One browser (one cookie) posts `--frames` frames of a clearly happy FER2013 face, then as many
of a clearly sad one, and so on for `--switches` switches. For each switch it counts the
answers that said `playlist_changed`, the frames until the new playlist came, and whether
that playlist was made for the new emotion. Then two app instances share one SQLite file:
a song disliked through the first must be gone from the second's next playlist.
Needs ../shared/data/fer2013/publictest.npz.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from flask import Flask
from flask.testing import FlaskClient

from moodtunes.config import Settings
from moodtunes.music.catalog import track_key
from moodtunes.prepare import prepare
from moodtunes.web import create_app
from moodtunes.web.security import csrf_environ
from moodtunes.web.services import build_services

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "fer2013" / "publictest.npz"
# PublicTest faces the shipped model reads clearly (tests/web/test_mood_switch.py uses them).
FACES = {"happy": 2062, "sad": 1047}


def frame_jpeg(face: np.ndarray) -> bytes:
    frame = np.full((480, 640), 120, np.uint8)
    frame[144:336, 224:416] = cv2.resize(face, (192, 192), interpolation=cv2.INTER_CUBIC)
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def switches(client: Any, jpegs: dict[str, bytes], count: int, frames: int) -> dict[str, Any]:
    order = ["happy", "sad"] * (count // 2 + 1)
    for _ in range(frames):  # the first mood, before any switch
        client.post("/api/emotion", data=jpegs[order[0]], content_type="image/jpeg")
    results, latencies = [], []
    for emotion in order[1:count + 1]:
        changed_at, made_for = [], None
        for i in range(frames):
            started = time.perf_counter()
            answer = client.post("/api/emotion", data=jpegs[emotion],
                                 content_type="image/jpeg").get_json()
            latencies.append((time.perf_counter() - started) * 1000)
            if answer["playlist_changed"]:
                changed_at.append(i + 1)
                made_for = answer["playlist"]["emotion"]
        results.append({"to": emotion, "playlist_changes": len(changed_at),
                        "frames_until_new_playlist": changed_at[0] if changed_at else None,
                        "made_for": made_for})
    return {"switches": results,
            "exactly_once_for_the_new_emotion": sum(
                r["playlist_changes"] == 1 and r["made_for"] == r["to"] for r in results),
            "median_frame_ms": round(statistics.median(latencies), 1)}


def page_client(app: Flask) -> FlaskClient:
    """A client of `app` that sends the page's CSRF token with its POSTs, as the page does."""
    client = app.test_client()
    client.environ_base.update(csrf_environ(app))
    return client


def two_processes(home: Path) -> dict[str, Any]:
    settings = Settings(database_url=f"sqlite:///{home / 'shared.db'}")
    prepare(settings)
    one, two = (page_client(create_app({"SECRET_KEY": "bench"}, settings=settings,
                                       services=build_services(settings)))
                for _ in range(2))
    one.post("/api/mood", json={"strategy": "match", "emotion": "sad"})
    shown = one.get("/t").get_json()
    one.post("/api/feedback", json=shown[0] | {"kind": "like"})
    cookie = one.get_cookie("session")
    two.set_cookie("session", cookie.value)
    two.get("/t")  # the second process now keeps this profile's taste
    disliked = shown[1]
    one.post("/api/feedback", json=disliked | {"kind": "dislike"})
    served = [track_key(s["title"], s["artist"]) for s in two.get("/t").get_json()]
    return {"disliked_song_still_served_by_the_other_process":
            track_key(disliked["title"], disliked["artist"]) in served}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--switches", type=int, default=8)
    parser.add_argument("--frames", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"needs {SHARED}", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    with np.load(SHARED) as data:
        jpegs = {emotion: frame_jpeg(data["images"][i]) for emotion, i in FACES.items()}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MOODTUNES_HOME"] = tmp
        prepare(Settings())
        client = page_client(create_app({"SECRET_KEY": "bench"}))
        found = switches(client, jpegs, args.switches, args.frames)
        found |= two_processes(Path(tmp))
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print(f"{'switch to':<10}{'playlist changes':>18}{'frames until':>14}{'made for':>10}")
    for r in found["switches"]:
        print(f"{r['to']:<10}{r['playlist_changes']:>18}"
              f"{r['frames_until_new_playlist'] or '-':>14}{r['made_for'] or '-':>10}")
    print(f"exactly once, for the new emotion: {found['exactly_once_for_the_new_emotion']} of "
          f"{len(found['switches'])}; median {found['median_frame_ms']} ms per frame")
    print("a song disliked through one process, served by the other: "
          f"{found['disliked_song_still_served_by_the_other_process']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
