"""Helpers for tests: where the shared data lives, and frames and videos made from real faces."""

from __future__ import annotations

import io
import json
import math
import os
import stat
import struct
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from flask.testing import FlaskClient

from moodtunes.web.security import csrf_environ

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
FER_DIR = SHARED_DATA / "fer2013"
FRAME_W, FRAME_H = 640, 480
FACE_SIDE = 192
FACE_AT = ((FRAME_W - FACE_SIDE) // 2, (FRAME_H - FACE_SIDE) // 2)

# Debian's chromium for the real-browser tests (`make browser`; never `playwright install`).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium (make browser)"),
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
# A fake camera that needs no permission prompt; add --use-file-for-fake-video-capture=VIDEO.y4m.
FAKE_CAMERA_ARGS = [
    "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


def needs_chromium(test: Callable[..., None]) -> Callable[..., None]:
    """Marks a real-browser test: `browser`, skipped where Debian's chromium is absent."""
    for mark in CHROMIUM_MARKS:
        test = mark(test)
    return test


def launch_chromium(playwright: Any, *extra: str) -> Any:
    """Headless Debian chromium from a Playwright handle, with these extra switches."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=[*CHROMIUM_ARGS, *extra])


class PageClient(FlaskClient):
    """A test client that sends what the app's own page sends with every request that changes
    something: a CSRF token in its header (moodtunes.web.security). Every app's test client is
    one (conftest.py); the tests of the defence itself use a plain FlaskClient."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base.update(csrf_environ(self.application))


def page_csrf_token(html: str) -> str:
    """The CSRF token in a page's moodtunes-config JSON, as the page's scripts read it."""
    island = html.split('<script id="moodtunes-config" type="application/json">', 1)[1]
    token: str = json.loads(island.split("</script>", 1)[0])["csrfToken"]
    return token


# Forwards each Content Security Policy violation the page sees to its console.
_REPORT_CSP = """document.addEventListener('securitypolicyviolation', (event) => console.error(
  `Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`));"""


def watch_page(page: Any, errors: list[str]) -> None:
    """Collects into `errors` the page's uncaught errors and every Content Security Policy
    violation (the browser's console line, and the page's securitypolicyviolation event)."""
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(_REPORT_CSP)


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data folder beside the project); it is absent")
    return path


def face_frame(face: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """A 640x480 BGR frame with one 48x48 FER2013 face, enlarged 4x, in its middle."""
    big = cv2.resize(face, (FACE_SIDE, FACE_SIDE), interpolation=cv2.INTER_CUBIC)
    frame = np.full((FRAME_H, FRAME_W), 120, np.uint8)
    x, y = FACE_AT
    frame[y:y + FACE_SIDE, x:x + FACE_SIDE] = big
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def jpeg(image: npt.NDArray[np.uint8]) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


def write_y4m(path: Path, frames: list[npt.NDArray[np.uint8]], fps: int = 10,
              repeat: int = 1) -> Path:
    """A raw YUV4MPEG2 video (what Chromium's fake camera plays), each frame `repeat` times."""
    h, w = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            planes = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes()
            for _ in range(repeat):
                out.write(b"FRAME\n" + planes)
    return path


def write_avi(path: Path, frames: list[npt.NDArray[np.uint8]], fps: int = 10) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened(), "OpenCV cannot write MJPG video here"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def wav_clip() -> bytes:
    """One second of a quiet tone, as a WAV file Chromium plays without extra codecs."""
    frames = b"".join(struct.pack("<h", int(800 * math.sin(i / 8000 * 440 * 2 * math.pi)))
                      for i in range(8000))
    with io.BytesIO() as buffer:
        with wave.open(buffer, "wb") as clip:
            clip.setnchannels(1)
            clip.setsampwidth(2)
            clip.setframerate(8000)
            clip.writeframes(frames)
        return buffer.getvalue()


def migrate(engine: Any, target: str, down: bool = False) -> None:
    """Alembic upgrade (or downgrade) of `engine`'s database to revision `target`."""
    from alembic import command
    from alembic.config import Config

    from moodtunes.storage.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)


def revision(engine: Any) -> str | None:
    """The Alembic revision `engine`'s database is at."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def insert_old_track(connection: Any, title: str, artist: str) -> int:
    """A song as the oldest schema (0001) stores it, written with plain SQL: today's
    repository functions write today's schema."""
    from sqlalchemy import text

    from moodtunes.music.catalog import track_key

    title_key, artist_key = track_key(title, artist)
    connection.execute(text(
        "INSERT INTO tracks (title, artist, album, year, genres, moods, valence, arousal, "
        "explicit, source, title_key, artist_key, created_at) VALUES (:title, :artist, '', "
        "NULL, '[]', '[]', NULL, NULL, NULL, 'test', :tk, :ak, '2026-01-01 00:00:00')"),
        {"title": title, "artist": artist, "tk": title_key, "ak": artist_key})
    found: int = connection.execute(text("SELECT id FROM tracks WHERE title_key = :tk"),
                                    {"tk": title_key}).scalar_one()
    return found


def file_mode(path: Path) -> int:
    """The permission bits of `path` (0o600, 0o700, ...)."""
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int) -> Iterator[None]:
    """Files and folders made inside are made under `value` as the process's umask (0o022,
    the usual one, makes them readable by everyone)."""
    before = os.umask(value)
    try:
        yield
    finally:
        os.umask(before)


# PublicTest faces that the shipped model reads, through detection and the whole pipeline, as
# clearly happy and clearly sad (0.96 and 0.95 when chosen), and that the Haar detector finds:
# the camera-switch tests' two moods.
CLEAR_FACES = {"happy": 2062, "sad": 1047}
