"""Cross-site requests are refused (moodtunes.web.security): every route that changes
something wants this origin and the page's CSRF token; one client, in the test client here and
in a real browser below, attacked from a page on another port and on another host name."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import Signer

from moodtunes.config import Settings
from moodtunes.music.catalog import Catalog
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.browser import SAFE_METHODS
from moodtunes.web.security import CSRF_HEADER, csrf_token
from moodtunes.web.services import Services
from tests.support import jpeg, launch_chromium, needs_chromium, page_csrf_token, watch_page

# Every route that changes something, as the blueprints declare them. A new one fails this
# list until it is added here, and the checks below run for it from then on.
CHANGING_ROUTES = {
    ("POST", "/api/emotion"), ("POST", "/api/mood"), ("POST", "/api/feedback"),
    ("POST", "/api/profile"), ("POST", "/api/camera"), ("POST", "/api/spotify/disconnect"),
    ("POST", "/api/spotify/import"), ("POST", "/api/spotify/library"),
    ("POST", "/api/spotify/save"),
}
SECURITY_CODES = {"cross_site_request", "csrf_token_invalid"}


def changing_routes(app: Flask) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods or () if method not in SAFE_METHODS}


def plain_client(app: Flask) -> FlaskClient:
    """A client that sends no token: what another site's form or a bare script sends."""
    return FlaskClient(app, app.response_class, use_cookies=True)


def token_headers(app: Flask) -> dict[str, str]:
    with app.app_context():
        return {CSRF_HEADER: csrf_token()}


def test_the_routes_that_change_something_are_the_ones_checked(app: Flask) -> None:
    assert changing_routes(app) == CHANGING_ROUTES


@pytest.mark.parametrize(("method", "path"), sorted(CHANGING_ROUTES))
@pytest.mark.parametrize(("headers", "code"), [
    ({}, "csrf_token_invalid"),  # curl, or a browser that says nothing: the token is needed
    ({"Origin": "http://localhost:8080"}, "cross_site_request"),  # another port
    ({"Origin": "https://localhost"}, "cross_site_request"),  # another scheme
    ({"Origin": "http://evil.localhost"}, "cross_site_request"),  # a sibling subdomain
    ({"Origin": "null"}, "cross_site_request"),  # a sandboxed frame, a data: page
    ({"Sec-Fetch-Site": "same-site"}, "cross_site_request"),
    ({"Sec-Fetch-Site": "cross-site"}, "cross_site_request"),
    ({"Sec-Fetch-Site": "none"}, "cross_site_request"),
])
def test_every_changing_route_refuses_what_did_not_come_from_the_page(
    app: Flask, method: str, path: str, headers: dict[str, str], code: str,
) -> None:
    client = plain_client(app)
    with_token = code != "csrf_token_invalid"  # another origin fails even with a good token
    sent = headers | (token_headers(app) if with_token else {})
    res = client.open(path, method=method, json={"emotion": "sad"}, headers=sent)
    assert res.status_code == 403, res.data
    assert res.get_json()["error"] == code
    assert "Set-Cookie" not in res.headers
    assert client.get("/api/state").get_json()["mood"] is None


@pytest.mark.parametrize("token", [
    "", "x" * 20, "nonce.c2lnbmF0dXJl", "a" * 5000,
    Signer("another key", salt="moodtunes.csrf").sign("nonce").decode(),
])
def test_a_forged_token_is_refused(app: Flask, token: str) -> None:
    res = plain_client(app).post("/api/mood", json={"emotion": "sad"},
                                 headers={CSRF_HEADER: token, "Origin": "http://localhost"})
    assert res.status_code == 403 and res.get_json()["error"] == "csrf_token_invalid"


