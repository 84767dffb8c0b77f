"""The recommendation engine in the web app: /api/recommendations, strategies, feedback,
playlist stability (hysteresis and the lock), per-browser profiles, and the page's path map in
a real browser. The app is the real one, on a real SQLite database in the test's data folder."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from moodtunes.emotions import AFFECT, EMOTIONS
from moodtunes.music.catalog import track_key
from moodtunes.storage.feedback import recently_played
from moodtunes.storage.library import track_ids
from moodtunes.storage.models import FeedbackEventRow
from moodtunes.web.browser import BrowserState
from moodtunes.web.playlists import playlist_payload
from moodtunes.web.services import Services
from tests.support import jpeg, launch_chromium, needs_chromium, wav_clip

Json = dict[str, Any]
STRATEGY_NAMES = "match, uplift, calm, energize"


def services_of(app: Flask) -> Services:
    found: Services = app.extensions["moodtunes"]
    return found


def error_of(res: TestResponse, status: int = 400, code: str = "bad_request") -> str:
    assert res.status_code == status, res.get_data(as_text=True)
    body = res.get_json()
    assert body["error"] == code and body["message"] and b"Traceback" not in res.data
    return str(body["message"])


def recommendations(client: FlaskClient, **query: object) -> Json:
    res = client.get("/api/recommendations", query_string=query)
    assert res.status_code == 200, res.get_json()
    answer: Json = res.get_json()
    return answer


def keys(songs: list[Json]) -> list[tuple[str, str]]:
    return [track_key(s["title"], s["artist"]) for s in songs]


def feedback(client: FlaskClient, song: Json, kind: str, **extra: object) -> TestResponse:
    return client.post("/api/feedback", json={"title": song["title"], "artist": song["artist"],
                                              "kind": kind, **extra})


def profile_of(client: FlaskClient) -> str | None:
    with client.session_transaction() as session:
        found = session.get("profile_id")
    return found if isinstance(found, str) else None


# --- the API ------------------------------------------------------------------------------------


def test_no_mood_no_playlist_but_the_default_strategy(client: FlaskClient) -> None:
    assert recommendations(client) == {"strategy": "uplift", "emotion": None, "generation": 0,
                                       "locked": False, "path": [], "mood_point": None,
                                       "recommendations": []}
    assert client.get("/t").get_json() == []
    playlist = client.get("/api/state").get_json()["playlist"]
    assert playlist["strategy"] == "uplift" and playlist["path"] == []


def test_the_default_uplift_playlist_and_its_path(client: FlaskClient) -> None:
    client.post("/api/mood", json={"emotion": "sad"})
    answer = recommendations(client)

    assert (answer["strategy"], answer["emotion"]) == ("uplift", "sad")
    sad = AFFECT["sad"]
    assert answer["mood_point"] == pytest.approx([sad.valence, sad.arousal], abs=1e-3)
    path = answer["path"]
    assert len(path) == 10 and path[0] == pytest.approx(answer["mood_point"], abs=1e-3)
    assert all(b[0] >= a[0] for a, b in zip(path, path[1:], strict=False))  # up towards bright
    assert path[-1][0] == pytest.approx(0.7)
    songs = answer["recommendations"]
    assert len(songs) == 10
    for song, target in zip(songs, path, strict=True):
        assert {"title", "album", "artist", "year", "emotions", "valence", "arousal", "links",
                "why", "target", "strategy"} <= set(song)
        assert song["target"] == target and song["strategy"] == "uplift" and song["why"]
    assert songs[0]["why"].startswith("close to your mood")
    assert songs[-1]["why"].startswith("a step towards brighter")
    assert songs[-1]["valence"] - songs[0]["valence"] > 1.0
    # The paper's route and the page's state give the same songs.
    assert client.get("/t").get_json() == songs
    state_answer = client.get("/api/state").get_json()
    assert state_answer["recommendations"] == songs
    assert state_answer["playlist"] == {k: v for k, v in answer.items()
                                        if k != "recommendations"}


def test_query_strategy_and_n_apply_to_one_answer(client: FlaskClient) -> None:
    client.post("/api/mood", json={"emotion": "happy"})
    calm = recommendations(client, strategy="calm", n=5)
    assert calm["strategy"] == "calm" and len(calm["recommendations"]) == 5
    assert len(calm["path"]) == 5 and calm["path"][-1][1] == pytest.approx(-0.6)
    assert all(s["strategy"] == "calm" for s in calm["recommendations"])
    assert recommendations(client)["strategy"] == "uplift"  # nothing was kept
    assert len(recommendations(client, n=50)["recommendations"]) == 50


@pytest.mark.parametrize("query, words", [
    ({"strategy": "cheer"}, STRATEGY_NAMES),
    ({"n": 0}, "1 to 50"),
    ({"n": 51}, "1 to 50"),
    ({"n": "ten"}, "1 to 50"),
])
def test_bad_recommendation_queries_are_400(client: FlaskClient, query: Json,
                                            words: str) -> None:
    assert words in error_of(client.get("/api/recommendations", query_string=query))


def test_a_chosen_strategy_is_kept_per_browser(app: Flask) -> None:
    alice, bob = app.test_client(), app.test_client()
    for who in (alice, bob):
        who.post("/api/mood", json={"emotion": "angry"})
    answer = alice.post("/api/mood", json={"strategy": "calm"}).get_json()
    assert answer["playlist"]["strategy"] == "calm"
    assert {s["strategy"] for s in answer["recommendations"]} == {"calm"}
    assert all(s["strategy"] == "calm" for s in alice.get("/t").get_json())
    assert recommendations(bob)["strategy"] == "uplift"
    assert STRATEGY_NAMES in error_of(alice.post("/api/mood", json={"strategy": "cheer"}))
    assert recommendations(alice)["strategy"] == "calm"
    # A strategy can be chosen before there is a mood, and is used once there is one.
    carol = app.test_client()
    assert carol.post("/api/mood", json={"strategy": "energize"}).status_code == 200
    carol.post("/api/mood", json={"emotion": "neutral"})
    assert recommendations(carol)["strategy"] == "energize"


# --- feedback -----------------------------------------------------------------------------------


def test_a_disliked_song_leaves_and_a_liked_one_says_so(app: Flask, client: FlaskClient) -> None:
    client.post("/api/mood", json={"strategy": "match"})
    client.post("/api/mood", json={"emotion": "happy"})
    songs = recommendations(client)["recommendations"]
    disliked, liked = songs[0], songs[3]

    res = feedback(client, disliked, "dislike")
    assert res.status_code == 201
    assert res.get_json() == {"recorded": {"title": disliked["title"],
                                           "artist": disliked["artist"],
                                           "kind": "dislike", "value": 1.0}}
    assert profile_of(client) is not None  # made on the first feedback, no account
    after = recommendations(client)["recommendations"]
    assert track_key(disliked["title"], disliked["artist"]) not in keys(after)
    assert len(after) == 10

    assert feedback(client, liked, "like").status_code == 201
    (mine,) = [s for s in recommendations(client)["recommendations"]
               if s["title"] == liked["title"]]
    assert mine["why"] == "you liked this song"

    with services_of(app).database()() as db:
        events = db.scalars(select(FeedbackEventRow).order_by(FeedbackEventRow.id)).all()
        assert [(e.profile_id, e.track.title, e.kind) for e in events] == [
            (profile_of(client), disliked["title"], "dislike"),
            (profile_of(client), liked["title"], "like")]


def test_plays_keep_the_playlist_and_are_left_out_of_the_next(
    app: Flask, client: FlaskClient
) -> None:
    client.post("/api/mood", json={"strategy": "match"})
    client.post("/api/mood", json={"emotion": "sad"})
    playing = client.get("/t").get_json()
    for song in playing:
        assert feedback(client, song, "play").status_code == 201
    assert feedback(client, playing[0], "complete", value=0.9).status_code == 201
    # Previewing songs does not reshuffle the list they are in...
    assert client.get("/t").get_json() == playing
    with services_of(app).database()() as db:
        recent = recently_played(db, str(profile_of(client)))
    assert set(recent) == set(keys(playing))

    # ...and the next playlist for the same mood leaves them out.
    client.post("/api/mood", json={"emotion": "sad"})
    fresh = client.get("/t").get_json()
    assert len(fresh) == 10 and not set(keys(fresh)) & set(keys(playing))


def test_feedback_by_track_id(app: Flask, client: FlaskClient) -> None:
    client.post("/api/mood", json={"emotion": "surprise"})
    song = client.get("/t").get_json()[2]
    with services_of(app).database()() as db:
        (track_id,) = track_ids(db, [track_key(song["title"], song["artist"])]).values()
    res = client.post("/api/feedback", json={"track_id": track_id, "kind": "dislike"})
    assert res.status_code == 201 and res.get_json()["recorded"]["title"] == song["title"]
    assert song["title"] not in {s["title"] for s in client.get("/t").get_json()}


@pytest.mark.parametrize("body, words", [
    ({"title": "Yesterday", "artist": "The Beatles", "kind": "love"},
     "like, dislike, play, skip, complete"),
    ({"title": "Yesterday", "artist": "The Beatles"}, "like, dislike, play, skip, complete"),
    ({"title": "No Such Song", "artist": "Nobody", "kind": "like"}, "No Such Song"),
    ({"track_id": 10**9, "kind": "like"}, "no track"),
    ({"track_id": "7", "kind": "like"}, "whole number"),
    ({"title": "Yesterday", "kind": "like"}, "name the song"),
    ({"title": "Yesterday", "artist": "The Beatles", "kind": "like", "value": "lots"},
     "must be a number"),
    ({"title": "Yesterday", "artist": "The Beatles", "kind": "complete", "value": 2},
     "fraction"),
    ({"title": "Yesterday", "artist": "The Beatles", "kind": "play", "value": -1},
     "negative"),
])
def test_bad_feedback_is_400_and_makes_no_profile(client: FlaskClient, body: Json,
                                                  words: str) -> None:
    assert words in error_of(client.post("/api/feedback", json=body))
    assert profile_of(client) is None


def test_feedback_that_is_not_json_is_400(client: FlaskClient) -> None:
    error_of(client.post("/api/feedback", data="like", content_type="text/plain"))


def test_feedback_names_a_song_of_the_catalog(client: FlaskClient) -> None:
    # Matched like the catalog's keys: case and spacing do not matter; unknown songs are 400.
    song = {"title": "  ne ME quitte pas ", "artist": "jacques brel"}
    assert feedback(client, song, "like").status_code == 201
    assert "Sunny Door" in error_of(feedback(client, {"title": "Sunny Door",
                                                      "artist": "Local Band"}, "like"))


def test_services_keep_the_index_and_one_taste_per_profile(app: Flask,
                                                          client: FlaskClient) -> None:
    services = services_of(app)
    assert len(services.index) == len(services.catalog)
    client.post("/api/mood", json={"emotion": "happy"})
    song = client.get("/t").get_json()[0]
    feedback(client, song, "like")
    profile = str(profile_of(client))
    made_at = state_playlist_made_at(client)

    first = services.profile_taste(profile, made_at)
    assert services.profile_taste(profile, made_at) is first  # kept
    assert first.taste.liked == {track_key(song["title"], song["artist"])}
    feedback(client, song, "play")  # after the playlist was made: not in this one's taste
    again = services.profile_taste(profile, made_at)
    assert again is not first and again.recent == () and again.taste.known == first.taste.known
    later = services.profile_taste(profile, made_at + 3600)  # a playlist made after the play
    assert later.recent == (track_key(song["title"], song["artist"]),)

    old_index = services.index
    services.reload_catalog()
    assert services.index is not old_index and len(services.index) == len(services.catalog)


def state_playlist_made_at(client: FlaskClient) -> float:
    with client.session_transaction() as session:
        return float(session["browser"]["mood"]["playlist"]["made_at"])


def test_a_photo_makes_a_new_playlist_at_once(client: FlaskClient,
                                              face_frames: list[np.ndarray]) -> None:
    client.post("/api/mood", json={"emotion": "sad"})
    res = client.post("/api/emotion", data={"image": (io.BytesIO(jpeg(face_frames[3])),
                                                      "me.jpg")},
                      content_type="multipart/form-data")
    assert res.get_json()["playlist_changed"] is True


def test_profiles_are_per_browser(app: Flask) -> None:
    alice, bob = app.test_client(), app.test_client()
    for who in (alice, bob):
        who.post("/api/mood", json={"strategy": "match"})
        who.post("/api/mood", json={"emotion": "fear"})
        with who.session_transaction() as session:
            # The same seed: the same playlist, until their tastes differ.
            session["browser"] = session["browser"] | {"seed": 1234}
    shared = bob.get("/t").get_json()
    assert alice.get("/t").get_json() == shared

    feedback(alice, shared[0], "dislike")

    assert keys(shared)[0] not in keys(alice.get("/t").get_json())
    assert bob.get("/t").get_json() == shared
    feedback(bob, shared[1], "like")
    assert profile_of(bob) not in (None, profile_of(alice))


# --- stability: hysteresis and the lock ---------------------------------------------------------


def probs(**weights: float) -> list[float]:
    return [weights.get(e, 0.0) for e in EMOTIONS]


def test_noisy_frames_keep_the_playlist_and_a_real_change_remakes_it(app: Flask) -> None:
    rng = np.random.default_rng(7)
    found = services_of(app)
    browser = BrowserState()
    clock = iter(range(1_000, 10_000))

    def noisy_sad() -> list[float]:
        return list(0.6 * np.array(probs(sad=1.0)) + 0.4 * rng.dirichlet(np.ones(7)))

    def frame(p: list[float]) -> bool:
        before = browser.playlist_id(None)
        browser.observe(p, next(clock))
        return browser.playlist_id(None) != before

    def songs() -> list[Json]:
        answer: list[Json] = playlist_payload(browser, found)["recommendations"]
        return answer

    def playlist_emotion() -> str | None:
        shown = browser.playlist(None)
        return shown.emotion if shown is not None else None

    assert frame(noisy_sad()) is True  # the first mood makes the first playlist
    first = songs()
    changed = [frame(noisy_sad()) for _ in range(15)]
    changed.append(frame(probs(happy=1.0)))  # one misread frame
    changed += [frame(noisy_sad()) for _ in range(10)]
    assert not any(changed)
    assert songs() == first

    # A real change of mood: one new playlist within a few frames, made for the new mood.
    changed = [frame(probs(happy=0.9, surprise=0.1)) for _ in range(6)]
    assert changed.count(True) == 1 and changed.index(True) <= 3
    assert playlist_emotion() == "happy"
    happy = songs()
    assert np.mean([s["valence"] for s in happy]) > np.mean([s["valence"] for s in first])

    # Locked, the face moves the mood shown but not the playlist...
    browser.set_lock(True, None)
    assert not any(frame(noisy_sad()) for _ in range(8))
    assert songs() == happy and playlist_emotion() == "happy"
    assert browser.mood is not None and browser.mood.emotion == "sad"
    # ...and unlocked, the playlist is the one made for the mood now, at once.
    before = browser.playlist_id(None)
    browser.set_lock(False, None)
    assert browser.playlist_id(None) != before and playlist_emotion() == "sad"


def test_frames_without_a_change_of_mood_do_not_reshuffle_t(
    client: FlaskClient, face_frames: list[np.ndarray], blank_frame: np.ndarray
) -> None:
    face = jpeg(face_frames[0])
    for _ in range(4):
        mood = client.post("/api/emotion", data=face, content_type="image/jpeg").get_json()
    playlist = client.get("/t").get_json()
    assert playlist and mood["playlist_changed"] is False
    # A frame without a face, and one frame of another face, among frames of the same face.
    for image in [blank_frame, face_frames[1], face_frames[0], face_frames[0]]:
        answer = client.post("/api/emotion", data=jpeg(image),
                             content_type="image/jpeg").get_json()
        assert answer["playlist_changed"] is False
        assert client.get("/t").get_json() == playlist


def test_a_locked_playlist_ignores_other_faces(client: FlaskClient,
                                               face_frames: list[np.ndarray]) -> None:
    client.post("/api/emotion", data=jpeg(face_frames[0]), content_type="image/jpeg")
    locked = client.post("/api/mood", json={"locked": True}).get_json()
    assert locked["mood"]["locked"] is True
    for image in face_frames[1:9]:
        answer = client.post("/api/emotion", data=jpeg(image),
                             content_type="image/jpeg").get_json()
        assert answer["playlist_changed"] is False
    assert client.get("/t").get_json() == locked["recommendations"]
    # A mood picked by hand while locked makes the playlist for it, still locked.
    picked = client.post("/api/mood", json={"emotion": "happy"}).get_json()
    assert picked["mood"]["locked"] is True and picked["playlist"]["emotion"] == "happy"
    assert picked["playlist_changed"] is True
    assert picked["recommendations"] != locked["recommendations"]


def test_a_tampered_playlist_cookie_starts_afresh(client: FlaskClient) -> None:
    client.post("/api/mood", json={"emotion": "sad"})
    with client.session_transaction() as session:
        mood = session["browser"]["mood"] | {
            "playlist": {"probs": [2, 0], "generation": "x", "made_at": "never"}}
        session["browser"] = session["browser"] | {"mood": mood}
    assert recommendations(client)["emotion"] is None  # no trusted mood: none shown
    client.post("/api/mood", json={"emotion": "sad"})
    answer = recommendations(client)
    assert answer["emotion"] == "sad" and len(answer["recommendations"]) == 10


# --- the page, in a real browser ----------------------------------------------------------------


@pytest.fixture
def live_server(app: Flask, serve: Callable[[Flask], str]) -> str:
    return serve(app)


@needs_chromium
def test_the_page_draws_the_path_switches_strategy_and_takes_feedback(
    app: Flask, live_server: str, tmp_path: Path
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Python Playwright is absent")
    clip = wav_clip()
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p, "--autoplay-policy=no-user-gesture-required")
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # Deezer stands in here: every preview is the same short clip.
            page.route("**/api/deezer/preview?*", lambda route: route.fulfill(
                json={"preview_url": f"{live_server}/clip.wav", "link": None}))
            page.route("**/clip.wav", lambda route: route.fulfill(
                body=clip, headers={"Content-Type": "audio/wav"}))
            page.goto(live_server)
            assert page.get_attribute(".strategy-pick[data-strategy='uplift']",
                                      "aria-pressed") == "true"
            page.locator(".mood-pick[data-emotion='sad']").click()
            page.wait_for_selector("#playlist tbody tr td.title .why", timeout=10_000)

            assert page.is_visible("#mood-map-figure") and page.is_visible("#map-mood")
            points = page.get_attribute("#map-path", "points") or ""
            assert len(points.split()) == 10
            rows = page.locator("#playlist tbody tr")
            assert page.locator("#map-songs circle").count() == rows.count() == 10
            for label in ("unpleasant", "pleasant", "energetic", "calm", "valence", "arousal"):
                assert page.locator("#mood-map text", has_text=label).count() >= 1
            assert rows.first.locator(".why").inner_text().startswith("close to your mood")

            page.locator(".strategy-pick[data-strategy='calm']").click()
            page.wait_for_function(
                "() => document.querySelectorAll('#playlist .why')[9]?.textContent"
                ".includes('calmer')", timeout=10_000)
            assert page.get_attribute(".strategy-pick[data-strategy='calm']",
                                      "aria-pressed") == "true"
            assert page.get_attribute(".strategy-pick[data-strategy='uplift']",
                                      "aria-pressed") == "false"
            assert page.inner_text("#status").startswith("Calm: starts with your mood")

            first_title = rows.first.locator(".title-text").inner_text()
            rows.first.locator("button.rate-dislike").click()
            page.wait_for_function(
                "t => ![...document.querySelectorAll('#playlist .title-text')]"
                ".some(e => e.textContent === t)", arg=first_title, timeout=10_000)
            assert rows.count() == 10

            liked = rows.nth(2).locator("button.rate-like")
            liked.click()
            page.wait_for_function(
                "() => document.querySelector('#music-status').textContent.startsWith('Noted')",
                timeout=10_000)
            # The playlist is fetched again, and says why the liked song is there.
            page.wait_for_function(
                "() => [...document.querySelectorAll('#playlist .why')]"
                ".some(e => e.textContent === 'you liked this song')", timeout=10_000)

            preview_title = rows.nth(4).locator(".title-text").inner_text()
            with page.expect_response(lambda r: r.url.endswith("/api/feedback")
                                      and "play" in (r.request.post_data or "")) as played:
                rows.nth(4).locator("button.preview").click()
            assert played.value.status == 201
            page.wait_for_function(
                "() => !document.querySelector('#preview-audio').paused", timeout=10_000)
            page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []

    with services_of(app).database()() as db:
        kinds = {(e.kind, e.track.title) for e in db.scalars(select(FeedbackEventRow))}
    assert ("dislike", first_title) in kinds and ("play", preview_title) in kinds
    assert "like" in {kind for kind, _ in kinds}
