"""The Deezer client against a local stand-in for api.deezer.com, which answers as Deezer does:
errors mostly as HTTP 200 with an {"error": {...}} body."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from flask import Flask, Response, request

from moodtunes.errors import MoodtunesError
from moodtunes.music.previews import DeezerClient, DeezerTrack
from moodtunes.music.service import (
    MusicServiceError,
    ServiceRateLimitError,
    ServiceTimeoutError,
    ServiceUnavailableError,
)

Json = dict[str, Any]
PREVIEW = "https://cdnt-preview.dzcdn.net/api/1/1/8/4/c/0/84c07a5.mp3?hdnea=exp=1~hmac=ab"


def entry(n: int, title: str, artist: str, **extra: Any) -> Json:
    return {"id": n, "readable": True, "title": title, "title_short": title,
            "link": f"https://www.deezer.com/track/{n}", "duration": 200, "preview": PREVIEW,
            "artist": {"id": 1, "name": artist, "type": "artist"},
            "album": {"id": 2, "title": f"Album of {title}", "type": "album"},
            "type": "track", **extra}


def deezer_error(code: int, message: str) -> str:
    return json.dumps({"error": {"type": "Exception", "message": message, "code": code}})


@dataclass
class Canned:
    """One canned answer: a status, body and headers, or a request left hanging."""

    body: str = "{}"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


class FakeDeezer:
    def __init__(self) -> None:
        self.results: list[Any] = []  # entries of any shape, as a broken answer might hold
        self.canned: list[Canned] = []
        self.queries: list[dict[str, str]] = []
        self.release = threading.Event()
        self.app = Flask("fake_deezer")

        @self.app.get("/search")
        def search() -> Response | Json:
            self.queries.append(request.args.to_dict())
            if self.canned:
                answer = self.canned.pop(0)
                if answer.hang:
                    self.release.wait(5)
                return Response(answer.body, answer.status, headers=answer.headers,
                                content_type="application/json")
            limit = int(request.args.get("limit", 25))
            return {"data": self.results[:limit], "total": len(self.results)}


@pytest.fixture
def fake() -> Iterator[FakeDeezer]:
    fake = FakeDeezer()
    yield fake
    fake.release.set()


@pytest.fixture
def base_url(serve: Callable[[Flask], str], fake: FakeDeezer) -> str:
    return serve(fake.app)


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def deezer(base_url: str, http_session: requests.Session, waits: list[float]) -> DeezerClient:
    return DeezerClient(base_url, timeout=2.0, retry_wait=0.5, max_retry_wait=5.0,
                        session=http_session, sleep=waits.append)


def test_search_uses_deezer_field_syntax_and_reads_the_tracks(
    deezer: DeezerClient, fake: FakeDeezer
) -> None:
    fake.results = [entry(3135556, "Harder, Better, Faster, Stronger", "Daft Punk")]

    tracks = deezer.search('Harder, Better, "Faster", Stronger', "Daft  Punk")

    assert tracks == [DeezerTrack(
        id=3135556, title="Harder, Better, Faster, Stronger", artist="Daft Punk",
        album="Album of Harder, Better, Faster, Stronger", preview_url=PREVIEW,
        link="https://www.deezer.com/track/3135556")]
    (query,) = fake.queries
    assert query["q"] == 'track:"Harder, Better, Faster, Stronger" artist:"Daft Punk"'
    assert tracks[0].to_dict()["preview_url"] == PREVIEW


def test_search_keeps_non_ascii_and_reserved_characters_intact(
    deezer: DeezerClient, fake: FakeDeezer
) -> None:
    deezer.search("Für Elise & Co? #1 / 2", "Beyoncé")
    assert fake.queries[0]["q"] == 'track:"Für Elise & Co? #1 / 2" artist:"Beyoncé"'


def test_search_leaves_out_what_is_unusable_and_keeps_what_lacks_a_preview(
    deezer: DeezerClient, fake: FakeDeezer
) -> None:
    fake.results = [
        entry(1, "No preview", "Band", preview=""),
        entry(2, "Odd preview", "Band", preview="javascript:alert(1)", link="nonsense"),
        {**entry(3, "No artist", "Band"), "artist": None},
        entry(0, "Bad id", "Band"),
        {"type": "album", "id": 4, "title": "An album"},
        "not even an object",
        entry(5, "Fine", "Band"),
    ]
    tracks = deezer.search("Song", "Band")
    assert [(t.id, t.preview_url) for t in tracks] == [(1, None), (2, None), (5, PREVIEW)]
    assert tracks[1].link == "https://www.deezer.com/track/2"


def test_search_asks_for_at_most_the_limit(deezer: DeezerClient, fake: FakeDeezer) -> None:
    fake.results = [entry(n, "Song", "Band") for n in range(1, 30)]
    assert len(deezer.search("Song", "Band", limit=3)) == 3
    assert fake.queries[0]["limit"] == "3"
    with pytest.raises(ValueError, match="limit"):
        deezer.search("Song", "Band", limit=0)
    with pytest.raises(ValueError, match="title and an artist"):
        deezer.search(" ", "Band")


def test_nothing_found_is_an_empty_list(deezer: DeezerClient, fake: FakeDeezer) -> None:
    assert deezer.search("Nothing", "Nobody") == []
    fake.canned = [Canned(deezer_error(800, "no data"))]
    assert deezer.search("Nothing", "Nobody") == []


def test_a_spent_quota_is_retried_after_a_wait(
    deezer: DeezerClient, fake: FakeDeezer, waits: list[float]
) -> None:
    fake.results = [entry(1, "Song", "Band")]
    fake.canned = [Canned(deezer_error(4, "Quota limit exceeded"))]
    assert [t.id for t in deezer.search("Song", "Band")] == [1]
    assert waits == [0.5] and len(fake.queries) == 2


def test_a_quota_that_stays_spent_is_a_rate_limit_error(
    deezer: DeezerClient, fake: FakeDeezer, waits: list[float]
) -> None:
    fake.canned = [Canned(deezer_error(4, "Quota limit exceeded")) for _ in range(5)]
    with pytest.raises(ServiceRateLimitError, match="quota") as caught:
        deezer.search("Song", "Band")
    assert len(fake.queries) == 3 and waits == [0.5, 0.5]
    assert (caught.value.status, caught.value.code) == (429, "deezer_rate_limited")


def test_http_429_honours_retry_after_up_to_the_cap(
    deezer: DeezerClient, fake: FakeDeezer, waits: list[float]
) -> None:
    fake.results = [entry(1, "Song", "Band")]
    fake.canned = [Canned(status=429, headers={"Retry-After": "1"})]
    assert len(deezer.search("Song", "Band")) == 1
    assert waits == [1.0]

    fake.canned = [Canned(status=429, headers={"Retry-After": "60"})]
    with pytest.raises(ServiceRateLimitError):
        deezer.search("Song", "Band")
    assert waits == [1.0]


def test_retry_really_waits_when_no_sleep_is_injected(
    base_url: str, http_session: requests.Session, fake: FakeDeezer
) -> None:
    fake.canned = [Canned(deezer_error(700, "Service busy"))]
    client = DeezerClient(base_url, retry_wait=0.05, session=http_session)
    started = time.monotonic()
    assert client.search("Song", "Band") == []
    assert time.monotonic() - started >= 0.05


def test_server_errors_are_retried_then_reported(
    deezer: DeezerClient, fake: FakeDeezer
) -> None:
    fake.canned = [Canned(status=502)]
    assert deezer.search("Song", "Band") == []
    fake.canned = [Canned(status=503)] * 3
    with pytest.raises(ServiceUnavailableError, match="HTTP 503"):
        deezer.search("Song", "Band")


@pytest.mark.parametrize(("canned", "message"), [
    (Canned(deezer_error(600, "Invalid query")), "Invalid query"),
    (Canned("<html>maintenance</html>"), "not JSON"),
    (Canned("[1, 2]"), "could not be read"),
    (Canned('{"data": "nope"}'), "could not be read"),
    (Canned(status=404), "HTTP 404"),
])
def test_other_failures_are_clear_errors_and_not_retried(
    deezer: DeezerClient, fake: FakeDeezer, canned: Canned, message: str
) -> None:
    fake.canned = [canned]
    with pytest.raises(MusicServiceError, match=message) as caught:
        deezer.search("Song", "Band")
    assert len(fake.queries) == 1
    assert isinstance(caught.value, MoodtunesError)


def test_a_hanging_server_is_a_timeout(
    base_url: str, http_session: requests.Session, fake: FakeDeezer
) -> None:
    fake.canned = [Canned(hang=True)]
    client = DeezerClient(base_url, timeout=0.3, session=http_session)
    started = time.monotonic()
    with pytest.raises(ServiceTimeoutError, match="did not answer within 0.3 s") as caught:
        client.search("Song", "Band")
    assert time.monotonic() - started < 2
    assert caught.value.status == 504


def test_no_network_is_a_clear_error(closed_port_url: str) -> None:
    with DeezerClient(closed_port_url, timeout=1.0) as client:
        with pytest.raises(ServiceUnavailableError, match="cannot reach Deezer") as caught:
            client.search("Song", "Band")
    assert caught.value.status == 503
