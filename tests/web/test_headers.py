"""Security headers on every answer, a page that needs no inline script or style, and the
session cookie's flags (moodtunes.web.security)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from moodtunes.config import Settings
from moodtunes.music.catalog import Catalog
from moodtunes.vision.camera import CameraStream
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.services import Services
from tests.support import write_avi

FIXED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "media-src 'self' https://*.dzcdn.net; connect-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")


def assert_secured(res: TestResponse, csp: str = CSP) -> None:
    for name, value in FIXED.items():
        assert res.headers.get(name) == value, (name, res.request.path)
    assert res.headers["Content-Security-Policy"] == csp
    assert "unsafe" not in csp


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/", 200),
    ("GET", "/api/state", 200),
    ("GET", "/t", 200),
    ("GET", "/static/js/main.js", 200),
    ("GET", "/static/style.css", 200),
    ("GET", "/no-such-page", 404),
    ("GET", "/api/no-such-route", 404),
    ("GET", "/static/none.js", 404),
    ("GET", "/video_feed", 404),  # this app has no camera
    ("POST", "/api/mood", 400),
    ("PUT", "/api/mood", 405),
    ("GET", "/api/recommendations?n=0", 400),
])
def test_every_answer_carries_the_headers(app: Flask, method: str, path: str,
                                          status: int) -> None:
    res = app.test_client().open(path, method=method)
    res.close()  # a static file's answer holds the file open
    assert res.status_code == status
    assert_secured(res)
    assert "Strict-Transport-Security" not in res.headers  # not configured for HTTPS


def test_a_refused_cross_site_request_and_an_unexpected_error_carry_them_too(
    app: Flask,
) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    refused = FlaskClient(app, app.response_class).post("/api/mood", json={})
    assert refused.status_code == 403
    assert_secured(refused)
    res = app.test_client().get("/boom")
    assert res.status_code == 500 and b"a bug" not in res.data
    assert_secured(res)


def test_the_camera_stream_carries_them(
    tmp_path: Path, recognizer: EmotionRecognizer, catalog: Catalog,
    face_frames: list[np.ndarray], prepared_home: Path,
) -> None:
    video = write_avi(tmp_path / "faces.avi", face_frames[:2], fps=15)
    camera = CameraStream(str(video), recognizer).start()
    services = Services(recognizer, catalog, Settings(camera=str(video)), camera)
    app = create_app({"TESTING": True, "SECRET_KEY": "t"}, settings=services.settings,
                     services=services)
    try:
        res = app.test_client().get("/video_feed", buffered=False)
        assert res.status_code == 200 and res.mimetype == "multipart/x-mixed-replace"
        assert_secured(res)
        res.close()
    finally:
        camera.stop()


def test_previews_from_a_stand_in_for_deezer_are_allowed_by_the_policy(
    recognizer: EmotionRecognizer, catalog: Catalog, prepared_home: Path,
) -> None:
    settings = Settings(deezer_api_url="http://127.0.0.1:5999/")
    app = create_app({"TESTING": True, "SECRET_KEY": "t"}, settings=settings,
                     services=Services(recognizer, catalog, settings))
    res = app.test_client().get("/")
    assert_secured(res, CSP.replace("https://*.dzcdn.net", "https://*.dzcdn.net "
                                    "http://127.0.0.1:5999"))


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_handlers: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self.scripts.append(found)
        if tag == "style":
            self.styles.append(tag)
        self.inline_handlers += [name for name in found if name.startswith("on")]
        if "style" in found:
            self.styles.append(f"{tag} style={found['style']}")


@pytest.mark.parametrize("path", ["/", "/no-such-page"])
def test_the_pages_hold_no_inline_script_or_style(app: Flask, path: str) -> None:
    """What the policy would refuse: the only script without src is the JSON config."""
    markup = _Markup()
    markup.feed(app.test_client().get(path, headers={"Accept": "text/html"})
                .get_data(as_text=True))
    for script in markup.scripts:
        assert script.get("src") or script.get("type") == "application/json", script
    assert markup.inline_handlers == [] and markup.styles == []
    if path == "/":
        assert {"type": "module", "src": "/static/js/main.js"} in markup.scripts


def test_the_session_cookie_is_http_only_and_same_site_lax(app: Flask) -> None:
    client = app.test_client()
    assert "Set-Cookie" not in client.get("/").headers  # a GET writes no cookie
    cookie = client.post("/api/mood", json={"emotion": "sad"}).headers["Set-Cookie"]
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "secure" not in flags


def test_configured_for_https_the_cookie_is_secure_and_hsts_is_sent(
    recognizer: EmotionRecognizer, catalog: Catalog, prepared_home: Path,
) -> None:
    settings = Settings(session_cookie_secure=True)
    app = create_app({"TESTING": True, "SECRET_KEY": "t"}, settings=settings,
                     services=Services(recognizer, catalog, settings))
    client = app.test_client()
    res = client.post("/api/mood", json={"emotion": "sad"}, base_url="https://localhost")
    assert res.status_code == 200
    flags = [part.strip().lower() for part in res.headers["Set-Cookie"].split(";")]
    assert {"secure", "httponly", "samesite=lax"} <= set(flags)
    assert res.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert_secured(res)
