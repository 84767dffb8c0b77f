"""POST /api/emotion with two faces in the image: every face gets its emotion, and only one,
the `driver`, moves the mood: the largest by default, the one at `at` when it is given."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from moodtunes.emotions import EMOTIONS
from moodtunes.vision.recognizer import EmotionRecognizer, Face
from tests.support import (
    FAKE_CAMERA_ARGS,
    jpeg,
    launch_chromium,
    needs_chromium,
    watch_page,
    write_y4m,
)
from tests.web.crowd import centre, read_two_faces, two_face_frame


@pytest.fixture(scope="module")
def two_faces(publictest: dict[str, npt.NDArray[np.generic]],
              recognizer: EmotionRecognizer) -> tuple[bytes, list[Face]]:
    """The JPEG of the two-face frame, and its faces as the server reads them."""
    frame = two_face_frame(publictest["images"])
    return jpeg(frame), read_two_faces(frame, recognizer)


def upload(client: FlaskClient, image: bytes, **fields: str) -> dict:  # type: ignore[type-arg]
    res = client.post("/api/emotion", data={"image": (io.BytesIO(image), "two.jpg"), **fields},
                      content_type="multipart/form-data")
    assert res.status_code == 200, res.data
    body: dict = res.get_json()  # type: ignore[type-arg]
    return body


def assert_mood_is(body: dict, face: Face) -> None:  # type: ignore[type-arg]
    """The mood was set from `face` alone: its emotion and its scores."""
    mood = body["mood"]
    assert mood["emotion"] == face.emotion
    assert mood["scores"] == pytest.approx({e: face.scores[e] for e in EMOTIONS}, abs=1e-3)


def test_an_upload_follows_the_largest_face_and_reports_every_face(
    client: FlaskClient, two_faces: tuple[bytes, list[Face]],
) -> None:
    image, (large, small) = two_faces
    body = upload(client, image)
    assert [f["emotion"] for f in body["faces"]] == ["happy", "sad"]
    assert [f["box"] for f in body["faces"]] == [list(large.box), list(small.box)]
    assert all(len(f["landmarks"]) == 5 for f in body["faces"])
    assert body["driver"] == 0
    assert_mood_is(body, large)
    assert body["mood"]["source"] == "upload" and body["playlist"]["emotion"] == "happy"


def test_at_on_an_upload_sets_the_mood_from_that_face(
    client: FlaskClient, two_faces: tuple[bytes, list[Face]],
) -> None:
    image, (large, small) = two_faces
    upload(client, image)
    x, y = centre(small)
    body = upload(client, image, at=f"{x:.1f},{y:.1f}")
    assert body["driver"] == 1
    assert_mood_is(body, small)
    assert body["playlist_changed"] and body["playlist"]["emotion"] == "sad"
    # Back on the large face (a point inside its box, not its centre): happy again.
    body = upload(client, image, at=f"{large.box[0] + 5},{large.box[1] + 5}")
    assert body["driver"] == 0 and body["mood"]["emotion"] == "happy"
    state = client.get("/api/state").get_json()
    assert state["mood"]["emotion"] == "happy" and state["playlist"]["emotion"] == "happy"


def test_at_on_a_camera_frame_picks_the_face_whose_box_holds_it(
    client: FlaskClient, two_faces: tuple[bytes, list[Face]],
) -> None:
    image, (large, small) = two_faces
    x, y = centre(small)
    res = client.post(f"/api/emotion?at={x:.0f},{y:.0f}", data=image, content_type="image/jpeg")
    assert res.status_code == 200
    body = res.get_json()
    assert body["driver"] == 1 and body["mood"]["source"] == "browser"
    assert_mood_is(body, small)  # the first frame starts the mood as it is
    # Frames without `at` follow the largest face: the smoothed mood moves towards happy.
    sad_before = body["mood"]["scores"]["sad"]
    body = client.post("/api/emotion", data=image, content_type="image/jpeg").get_json()
    assert body["driver"] == 0
    assert body["mood"]["scores"]["happy"] > large.scores["happy"] * 0.1
    assert body["mood"]["scores"]["sad"] < sad_before
    # A point in neither box: the face with the nearest centre.
    body = client.post("/api/emotion?at=639,479", data=image,
                       content_type="image/jpeg").get_json()
    assert body["driver"] == 1


@pytest.mark.parametrize("at", [
    "", "abc", "320", "320,", ",240", "1,2,3", "nan,1", "1,inf", "-inf,0", "1e3,2",
    "0x10,2", "320;240", "９,1", "1" * 70 + ",1",
])
def test_a_bad_at_is_a_clear_400_and_changes_nothing(
    client: FlaskClient, two_faces: tuple[bytes, list[Face]], at: str,
) -> None:
    image, _ = two_faces
    for res in (
        client.post("/api/emotion", query_string={"at": at}, data=image,
                    content_type="image/jpeg"),
        client.post("/api/emotion", data={"image": (io.BytesIO(image), "two.jpg"), "at": at},
                    content_type="multipart/form-data"),
    ):
        assert res.status_code == 400 and res.is_json
        body = res.get_json()
        assert body["error"] == "bad_request"
        assert body["message"].startswith("'at' must be a point x,y in the image's pixels")
    assert client.get("/api/state").get_json()["mood"] is None


def test_at_sent_twice_is_a_400(client: FlaskClient,
                                two_faces: tuple[bytes, list[Face]]) -> None:
    image, _ = two_faces
    res = client.post("/api/emotion?at=1,2&at=3,4", data=image, content_type="image/jpeg")
    assert res.status_code == 400 and res.get_json()["message"] == "send 'at' once, not 2 times"
    res = client.post("/api/emotion?at=1,2", data={"image": (io.BytesIO(image), "two.jpg"),
                                                   "at": "3,4"},
                      content_type="multipart/form-data")
    assert res.status_code == 400 and res.get_json()["message"] == "send 'at' once, not 2 times"


def test_at_without_faces_gives_no_driver(client: FlaskClient,
                                          blank_frame: np.ndarray) -> None:
    res = client.post("/api/emotion?at=10.5,20", data=jpeg(blank_frame),
                      content_type="image/jpeg")
    assert res.status_code == 200
    assert res.get_json() == {"faces": [], "driver": None, "mood": None,
                              "playlist_changed": False}


# --- in a real browser ------------------------------------------------------------------------

BOXES = "() => [...document.querySelectorAll('#faces .face-box')].map((b) => ({" \
        "label: b.textContent, pressed: b.getAttribute('aria-pressed'), " \
        "name: b.getAttribute('aria-label'), rect: b.getBoundingClientRect().toJSON()}))"


@pytest.fixture
def live_server(app: Flask, serve: Callable[[Flask], str]) -> str:
    return serve(app)


def _photo_rect(page: Any) -> tuple[float, float, float]:
    """Where the photo's pixels are on screen (object-fit: contain): left, top, scale."""
    found: tuple[float, float, float] = tuple(page.evaluate("""() => {
      const img = document.querySelector('#photo');
      const r = img.getBoundingClientRect();
      const scale = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
      return [r.left + (r.width - img.naturalWidth * scale) / 2,
              r.top + (r.height - img.naturalHeight * scale) / 2, scale];
    }"""))
    return found


