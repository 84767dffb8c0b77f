import io
import json

import cv2
import numpy as np
from flask.testing import FlaskClient

from moodtunes.emotions import EMOTIONS
from tests.support import FACE_AT, FACE_SIDE, jpeg


def test_raw_jpeg_frame_gives_the_face_and_a_mood(client: FlaskClient,
                                                  face_frames: list[np.ndarray]) -> None:
    res = client.post("/api/emotion", data=jpeg(face_frames[0]), content_type="image/jpeg")
    assert res.status_code == 200
    body = res.get_json()
    (face,) = body["faces"]
    x, y, w, h = face["box"]
    assert abs(x + w / 2 - (FACE_AT[0] + FACE_SIDE / 2)) < FACE_SIDE / 4
    assert face["emotion"] in EMOTIONS
    assert list(json.loads(res.data)["faces"][0]["scores"]) == list(EMOTIONS)  # label order
    assert body["mood"]["emotion"] == face["emotion"] and body["mood"]["source"] == "browser"
    # The first frame makes the first playlist, and the answer brings it.
    assert body["playlist_changed"] is True
    assert body["playlist"]["emotion"] == face["emotion"] and body["recommendations"]


def test_png_body_and_multipart_upload(client: FlaskClient,
                                       face_frames: list[np.ndarray]) -> None:
    ok, png = cv2.imencode(".png", face_frames[1])
    res = client.post("/api/emotion", data=png.tobytes(), content_type="image/png")
    assert res.status_code == 200 and len(res.get_json()["faces"]) == 1
    res = client.post("/api/emotion", data={"image": (io.BytesIO(jpeg(face_frames[2])), "me.jpg")},
                      content_type="multipart/form-data")
    assert res.status_code == 200
    body = res.get_json()
    assert len(body["faces"]) == 1 and body["mood"]["source"] == "upload"


def test_no_face_is_an_empty_list(client: FlaskClient, blank_frame: np.ndarray) -> None:
    res = client.post("/api/emotion", data=jpeg(blank_frame), content_type="image/jpeg")
    assert res.status_code == 200
    assert res.get_json() == {"faces": [], "driver": None, "mood": None, "playlist_changed": False}


