"""Deezer's public API (no key, no sign-in): searching for a track, mostly for its 30-second
preview.

Deezer answers most errors with HTTP 200 and a body such as
`{"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}}`; its quota is
about 50 requests per 5 seconds for each IP address. Preview URLs are signed and expire after a
while, so they are for playing now, not for storing.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from moodtunes.music.matching import track_key
from moodtunes.music.retries import (
    RETRYABLE_STATUSES,
    RetryLater,
    RetryPolicy,
    parse_retry_after,
    with_retries,
)
from moodtunes.music.service import (
    MusicServiceError,
    ServiceRateLimitError,
    ServiceTimeoutError,
    ServiceUnavailableError,
)

DEEZER = "Deezer"
DEEZER_API_URL = "https://api.deezer.com"

# Deezer's error codes that we treat specially; the rest become a MusicServiceError with its
# message.
QUOTA_EXCEEDED = 4
SERVICE_BUSY = 700
DATA_NOT_FOUND = 800
# A signed preview URL says when it expires: ...?hdnea=exp=1767225600~acl=...
_EXPIRES = re.compile(r"(?:^|[&~=])exp=(\d{1,12})(?:$|[&~])")
# A preview is not handed out from the cache this close to its URL's expiry.
EXPIRY_MARGIN = 60.0


@dataclass(frozen=True)
class DeezerTrack:
    """A track as Deezer knows it. `preview_url` (30 seconds of MP3) is None when Deezer has
    none; `link` is the track's page on deezer.com."""

    id: int
    title: str
    artist: str
    album: str
    preview_url: str | None
    link: str

    @property
    def key(self) -> tuple[str, str]:
        """The same identity as a catalog `Track` of this title and artist."""
        return track_key(self.title, self.artist)

    @property
    def artists(self) -> tuple[str, ...]:
        """The credited artists; Deezer's search names the main one only."""
        return (self.artist,)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "artist": self.artist,
            "album": self.album,
            "preview_url": self.preview_url,
            "link": self.link,
        }


