"""`BrowserState`, without a request: where the mood comes from, what the lock holds, and the
cookie it lives in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from moodtunes.emotions import EMOTIONS
from moodtunes.mood import MoodState
from moodtunes.web.browser import LEGACY_KEYS, PROFILE_KEY, STATE_KEY, BrowserState


def probs(**weights: float) -> list[float]:
    return [weights.get(e, 0.0) for e in EMOTIONS]


HAPPY, SAD = probs(happy=1.0), probs(sad=1.0)


def shown(state: BrowserState, camera: MoodState | None = None) -> str | None:
    playlist = state.playlist(camera)
    return playlist.emotion if playlist is not None else None


def frames(state: BrowserState, p: list[float], n: int, start: float = 10.0) -> None:
    for i in range(n):
        state.observe(p, start + i)


def test_the_lock_holds_against_the_camera_only() -> None:
    state = BrowserState()
    frames(state, HAPPY, 3)
    state.set_lock(True, None)
    held = state.playlist_id(None)
    frames(state, SAD, 10, start=20.0)
    assert state.mood is not None and state.mood.emotion == "sad"  # the mood still moves
    assert state.playlist_id(None) == held and shown(state) == "happy"  # the songs do not
    # A picked mood, a photo and a strategy are deliberate: a new playlist, still locked.
    state.pick("angry", 40.0)
    assert shown(state) == "angry" and state.locked
    state.read_photo(probs(fear=0.8, sad=0.2), 41.0)
    assert shown(state) == "fear" and state.locked
    before = state.playlist_id(None)
    state.choose_strategy("calm", 42.0)
    assert state.playlist_id(None) != before and shown(state) == "fear" and state.locked
    frames(state, HAPPY, 10, start=50.0)
    assert shown(state) == "fear"
    # Unlocked, the playlist is the one made for the mood now.
    state.set_lock(False, None)
    assert shown(state) == "happy"


def test_a_lock_before_any_mood_holds_the_first_playlist() -> None:
    state = BrowserState()
    state.set_lock(True, None)
    frames(state, HAPPY, 2)
    frames(state, SAD, 10, start=20.0)
    assert shown(state) == "happy"


def test_following_the_server_camera_and_locking_it() -> None:
    camera = MoodState.start(HAPPY, 1.0)
    state = BrowserState()
    frames(state, SAD, 2)
    state.follow_server()
    assert shown(state, camera) == "happy" and state.mood_now(camera) is camera
    state.set_lock(True, camera)
    later = MoodState.start(SAD, 2.0, generation=2)  # the camera's face changed
    assert shown(state, later) == "happy"
    state.set_lock(False, later)
    assert shown(state, later) == "sad"


def test_the_same_choice_again_changes_nothing() -> None:
    state = BrowserState()
    state.pick("sad", 1.0)
    before = state.playlist_id(None)
    state.choose_strategy(state.strategy, 2.0)
    state.set_lock(False, None)
    assert state.playlist_id(None) == before
    with pytest.raises(ValueError, match="match"):
        state.choose_strategy("loud", 3.0)


def test_the_cookie_round_trip_writes_only_what_changed() -> None:
    cookie: dict[str, Any] = {}
    state = BrowserState.from_session(cookie)
    assert state.to_session(cookie) is True  # a first save
    state.pick("sad", 1.0)
    state.profile_id = "p-1"
    assert state.to_session(cookie) is True
    cookie = json.loads(json.dumps(cookie))  # as the signed cookie carries it
    again = BrowserState.from_session(cookie)
    assert again.mood == state.mood and again.profile_id == "p-1" and again.seed == state.seed
    assert again.to_session(cookie) is False  # read, not changed: nothing to write


def test_old_and_tampered_cookies_start_afresh_keeping_the_profile() -> None:
    old = {"mood": {"scores": [1, 0]}, "playlist": {}, "locked": True, "seed": 3,
           PROFILE_KEY: "p-2"}
    state = BrowserState.from_session(old)
    assert state.mood is None and state.profile_id == "p-2" and not state.locked
    state.to_session(old)
    assert not set(LEGACY_KEYS) & set(old) and old[PROFILE_KEY] == "p-2"
    for bad in ({"mood": "x"}, {"mood": {"scores": 1}}, {"source": "elsewhere"},
                {"strategy": "loud"}, {"seed": True}, {"seed": -1}, {"locked": "yes"}):
        cookie = {STATE_KEY: {"mood": None, "source": "browser", "strategy": "uplift",
                              "locked": False, "held": None, "seed": 5} | bad}
        found = BrowserState.from_session(cookie)
        assert found.source in ("browser", "server") and found.strategy == "uplift"
        assert found.locked is False and found.mood is None
