"""Issue 11's must-show in a real browser: a camera that goes from a happy face to a sad one
rebuilds the playlist exactly once, and that one list is already made for the sad mood.

Chromium's fake camera plays a video of a happy FER2013 face, then a sad one. A MutationObserver
on the playlist's <tbody> (set up by the test, not by the page) counts every time the rows are
replaced and notes the table's `data-emotion` and caption at that moment; the /api/emotion
answers are counted too, for the server's side of the same story.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from flask import Flask

from moodtunes.vision.images import decode_image
from moodtunes.vision.recognizer import EmotionRecognizer
from tests.support import (
    CHROMIUM_MARKS,
    CLEAR_FACES,
    FAKE_CAMERA_ARGS,
    face_frame,
    jpeg,
    launch_chromium,
    watch_page,
    write_y4m,
)

playwright_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is absent")
pytestmark = CHROMIUM_MARKS

FACES = CLEAR_FACES
CLEAR = 0.9
# Long segments, so a slow machine still sees the happy playlist well before the switch and has
# time to settle on sad before the fake camera loops back to the happy face.
FPS = 5
HAPPY_S = 12
SAD_S = 30
# How long the test keeps watching after sad is shown, for a late second rebuild to show up.
SETTLE_S = 5


@pytest.fixture
def live_server(app: Flask, serve: Callable[[Flask], str]) -> str:
    return serve(app)


def _clear_frame(face: npt.NDArray[np.uint8], emotion: str,
                 recognizer: EmotionRecognizer) -> npt.NDArray[np.uint8]:
    """The face in a camera frame, checked to read as `emotion` once JPEG-encoded as the page
    posts it."""
    frame = face_frame(face)
    faces = recognizer.analyze(decode_image(jpeg(frame)))
    assert len(faces) == 1, f"the Haar detector should find the {emotion} face once"
    score = faces[0].scores[emotion]
    assert faces[0].emotion == emotion and score > CLEAR, (
        f"the model reads the {emotion} face as {faces[0].emotion} ({faces[0].scores}); "
        "choose another clear face in FACES")
    return frame


@pytest.fixture
def switch_video(publictest: dict[str, npt.NDArray[np.generic]], recognizer: EmotionRecognizer,
                 tmp_path: Path) -> Path:
    images = publictest["images"]
    happy = _clear_frame(images[FACES["happy"]], "happy", recognizer)
    sad = _clear_frame(images[FACES["sad"]], "sad", recognizer)
    return write_y4m(tmp_path / "happy-then-sad.y4m",
                     [happy] * (FPS * HAPPY_S) + [sad] * (FPS * SAD_S), fps=FPS)


# Notes each replacement of the rows and each emotion the page shows, with its time.
WATCH_PAGE = """() => {
  const table = document.querySelector('#playlist');
  const label = document.querySelector('#mood-label');
  window.rebuilds = [];
  window.shown = [];
  new MutationObserver((records) => {
    for (const record of records) {
      if (!record.addedNodes.length && !record.removedNodes.length) continue;
      window.rebuilds.push({
        t: performance.now(), emotion: table.dataset.emotion,
        caption: document.querySelector('#playlist-caption').textContent,
        mood: label.dataset.emotion, rows: table.tBodies[0].rows.length,
      });
    }
  }).observe(table.tBodies[0], { childList: true });
  new MutationObserver(() => {
    window.shown.push({ t: performance.now(), emotion: label.dataset.emotion });
  }).observe(label, { attributes: true, attributeFilter: ['data-emotion'] });
}"""


def test_a_happy_to_sad_camera_rebuilds_the_playlist_once_for_sad(
    live_server: str, switch_video: Path
) -> None:
    errors: list[str] = []
    answers: list[dict[str, Any]] = []

    def note_answer(response: Any) -> None:
        if response.url.endswith("/api/emotion") and response.ok:
            body = json.loads(response.body())
            answers.append({"changed": body["playlist_changed"],
                            "emotion": (body.get("playlist") or {}).get("emotion")})

    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(
            p, *FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={switch_video.resolve()}")
        try:
            page = browser.new_page()
            watch_page(page, errors)
            page.on("response", note_answer)
            page.goto(live_server)
            page.evaluate(WATCH_PAGE)
            started = page.evaluate("performance.now()")
            page.click("#start-camera")  # the fake video starts from its first frame

            page.wait_for_function(
                "() => document.querySelector('#playlist').dataset.emotion === 'happy'"
                " && document.querySelector('#mood-label').dataset.emotion === 'happy'",
                timeout=HAPPY_S * 1000)
            # The switch is at HAPPY_S into the video; sad must show with time left to watch.
            page.wait_for_function(
                "() => document.querySelector('#mood-label').dataset.emotion === 'sad'",
                timeout=(HAPPY_S + SAD_S - SETTLE_S - 3) * 1000)
            page.wait_for_timeout(SETTLE_S * 1000)
            rebuilds = page.evaluate("window.rebuilds")
            shown = page.evaluate("window.shown")
            watched_s = (page.evaluate("performance.now()") - started) / 1000
            final = page.evaluate("""() => ({
              emotion: document.querySelector('#playlist').dataset.emotion,
              caption: document.querySelector('#playlist-caption').textContent,
              mood: document.querySelector('#mood-label').dataset.emotion,
            })""")
        finally:
            browser.close()

    assert errors == []
    # Still inside the sad segment: the fake camera had not looped back to the happy face.
    assert watched_s < HAPPY_S + SAD_S, f"watched {watched_s:.1f} s, past the sad segment"
    first_happy = next(i for i, r in enumerate(rebuilds) if r["emotion"] == "happy")
    after = rebuilds[first_happy + 1:]
    sad_at = next(s["t"] for s in shown if s["emotion"] == "sad")
    timeline = [(round((r["t"] - started) / 1000, 2), r["emotion"], r["mood"]) for r in rebuilds]
    print(f"rebuilds (s after Start camera, table's emotion, shown mood): {timeline}; "
          f"sad shown at {(sad_at - started) / 1000:.2f} s; watched {watched_s:.1f} s")

    assert len(after) == 1, f"the switch rebuilt the table {len(after)} times: {timeline}"
    rebuilt = after[0]
    assert rebuilt["emotion"] == "sad" and rebuilt["caption"] == "Songs for a sad mood"
    assert rebuilt["rows"] >= 5
    assert final == {"emotion": "sad", "caption": "Songs for a sad mood", "mood": "sad"}

    # The server's side, in the order the answers came: after the first happy playlist, one
    # answer said the playlist changed, and brought the sad one.
    changes = [a["emotion"] for a in answers if a["changed"]]
    assert changes[changes.index("happy") + 1:] == ["sad"], changes
