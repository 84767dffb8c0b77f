"""The Spotify client against a local stand-in for the Web API and the accounts service, which
behaves as Spotify does for an app in development mode in 2026."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask, Response, request
from spotipy.cache_handler import MemoryCacheHandler

from moodtunes.errors import MoodtunesError
from moodtunes.music.matching import best_match
from moodtunes.music.service import (
    MusicServiceError,
    ServiceAuthError,
    ServiceForbiddenError,
    ServiceNotConfiguredError,
    ServiceNotFoundError,
    ServiceRateLimitError,
    ServiceTimeoutError,
    ServiceUnavailableError,
)
from moodtunes.music.spotify import (
    ADD_BATCH,
    SCOPES,
    PlaylistSaveError,
    SpotifyLibrary,
    SpotifyTrack,
    create_spotify_auth,
    create_spotify_client,
    finish_spotify_login,
    spotify_client_id,
    start_spotify_login,
)

TOKEN = "test-access-token"
ME = "listener"
Json = dict[str, Any]


def sid(n: int, prefix: str = "") -> str:
    """A well-formed 22-character Spotify id."""
    return f"{prefix}{n:0{22 - len(prefix)}d}"


def track_obj(n: int, title: str | None = None, artists: tuple[str, ...] = (),
              date: str = "1999-05-01") -> Json:
    return {
        "type": "track",
        "id": sid(n),
        "uri": f"spotify:track:{sid(n)}",
        "name": title or f"Song {n}",
        "artists": [{"name": a} for a in (artists or (f"Artist {n}",))],
        "album": {"name": f"Album {n}", "release_date": date},
        "duration_ms": 180_000 + n,
        "is_local": False,
    }


@dataclass
class Fault:
    """One canned failure: an HTTP status with headers and body, or a request left hanging."""

    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    hang: bool = False


class FakeSpotify:
    """The endpoints moodtunes uses, with paging through `next`, 2026's limits (50 a page,
    10 a search, 100 tracks an add) and development mode's 403 on playlists of others."""

    def __init__(self) -> None:
        self.playlists: dict[str, Json] = {}
        self.saved: list[Json] = []
        self.top: dict[str, list[Json]] = {}
        self.search_results: Callable[[str], list[Json]] = lambda q: []
        # Canned answers per (method, path), used in turn; None lets that request through.
        self.faults: dict[tuple[str, str], list[Fault | None]] = {}
        self.log: list[tuple[str, str, dict[str, str], Any]] = []
        self.release = threading.Event()
        self._created = 0
        self.app = self._build()

    def add_playlist(self, n: int, *, owner: str = ME, collaborative: bool = False,
                     tracks: list[Json] | None = None) -> str:
        playlist_id = sid(n, "pl")
        self.playlists[playlist_id] = {
            "name": f"Playlist {n}", "owner": owner, "collaborative": collaborative,
            "public": False, "entries": [{"item": t} for t in tracks or []],
        }
        return playlist_id

    def fail(self, method: str, path: str, *faults: Fault | None) -> None:
        self.faults.setdefault((method, path), []).extend(faults)

    def calls(self, method: str, path: str) -> list[tuple[dict[str, str], Any]]:
        return [(args, body) for m, p, args, body in self.log if (m, p) == (method, path)]

    def _build(self) -> Flask:
        app = Flask("fake_spotify")
        fake = self

        def error(status: int, message: str) -> Response:
            body = json.dumps({"error": {"status": status, "message": message}})
            return Response(body, status, content_type="application/json")

        def page(items: list[Any], most: int = 50) -> Response | Json:
            limit = int(request.args.get("limit", 20))
            offset = int(request.args.get("offset", 0))
            if not 1 <= limit <= most:
                return error(400, f"Invalid limit: must be 1..{most}")
            following = None
            if offset + limit < len(items):
                args = {**request.args.to_dict(), "offset": offset + limit, "limit": limit}
                following = f"{request.base_url}?{urlencode(args)}"
            return {"href": request.url, "items": items[offset:offset + limit], "limit": limit,
                    "offset": offset, "total": len(items), "next": following, "previous": None}

        @app.before_request
        def faults_and_token() -> Response | None:
            fake.log.append((request.method, request.path, request.args.to_dict(),
                             request.get_json(silent=True)))
            queue = fake.faults.get((request.method, request.path))
            fault = queue.pop(0) if queue else None
            if fault is not None:
                if fault.hang:
                    fake.release.wait(5)
                    return error(503, "released")
                body = fault.body
                if body is None:
                    body = json.dumps({"error": {"status": fault.status, "message": "canned"}})
                return Response(body, fault.status, headers=fault.headers,
                                content_type="application/json")
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                return error(401, "Invalid access token")
            return None

        @app.get("/v1/me/", strict_slashes=False)
        def me() -> Json:
            return {"id": ME, "display_name": "The Listener"}

        @app.get("/v1/me/playlists")
        def my_playlists() -> Response | Json:
            summaries = [
                {"id": pid, "name": p["name"], "collaborative": p["collaborative"],
                 "public": p["public"], "owner": {"id": p["owner"], "display_name": p["owner"]},
                 "items": {"href": "", "total": len(p["entries"])}, "tracks": None}
                for pid, p in fake.playlists.items()
            ]
            return page(summaries)

        @app.post("/v1/me/playlists")
        def create_playlist() -> tuple[Json, int]:
            body = request.get_json()
            fake._created += 1
            playlist_id = sid(fake._created, "new")
            fake.playlists[playlist_id] = {
                "name": body["name"], "owner": ME, "collaborative": False,
                "public": body["public"], "description": body["description"], "entries": [],
            }
            return {"id": playlist_id, "name": body["name"],
                    "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist_id}"}
                    }, 201

        @app.post("/v1/users/<user>/playlists")
        def create_for_user(user: str) -> Response:
            return error(403, "Forbidden")  # removed for development-mode apps in 2026

        @app.get("/v1/playlists/<playlist_id>/items")
        def playlist_items(playlist_id: str) -> Response | Json:
            playlist = fake.playlists.get(playlist_id)
            if playlist is None:
                return error(404, "Resource not found")
            if playlist["owner"] != ME and not playlist["collaborative"]:
                return error(403, "Forbidden")
            return page(playlist["entries"])

        @app.post("/v1/playlists/<playlist_id>/items")
        def add_items(playlist_id: str) -> Response | tuple[Json, int]:
            body = request.get_json()
            uris = body["uris"] if isinstance(body, dict) else body
            if len(uris) > 100:
                return error(400, "You can add a maximum of 100 tracks per request.")
            fake.playlists[playlist_id]["entries"].extend({"item": {"uri": u}} for u in uris)
            return {"snapshot_id": "snap"}, 201

        @app.delete("/v1/me/library")
        def remove_from_library() -> str:
            for uri in request.args["uris"].split(","):
                fake.playlists.pop(uri.removeprefix("spotify:playlist:"), None)
            return ""

        @app.delete("/v1/playlists/<playlist_id>/followers")
        def unfollow(playlist_id: str) -> str:
            fake.playlists.pop(playlist_id, None)
            return ""

        @app.get("/v1/me/tracks")
        def saved() -> Response | Json:
            return page([{"added_at": "2026-01-01T00:00:00Z", "track": t} for t in fake.saved])

        @app.get("/v1/me/top/tracks")
        def top() -> Response | Json:
            return page(fake.top.get(request.args.get("time_range", "medium_term"), []))

        @app.get("/v1/search")
        def search() -> Response | Json:
            if request.args.get("type") != "track":
                return error(400, "Bad search type field")
            listing = page(fake.search_results(request.args["q"]), most=10)
            return listing if isinstance(listing, Response) else {"tracks": listing}

        return app


