"""The server camera is private (moodtunes.web.security): its stream and its mood only for a
browser given the operator's token once, or, with no token configured, for this machine's own
browser; and it reads frames only while someone watches."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from moodtunes.config import Settings, load_settings
from moodtunes.music.catalog import Catalog
from moodtunes.vision.camera import CameraStream
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.security import camera_pass
from moodtunes.web.services import Services
from tests.support import launch_chromium, needs_chromium, watch_page, write_avi

TOKEN = "the-operators-camera-token-1"
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}  # a visitor from the internet
MakeApp = Callable[..., tuple[Flask, CameraStream]]


@pytest.fixture
def make_app(tmp_path: Path, recognizer: EmotionRecognizer, catalog: Catalog,
             face_frames: list[np.ndarray], prepared_home: Path) -> Iterator[MakeApp]:
    video = write_avi(tmp_path / "faces.avi", face_frames[:3], fps=15)
    cameras: list[CameraStream] = []

    def make(token: str | None = TOKEN, idle_after: float = 10.0) -> tuple[Flask, CameraStream]:
        camera = CameraStream(str(video), recognizer, idle_after=idle_after).start()
        cameras.append(camera)
        settings = Settings(camera=str(video), camera_token=token)
        app = create_app({"TESTING": True, "SECRET_KEY": "t"}, settings=settings,
                         services=Services(recognizer, catalog, settings, camera))
        return app, camera

    yield make
    for camera in cameras:
        camera.stop()


def visitor(app: Flask, **environ: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update(environ or ELSEWHERE)
    return client


def first_frame(client: FlaskClient) -> bytes:
    res = client.get("/video_feed", buffered=False)
    assert res.status_code == 200, res.data
    chunks, data = res.iter_encoded(), b""
    while data.count(b"--frame") < 2:
        data += next(chunks)
    res.close()
    return data


def assert_forbidden(client: FlaskClient, base_url: str = "http://localhost") -> None:
    feed = client.get("/video_feed", base_url=base_url)
    assert feed.status_code == 403 and feed.get_json()["error"] == "camera_forbidden"
    follow = client.post("/api/mood", json={"source": "server"}, base_url=base_url,
                         headers={"Origin": base_url})
    assert follow.status_code == 403 and follow.get_json()["error"] == "camera_forbidden"
    state = client.get("/api/state", base_url=base_url).get_json()
    assert state["server_camera"] is False and state["mood"] is None
    assert b'id="server-toggle"' not in client.get("/", base_url=base_url).data


def test_a_visitor_without_the_token_sees_nothing_of_the_camera(make_app: MakeApp) -> None:
    app, camera = make_app()
    client = visitor(app)
    assert_forbidden(client)
    wrong = client.post("/api/camera", json={"token": TOKEN + "x"})
    assert wrong.status_code == 403 and wrong.get_json()["error"] == "camera_forbidden"
    assert_forbidden(client)
    assert camera.opens == 0  # nobody got to wake it


def test_the_token_given_once_is_remembered_and_lets_the_browser_watch_and_follow(
    make_app: MakeApp,
) -> None:
    app, camera = make_app()
    client = visitor(app)
    page = client.get(f"/?camera_token={TOKEN}")
    assert b'id="server-toggle"' in page.data and "Set-Cookie" not in page.headers
    assert b'id="server-toggle"' not in client.get("/?camera_token=guess-1234567890").data

    granted = client.post("/api/camera", json={"token": TOKEN})
    assert granted.status_code == 200 and granted.get_json() == {"server_camera": True}
    assert b'id="server-toggle"' in client.get("/").data
    assert b"Content-Type: image/jpeg" in first_frame(client)
    state = client.post("/api/mood", json={"source": "server"}).get_json()
    assert state["server_camera"] is True and state["mood"]["source"] == "server"

    # The cookie keeps a proof, not the token.
    cookie = client.get_cookie("session")
    assert cookie is not None and TOKEN not in cookie.value
    kept = app.session_interface.get_signing_serializer(app).loads(cookie.value)  # type: ignore[attr-defined]
    assert TOKEN not in str(kept)
    with app.app_context():
        assert kept["browser"]["camera"] == camera_pass(TOKEN)


def test_another_token_locks_out_every_browser_given_the_old_one(make_app: MakeApp) -> None:
    app, _ = make_app()
    client = visitor(app)
    client.post("/api/camera", json={"token": TOKEN})
    assert client.post("/api/mood", json={"source": "server"}).status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None

    changed, _ = make_app(token="a-brand-new-camera-token")
    later = visitor(changed)
    later.set_cookie("session", cookie.value)
    assert_forbidden(later)  # ...and the mood shown is this browser's own again (none)


def test_without_a_token_only_this_machines_own_browser_may_watch(make_app: MakeApp) -> None:
    app, _ = make_app(token=None)
    own = visitor(app, REMOTE_ADDR="127.0.0.1")  # on http://localhost
    assert b"Content-Type: image/jpeg" in first_frame(own)
    assert own.post("/api/mood", json={"source": "server"}).status_code == 200
    assert own.post("/api/camera", json={"token": "anything-at-all-1"}).status_code == 403

    assert_forbidden(visitor(app))
    # Through a reverse proxy on this machine, every request comes from the loopback address.
    assert_forbidden(visitor(app, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"))
    # A page of another site whose name now resolves to 127.0.0.1 (DNS rebinding).
    assert_forbidden(visitor(app, REMOTE_ADDR="127.0.0.1"), base_url="http://evil.example:5000")


def test_a_browser_following_the_camera_keeps_it_awake_and_it_sleeps_after(
    make_app: MakeApp,
) -> None:
    app, camera = make_app(idle_after=0.3)
    client = visitor(app)
    client.post("/api/camera", json={"token": TOKEN})
    assert camera.opens == 0 and not camera.awake
    client.post("/api/mood", json={"source": "server"})
    deadline = time.monotonic() + 10
    while camera.snapshot is None or camera.snapshot.mood is None:  # no /video_feed viewer
        assert time.monotonic() < deadline, "following the camera did not wake it"
        client.get("/api/state")
        time.sleep(0.05)
    assert client.get("/api/state").get_json()["mood"]["emotion"] == camera.snapshot.mood.emotion
    while camera.awake:  # nobody asks any more
        assert time.monotonic() < deadline, "the camera did not go to sleep"
        time.sleep(0.05)
    frames = camera.snapshot.index
    time.sleep(0.6)
    assert camera.snapshot.index == frames and camera.opens == 1


def test_a_camera_token_shorter_than_16_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="camera_token must have at least 16 characters"):
        load_settings(environ={"MOODTUNES_CAMERA_TOKEN": "secret"})
    assert load_settings(environ={"MOODTUNES_CAMERA_TOKEN": TOKEN}).camera_token == TOKEN
    assert load_settings(environ={"MOODTUNES_CAMERA_TOKEN": TOKEN}).public()[
        "camera_token"] == "***"


@needs_chromium
def test_the_page_takes_the_token_from_its_link_and_shows_the_stream(
    make_app: MakeApp, serve: Callable[[Flask], str],
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Python Playwright is absent")
    app, camera = make_app()
    url = serve(app)
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            watch_page(page, errors)
            page.goto(url)  # no token: no server camera on the page, and no stream for it
            assert page.locator("#server-toggle").count() == 0
            assert page.request.get(f"{url}/video_feed").status == 403
            with page.expect_response(lambda r: r.url.endswith("/api/camera")) as granted:
                page.goto(f"{url}/?camera_token={TOKEN}")
            assert granted.value.status == 200
            assert page.url == f"{url}/"  # the token left the address bar
            page.click("#server-toggle")
            page.wait_for_function(
                "() => document.querySelector('#server-feed').naturalWidth > 0", timeout=15_000)
            page.wait_for_selector("#playlist tbody tr td.title", timeout=15_000)
            assert page.inner_text("#mood-source") == "Read from the server camera"
            page.click("#server-toggle")
            page.goto(url)  # remembered: the page offers the camera without the link
            assert page.locator("#server-toggle").count() == 1
        finally:
            browser.close()
    assert errors == [] and camera.opens >= 1
