"""What moodtunes asks of a music service (Spotify, Deezer, a third one later), and the one family
of errors every service raises.

A service is anything with a `name` and a `search(title, artist, limit)` that returns its
tracks for a song (`MusicService`); `find_matches` scores them with the shared matching rules.
Its errors are the classes below, whatever the service: each names the service in its message,
and its `code` is ``<service>_<reason>`` (``spotify_rate_limited``, ``deezer_timeout``), which
the web boundary sends as the JSON `error` with the class's HTTP status.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from moodtunes.errors import MoodtunesError
from moodtunes.music.matching import Match, SearchResult, rank_matches

# --- errors ---------------------------------------------------------------------------------


class MusicServiceError(MoodtunesError):
    """A music service could not do what was asked; the message says why, in words for people,
    naming the service (`service`, as shown to people: "Spotify")."""

    reason = "error"
    status = 502

    def __init__(self, message: str, *, service: str) -> None:
        super().__init__(message)
        self.service = service
        self.code = f"{service_code(service)}_{self.reason}"


class ServiceNotConfiguredError(MusicServiceError):
    """The service needs a setting (a client id, say) that this server lacks."""

    reason = "not_configured"
    status = 503


class ServiceAuthError(MusicServiceError):
    """The sign-in failed, was refused, or no longer holds: the user must connect again."""

    reason = "reconnect"
    status = 401


class ServiceForbiddenError(MusicServiceError):
    """The service refuses this app the thing asked for (its app limits, a missing scope)."""

    reason = "forbidden"
    status = 403


class ServiceNotFoundError(MusicServiceError):
    """The service has nothing under that id."""

    reason = "not_found"
    status = 404


class ServiceRateLimitError(MusicServiceError):
    """The service asked us to slow down for longer than we are willing to wait. With
    `retry_after` (seconds) known, the message says how long."""

    reason = "rate_limited"
    status = 429

    def __init__(self, message: str, *, service: str, retry_after: float | None = None) -> None:
        said = message if retry_after is None else f"{message}; try again in {seconds(retry_after)}"
        super().__init__(said, service=service)
        self.retry_after = retry_after
        self._unwaited = message

    def after(self, retry_after: float) -> ServiceRateLimitError:
        """The same refusal, now knowing how long to wait."""
        return ServiceRateLimitError(self._unwaited, service=self.service,
                                     retry_after=retry_after)


class ServiceUnavailableError(MusicServiceError):
    """The service cannot be reached, or failed on its side."""

    reason = "unavailable"
    status = 503


class ServiceTimeoutError(ServiceUnavailableError):
    """The service did not answer in time."""

    reason = "timeout"
    status = 504


def service_code(service: str) -> str:
    """A service's name as the prefix of its error codes: "YouTube Music" -> "youtube_music"."""
    return re.sub(r"[^a-z0-9]+", "_", service.casefold()).strip("_") or "music_service"


def seconds(wait: float) -> str:
    """A wait in whole seconds for people, at least one: "1 second", "30 seconds"."""
    whole = max(1, round(wait))
    return "1 second" if whole == 1 else f"{whole} seconds"


# --- what a service does --------------------------------------------------------------------

ResultT_co = TypeVar("ResultT_co", bound=SearchResult, covariant=True)
ResultT = TypeVar("ResultT", bound=SearchResult)


class MusicService(Protocol[ResultT_co]):
    """A music service that can look songs up. `search` returns the service's own tracks for
    `title` by `artist`, at most `limit`, in its order, and raises `MusicServiceError`s."""

    @property
    def name(self) -> str: ...

    def search(self, title: str, artist: str, limit: int = 10) -> Sequence[ResultT_co]: ...


def find_matches(
    service: MusicService[ResultT], title: str, artist: str, limit: int = 10
) -> list[Match[ResultT]]:
    """What `service` finds for the song, best match first, each with its `match_score`; a
    score of 0 means the result is not that song."""
    return rank_matches(title, artist, service.search(title, artist, limit))