@pytest.fixture
def fake() -> Iterator[FakeSpotify]:
    fake = FakeSpotify()
    yield fake
    fake.release.set()


@pytest.fixture
def api(serve: Callable[[Flask], str], fake: FakeSpotify) -> str:
    return serve(fake.app) + "/v1/"


@pytest.fixture
def waits() -> list[float]:
    """What the library slept, in seconds: tests record waits rather than spend them."""
    return []


@pytest.fixture
def library(api: str, http_session: requests.Session, waits: list[float]) -> SpotifyLibrary:
    client = create_spotify_client(TOKEN, api_url=api, timeout=2.0, session=http_session)
    return SpotifyLibrary(client, max_retries=2, max_retry_wait=5.0, sleep=waits.append)


# --- reading --------------------------------------------------------------------------------------


def test_my_playlists_reads_every_page_and_says_which_can_be_read(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    for n in range(120):
        owner = ME if n % 3 else "someone-else"
        fake.add_playlist(n, owner=owner, collaborative=(n == 3),
                          tracks=[track_obj(i) for i in range(n % 4)])

    playlists = library.my_playlists()

    assert [p.spotify_id for p in playlists] == list(fake.playlists)
    assert len(fake.calls("GET", "/v1/me/playlists")) == 3  # 50 + 50 + 20
    first, third, fourth = playlists[0], playlists[3], playlists[4]
    assert (first.owned, first.collaborative, first.readable) == (False, False, False)
    assert (third.owned, third.readable) == (False, True)
    assert (fourth.owned, fourth.readable, fourth.track_count) == (True, True, 0)
    assert playlists[2].track_count == 2 and playlists[2].owner_id == ME
    assert playlists[1].url == f"https://open.spotify.com/playlist/{playlists[1].spotify_id}"


def test_playlist_tracks_reads_every_page_not_just_the_first_hundred(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    playlist_id = fake.add_playlist(1, tracks=[track_obj(n) for n in range(130)])

    tracks = library.playlist_tracks(playlist_id)

    assert [t.spotify_id for t in tracks] == [sid(n) for n in range(130)]
    assert [args["offset"] for args, _ in fake.calls("GET", f"/v1/playlists/{playlist_id}/items")
            ][1:] == ["50", "100"]
    assert tracks[7] == SpotifyTrack("Song 7", "Artist 7", "Album 7", 1999, sid(7),
                                     ("Artist 7",), 180_007)


def test_playlist_tracks_stops_fetching_once_the_limit_is_reached(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    playlist_id = fake.add_playlist(1, tracks=[track_obj(n) for n in range(130)])
    assert len(library.playlist_tracks(playlist_id, limit=60)) == 60
    assert len(fake.calls("GET", f"/v1/playlists/{playlist_id}/items")) == 2


def test_playlist_tracks_accepts_uris_and_urls_and_skips_what_is_not_a_track(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    episode = {**track_obj(2), "type": "episode"}
    local = {**track_obj(3), "id": None, "is_local": True}
    playlist_id = fake.add_playlist(1, tracks=[track_obj(1), episode, local, track_obj(4)])
    fake.playlists[playlist_id]["entries"].append({"item": None})  # no longer available
    fake.playlists[playlist_id]["entries"].append({"track": track_obj(5)})  # pre-2026 shape

    for reference in (playlist_id, f"spotify:playlist:{playlist_id}",
                      f"https://open.spotify.com/playlist/{playlist_id}?si=abc"):
        tracks = library.playlist_tracks(reference)
        assert [t.spotify_id for t in tracks] == [sid(1), sid(4), sid(5)]


@pytest.mark.parametrize("bad", ["not an id!", "spotify:track:" + sid(1), ""])
def test_playlist_tracks_refuses_what_is_not_a_playlist(library: SpotifyLibrary, bad: str) -> None:
    with pytest.raises(ValueError, match="playlist"):
        library.playlist_tracks(bad)


def test_a_playlist_of_someone_else_is_explained_in_development_mode_terms(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    playlist_id = fake.add_playlist(1, owner="spotify", tracks=[track_obj(1)])
    with pytest.raises(ServiceForbiddenError, match="development mode") as caught:
        library.playlist_tracks(playlist_id)
    assert "own or collaborate on" in caught.value.message
    assert (caught.value.status, caught.value.code) == (403, "spotify_forbidden")


def test_an_unknown_playlist_is_not_found(library: SpotifyLibrary) -> None:
    with pytest.raises(ServiceNotFoundError, match=sid(9, "pl")) as caught:
        library.playlist_tracks(sid(9, "pl"))
    assert caught.value.status == 404


def test_saved_tracks_reads_every_page(library: SpotifyLibrary, fake: FakeSpotify) -> None:
    fake.saved = [track_obj(n) for n in range(75)]
    assert [t.spotify_id for t in library.saved_tracks()] == [sid(n) for n in range(75)]
    assert len(fake.calls("GET", "/v1/me/tracks")) == 2
    assert len(library.saved_tracks(limit=10)) == 10


def test_top_tracks_asks_for_the_time_range(library: SpotifyLibrary, fake: FakeSpotify) -> None:
    fake.top = {"short_term": [track_obj(1)], "long_term": [track_obj(2), track_obj(3)]}
    assert [t.title for t in library.top_tracks("long_term")] == ["Song 2", "Song 3"]
    assert [t.title for t in library.top_tracks("short_term")] == ["Song 1"]
    with pytest.raises(ValueError, match="short_term, medium_term, long_term"):
        library.top_tracks("forever")


# --- search -------------------------------------------------------------------------------------


def test_find_track_searches_by_field_and_prefers_the_true_match(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    results = [
        track_obj(1, "Hallelujah", ("Some Cover Band",)),
        track_obj(2, "Hallelujah - Live at Sin-é", ("Jeff Buckley",)),
        track_obj(3, "Hallelujah", ("Jeff Buckley",)),
    ]
    fake.search_results = lambda q: results

    assert library.find_track("Hallelujah", "Jeff Buckley") == sid(3)
    (args, _), = fake.calls("GET", "/v1/search")
    assert args["q"] == 'track:"Hallelujah" artist:"Jeff Buckley"'
    assert int(args["limit"]) <= 10 and args["type"] == "track"


def test_find_track_matches_across_case_accents_and_version_notes(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    fake.search_results = lambda q: [
        track_obj(1, "Deja Vu", ("Beyonce",)),
        track_obj(2, "Déjà Vu (Remastered 2011)", ("BEYONCÉ", "JAY-Z")),
    ]
    assert library.find_track("déjà vu", "Beyoncé") == sid(1)


def test_find_track_falls_back_to_plain_words_then_gives_up(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    bagatelle = track_obj(7, 'Bagatelle No. 25 in A Minor, WoO 59 "Für Elise"',
                          ("Ludwig van Beethoven", "Alfred Brendel"))
    fake.search_results = lambda q: [bagatelle] if "track:" not in q else []

    assert library.find_track('Für "Elise"', "Beethoven") == sid(7)
    queries = [args["q"] for args, _ in fake.calls("GET", "/v1/search")]
    assert queries == ['track:"Für Elise" artist:"Beethoven"', "Für Elise Beethoven"]

    fake.search_results = lambda q: [track_obj(8, "Für Elise", ("Richard Clayderman",))]
    assert library.find_track("Für Elise", "Beethoven") is None


def test_best_match_of_spotify_tracks_needs_both_title_and_artist() -> None:
    candidates = [
        SpotifyTrack("Yesterday", "Boyz II Men", "", None, sid(1), ("Boyz II Men",)),
        SpotifyTrack("Yesterday Once More", "The Beatles", "", None, sid(2), ("The Beatles",)),
    ]
    assert best_match("Yesterday", "The Beatles", candidates) is not None
    assert best_match("Yesterday", "The Beatles", candidates[:1]) is None
    assert best_match("Let It Be", "The Beatles", candidates) is None


# --- saving -------------------------------------------------------------------------------------


def test_save_playlist_creates_it_then_adds_tracks_in_batches_of_a_hundred(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    ids = [sid(n) for n in range(250)]
    ids[1] = f"spotify:track:{ids[1]}"
    ids[2] = f"https://open.spotify.com/track/{ids[2]}"

    url = library.save_playlist("Happy\nmoodtunes", ids, "for a\nhappy face")

    (playlist_id, playlist), = fake.playlists.items()
    assert url == f"https://open.spotify.com/playlist/{playlist_id}"
    assert (playlist["name"], playlist["description"]) == ("Happy moodtunes", "for a happy face")
    assert playlist["owner"] == ME and playlist["public"] is False
    assert [e["item"]["uri"] for e in playlist["entries"]] == [
        f"spotify:track:{sid(n)}" for n in range(250)
    ]
    assert [len(body) for _, body in fake.calls("POST", f"/v1/playlists/{playlist_id}/items")
            ] == [ADD_BATCH, ADD_BATCH, 50]
    assert fake.calls("POST", "/v1/me/playlists") and not fake.calls(
        "POST", f"/v1/users/{ME}/playlists")


def test_save_playlist_checks_every_id_before_creating_anything(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    with pytest.raises(ValueError, match="is a Spotify album, not a track"):
        library.save_playlist("Mix", [sid(1), "spotify:album:" + sid(2)])
    with pytest.raises(ValueError, match="not a Spotify track id"):
        library.save_playlist("Mix", [sid(1), "../evil"])
    with pytest.raises(ValueError, match="at least one track"):
        library.save_playlist("Mix", [])
    with pytest.raises(ValueError, match="name"):
        library.save_playlist("  ", [sid(1)])
    assert fake.log == []


def test_a_failed_add_removes_the_unfinished_playlist(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    add_path = f"/v1/playlists/{sid(1, 'new')}/items"
    fake.fail("POST", add_path, None, Fault(500))

    with pytest.raises(PlaylistSaveError, match="removed again; nothing was saved") as caught:
        library.save_playlist("Calm", [sid(n) for n in range(250)])

    assert fake.playlists == {}
    (args, _), = fake.calls("DELETE", "/v1/me/library")
    assert args["uris"] == f"spotify:playlist:{sid(1, 'new')}"
    error = caught.value
    assert (error.removed, error.added, error.status) == (True, 100, 503)
    # A write is not repeated after a server error: it may have taken effect.
    assert len(fake.calls("POST", add_path)) == 2


def test_removal_falls_back_to_unfollowing(library: SpotifyLibrary, fake: FakeSpotify) -> None:
    new_id = sid(1, "new")
    fake.fail("POST", f"/v1/playlists/{new_id}/items", Fault(403))
    fake.fail("DELETE", "/v1/me/library", Fault(404))

    with pytest.raises(PlaylistSaveError) as caught:
        library.save_playlist("Calm", [sid(n) for n in range(150)])

    assert caught.value.removed and caught.value.status == 403
    assert fake.playlists == {}
    assert fake.calls("DELETE", f"/v1/playlists/{new_id}/followers")


def test_a_playlist_that_cannot_be_removed_is_reported_exactly(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    new_id = sid(1, "new")
    fake.fail("POST", f"/v1/playlists/{new_id}/items", None, Fault(403))
    fake.fail("DELETE", "/v1/me/library", *[Fault(500)] * 3)
    fake.fail("DELETE", f"/v1/playlists/{new_id}/followers", *[Fault(500)] * 3)

    with pytest.raises(PlaylistSaveError) as caught:
        library.save_playlist("Sad songs", [sid(n) for n in range(250)])

    error = caught.value
    assert (error.removed, error.added) == (False, 100)
    assert error.playlist_url == f"https://open.spotify.com/playlist/{new_id}"
    assert f"still in your library at {error.playlist_url} with 100 of its 250 tracks" in (
        error.message)
    assert len(fake.playlists[new_id]["entries"]) == 100


# --- failures -----------------------------------------------------------------------------------


def test_rate_limit_is_waited_out_as_retry_after_asks(
    library: SpotifyLibrary, fake: FakeSpotify, waits: list[float]
) -> None:
    fake.fail("GET", "/v1/me/", Fault(429, {"Retry-After": "2"}), Fault(429, {"Retry-After": "0"}))
    assert library.user_id() == ME
    assert waits == [2.0, 0.0]
    assert len(fake.calls("GET", "/v1/me/")) == 3


def test_rate_limit_really_sleeps_when_no_sleep_is_injected(
    api: str, http_session: requests.Session, fake: FakeSpotify
) -> None:
    fake.fail("GET", "/v1/me/", Fault(429, {"Retry-After": "0.05"}))
    client = create_spotify_client(TOKEN, api_url=api, timeout=2.0, session=http_session)
    started = time.monotonic()
    assert SpotifyLibrary(client).user_id() == ME
    assert time.monotonic() - started >= 0.05


def test_rate_limit_gives_up_after_the_allowed_retries(
    library: SpotifyLibrary, fake: FakeSpotify, waits: list[float]
) -> None:
    fake.fail("GET", "/v1/me/", *[Fault(429, {"Retry-After": "1"})] * 5)
    with pytest.raises(ServiceRateLimitError, match="try again in 1 second") as caught:
        library.user_id()
    assert len(fake.calls("GET", "/v1/me/")) == 3 and waits == [1.0, 1.0]
    assert (caught.value.status, caught.value.retry_after) == (429, 1.0)


def test_rate_limit_longer_than_the_cap_is_not_waited(
    library: SpotifyLibrary, fake: FakeSpotify, waits: list[float]
) -> None:
    fake.fail("GET", "/v1/me/", Fault(429, {"Retry-After": "3600"}))
    with pytest.raises(ServiceRateLimitError, match="3600 seconds") as caught:
        library.user_id()
    assert waits == [] and caught.value.retry_after == 3600.0


def test_reads_are_retried_after_a_server_error(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    fake.fail("GET", "/v1/me/", Fault(503))
    assert library.user_id() == ME
    fake.fail("GET", "/v1/me/tracks", Fault(502), Fault(502), Fault(502))
    with pytest.raises(ServiceUnavailableError, match="on its side"):
        library.saved_tracks()


def test_an_expired_or_revoked_token_asks_to_reconnect(
    api: str, http_session: requests.Session
) -> None:
    client = create_spotify_client("revoked-token", api_url=api, session=http_session)
    with pytest.raises(ServiceAuthError, match="reconnect your Spotify account") as caught:
        SpotifyLibrary(client).my_playlists()
    assert (caught.value.status, caught.value.code) == (401, "spotify_reconnect")


def test_other_refusals_are_explained(library: SpotifyLibrary, fake: FakeSpotify) -> None:
    fake.fail("GET", "/v1/me/", Fault(403, body=json.dumps(
        {"error": {"status": 403, "message": "User not registered in the Developer Dashboard"}})))
    with pytest.raises(ServiceForbiddenError, match="User not registered"):
        library.user_id()
    fake.fail("GET", "/v1/me/", Fault(400))
    with pytest.raises(MusicServiceError, match="rejected the request"):
        library.user_id()


def test_a_hanging_server_is_a_timeout(
    api: str, http_session: requests.Session, fake: FakeSpotify
) -> None:
    fake.fail("GET", "/v1/me/", Fault(hang=True))
    client = create_spotify_client(TOKEN, api_url=api, timeout=0.3, session=http_session)
    started = time.monotonic()
    with pytest.raises(ServiceTimeoutError, match="did not answer in time") as caught:
        SpotifyLibrary(client).user_id()
    assert time.monotonic() - started < 2
    assert caught.value.status == 504


def test_a_timeout_while_creating_a_playlist_warns_it_may_exist(
    api: str, http_session: requests.Session, fake: FakeSpotify
) -> None:
    fake.fail("POST", "/v1/me/playlists", Fault(hang=True))
    client = create_spotify_client(TOKEN, api_url=api, timeout=0.3, session=http_session)
    with pytest.raises(ServiceTimeoutError, match="may have been created anyway"):
        SpotifyLibrary(client).save_playlist("Mix", [sid(1)])


def test_no_network_is_a_clear_error(closed_port_url: str, http_session: requests.Session) -> None:
    client = create_spotify_client(TOKEN, api_url=closed_port_url + "/v1/", session=http_session)
    with pytest.raises(ServiceUnavailableError, match="cannot reach Spotify") as caught:
        SpotifyLibrary(client).saved_tracks()
    assert caught.value.status == 503
    assert isinstance(caught.value, MoodtunesError)


def test_an_answer_that_is_not_json_is_an_error_not_a_crash(
    library: SpotifyLibrary, fake: FakeSpotify
) -> None:
    fake.fail("GET", "/v1/me/playlists", Fault(200, body="<html>captive portal</html>"))
    with pytest.raises(MusicServiceError, match="could not be read"):
        library.my_playlists()


def test_pages_that_loop_are_an_error(
    library: SpotifyLibrary, fake: FakeSpotify, api: str
) -> None:
    looping = json.dumps({"items": [track_obj(1)], "next": api + "me/tracks"})
    fake.fail("GET", "/v1/me/tracks", Fault(200, body=looping), Fault(200, body=looping))
    with pytest.raises(MusicServiceError, match="loop"):
        library.saved_tracks()


# --- signing in ---------------------------------------------------------------------------------


class FakeAccounts:
    """Spotify's accounts service: the PKCE code exchange and refreshes."""

    def __init__(self) -> None:
        self.challenge = ""
        self.exchanges: list[dict[str, str]] = []
        self.app = Flask("fake_accounts")

        @self.app.post("/api/token")
        def token() -> Response | Json:
            form = request.form.to_dict()
            self.exchanges.append(form)
            refused = Response(json.dumps({"error": "invalid_grant",
                                           "error_description": "Invalid authorization code"}),
                               400, content_type="application/json")
            if form["grant_type"] == "refresh_token":
                if form["refresh_token"] == "revoked":
                    return refused
            elif form["code"] != "the-code" or challenge_of(form["code_verifier"]) != (
                    self.challenge):
                return refused
            return {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600,
                    "refresh_token": "refresh-1", "scope": " ".join(SCOPES)}


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@pytest.fixture
def accounts() -> FakeAccounts:
    return FakeAccounts()


@pytest.fixture
def accounts_url(serve: Callable[[Flask], str], accounts: FakeAccounts) -> str:
    return serve(accounts.app)


def test_client_id_comes_from_the_argument_then_the_environment() -> None:
    both = {"MOODTUNES_SPOTIFY_CLIENT_ID": "ours", "SPOTIFY_CLIENT_ID": "generic"}
    assert spotify_client_id("given", both) == "given"
    assert spotify_client_id(None, both) == "ours"
    assert spotify_client_id(None, {"SPOTIFY_CLIENT_ID": "generic"}) == "generic"
    with pytest.raises(ServiceNotConfiguredError, match="MOODTUNES_SPOTIFY_CLIENT_ID"):
        spotify_client_id(None, {"SPOTIFY_CLIENT_ID": " "})
    with pytest.raises(ServiceNotConfiguredError):
        create_spotify_auth(environ={})


def test_login_url_asks_for_pkce_our_scopes_and_the_loopback_callback(
    http_session: requests.Session,
) -> None:
    auth = create_spotify_auth("client-1", port=5123, session=http_session,
                               accounts_url="https://accounts.example")
    login = start_spotify_login(auth)

    parts = urlsplit(login.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://accounts.example/authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["client_id"] == "client-1"
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == "http://127.0.0.1:5123/callback"
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] == challenge_of(login.code_verifier)
    assert query["state"] == login.state
    assert set(query["scope"].split()) == set(SCOPES)
    again = start_spotify_login(auth)
    assert (again.state, again.code_verifier) != (login.state, login.code_verifier)


def test_finishing_login_exchanges_the_code_and_writes_only_the_given_cache(
    accounts: FakeAccounts, accounts_url: str, http_session: requests.Session,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "tokens" / "spotify.json"
    cache.parent.mkdir()
    # A new manager for each request, as a web app would build them.
    login = start_spotify_login(create_spotify_auth(
        "client-1", port=5123, cache_path=cache, session=http_session, accounts_url=accounts_url))
    accounts.challenge = parse_qs(urlsplit(login.url).query)["code_challenge"][0]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["tokens"]

    auth = create_spotify_auth("client-1", port=5123, cache_path=cache, session=http_session,
                               accounts_url=accounts_url)
    token = finish_spotify_login(
        auth, login, f"http://127.0.0.1:5123/callback?code=the-code&state={login.state}")

    assert token["access_token"] == TOKEN
    assert json.loads(cache.read_text())["refresh_token"] == "refresh-1"
    (exchange,) = accounts.exchanges
    assert exchange["redirect_uri"] == "http://127.0.0.1:5123/callback"
    assert exchange["code_verifier"] == login.code_verifier
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["spotify.json", "tokens"]


def test_finishing_login_refuses_a_declined_foreign_or_refused_answer(
    accounts_url: str, http_session: requests.Session
) -> None:
    auth = create_spotify_auth("client-1", session=http_session, accounts_url=accounts_url)
    login = start_spotify_login(auth)
    callback = "http://127.0.0.1:5000/callback?"
    with pytest.raises(ServiceAuthError, match="declined"):
        finish_spotify_login(auth, login, callback + f"error=access_denied&state={login.state}")
    with pytest.raises(ServiceAuthError, match="does not belong"):
        finish_spotify_login(auth, login, callback + "code=the-code&state=forged")
    with pytest.raises(ServiceAuthError, match="invalid_grant"):
        finish_spotify_login(auth, login, callback + f"code=wrong&state={login.state}")


def test_finishing_login_without_network_is_a_clear_error(
    closed_port_url: str, http_session: requests.Session
) -> None:
    auth = create_spotify_auth("client-1", session=http_session, accounts_url=closed_port_url)
    login = start_spotify_login(auth)
    with pytest.raises(ServiceUnavailableError, match="sign-in"):
        finish_spotify_login(auth, login,
                             f"http://127.0.0.1:5000/callback?code=c&state={login.state}")


def expired_token(refresh_token: str) -> Json:
    return {"access_token": "old", "token_type": "Bearer", "expires_in": 3600,
            "expires_at": int(time.time()) - 10, "refresh_token": refresh_token,
            "scope": " ".join(SCOPES)}


def test_the_auth_manager_refreshes_an_expired_token(
    api: str, accounts: FakeAccounts, accounts_url: str, http_session: requests.Session
) -> None:
    cache = MemoryCacheHandler(expired_token("refresh-0"))
    auth = create_spotify_auth("client-1", cache_handler=cache, session=http_session,
                               accounts_url=accounts_url)
    client = create_spotify_client(auth, api_url=api, session=http_session)
    assert SpotifyLibrary(client).user_id() == ME
    assert accounts.exchanges[0]["grant_type"] == "refresh_token"
    assert cache.get_cached_token()["access_token"] == TOKEN


@pytest.mark.parametrize("cached", [None, expired_token("revoked")])
def test_no_usable_sign_in_asks_to_reconnect_instead_of_prompting(
    api: str, accounts_url: str, http_session: requests.Session, cached: Json | None
) -> None:
    auth = create_spotify_auth("client-1", cache_handler=MemoryCacheHandler(cached),
                               session=http_session, accounts_url=accounts_url)
    client = create_spotify_client(auth, api_url=api, session=http_session)
    with pytest.raises(ServiceAuthError, match="reconnect your Spotify account"):
        SpotifyLibrary(client).my_playlists()
