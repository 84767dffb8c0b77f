"""Per-browser state, kept in the signed session cookie: no visitor sees another's mood.

The cookie holds a few numbers (the smoothed scores, the playlist's state, a seed), the chosen
strategy and the browser's profile id (no account), so any worker of a multi-process server can
answer any request.

The playlist on screen follows a `PlaylistState`. It is made anew only when the smoothed mood
has really moved (the state's hysteresis), when a mood is picked by hand or a photo is read,
or when the strategy changes; the lock keeps it whatever the face does. In between, the same
mood, strategy, seed and taste give the same songs, so frame-level noise and polling never
reshuffle it. Of the listener's feedback, likes and dislikes change the playlist at once (a
disliked song leaves it); plays, skips and completions count from the next playlist on, which
also leaves out the songs just played.

The default strategy is "uplift", the music-therapy choice: it opens at the mood (its first
songs match it, as the paper's tag-based playlist did) and then moves step by step towards
pleasant music. "match" stays with the mood throughout.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask import g, session
from sqlalchemy.exc import SQLAlchemyError

from moodtunes.emotions import EMOTIONS, AffectPoint
from moodtunes.music.links import listening_links
from moodtunes.recommend import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    PlaylistState,
    Recommendation,
    StabilitySettings,
    create_strategy,
    emotion_probabilities,
    mood_point,
    recommend,
    target_path,
)
from moodtunes.vision.smoothing import Mood
from moodtunes.web.services import DatabaseUnavailableError, ProfileTaste, services

log = logging.getLogger(__name__)

# Keys of the session cookie.
PROFILE_KEY = "profile_id"
STRATEGY_KEY = "strategy"
PLAYLIST_KEY = "playlist"

# The mood's scores come smoothed already (`vision.smoothing`): the playlist's state takes them
# as they are and adds only its hysteresis.
STABILITY = StabilitySettings(alpha=1.0)
# A mood from these sources is a deliberate act, which makes a new playlist at once.
DELIBERATE_SOURCES = ("manual", "upload")
# Digits kept of the scores in the cookie.
_DIGITS = 5


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


def save_mood(mood: Mood, new_source: str) -> bool:
    """Keeps the mood and moves the playlist on with it; True when a new playlist is due."""
    _seed()  # made with the first mood, so that reading /t never has to write the cookie
    session["mood"] = {"scores": [round(v, _DIGITS) for v in mood.scores],
                       "emotion": mood.emotion, "challenger": mood.challenger,
                       "streak": mood.streak}
    session["source"] = new_source
    return follow_mood(mood.scores, remake=new_source in DELIBERATE_SOURCES)


def follow_server_camera() -> None:
    session["source"] = "server"


# --- the playlist -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Playlist:
    """The playlist on screen: the state that decides when to remake it, the probabilities
    it was made for, and when it was made (POSIX seconds)."""

    state: PlaylistState
    probs: tuple[float, ...]
    made_at: float


def _rounded(values: Sequence[float]) -> list[float]:
    return [round(float(v), _DIGITS) for v in values]


def _parse_playlist(data: object) -> Playlist | None:
    if not isinstance(data, dict):
        return None
    try:
        state = PlaylistState.from_dict(data["state"])
        probs = tuple(float(v) for v in data["probs"])
        emotion_probabilities(probs)  # checked, but kept as stored: the same numbers each time
        made_at = float(data["made_at"])
    except (KeyError, TypeError, ValueError):
        return None  # a cookie from an older version, or tampered with: start afresh
    if not math.isfinite(made_at):
        return None
    # The session's flag is what /api/mood sets; the state follows it.
    locked = is_locked()
    if state.locked != locked:
        state = state.lock() if locked else state.unlock()
    return Playlist(state, probs, made_at)


def _store(playlist: Playlist) -> Playlist:
    """Keeps the playlist in the cookie, rounded as every later request will read it."""
    state = playlist.state.to_dict()
    state["scores"] = _rounded(state["scores"])
    state["target"] = _rounded(state["target"])
    probs = _rounded(playlist.probs)
    session[PLAYLIST_KEY] = {"state": state, "probs": probs, "made_at": playlist.made_at}
    stored = Playlist(PlaylistState.from_dict(state), tuple(probs), playlist.made_at)
    g.moodtunes_playlist = stored
    return stored


def _new_playlist(scores: Sequence[float], previous: Playlist | None) -> Playlist:
    probs = tuple(_rounded(scores))
    generation = previous.state.generation + 1 if previous is not None else 1
    state = replace(PlaylistState.start(probs), generation=generation, locked=is_locked())
    return Playlist(state, probs, time.time())


def follow_mood(scores: Sequence[float], *, remake: bool = False) -> bool:
    """Moves this browser's playlist state on with the mood's (smoothed) scores; a new
    playlist when its hysteresis says so, or at once with `remake`. True when a new playlist
    is due."""
    current = _parse_playlist(session.get(PLAYLIST_KEY))
    if current is None or remake:
        _store(_new_playlist(scores, current))
        return True
    state = current.state.update(scores, STABILITY)
    if state.changed:
        _store(Playlist(state, tuple(_rounded(scores)), time.time()))
        return True
    _store(Playlist(state, current.probs, current.made_at))
    return False


def current_playlist() -> Playlist | None:
    """The playlist this browser is on; None before there is a mood. The server camera's
    frames never pass through this browser's requests, so when the browser follows it, each
    request moves the playlist on with the camera's mood."""
    if "moodtunes_playlist" in g:
        found: Playlist | None = g.moodtunes_playlist
        return found
    mood = current_mood()
    playlist = _parse_playlist(session.get(PLAYLIST_KEY))
    if mood is None:
        playlist = None
    elif playlist is None or source() == "server":
        follow_mood(mood.scores)
        playlist = g.moodtunes_playlist
    g.moodtunes_playlist = playlist
    return playlist