def test_the_page_token_passes_with_the_origin_or_with_no_origin_at_all(app: Flask) -> None:
    client = plain_client(app)
    page = client.get("/")
    assert "Set-Cookie" not in page.headers  # the page's GET writes nothing
    token = page_csrf_token(page.get_data(as_text=True))
    for headers in ({"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
                    {"Origin": "http://localhost:80"}, {}):
        res = client.post("/api/mood", json={"emotion": "happy"},
                          headers=headers | {CSRF_HEADER: token})
        assert res.status_code == 200, res.data
    assert client.get("/api/state").get_json()["mood"]["emotion"] == "happy"
    # Each page gets its own token; the page of another process with the same key is as good.
    assert page_csrf_token(client.get("/").get_data(as_text=True)) != token


def test_the_origin_is_matched_against_the_host_the_request_was_sent_to(app: Flask) -> None:
    client = plain_client(app)
    headers = token_headers(app)
    ok = client.post("/api/mood", json={"emotion": "sad"}, base_url="http://app.example.test",
                     headers=headers | {"Origin": "http://app.example.test"})
    assert ok.status_code == 200
    for origin in ("http://evil.example.test", "http://example.test",
                   "http://app.example.test:8000", "http://app.example.test.evil.test",
                   "http://app.example.test/path", "app.example.test"):
        res = client.post("/api/mood", json={"emotion": "happy"},
                          base_url="http://app.example.test", headers=headers | {"Origin": origin})
        assert res.status_code == 403 and res.get_json()["error"] == "cross_site_request", origin


def test_safe_methods_need_no_token_and_a_preflight_grants_nothing(app: Flask) -> None:
    client = plain_client(app)
    assert client.get("/api/state", headers={"Origin": "http://evil.test"}).status_code == 200
    preflight = client.options("/api/mood", headers={
        "Origin": "http://localhost:8080", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-csrf-token, content-type"})
    assert not any(name.lower().startswith("access-control-") for name in preflight.headers.keys())


def test_a_refused_request_runs_no_view(app: Flask) -> None:
    """Refused before the view: a like of a cross-site form makes no profile."""
    client = plain_client(app)
    res = client.post("/api/feedback", data={"title": "x", "artist": "y", "kind": "like"},
                      headers={"Origin": "http://localhost:9000"})
    assert res.status_code == 403
    assert client.get("/api/profile").get_json() == {"favourite_artists": [],
                                                      "favourite_genres": []}


# --- a real browser ---------------------------------------------------------------------------


def attacker_app(victim: str, photo: bytes) -> Flask:
    """Another site's pages, each trying one cross-site request against `victim` as the
    browser's user visits it. Its own scripts are its own business: no CSP here."""
    attacker = Flask("attacker")
    photo_b64 = base64.b64encode(photo).decode()

    def page(body: str) -> str:
        return f"<!doctype html><html><body>{body}</body></html>"

    def auto_submit(form: str) -> str:  # once loaded, so the test sees two navigations
        return page(form + "<script>addEventListener('load', () => setTimeout(() => "
                    "document.forms[0].submit()))</script>")

    @attacker.get("/upload")
    def upload() -> str:  # a photo, as the page's own upload sends it
        return page(f"""<form method="post" enctype="multipart/form-data"
              action="{victim}/api/emotion"><input type="file" name="image"></form>
            <script>
              const bytes = Uint8Array.from(atob('{photo_b64}'), (c) => c.charCodeAt(0));
              const files = new DataTransfer();
              files.items.add(new File([bytes], 'face.jpg', {{ type: 'image/jpeg' }}));
              document.querySelector('input').files = files.files;
              addEventListener('load', () => setTimeout(() => document.forms[0].submit()));
            </script>""")

    @attacker.get("/mood-form")
    def mood_form() -> str:  # JSON smuggled in a text/plain form
        return auto_submit(f"""<form method="post" enctype="text/plain"
              action="{victim}/api/mood"><input name='{{"emotion": "sad", "x": "'
              value='"}}'></form>""")

    @attacker.get("/mood-urlencoded")
    def mood_urlencoded() -> str:
        return auto_submit(f"""<form method="post" action="{victim}/api/mood">
              <input name="locked" value="false"><input name="emotion" value="sad"></form>""")

    @attacker.get("/no-cors")
    def no_cors() -> str:
        return page(f"""<script>
              window.done = fetch('{victim}/api/mood', {{ method: 'POST', mode: 'no-cors',
                credentials: 'include', headers: {{ 'Content-Type': 'text/plain' }},
                body: JSON.stringify({{ emotion: 'sad', locked: false }}) }})
                .then(() => 'sent', (err) => String(err));
            </script>""")

    @attacker.get("/with-token")
    def with_token() -> str:  # a token the attacker got by loading the page itself
        token = json.dumps(attacker.config["VICTIM_TOKEN"])
        return page(f"""<script>
              window.done = fetch('{victim}/api/mood', {{ method: 'POST', credentials: 'include',
                headers: {{ 'Content-Type': 'application/json', 'X-CSRF-Token': {token} }},
                body: JSON.stringify({{ emotion: 'sad', locked: false }}) }})
                .then((r) => `answered ${{r.status}}`, (err) => String(err));
            </script>""")

    @attacker.get("/spotify-<action>")
    def spotify(action: str) -> str:
        return auto_submit(f"""<form method="post" action="{victim}/api/spotify/{action}">
              <input name="name" value="pwned"></form>""")

    return attacker


@needs_chromium
@pytest.mark.parametrize("attacker_host", ["127.0.0.1", "localhost"])
def test_pages_of_another_port_or_host_change_nothing_while_the_page_works(
    app: Flask, serve: Callable[[Flask], str], face_frames: list[np.ndarray],
    attacker_host: str,
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Python Playwright is absent")
    victim = serve(app)  # http://127.0.0.1:PORT
    attacker = attacker_app(victim, jpeg(face_frames[0]))
    attacker.config["VICTIM_TOKEN"] = page_csrf_token(
        plain_client(app).get("/").get_data(as_text=True))
    evil = serve(attacker).replace("127.0.0.1", attacker_host)
    errors: list[str] = []
    refused: list[tuple[str, int]] = []
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            watch_page(page, errors)

            # The app's own page: a mood, the lock, a like.
            page.goto(victim)
            page.locator(".mood-pick[data-emotion='happy']").click()
            page.wait_for_selector("#playlist[data-emotion='happy'] tbody tr td.title")
            page.click("#lock")
            page.wait_for_selector("#lock[aria-pressed='true']")
            with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as liked:
                page.locator("#playlist tbody tr").first.locator("button.rate-like").click()
            assert liked.value.status == 201
            before = page.request.get(f"{victim}/api/state").json()
            assert before["mood"]["emotion"] == "happy" and before["mood"]["locked"] is True
            profile = page.request.get(f"{victim}/api/profile").json()

            def record(response: Any) -> None:
                if response.url.startswith(victim) and response.request.method == "POST":
                    refused.append((response.url.removeprefix(victim), response.status))

            page.on("response", record)
            for path in ("/upload", "/mood-form", "/mood-urlencoded", "/spotify-save",
                         "/spotify-disconnect"):
                # The attack's own POST: the page just left may still answer a state read.
                with page.expect_response(lambda r: r.url.startswith(victim)
                                          and r.request.method == "POST") as answer:
                    page.goto(evil + path)
                assert answer.value.status == 403, path
                assert answer.value.json()["error"] == "cross_site_request", path
            page.goto(evil + "/no-cors")
            # Sent, refused, and its answer kept from the page (Cross-Origin-Resource-Policy).
            assert page.evaluate("window.done").startswith("TypeError")
            page.goto(evil + "/with-token")
            # A custom header needs a preflight, which the app never grants: never sent.
            assert page.evaluate("window.done").startswith("TypeError")
            page.remove_listener("response", record)

            after = page.request.get(f"{victim}/api/state").json()
            assert after["mood"] == before["mood"] and after["playlist"] == before["playlist"]
            assert page.request.get(f"{victim}/api/profile").json() == profile

            # ...and the app's own page still works after it all.
            page.goto(victim)
            page.locator(".mood-pick[data-emotion='sad']").click()
            page.wait_for_selector("#playlist[data-emotion='sad']", timeout=10_000)
        finally:
            browser.close()
    assert errors == []
    # The form posts and the no-cors fetch reached the app and were refused; the fetch with
    # the token never got past its preflight.
    assert set(refused) == {("/api/emotion", 403), ("/api/mood", 403),
                        ("/api/spotify/save", 403), ("/api/spotify/disconnect", 403)}, refused


def test_behind_trusted_tls_proxies_the_page_origin_is_https(prepared_home: Path,
                                                            recognizer: EmotionRecognizer,
                                                            catalog: Catalog) -> None:
    """A TLS proxy forwards http to the app while the browser's Origin says https: with
    `trusted_proxies` the app takes the scheme and host from X-Forwarded-Proto/-Host; without
    it, such headers are anyone's to send and change nothing."""
    forwarded = {"Origin": "https://music.example", "X-Forwarded-Proto": "https",
                 "X-Forwarded-Host": "music.example", "Sec-Fetch-Site": "same-origin"}
    for proxies, expected in ((1, 200), (0, 403)):
        settings = Settings(trusted_proxies=proxies)
        app = create_app({"TESTING": True, "SECRET_KEY": "t" * 40}, settings=settings,
                         services=Services(recognizer, catalog, settings))
        client = app.test_client()
        res = client.post("/api/mood", json={"emotion": "sad"}, headers=forwarded)
        assert res.status_code == expected, res.get_data(as_text=True)
