"""The page in a real browser: Debian's Chromium, its fake camera playing a video of a real face."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from flask import Flask

from moodtunes.emotions import EMOTIONS
from tests.support import CHROMIUM_MARKS, launch_chromium, write_y4m

playwright_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is absent")
pytestmark = CHROMIUM_MARKS

CAMERA_ARGS = [
    "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


@pytest.fixture
def live_server(app: Flask, serve: Callable[[Flask], str]) -> str:
    return serve(app)


def _launch(p, extra: list[str]):  # type: ignore[no-untyped-def]
    return launch_chromium(p, *CAMERA_ARGS, *extra)


def test_camera_page_shows_an_emotion_and_a_playlist(
    live_server: str, face_frames: list[np.ndarray], tmp_path: Path
) -> None:
    video = write_y4m(tmp_path / "face.y4m", face_frames[:3], fps=10, repeat=20)
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = _launch(p, [f"--use-file-for-fake-video-capture={video.resolve()}"])
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
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
    with playwright_api.sync_playwright() as p:
        browser = _launch(p, [])
        try:
            page = browser.new_page()
            page.goto(live_server)
            page.get_by_role("button", name="Sad", exact=False).first.click()
            page.wait_for_selector("#mood-label[data-emotion='sad']", timeout=10_000)
            page.wait_for_selector("#playlist tbody tr td", timeout=10_000)
            assert page.locator("#playlist tbody tr").count() >= 5
        finally:
            browser.close()