def is_locked() -> bool:
    return bool(session.get("locked"))


def set_locked(locked: bool) -> None:
    """Locks the playlist against the face, or lets the face drive it again."""
    session["locked"] = bool(locked)
    session.pop("locked_emotion", None)  # kept by older versions
    playlist = _parse_playlist(session.get(PLAYLIST_KEY))  # takes the flag just set
    if playlist is not None:
        _store(playlist)


def strategy() -> str:
    """The strategy this browser chose, else `DEFAULT_STRATEGY`."""
    name = session.get(STRATEGY_KEY)
    return name if isinstance(name, str) and name in STRATEGIES else DEFAULT_STRATEGY


def set_strategy(name: str) -> None:
    """Chooses the strategy; another one than before remakes the playlist for the same mood
    (even when locked: the lock holds the playlist against the face, not against a choice).
    ValueError listing the valid names for an unknown one."""
    create_strategy(name)
    if name == strategy():
        return
    session[STRATEGY_KEY] = name
    playlist = _parse_playlist(session.get(PLAYLIST_KEY))
    if playlist is not None:
        _store(_new_playlist(playlist.probs, playlist))


def playlist_emotion() -> str | None:
    """The emotion the playlist was made for (the top one of its probabilities)."""
    playlist = current_playlist()
    return playlist.state.emotion if playlist is not None else None


def mood_payload(mood: Mood | None) -> dict[str, Any] | None:
    if mood is None:
        return None
    return mood.to_dict() | {"locked": is_locked(), "source": source(),
                             "playlist_emotion": playlist_emotion()}


def _point(point: AffectPoint) -> list[float]:
    return [round(point.valence, 4), round(point.arousal, 4)]


def _profile_taste(playlist: Playlist) -> ProfileTaste | None:
    profile_id = session.get(PROFILE_KEY)
    if not isinstance(profile_id, str) or not profile_id:
        return None  # a browser that never gave feedback: recommend on the mood alone
    try:
        return services().profile_taste(profile_id, playlist.made_at)
    except (DatabaseUnavailableError, SQLAlchemyError) as exc:
        log.warning("recommending without the taste of profile %s: %s", profile_id, exc)
        return None


def _recommendation(pick: Recommendation, strategy_name: str) -> dict[str, Any]:
    track = pick.track
    return track.to_dict() | {
        "links": [link.to_dict() for link in listening_links(track.title, track.artist)],
        "why": pick.why,
        "target": _point(pick.target),
        "strategy": strategy_name,
    }


def playlist_payload(strategy_name: str | None = None, n: int | None = None
                     ) -> dict[str, Any]:
    """The playlist as the API gives it: the strategy, the emotion it was made for, its path
    of target points, the current mood's point and the songs. `strategy_name` and `n`
    override the browser's strategy and the configured length for this answer only."""
    name = strategy_name or strategy()
    found = services()
    count = n if n is not None else found.settings.recommendations
    playlist = current_playlist()
    if playlist is None:
        return {"strategy": name, "emotion": None, "path": [], "mood_point": None,
                "recommendations": []}
    profile = _profile_taste(playlist)
    picks = recommend(
        profile.taste if profile is not None else None, playlist.probs, name, count,
        found.index, exclude_recent=profile.recent if profile is not None else (),
        # Each browser and each playlist gets its own seed; the same playlist the same one.
        seed=_seed() * 1_000_003 + playlist.state.generation,
    )
    mood = current_mood()
    now = mood_point(mood.scores) if mood is not None else playlist.state.target
    return {
        "strategy": name,
        "emotion": playlist.state.emotion,
        "path": [_point(p) for p in target_path(playlist.probs, name, count)],
        "mood_point": _point(now),
        "recommendations": [_recommendation(pick, name) for pick in picks],
    }


def recommendations() -> list[dict[str, Any]]:
    """The songs of this browser's playlist, with their links and why-lines."""
    songs: list[dict[str, Any]] = playlist_payload()["recommendations"]
    return songs