class DeezerClient:
    """Searches Deezer (a `MusicService`). Quota errors, HTTP 429 and 5xx are retried up to
    `max_retries` times, after Retry-After when Deezer sends one and it is at most
    `max_retry_wait` seconds, else after `retry_wait`. Every failure comes out as a
    `MusicServiceError` naming Deezer. Close the client (or use it in a `with` block) when it
    built its own session."""

    name = DEEZER

    def __init__(
        self,
        base_url: str = DEEZER_API_URL,
        timeout: float = 5.0,
        *,
        max_retries: int = 2,
        retry_wait: float = 2.0,
        max_retry_wait: float = 10.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self._retry = RetryPolicy(max_retries, max_retry_wait, backoff=retry_wait, growth=1.0)
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._owns_session = session is None
        self._session = requests.Session() if session is None else session
        self._sleep = sleep

    def close(self) -> None:
        """Closes the session if this client made it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> DeezerClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def search(self, title: str, artist: str, limit: int = 10) -> list[DeezerTrack]:
        """Tracks matching `title` by `artist`, in Deezer's order of relevance (at most
        `limit`), found with Deezer's `track:"..." artist:"..."` search. An empty list when
        Deezer knows none."""
        if not title.strip() or not artist.strip():
            raise ValueError("a Deezer search needs both a title and an artist")
        if not 1 <= limit <= 100:
            raise ValueError(f"limit must be in 1..100, got {limit}")
        query = f'track:"{_unquoted(title)}" artist:"{_unquoted(artist)}"'
        body = self._get("/search", {"q": query, "limit": limit})
        if body is None:
            return []
        data = body.get("data")
        if not isinstance(data, list):
            raise MusicServiceError("Deezer's answer to the search could not be read",
                                    service=DEEZER)
        tracks = [track for track in map(_track, data) if track is not None]
        return tracks[:limit]

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The JSON object Deezer answers to GET `path`, after retries; None for Deezer's "no
        data" error."""
        return with_retries(lambda: self._attempt(path, params), self._retry, self._sleep)

    def _attempt(self, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """One request. A failure worth retrying is raised as RetryLater, others as a
        MusicServiceError."""
        try:
            response = self._session.get(self._base_url + path, params=params,
                                         timeout=self._timeout)
        except requests.Timeout as err:
            raise ServiceTimeoutError(
                f"Deezer did not answer within {self._timeout:g} s; try again", service=DEEZER
            ) from err
        except requests.RequestException as err:
            raise ServiceUnavailableError(
                "cannot reach Deezer: check the network connection", service=DEEZER
            ) from err

        if response.status_code in RETRYABLE_STATUSES:
            if response.status_code == 429:
                error: MusicServiceError = ServiceRateLimitError(
                    "Deezer is limiting how often this app may search", service=DEEZER)
            else:
                error = ServiceUnavailableError(
                    f"Deezer failed on its side (HTTP {response.status_code}); try again later",
                    service=DEEZER)
            raise RetryLater(error, parse_retry_after(response.headers.get("Retry-After")))
        if response.status_code != 200:
            raise MusicServiceError(
                f"Deezer refused the search (HTTP {response.status_code})", service=DEEZER)
        try:
            body = response.json()
        except ValueError as err:
            raise MusicServiceError(
                "Deezer answered the search with something that is not JSON", service=DEEZER
            ) from err
        if not isinstance(body, dict):
            raise MusicServiceError("Deezer's answer to the search could not be read",
                                    service=DEEZER)

        problem = body.get("error")
        if problem is None:
            return body
        problem = problem if isinstance(problem, dict) else {}
        code, message = problem.get("code"), problem.get("message") or "unknown error"
        if code == DATA_NOT_FOUND:
            return None
        if code == QUOTA_EXCEEDED:
            raise RetryLater(ServiceRateLimitError(
                "Deezer's quota of searches is spent for now", service=DEEZER))
        if code == SERVICE_BUSY:
            raise RetryLater(ServiceUnavailableError(
                "Deezer is too busy to search right now; try again later", service=DEEZER))
        raise MusicServiceError(f"Deezer refused the search: {message} (error {code})",
                                service=DEEZER)


def _unquoted(text: str) -> str:
    # Deezer's search has no escape for a double quote inside a quoted field.
    return " ".join(text.replace('"', "").split())


def _track(obj: Any) -> DeezerTrack | None:
    """A track from one entry of a search answer; None for an entry that is not a usable one."""
    if not isinstance(obj, dict) or obj.get("type", "track") != "track":
        return None
    track_id = obj.get("id")
    title = _text(obj, "title")
    artist = _text(obj.get("artist"), "name")
    if isinstance(track_id, bool) or not isinstance(track_id, int) or track_id <= 0:
        return None
    if not title or not artist:
        return None
    preview = _text(obj, "preview")
    link = _text(obj, "link")
    return DeezerTrack(
        id=track_id,
        title=title,
        artist=artist,
        album=_text(obj.get("album"), "title"),
        preview_url=preview if _is_web_url(preview) else None,
        link=link if _is_web_url(link) else f"https://www.deezer.com/track/{track_id}",
    )


def _text(obj: Any, key: str) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def url_expiry(url: str) -> float | None:
    """When a signed preview URL expires (Unix time), if it says."""
    found = _EXPIRES.search(unquote(urlsplit(url).query))
    return float(found.group(1)) if found else None


class PreviewCache:
    """Deezer's answers to searches for a song's preview, kept `seconds` (and never past the
    expiry of the preview URL they hold, less `EXPIRY_MARGIN`), the newest `size` of them:
    a song asked for again, by any client, costs no search of Deezer's quota. A song with no
    preview is remembered too. Safe to share between threads."""

    def __init__(self, seconds: float, size: int,
                 clock: Callable[[], float] = time.time) -> None:
        if seconds <= 0 or size < 1:
            raise ValueError(f"a cache needs a positive lifetime and size, got {seconds}, {size}")
        self._seconds, self._size, self._clock = seconds, size, clock
        self._answers: OrderedDict[tuple[str, str], tuple[float, DeezerTrack | None]] = (
            OrderedDict())
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, title: str, artist: str) -> tuple[bool, DeezerTrack | None]:
        """Whether an answer for the song is kept, and the answer (None: no preview)."""
        key = track_key(title, artist)
        with self._lock:
            kept = self._answers.get(key)
            if kept is None:
                return False, None
            if kept[0] <= self._clock():
                del self._answers[key]
                return False, None
            self._answers.move_to_end(key)
            return True, kept[1]

    def put(self, title: str, artist: str, track: DeezerTrack | None) -> None:
        now = self._clock()
        until = now + self._seconds
        expires = url_expiry(track.preview_url) if track and track.preview_url else None
        if expires is not None:
            until = min(until, expires - EXPIRY_MARGIN)
        if until <= now:
            return
        key = track_key(title, artist)
        with self._lock:
            self._answers[key] = (until, track)
            self._answers.move_to_end(key)
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