@needs_chromium
def test_the_page_boxes_every_face_of_a_photo_and_a_click_chooses_whose_mood(
    live_server: str, two_faces: tuple[bytes, list[Face]], tmp_path: Path,
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Python Playwright is absent")
    image, (large, small) = two_faces
    photo = tmp_path / "two.jpg"
    photo.write_bytes(image)
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            watch_page(page, errors)
            page.goto(live_server)
            page.set_input_files("#upload", str(photo))
            page.wait_for_selector("#mood-label[data-emotion='happy']", timeout=15_000)
            assert page.inner_text("#status") == (
                "2 faces: the music follows the largest, face 1. Click another face to choose.")
            boxes = page.evaluate(BOXES)
            # The percentages the server read (the same detector and model as `two_faces`).
            # (Rounded as the page's Math.round rounds the answer's four decimals.)
            happy = math.floor(100 * round(large.scores["happy"], 4) + 0.5)
            sad = math.floor(100 * round(small.scores["sad"], 4) + 0.5)
            assert [b["label"] for b in boxes] == [f"1 · 😄 Happy {happy}% ♪",
                                                   f"2 · 😢 Sad {sad}%"]
            assert [b["pressed"] for b in boxes] == ["true", "false"]
            assert boxes[1]["name"] == f"Face 2: sad, {sad}%. Choose this face for the music."
            # Each box sits on its face: image pixels scaled to the photo as displayed.
            left, top, scale = _photo_rect(page)
            for shown, face in zip(boxes, (large, small), strict=True):
                x, y, w, h = face.box
                assert shown["rect"]["x"] == pytest.approx(left + x * scale, abs=1.5)
                assert shown["rect"]["y"] == pytest.approx(top + y * scale, abs=1.5)
                assert shown["rect"]["width"] == pytest.approx(w * scale, abs=1.5)
                assert shown["rect"]["height"] == pytest.approx(h * scale, abs=1.5)

            with page.expect_response(lambda r: r.url.endswith("/api/emotion")) as answer:
                page.click("#faces .face-box[data-index='1']")
            assert answer.value.json()["driver"] == 1  # sent with the face's `at`
            page.wait_for_selector("#mood-label[data-emotion='sad']", timeout=10_000)
            page.wait_for_selector("#playlist[data-emotion='sad'] tbody tr td.title")
            assert page.inner_text("#status") == (
                "2 faces: the music follows face 2. Click another face to choose.")
            assert [b["pressed"] for b in page.evaluate(BOXES)] == ["false", "true"]
            assert page.inner_text("#mood-source") == "Read from your photo"

            # A click beside the faces: the largest face again.
            with page.expect_response(lambda r: r.url.endswith("/api/emotion")):
                page.mouse.click(left + 320 * scale, top + 40 * scale)
            page.wait_for_selector("#mood-label[data-emotion='happy']", timeout=10_000)
            assert [b["pressed"] for b in page.evaluate(BOXES)] == ["true", "false"]
        finally:
            browser.close()
    assert errors == []


@needs_chromium
def test_the_camera_follows_a_clicked_face_and_keeps_sending_its_point(
    live_server: str, publictest: dict[str, npt.NDArray[np.generic]], tmp_path: Path,
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Python Playwright is absent")
    video = write_y4m(tmp_path / "two.y4m", [two_face_frame(publictest["images"])], fps=10,
                      repeat=600)
    sent: list[str] = []
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p, *FAKE_CAMERA_ARGS,
                                  f"--use-file-for-fake-video-capture={video.resolve()}")
        try:
            page = browser.new_page()
            watch_page(page, errors)
            page.on("request", lambda r: sent.append(r.url) if "/api/emotion" in r.url
                    else None)
            page.goto(live_server)
            page.click("#start-camera")
            page.wait_for_selector("#mood-label[data-emotion='happy']", timeout=20_000)
            page.wait_for_function("() => document.querySelectorAll('#faces button').length == 2")
            assert page.inner_text("#status").startswith(
                "2 faces in view: the music follows the largest, face 1.")
            assert all("?at=" not in url for url in sent)
            # The sad face is on the frame's right, so on the mirrored preview's left.
            box = page.locator("#faces .face-box[data-index='1']")
            assert box.bounding_box()["x"] < page.locator("#faces .face-box[data-index='0']") \
                .bounding_box()["x"]
            box.click()
            page.wait_for_selector("#mood-label[data-emotion='sad']", timeout=20_000)
            assert page.inner_text("#status").startswith(
                "2 faces in view: the music follows face 2, the one you chose.")
            chosen = [url for url in sent if "?at=" in url]
            assert len(chosen) >= 2  # every frame since the click carries the face's point
            x, y = (float(v) for v in chosen[-1].split("?at=")[1].split(","))
            assert x > 320 and 100 < y < 400  # the sad face's centre, in the frame's pixels

            page.click("#stop-camera")
        finally:
            browser.close()
    assert errors == []
