"""The music-service interface and its one error family, as a third service would use them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from moodtunes.errors import MoodtunesError
from moodtunes.music.previews import DeezerClient, DeezerTrack
from moodtunes.music.service import (
    MusicService,
    MusicServiceError,
    ServiceAuthError,
    ServiceForbiddenError,
    ServiceNotConfiguredError,
    ServiceNotFoundError,
    ServiceRateLimitError,
    ServiceTimeoutError,
    ServiceUnavailableError,
    find_matches,
    seconds,
    service_code,
)
from moodtunes.music.spotify import SpotifyLibrary, SpotifyTrack


@pytest.mark.parametrize(
    ("error", "reason", "status"),
    [
        (MusicServiceError, "error", 502),
        (ServiceNotConfiguredError, "not_configured", 503),
        (ServiceAuthError, "reconnect", 401),
        (ServiceForbiddenError, "forbidden", 403),
        (ServiceNotFoundError, "not_found", 404),
        (ServiceRateLimitError, "rate_limited", 429),
        (ServiceUnavailableError, "unavailable", 503),
        (ServiceTimeoutError, "timeout", 504),
    ],
)
def test_every_error_has_a_per_service_code_and_one_status(
    error: type[MusicServiceError], reason: str, status: int
) -> None:
    for service, prefix in (("Spotify", "spotify"), ("Deezer", "deezer"),
                            ("YouTube Music", "youtube_music")):
        raised = error(f"{service} says no", service=service)
        assert (raised.code, raised.status) == (f"{prefix}_{reason}", status)
        assert raised.service == service and service in raised.message
        assert isinstance(raised, MoodtunesError)


def test_a_timeout_is_a_kind_of_unavailable() -> None:
    assert issubclass(ServiceTimeoutError, ServiceUnavailableError)


def test_service_code_and_seconds() -> None:
    assert service_code("Apple Music!") == "apple_music"
    assert service_code("???") == "music_service"
    assert [seconds(w) for w in (0.0, 1.4, 1.6, 3600)] == [
        "1 second", "1 second", "2 seconds", "3600 seconds"]


@dataclass(frozen=True)
class BandTrack:
    title: str
    artist: str
    artists: tuple[str, ...]


class BandService:
    """A third music service in a dozen lines: a name and a search."""

    name = "Band Service"

    def __init__(self, catalog: list[BandTrack]) -> None:
        self.catalog = catalog
        self.asked: list[tuple[str, str, int]] = []

    def search(self, title: str, artist: str, limit: int = 10) -> list[BandTrack]:
        self.asked.append((title, artist, limit))
        if not self.catalog:
            raise ServiceUnavailableError("Band Service is down", service=self.name)
        return self.catalog[:limit]


def test_a_third_service_is_scored_by_the_shared_matching() -> None:
    cover = BandTrack("Hallelujah", "Cover Band", ("Cover Band",))
    live = BandTrack("Hallelujah (Live)", "Jeff Buckley", ("Jeff Buckley",))
    studio = BandTrack("Hallelujah", "Jeff Buckley", ("Jeff Buckley",))
    service = BandService([cover, live, studio])
    typed: MusicService[BandTrack] = service  # what mypy checks: it fits the protocol

    found = find_matches(typed, "Hallelujah", "Jeff Buckley", limit=3)

    assert [(m.track, m.score) for m in found] == [(studio, 11), (live, 8), (cover, 0)]
    assert service.asked == [("Hallelujah", "Jeff Buckley", 3)]
    with pytest.raises(ServiceUnavailableError) as caught:
        find_matches(BandService([]), "Song", "Band")
    assert caught.value.code == "band_service_unavailable"


def test_spotify_and_deezer_are_music_services() -> None:
    spotify: type[MusicService[SpotifyTrack]] = SpotifyLibrary
    deezer: type[MusicService[DeezerTrack]] = DeezerClient
    assert (spotify.name, deezer.name) == ("Spotify", "Deezer")
    track = DeezerTrack(1, "Song", "Band", "Album", None, "https://www.deezer.com/track/1")
    assert track.artists == ("Band",)
