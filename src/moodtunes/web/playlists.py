"""The playlist as the API gives it: the songs of a browser's playlist, their links and
why-lines, and the path they follow through valence/arousal."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from moodtunes.emotions import AffectPoint
from moodtunes.music.links import listening_links
from moodtunes.recommend import Recommendation, mood_point, recommend, target_path
from moodtunes.storage.profiles import ProfileTaste
from moodtunes.web import security
from moodtunes.web.browser import BrowserState, mood_payload
from moodtunes.web.services import DatabaseUnavailableError, Services

log = logging.getLogger(__name__)


def _point(point: AffectPoint) -> list[float]:
    return [round(point.valence, 4), round(point.arousal, 4)]


def _taste(state: BrowserState, found: Services, made_at: float) -> ProfileTaste | None:
    if state.profile_id is None:
        return None  # a browser that never gave feedback: recommend on the mood alone
    try:
        return found.profile_taste(state.profile_id, made_at)
    except (DatabaseUnavailableError, SQLAlchemyError) as exc:
        log.warning("recommending without the taste of profile %s: %s", state.profile_id, exc)
        return None


def _song(pick: Recommendation, strategy: str) -> dict[str, Any]:
    track = pick.track
    return track.to_dict() | {
        "links": [link.to_dict() for link in listening_links(track.title, track.artist)],
        "why": pick.why,
        "target": _point(pick.target),
        "strategy": strategy,
    }


def playlist_payload(state: BrowserState, found: Services, strategy: str | None = None,
                     n: int | None = None) -> dict[str, Any]:
    """The playlist: its strategy, the emotion it was made for, its number, whether it is
    locked, its path of target points, the shown mood's point, and the songs. `strategy`
    and `n` override the browser's strategy and the configured length for this answer."""
    name = strategy or state.strategy
    count = n if n is not None else found.settings.recommendations
    camera = found.camera_mood()
    playlist = state.playlist(camera)
    if playlist is None:
        return {"strategy": name, "emotion": None, "generation": 0, "locked": state.locked,
                "path": [], "mood_point": None, "recommendations": []}
    profile = _taste(state, found, playlist.made_at)
    picks = recommend(
        profile.taste if profile is not None else None, playlist.probs, name, count,
        found.current_index(), exclude_recent=profile.recent if profile is not None else (),
        # Each browser and each playlist gets its own seed; the same playlist the same one.
        seed=state.variety_seed * 1_000_003 + playlist.generation,
    )
    mood = state.mood_now(camera)
    return {
        "strategy": name,
        "emotion": playlist.emotion,
        "generation": playlist.generation,
        "locked": state.locked,
        "path": [_point(p) for p in target_path(playlist.probs, name, count)],
        "mood_point": _point(mood_point(mood.scores if mood is not None else playlist.probs)),
        "recommendations": [_song(pick, name) for pick in picks],
    }


def camera_error(state: BrowserState, found: Services) -> str | None:
    """Why the server camera cannot be opened, for a browser that may watch it; else None."""
    camera = found.camera
    if camera is None or not camera.failed or camera.error is None \
            or not security.camera_allowed(state):
        return None
    return camera.error


def state_payload(state: BrowserState, found: Services) -> dict[str, Any]:
    """Everything the page shows: the mood, the playlist and its songs, whether this browser
    may watch the server camera and, when that camera cannot be opened, why not."""
    playlist = playlist_payload(state, found)
    songs = playlist.pop("recommendations")
    return {"mood": mood_payload(state, found.camera_mood()), "playlist": playlist,
            "recommendations": songs,
            "server_camera": found.camera is not None and security.camera_allowed(state),
            "server_camera_error": camera_error(state, found)}
