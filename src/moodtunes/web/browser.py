"""Each browser's mood and playlist: one request-free object, loaded once per request and
saved once, in its signed session cookie, so no visitor sees another's mood and any worker of
a multi-process server can answer any request.

`BrowserState` owns the browser's mood (a `moodtunes.mood.MoodState`: one smoothing pass and
one hysteresis for what is shown and when the playlist changes), where the mood comes from,
the strategy, the lock and the profile id. Requests that only read (GET) never write the
cookie; a request that changes something saves the state once, after the view.

The lock holds the playlist against the cameras (this browser's and the server's): while it
is on, the face still moves the mood shown, but the songs stay. Picking a mood, reading a
photo and choosing a strategy are deliberate acts: each makes a new playlist, which the lock
then holds. Unlocking shows the playlist made for the mood as it is now.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Flask, g, request, session
from flask.typing import ResponseReturnValue

from moodtunes.emotions import EMOTIONS
from moodtunes.mood import MoodSettings, MoodState, Playlist, picked
from moodtunes.recommend import DEFAULT_STRATEGY, STRATEGIES, create_strategy

# Keys of the session cookie. The profile id keeps its own key: the Spotify routes and older
# cookies use it too.
STATE_KEY = "browser"
PROFILE_KEY = "profile_id"
# Keys that older versions kept and that a new save removes.
LEGACY_KEYS = ("mood", "playlist", "locked", "locked_emotion", "strategy", "source", "seed")
SOURCES = ("browser", "upload", "manual", "server")
# Methods that only read: they never write the cookie.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class BrowserState:
    """This browser's mood, its source, strategy and lock, and its profile id."""

    mood: MoodState | None = None
    source: str = "browser"
    strategy: str = DEFAULT_STRATEGY
    locked: bool = False
    # The playlist the lock holds (None when unlocked).
    held: Playlist | None = None
    seed: int | None = None
    profile_id: str | None = None
    # Proof that this browser was given the server camera's token (`security.camera_pass`).
    camera_pass: str | None = None
    _loaded: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # --- what is shown ---------------------------------------------------------------------

    def mood_now(self, camera: MoodState | None) -> MoodState | None:
        """The mood shown: the server camera's (`camera`) when following it, else this
        browser's own."""
        return camera if self.source == "server" else self.mood

    def playlist(self, camera: MoodState | None) -> Playlist | None:
        """The playlist on screen: the one the lock holds, else the shown mood's."""
        if self.locked and self.held is not None:
            return self.held
        mood = self.mood_now(camera)
        return mood.playlist if mood is not None else None

    def playlist_id(self, camera: MoodState | None) -> tuple[str, int, float] | None:
        """What tells one playlist from another, across sources and strategies."""
        shown = self.playlist(camera)
        if shown is None:
            return None
        origin = "server" if self.source == "server" and not self.locked else "own"
        return origin, shown.generation, shown.made_at

    @property
    def variety_seed(self) -> int:
        return self.seed if self.seed is not None else 0

    # --- what changes it -------------------------------------------------------------------

    def _touch(self) -> None:
        if self.seed is None:
            self.seed = secrets.randbelow(2**31)

    def _deliberate(self, probs: Sequence[float], source: str, now: float) -> None:
        self._touch()
        self.mood = (MoodState.start(probs, now) if self.mood is None
                     else self.mood.restart(probs, now))
        self.source = source
        if self.locked:  # the lock moves to the new playlist
            self.held = self.mood.playlist

    def observe(self, probs: Sequence[float], now: float,
                settings: MoodSettings | None = None) -> None:
        """One frame of this browser's camera."""
        self._touch()
        self.mood = (MoodState.start(probs, now) if self.mood is None
                     else self.mood.observe(probs, now, settings or MoodSettings()))
        self.source = "browser"
        if self.locked and self.held is None:  # locked before there was a playlist
            self.held = self.mood.playlist

    def read_photo(self, probs: Sequence[float], now: float) -> None:
        """A photo stands on its own: its mood, and a new playlist for it."""
        self._deliberate(probs, "upload", now)

    def pick(self, emotion: str, now: float) -> None:
        """A mood picked by hand, and a new playlist for it."""
        self._deliberate(picked(emotion), "manual", now)

    def follow_server(self) -> None:
        """Shows the server camera's mood and playlist from now on."""
        self._touch()
        self.source = "server"

    def grant_camera(self, camera_pass: str) -> None:
        """Remembers that this browser may watch the server camera."""
        self._touch()
        self.camera_pass = camera_pass

    def set_lock(self, locked: bool, camera: MoodState | None) -> None:
        """Locks the playlist on screen against the cameras, or lets them drive it again."""
        self._touch()
        if locked and not self.locked:
            self.held = self.playlist(camera)
        elif not locked:
            self.held = None
        self.locked = locked

    def choose_strategy(self, name: str, now: float) -> None:
        """Another strategy: a new playlist for the same mood (even when locked). ValueError
        listing the valid names for an unknown one."""
        create_strategy(name)
        self._touch()
        if name == self.strategy:
            return
        self.strategy = name
        if self.mood is not None and self.source != "server":
            self.mood = self.mood.remade(now)
        if self.held is not None:
            self.held = replace(self.held, generation=self.held.generation + 1,
                                made_at=float(now))

    # --- the cookie ------------------------------------------------------------------------

    def _data(self) -> dict[str, Any]:
        data = {
            "mood": self.mood.to_dict() if self.mood is not None else None,
            "source": self.source, "strategy": self.strategy, "locked": self.locked,
            "held": self.held.to_dict() if self.held is not None else None,
            "seed": self.seed,
        }
        if self.camera_pass is not None:  # only then, so older cookies read back unchanged
            data["camera"] = self.camera_pass
        return data

    @classmethod
    def from_session(cls, cookie: Mapping[str, Any]) -> BrowserState:
        """The state kept in the cookie; whatever is missing, from an older version or
        tampered with starts afresh (the profile id is kept when it is a text)."""
        profile = cookie.get(PROFILE_KEY)
        state = cls(profile_id=profile if isinstance(profile, str) and profile else None)
        data = cookie.get(STATE_KEY)
        if not isinstance(data, Mapping):
            return state
        try:
            mood = MoodState.from_dict(data["mood"]) if data.get("mood") is not None else None
            held = Playlist.from_dict(data["held"]) if data.get("held") is not None else None
        except ValueError:
            mood = held = None
        source = data.get("source")
        strategy = data.get("strategy")
        seed = data.get("seed")
        camera_pass = data.get("camera")
        state.mood = mood
        state.source = source if source in SOURCES else "browser"
        state.strategy = strategy if strategy in STRATEGIES else DEFAULT_STRATEGY
        state.locked = data.get("locked") is True
        state.held = held if state.locked else None
        state.seed = (seed if isinstance(seed, int) and not isinstance(seed, bool)
                      and 0 <= seed < 2**31 else None)
        state.camera_pass = (camera_pass if isinstance(camera_pass, str)
                             and len(camera_pass) <= 128 else None)
        state._loaded = dict(data) if state._data() == data else {}
        return state

    def to_session(self, cookie: MutableMapping[str, Any]) -> bool:
        """Writes the state into the cookie when it changed; True when it wrote."""
        data = self._data()
        wrote = False
        if data != self._loaded or any(key in cookie for key in LEGACY_KEYS):
            for key in LEGACY_KEYS:
                cookie.pop(key, None)
            cookie[STATE_KEY] = data
            self._loaded = data
            wrote = True
        if self.profile_id is not None and cookie.get(PROFILE_KEY) != self.profile_id:
            cookie[PROFILE_KEY] = self.profile_id
            wrote = True
        return wrote


def mood_payload(state: BrowserState, camera: MoodState | None) -> dict[str, Any] | None:
    """The mood shown, as the API gives it: one emotion, the scores, where it comes from
    and whether the playlist is locked."""
    mood = state.mood_now(camera)
    if mood is None:
        return None
    return mood.to_public() | {"source": state.source, "locked": state.locked}


def emotion_scores(scores: Mapping[str, float]) -> list[float]:
    """A face's scores in `EMOTIONS` order."""
    return [float(scores[name]) for name in EMOTIONS]


# --- once per request ---------------------------------------------------------------------


def browser() -> BrowserState:
    """This request's browser state, read from the cookie on first use (before the view)."""
    found: BrowserState | None = g.get("moodtunes_browser")
    if found is None:
        found = g.moodtunes_browser = BrowserState.from_session(session)
    return found


def _load() -> None:
    browser()


def _save(response: Any) -> ResponseReturnValue:
    found = g.get("moodtunes_browser")
    if found is not None and request.method not in SAFE_METHODS and response.status_code < 400:
        found.to_session(session)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_load)
    app.after_request(_save)
