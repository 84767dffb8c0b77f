"""Favourite artists and genres: the taste a listener states before any feedback."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import launch_chromium, needs_chromium


def picks(client: FlaskClient) -> list[dict[str, object]]:
    body = client.get("/api/recommendations?strategy=match").get_json()
    return list(body["recommendations"])


def test_favourites_start_empty_and_are_kept(client: FlaskClient) -> None:
    assert client.get("/api/profile").get_json() == {"favourite_artists": [],
                                                      "favourite_genres": []}
    res = client.post("/api/profile", json={"favourite_artists": ["ABBA", " abba ", ""],
                                            "favourite_genres": ["disco"]})
    assert res.status_code == 200
    assert res.get_json() == {"favourite_artists": ["ABBA"], "favourite_genres": ["disco"]}
    client.post("/api/profile", json={"favourite_genres": ["soul", "Soul"]})
    assert client.get("/api/profile").get_json() == {"favourite_artists": ["ABBA"],
                                                      "favourite_genres": ["soul"]}


def test_a_favourite_artist_comes_into_the_playlist(client: FlaskClient) -> None:
    client.post("/api/mood", json={"emotion": "happy"})
    before = picks(client)
    assert not any(p["artist"] == "ABBA" for p in before)
    client.post("/api/profile", json={"favourite_artists": ["ABBA"]})
    after = picks(client)
    abba = [p for p in after if p["artist"] == "ABBA"]
    assert abba, [p["artist"] for p in after]
    assert any("ABBA" in str(p["why"]) or "artist" in str(p["why"]) for p in abba)


def test_bad_profiles_are_400_and_store_nothing(client: FlaskClient) -> None:
    for body in ({}, {"favourite_artists": "ABBA"}, {"favourite_genres": [1, 2]},
                 {"favourite_artists": ["x"] * 51}):
        res = client.post("/api/profile", json=body)
        assert res.status_code == 400 and res.get_json()["error"] == "bad_request"
    assert client.get("/api/profile").get_json()["favourite_artists"] == []


@needs_chromium
def test_the_page_saves_a_taste_and_the_playlist_follows(
    app: Flask, serve: Callable[[Flask], str]
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Python Playwright is absent")
    url = serve(app)
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url)
            page.locator(".strategy-pick[data-strategy='match']").click()
            page.locator(".mood-pick[data-emotion='happy']").click()
            page.wait_for_selector("#playlist tbody tr td.title", timeout=10_000)
            page.click("#taste summary")
            page.fill("#taste-artists", "ABBA, ")
            page.fill("#taste-genres", "disco")
            page.click("#taste-form button[type=submit]")
            page.wait_for_function(
                "() => [...document.querySelectorAll('#playlist td.artist')]"
                ".some(td => td.textContent === 'ABBA')", timeout=10_000)
            assert page.input_value("#taste-artists") == "ABBA"
        finally:
            browser.close()
    assert errors == []


@needs_chromium
def test_typing_before_the_saved_taste_arrives_is_kept(
    app: Flask, serve: Callable[[Flask], str]
) -> None:
    """Opening the form loads the saved taste; a slow answer must not wipe what was typed."""
    import time

    from flask import request

    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Python Playwright is absent")

    @app.before_request
    def slow_profile() -> None:
        if request.method == "GET" and request.path == "/api/profile":
            time.sleep(1.5)

    url = serve(app)
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.goto(url)
            with page.expect_response(lambda r: r.url.endswith("/api/profile")):
                page.click("#taste summary")  # asks for the saved (empty) taste
                page.fill("#taste-artists", "ABBA")  # typed while the answer is on its way
            page.wait_for_timeout(100)  # the answer has been handled
            assert page.input_value("#taste-artists") == "ABBA"
            assert page.input_value("#taste-genres") == ""  # untouched: the saved value
        finally:
            browser.close()
