"""The page in a real browser: Debian's Chromium, its fake camera playing a video of a real face."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask

from moodtunes.config import Settings
from moodtunes.emotions import EMOTIONS
from moodtunes.music.catalog import Catalog
from moodtunes.vision.camera import CameraStream
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.services import Services
from tests.support import (
    CHROMIUM_MARKS,
    FAKE_CAMERA_ARGS,
    launch_chromium,
    watch_page,
    wav_clip,
    write_avi,
    write_y4m,
)

playwright_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is absent")
pytestmark = CHROMIUM_MARKS


@pytest.fixture
def live_server(app: Flask, serve: Callable[[Flask], str]) -> str:
    return serve(app)


def _launch(p: Any, extra: list[str]) -> Any:
    return launch_chromium(p, *FAKE_CAMERA_ARGS, *extra)


def test_camera_page_shows_an_emotion_and_a_playlist(
    live_server: str, face_frames: list[np.ndarray], tmp_path: Path
) -> None:
    video = write_y4m(tmp_path / "face.y4m", face_frames[:3], fps=10, repeat=20)
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = _launch(p, [f"--use-file-for-fake-video-capture={video.resolve()}"])
        try:
            page = browser.new_page()
            watch_page(page, errors)
            page.goto(f"{live_server}/?autostart=1")
            page.wait_for_selector("#mood-label[data-emotion]:not([data-emotion=''])",
                                   timeout=30_000)
            emotion = page.get_attribute("#mood-label", "data-emotion")
            assert emotion in EMOTIONS
            page.wait_for_selector("#playlist tbody tr td", timeout=15_000)
            rows = page.locator("#playlist tbody tr")
            assert rows.count() >= 5
            first = rows.first.locator("td")
            assert all(first.nth(i).inner_text().strip() for i in range(3))
            page.screenshot(path=str(tmp_path / "page.png"))
        finally:
            browser.close()
    assert errors == []


def test_mood_picker_without_a_camera(live_server: str) -> None:
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = _launch(p, [])
        try:
            page = browser.new_page()
            watch_page(page, errors)
            page.goto(live_server)
            page.get_by_role("button", name="Sad", exact=False).first.click()
            page.wait_for_selector("#mood-label[data-emotion='sad']", timeout=10_000)
            page.wait_for_selector("#playlist tbody tr td", timeout=10_000)
            assert page.locator("#playlist tbody tr").count() >= 5
        finally:
            browser.close()
    assert errors == []


def test_rows_show_every_link_the_server_sends_and_the_lock_says_what_it_holds(
    live_server: str,
) -> None:
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = _launch(p, [])
        try:
            page = browser.new_page()
            watch_page(page, errors)
            page.goto(live_server)
            with page.expect_response(lambda r: r.url.endswith("/api/mood")) as answer:
                page.locator(".mood-pick[data-emotion='happy']").click()
            songs = answer.value.json()["recommendations"]
            page.wait_for_selector("#playlist[data-emotion='happy'] tbody tr td.title")
            shown = page.evaluate("""[...document.querySelectorAll('#playlist tbody tr')]
              .map((row) => [...row.querySelectorAll('a.listen')]
                .map((a) => [a.textContent, a.getAttribute('href')]))""")
            assert shown == [[[link["name"], link["url"]] for link in song["links"]]
                             for song in songs]
            assert all("Deezer" in [name for name, _ in row] for row in shown)

            page.click("#lock")
            page.wait_for_selector("#lock[aria-pressed='true']")
            said = ("Locked: your face no longer changes these songs; picking a mood, a photo "
                    "or a strategy still does.")
            assert page.get_attribute("#lock", "title") == said
            assert page.inner_text("#status") == said
            assert page.inner_text("#mood-source").endswith("· playlist locked")
            # A picked mood is deliberate: a new playlist, which the lock then holds.
            page.locator(".mood-pick[data-emotion='sad']").click()
            page.wait_for_selector("#playlist[data-emotion='sad']", timeout=10_000)
            assert page.get_attribute("#lock", "aria-pressed") == "true"
        finally:
            browser.close()
    assert errors == []


def test_a_newer_preview_aborts_the_one_still_loading(live_server: str) -> None:
    clip = wav_clip()
    held: list[Any] = []
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = _launch(p, ["--autoplay-policy=no-user-gesture-required"])
        try:
            page = browser.new_page()
            watch_page(page, errors)
            # The first preview asked for is held unanswered; later ones come at once.
            page.route("**/api/deezer/preview?*", lambda route: held.append(route) if not held
                       else route.fulfill(json={"preview_url": f"{live_server}/second.wav",
                                                "link": None}))
            page.route("**/*.wav", lambda route: route.fulfill(
                body=clip, headers={"Content-Type": "audio/wav"}))
            page.goto(live_server)
            page.locator(".mood-pick[data-emotion='happy']").click()
            rows = page.locator("#playlist tbody tr")
            page.wait_for_selector("#playlist tbody tr td.title")
            rows.nth(0).locator("button.preview").click()
            page.wait_for_function("() => document.querySelector('#playlist tbody tr "
                                   "button.preview').getAttribute('aria-busy') === 'true'")
            second = rows.nth(1).locator(".title-text").inner_text()
            with page.expect_event("requestfailed") as failed:
                rows.nth(1).locator("button.preview").click()
            assert "/api/deezer/preview?" in failed.value.url and len(held) == 1
            assert failed.value.url == held[0].request.url
            page.wait_for_function(
                "t => document.querySelector('#music-status').textContent"
                ".startsWith(`Playing 30 seconds of ${t}`)", arg=second, timeout=10_000)
            assert not page.evaluate("document.querySelector('#preview-audio').paused")
            assert page.get_attribute("#preview-audio", "src").endswith("/second.wav")
            assert rows.nth(0).locator("button.preview").get_attribute("aria-busy") is None
        finally:
            browser.close()
    assert errors == []


def test_following_the_server_camera_rebuilds_only_for_another_playlist(
    tmp_path: Path, recognizer: EmotionRecognizer, catalog: Catalog,
    face_frames: list[np.ndarray], prepared_home: Path, serve: Callable[[Flask], str],
) -> None:
    # One face, so the camera's mood holds and so does its playlist.
    video = write_avi(tmp_path / "face.avi", face_frames[:1] * 15, fps=15)
    camera = CameraStream(str(video), recognizer).start()
    services = Services(recognizer, catalog, Settings(camera=str(video)), camera)
    url = serve(create_app({"TESTING": True, "SECRET_KEY": "t"}, settings=services.settings,
                           services=services))
    errors: list[str] = []
    try:
        with playwright_api.sync_playwright() as p:
            browser = _launch(p, [])
            try:
                page = browser.new_page()
                watch_page(page, errors)
                page.goto(url)
                page.evaluate("""() => {
                  const table = document.querySelector('#playlist');
                  window.generations = [];
                  new MutationObserver(() => window.generations.push(table.dataset.generation))
                    .observe(table.tBodies[0], { childList: true });
                }""")
                with page.expect_response(lambda r: r.url.endswith("/api/state")):
                    page.click("#server-toggle")  # then the page polls the state
                assert page.get_attribute("#server-toggle", "aria-pressed") == "true"
                assert page.is_visible("#server-feed")
                page.wait_for_selector("#playlist tbody tr td.title", timeout=10_000)
                assert page.inner_text("#mood-source") == "Read from the server camera"
                page.wait_for_timeout(5_000)  # a few polls of /api/state
                generations = page.evaluate("window.generations")
                page.click("#server-toggle")
                assert page.get_attribute("#server-feed", "src") is None
            finally:
                browser.close()
    finally:
        camera.stop()
    assert errors == []
    # Polls that found the same playlist left the rows alone: one table, built once.
    assert len(generations) == 1 and generations[0], generations
