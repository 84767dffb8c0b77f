"""A server camera that cannot be opened: the state says why to the browsers that may watch it,
/video_feed answers a clear 503 rather than hanging, the page says so instead of showing a
frozen picture, and nobody watching still costs nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from moodtunes.config import Settings
from moodtunes.music.catalog import Catalog
from moodtunes.vision.camera import CameraStream
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.services import Services
from tests.support import launch_chromium, needs_chromium, watch_page, write_avi

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}  # with no token configured, this machine's browser may watch
RETRY_S = 0.5


@pytest.fixture
def missing_camera(tmp_path: Path, recognizer: EmotionRecognizer, catalog: Catalog,
                   prepared_home: Path) -> Iterator[tuple[Flask, CameraStream, Path]]:
    """An app whose server camera is a video file that does not exist (yet)."""
    video = tmp_path / "camera.avi"
    camera = CameraStream(str(video), recognizer, idle_after=2.0, retry_after=RETRY_S).start()
    settings = Settings(camera=str(video))
    app = create_app({"TESTING": True, "SECRET_KEY": "t"}, settings=settings,
                     services=Services(recognizer, catalog, settings, camera))
    yield app, camera, video
    camera.stop()


def local_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update(LOCAL)
    return client


def test_the_state_and_the_feed_say_why_the_camera_cannot_be_opened(
    missing_camera: tuple[Flask, CameraStream, Path], face_frames: list[np.ndarray],
) -> None:
    app, camera, video = missing_camera
    client = local_client(app)
    state = client.get("/api/state").get_json()
    assert state["server_camera"] is True and state["server_camera_error"] is None
    assert camera.attempts == 0  # nobody watched: never tried

    follow = client.post("/api/mood", json={"source": "server"})
    assert follow.status_code == 200
    reason = follow.get_json()["server_camera_error"]
    assert reason is not None and str(video) in reason and "cannot open" in reason
    assert client.get("/api/state").get_json()["server_camera_error"] == reason

    feed = client.get("/video_feed")
    assert feed.status_code == 503 and feed.is_json
    assert feed.get_json() == {"error": "camera_unavailable",
                               "message": f"the server's camera could not be opened: {reason}"}
    assert 1 <= int(feed.headers["Retry-After"]) <= 1 + RETRY_S

    # A visitor the operator did not let in learns nothing about the camera.
    stranger = app.test_client()
    stranger.environ_base.update({"REMOTE_ADDR": "203.0.113.7"})
    assert stranger.get("/api/state").get_json()["server_camera_error"] is None

    # Nobody asks any more: no more tries, however long.
    tries = camera.attempts
    time.sleep(4 * RETRY_S)
    assert camera.attempts == tries and camera.opens == 0

    # The camera is plugged in: a request after the backoff opens it, the error goes.
    write_avi(video, face_frames[:3], fps=15)
    state = client.get("/api/state").get_json()  # following it: a watch, so a try
    deadline = time.monotonic() + 10
    while state["server_camera_error"] is not None:
        assert time.monotonic() < deadline, "the camera was not tried again"
        time.sleep(0.1)
        state = client.get("/api/state").get_json()
    assert camera.opens == 1
    feed = client.get("/video_feed", buffered=False)
    assert feed.status_code == 200 and feed.mimetype == "multipart/x-mixed-replace"
    feed.close()


def test_a_feed_asked_for_first_answers_503_rather_than_hang(
    missing_camera: tuple[Flask, CameraStream, Path],
) -> None:
    app, camera, _ = missing_camera
    started = time.monotonic()
    feed = local_client(app).get("/video_feed")
    assert feed.status_code == 503 and feed.get_json()["error"] == "camera_unavailable"
    assert time.monotonic() - started < 3 and camera.attempts == 1


@needs_chromium
def test_the_page_says_the_server_camera_cannot_be_opened_and_shows_it_once_it_opens(
    missing_camera: tuple[Flask, CameraStream, Path], serve: Callable[[Flask], str],
    face_frames: list[np.ndarray],
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Python Playwright is absent")
    app, camera, video = missing_camera
    url = serve(app)
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            watch_page(page, errors)
            page.goto(url)
            page.click("#server-toggle")
            said = (f"The server's camera could not be opened: cannot open camera or video "
                    f"'{video}'. Use your own camera or a photo.")
            page.wait_for_function(
                "said => document.querySelector('#camera-message').textContent === said",
                arg=said, timeout=10_000)
            assert page.is_visible("#camera-message") and not page.is_visible("#server-feed")
            assert page.get_attribute("#server-feed", "src") is None
            assert page.inner_text("#status") == said
            assert page.get_attribute("#stage", "data-view") == "unavailable"
            assert camera.opens == 0

            write_avi(video, face_frames[:3], fps=15)  # plugged in: the page's polls retry it
            page.wait_for_function(
                "() => document.querySelector('#server-feed').naturalWidth > 0", timeout=15_000)
            assert page.get_attribute("#stage", "data-view") == "server"
            assert page.is_hidden("#camera-message") and camera.opens >= 1
            assert page.inner_text("#status") != said

            page.click("#server-toggle")  # stopped: the placeholder says what it did before
            assert page.inner_text("#camera-message") == (
                "Your camera stays off until you start it.")
            assert page.get_attribute("#stage", "data-view") == "idle"
        finally:
            browser.close()
    assert errors == []