def _error(res, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert res.status_code == status
    assert res.is_json and res.get_json()["error"] == code
    assert res.get_json()["message"] and b"Traceback" not in res.data


def test_garbage_and_truncated_bytes_are_400(client: FlaskClient,
                                             face_frames: list[np.ndarray]) -> None:
    _error(client.post("/api/emotion", data=b"garbage", content_type="image/jpeg"),
           400, "invalid_image")
    _error(client.post("/api/emotion", data=jpeg(face_frames[0])[:300],
                       content_type="image/jpeg"), 400, "invalid_image")
    _error(client.post("/api/emotion", data=b"", content_type="image/png"), 400, "invalid_image")
    _error(client.post("/api/emotion", data={"other": (io.BytesIO(b"x"), "x.jpg")},
                       content_type="multipart/form-data"), 400, "bad_request")


def test_unsupported_type_is_415(client: FlaskClient) -> None:
    _error(client.post("/api/emotion", data="hello", content_type="text/plain"),
           415, "unsupported_media_type")
    _error(client.post("/api/emotion", data=b"GIF89a", content_type="image/gif"),
           415, "unsupported_media_type")


def test_too_large_is_413(client: FlaskClient) -> None:
    # the test app allows 1 MB
    big = b"\xff\xd8" + b"\0" * (1024 * 1024 + 10)
    _error(client.post("/api/emotion", data=big, content_type="image/jpeg"),
           413, "payload_too_large")


def test_paper_route_t_follows_the_mood(client: FlaskClient) -> None:
    assert client.get("/t").get_json() == []
    # "match" stays with the mood; the default, "uplift", moves away from sad on purpose.
    client.post("/api/mood", json={"strategy": "match"})
    client.post("/api/mood", json={"emotion": "sad"})
    sad = client.get("/t").get_json()
    assert len(sad) == 10
    assert all({"title", "album", "artist"} <= set(track) for track in sad)
    # The engine places songs by valence/arousal, not by tag, so a few may carry another tag.
    assert all(track["valence"] < 0 for track in sad)
    assert sum("sad" in track["emotions"] for track in sad) >= 8
    links = {link["name"]: link["url"] for link in sad[0]["links"]}
    assert links["Spotify"].startswith("https://open.spotify.com/search/")
    assert links["YouTube Music"].startswith("https://music.youtube.com/search?q=")
    assert client.get("/t").get_json() == sad  # stable while the mood stays
    client.post("/api/mood", json={"emotion": "happy"})
    happy = client.get("/t").get_json()
    assert all(track["valence"] > 0 for track in happy)
    assert sum("happy" in track["emotions"] for track in happy) >= 8


def test_state_is_per_browser(app, face_frames: list[np.ndarray]) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol = app.test_client(), app.test_client(), app.test_client()
    alice.post("/api/mood", json={"emotion": "angry"})
    bob.post("/api/mood", json={"emotion": "happy"})
    assert alice.get("/api/state").get_json()["mood"]["emotion"] == "angry"
    assert bob.get("/api/state").get_json()["mood"]["emotion"] == "happy"
    assert carol.get("/api/state").get_json()["mood"] is None


def test_lock_keeps_the_playlist(client: FlaskClient) -> None:
    client.post("/api/mood", json={"emotion": "fear"})
    state = client.post("/api/mood", json={"locked": True}).get_json()
    assert state["mood"]["locked"] is True
    locked = state["recommendations"]
    # frames of another mood do not move a locked playlist
    client.post("/api/mood", json={"emotion": "surprise"})
    state = client.get("/api/state").get_json()
    assert state["playlist"]["emotion"] == "surprise"  # a hand-picked mood moves the lock
    assert state["playlist"]["locked"] is True
    client.post("/api/mood", json={"locked": False})
    assert client.get("/api/state").get_json()["mood"]["locked"] is False
    assert locked


def test_smoothing_over_frames_keeps_the_playlist(client: FlaskClient,
                                                  face_frames: list[np.ndarray],
                                                  blank_frame: np.ndarray) -> None:
    first = client.post("/api/emotion", data=jpeg(face_frames[0]),
                        content_type="image/jpeg").get_json()["mood"]
    playlist = client.get("/t").get_json()
    # a frame without a face changes nothing
    again = client.post("/api/emotion", data=jpeg(blank_frame),
                        content_type="image/jpeg").get_json()
    assert again["mood"]["emotion"] == first["emotion"] and again["playlist_changed"] is False
    assert "recommendations" not in again
    assert client.get("/t").get_json() == playlist


def test_bad_mood_requests(client: FlaskClient) -> None:
    _error(client.post("/api/mood", json={"emotion": "joy"}), 400, "bad_request")
    _error(client.post("/api/mood", data="x", content_type="text/plain"), 400, "bad_request")
    _error(client.post("/api/mood", json={"source": "server"}), 400, "bad_request")
    _error(client.post("/api/mood", json={"locked": "yes"}), 400, "bad_request")


def test_index_page_and_friendly_errors(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and b"moodtunes" in page.data
    assert b'id="server-toggle"' not in page.data  # no server camera here
    missing = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    _error(client.get("/api/nothing"), 404, "not_found")
    _error(client.get("/video_feed"), 404, "no_camera")
    _error(client.get("/api/emotion"), 405, "method_not_allowed")


def test_only_the_paper_routes_themselves_answer_json(client: FlaskClient) -> None:
    """/t and /video_feed answer JSON; a page that merely starts with "/t" is a page."""
    _error(client.get("/video_feed", headers={"Accept": "text/html"}), 404, "no_camera")
    terms = client.get("/terms", headers={"Accept": "text/html"})
    assert terms.status_code == 404 and terms.mimetype == "text/html"
    assert client.get("/t", headers={"Accept": "text/html"}).is_json


def test_reading_never_writes_the_cookie(client: FlaskClient) -> None:
    """GET requests only read this browser's state: no Set-Cookie, before or after a mood."""
    def reads() -> list[str | None]:
        return [client.get(path).headers.get("Set-Cookie")
                for path in ("/", "/api/state", "/t", "/api/recommendations?strategy=calm",
                             "/api/profile")]

    assert reads() == [None] * 5
    made = client.post("/api/mood", json={"emotion": "sad"})
    assert made.headers.get("Set-Cookie")
    assert reads() == [None] * 5
    # A request that changes nothing writes nothing either, and a refused one changes nothing.
    assert client.post("/api/mood", json={"strategy": "uplift"}).headers.get("Set-Cookie") \
        is None
    refused = client.post("/api/mood", json={"emotion": "sad", "locked": "yes"})
    assert refused.status_code == 400 and refused.headers.get("Set-Cookie") is None
