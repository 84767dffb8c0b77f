"""Per-browser state, kept in the signed session cookie: no visitor sees another's mood.

The cookie holds a few numbers (the smoothed scores, the playlist emotion, a seed), so any
worker of a multi-process server can answer any request.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import session

from moodtunes.emotions import EMOTIONS
from moodtunes.music.links import listening_links
from moodtunes.recommend.playlist import recommend_for_emotion
from moodtunes.vision.smoothing import Mood
from moodtunes.web.services import services

SOURCES = ("browser", "upload", "manual", "server")


def _seed() -> int:
    if "seed" not in session:
        session["seed"] = secrets.randbelow(2**31)
    return int(session["seed"])


def source() -> str:
    return str(session.get("source", "browser"))


def stored_mood() -> Mood | None:
    """The mood kept for this browser (not the server camera's)."""
    data = session.get("mood")
    if not isinstance(data, dict):
        return None
    try:
        scores = tuple(float(v) for v in data["scores"])
        if len(scores) != len(EMOTIONS) or data["emotion"] not in EMOTIONS:
            return None
        return Mood(scores, data["emotion"], data.get("challenger"), int(data.get("streak", 0)))
    except (KeyError, TypeError, ValueError):
        return None  # a cookie from an older version: start afresh


def current_mood() -> Mood | None:
    """This browser's mood, or the server camera's when the browser follows it."""
    camera = services().camera
    if source() == "server" and camera is not None:
        snap = camera.snapshot
        return snap.mood if snap is not None else None
    return stored_mood()


def save_mood(mood: Mood, new_source: str) -> None:
    _seed()  # made with the first mood, so that reading /t never has to write the cookie
    session["mood"] = {"scores": [round(v, 5) for v in mood.scores], "emotion": mood.emotion,
                       "challenger": mood.challenger, "streak": mood.streak}
    session["source"] = new_source


def follow_server_camera() -> None:
    session["source"] = "server"


def is_locked() -> bool:
    return bool(session.get("locked"))


def set_locked(locked: bool) -> None:
    mood = current_mood()
    session["locked"] = bool(locked)
    if locked and mood is not None:
        session["locked_emotion"] = mood.emotion
    elif not locked:
        session.pop("locked_emotion", None)


def playlist_emotion() -> str | None:
    """The emotion the playlist follows: the locked one, else the current mood's."""
    if session.get("locked") and session.get("locked_emotion") in EMOTIONS:
        return str(session["locked_emotion"])
    mood = current_mood()
    return mood.emotion if mood is not None else None


def mood_payload(mood: Mood | None) -> dict[str, Any] | None:
    if mood is None:
        return None
    return mood.to_dict() | {"locked": is_locked(), "source": source(),
                             "playlist_emotion": playlist_emotion()}


def recommendations() -> list[dict[str, Any]]:
    emotion = playlist_emotion()
    if emotion is None:
        return []
    found = services()
    tracks = recommend_for_emotion(found.catalog, emotion, n=found.settings.recommendations,
                                   seed=_seed())
    return [track.to_dict() | {"links": [link.to_dict() for link in
                                         listening_links(track.title, track.artist)]}
            for track in tracks]
