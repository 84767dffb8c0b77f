"""Spotify and Deezer in the web app, against the local stand-ins for Spotify's Web API and
accounts service and for Deezer (tests/music), on a real SQLite database."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from moodtunes.config import Settings
from moodtunes.mood import picked
from moodtunes.music.catalog import Catalog, track_key
from moodtunes.prepare import prepare
from moodtunes.recommend import Index, recommend
from moodtunes.storage.library import library_counts
from moodtunes.storage.models import SpotifyTokenRow, TrackRow
from moodtunes.storage.tokens import (
    SpotifySignIn,
    TokenCipher,
    load_spotify_sign_in,
    save_spotify_sign_in,
)
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.services import Services
from tests.music.test_previews import FakeDeezer, entry
from tests.music.test_spotify import (
    TOKEN,
    FakeAccounts,
    FakeSpotify,
    Fault,
    challenge_of,
    sid,
    track_obj,
)
from tests.support import launch_chromium, needs_chromium, watch_page, wav_clip

PORT = 5123
Json = dict[str, Any]


@pytest.fixture
def spotify() -> Iterator[FakeSpotify]:
    fake = FakeSpotify()
    yield fake
    fake.release.set()


@pytest.fixture
def accounts() -> FakeAccounts:
    return FakeAccounts()


@pytest.fixture
def deezer() -> Iterator[FakeDeezer]:
    fake = FakeDeezer()
    yield fake
    fake.release.set()


@pytest.fixture
def settings(serve: Callable[[Flask], str], spotify: FakeSpotify, accounts: FakeAccounts,
             deezer: FakeDeezer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("MOODTUNES_SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    return Settings(spotify_client_id="client-1", spotify_api_url=serve(spotify.app) + "/v1/",
                    spotify_accounts_url=serve(accounts.app), deezer_api_url=serve(deezer.app),
                    database_url=f"sqlite:///{tmp_path / 'web.db'}")


@pytest.fixture
def make_app(recognizer: EmotionRecognizer, catalog: Catalog) -> Callable[[Settings], Flask]:
    def make(settings: Settings) -> Flask:
        prepare(settings)  # what `moodtunes db upgrade` does before a server starts
        services = Services(recognizer, catalog, settings)
        return create_app({"TESTING": True, "SECRET_KEY": "t"}, settings=settings,
                          services=services)

    return make


@pytest.fixture
def make_client(make_app: Callable[[Settings], Flask]) -> Callable[[Settings], FlaskClient]:
    """A test client of an app with these settings, on http://127.0.0.1:PORT."""

    def make(settings: Settings) -> FlaskClient:
        app = make_app(settings)
        app.config["SERVER_NAME"] = f"127.0.0.1:{PORT}"
        return app.test_client()

    return make


@pytest.fixture
def client(make_client: Callable[[Settings], FlaskClient], settings: Settings) -> FlaskClient:
    return make_client(settings)


def services_of(client: FlaskClient) -> Services:
    found: Services = client.application.extensions["moodtunes"]
    return found


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session", domain="127.0.0.1")
    assert cookie is not None
    return cookie.value


def cookie_content(client: FlaskClient) -> Json:
    """The session cookie as the app reads it: what anyone holding the cookie can read."""
    app = client.application
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    content: Json = serializer.loads(session_cookie(client))
    return content


def stored_sign_in(client: FlaskClient, profile_id: str) -> SpotifySignIn | None:
    cipher = TokenCipher.from_secret(client.application.secret_key)
    with services_of(client).database()() as db:
        kept = load_spotify_sign_in(db, cipher, profile_id)
    return kept.sign_in if kept is not None else None


def token_rows(client: FlaskClient) -> list[SpotifyTokenRow]:
    with services_of(client).database()() as db:
        return list(db.scalars(select(SpotifyTokenRow)))


def connect(client: FlaskClient, accounts: FakeAccounts) -> None:
    """The whole sign-in: to Spotify's consent page and back with a code."""
    started = client.get("/spotify/login")
    assert started.status_code == 302
    query = query_of(started.headers["Location"])
    accounts.challenge = query["code_challenge"]
    back = client.get(f"/callback?code=the-code&state={query['state']}")
    assert back.status_code == 302, back.get_data(as_text=True)
    assert urlsplit(back.headers["Location"]).path == "/"


def error_of(res: TestResponse, status: int, code: str) -> str:
    assert res.status_code == status, res.get_data(as_text=True)
    body = res.get_json()
    assert body["error"] == code and body["message"]
    assert b"Traceback" not in res.data
    return str(body["message"])


def add_playlist(spotify: FakeSpotify, n: int, name: str, tracks: list[Json],
                 **kw: Any) -> str:
    playlist_id = spotify.add_playlist(n, tracks=tracks, **kw)
    spotify.playlists[playlist_id]["name"] = name
    return playlist_id


def echo_search(query: str) -> list[Json]:
    """Spotify's search, knowing every song asked for by its fields."""
    match = re.fullmatch(r'track:"(.*)" artist:"(.*)"', query)
    if match is None:
        return []
    return [track_obj(zlib.crc32(query.encode()) % 10**6, match[1], (match[2],))]


def distinct_tracks(count: int, start: int = 1000) -> list[Json]:
    return [track_obj(n, f"Imported Song {n}", (f"Imported Artist {n}",))
            for n in range(start, start + count)]


# --- signing in ---------------------------------------------------------------------------------


def test_login_sends_to_spotify_with_pkce_and_the_callback_on_this_port(
    client: FlaskClient, settings: Settings
) -> None:
    res = client.get("/spotify/login")

    assert res.status_code == 302
    location = res.headers["Location"]
    assert location.startswith(settings.spotify_accounts_url + "/authorize?")
    query = query_of(location)
    assert query["client_id"] == "client-1" and query["response_type"] == "code"
    assert query["redirect_uri"] == f"http://127.0.0.1:{PORT}/callback"
    assert query["code_challenge_method"] == "S256"
    with client.session_transaction() as session:
        started = session["spotify_login"]
    assert query["state"] == started["state"]
    assert query["code_challenge"] == challenge_of(started["code_verifier"])
    assert {"playlist-read-private", "playlist-modify-private"} <= set(query["scope"].split())

    other_port = client.get("/spotify/login", base_url="http://127.0.0.1:8080")
    assert query_of(other_port.headers["Location"])["redirect_uri"] == (
        "http://127.0.0.1:8080/callback")


def test_login_from_localhost_moves_to_the_loopback_address_first(client: FlaskClient) -> None:
    # Spotify comes back to 127.0.0.1, whose cookie is not the one localhost has.
    res = client.get("/spotify/login", base_url=f"http://localhost:{PORT}")
    assert res.status_code == 302
    assert res.headers["Location"] == f"http://127.0.0.1:{PORT}/spotify/login"


def test_callback_keeps_the_token_on_the_server_encrypted_and_the_cookie_holds_none(
    client: FlaskClient, accounts: FakeAccounts
) -> None:
    assert client.get("/api/spotify/status").get_json() == {
        "configured": True, "connected": False, "user": None,
        "redirect_uri": f"http://127.0.0.1:{PORT}/callback"}

    connect(client, accounts)

    (exchange,) = accounts.exchanges
    assert exchange["redirect_uri"] == f"http://127.0.0.1:{PORT}/callback"
    status = client.get("/api/spotify/status").get_json()
    assert (status["connected"], status["user"]) == (True, "The Listener")
    # The cookie: the profile id and the connection's random id, nothing of Spotify's.
    content = cookie_content(client)
    assert set(content) == {"profile_id", "spotify_connection"}  # the login state is used up
    for secret in (TOKEN, "refresh-1", "The Listener"):
        assert secret not in str(content) and secret not in session_cookie(client)
    # The server: one row for the profile, unreadable as it is, the token once decrypted.
    (row,) = token_rows(client)
    assert row.profile_id == content["profile_id"]
    assert not any(s in row.ciphertext for s in (TOKEN, "refresh-1", "The Listener", "{"))
    kept = stored_sign_in(client, row.profile_id)
    assert kept is not None and kept.user == "The Listener"
    assert (kept.token["access_token"], kept.token["refresh_token"]) == (TOKEN, "refresh-1")
    assert kept.connection == content["spotify_connection"]

    answer = client.post("/api/spotify/disconnect").get_json()
    assert (answer["connected"], answer["revoked"]) == (False, False)
    assert "no way to revoke" in answer["message"]
    assert client.get("/api/spotify/status").get_json()["connected"] is False
    assert token_rows(client) == []
    assert not {k for k in cookie_content(client) if k.startswith("spotify")}


def test_a_cookie_copied_before_disconnect_reaches_spotify_no_more(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    add_playlist(spotify, 1, "Sad songs", [track_obj(1)])
    connect(client, accounts)
    thief = client.application.test_client()
    thief.set_cookie("session", session_cookie(client), domain="127.0.0.1")
    assert thief.get("/api/spotify/playlists").status_code == 200  # the copy works till then

    assert client.post("/api/spotify/disconnect").status_code == 200
    calls, exchanges = len(spotify.log), len(accounts.exchanges)
    error_of(thief.get("/api/spotify/playlists"), 401, "spotify_reconnect")
    error_of(thief.post("/api/spotify/library"), 401, "spotify_reconnect")
    assert thief.get("/api/spotify/status").get_json()["connected"] is False
    assert (len(spotify.log), len(accounts.exchanges)) == (calls, exchanges)  # nothing sent

    # The owner connects again, from the same browser (the same profile): the old copy still
    # reaches nothing, and does not spoil the new connection.
    connect(client, accounts)
    calls, exchanges = len(spotify.log), len(accounts.exchanges)
    error_of(thief.get("/api/spotify/playlists"), 401, "spotify_reconnect")
    assert (len(spotify.log), len(accounts.exchanges)) == (calls, exchanges)
    assert client.get("/api/spotify/playlists").status_code == 200
    assert len(token_rows(client)) == 1


def test_a_new_secret_key_makes_the_stored_tokens_unreadable_and_asks_to_reconnect(
    make_app: Callable[[Settings], Flask], settings: Settings, accounts: FakeAccounts,
    spotify: FakeSpotify, recognizer: EmotionRecognizer, catalog: Catalog,
) -> None:
    old_key, new_key = "1f" * 32, "a7" * 32
    before = make_app(settings)
    before.config.update(SECRET_KEY=old_key, SERVER_NAME=f"127.0.0.1:{PORT}")
    client = before.test_client()
    connect(client, accounts)
    cookie = session_cookie(client)

    def rotated(**config: Any) -> FlaskClient:
        app = create_app({"TESTING": True, "SECRET_KEY": new_key, **config},
                         settings=settings, services=Services(recognizer, catalog, settings))
        app.config["SERVER_NAME"] = f"127.0.0.1:{PORT}"
        after = app.test_client()
        after.set_cookie("session", cookie, domain="127.0.0.1")
        return after

    # With the old key kept as a fallback the cookie still holds, but not the token.
    calls = len(spotify.log)
    after = rotated(SECRET_KEY_FALLBACKS=[old_key])
    assert after.get("/api/spotify/status").get_json()["connected"] is False
    assert token_rows(after) == []  # the unreadable row was deleted
    message = error_of(after.get("/api/spotify/playlists"), 401, "spotify_reconnect")
    assert "connect your Spotify account" in message
    assert len(spotify.log) == calls
    connect(after, accounts)  # and connecting again works
    assert after.get("/api/spotify/playlists").status_code == 200

    # Without it, the cookie is no longer this server's: a fresh browser, no error.
    plain = rotated()
    assert plain.get("/api/spotify/status").get_json()["connected"] is False
    error_of(plain.get("/api/spotify/playlists"), 401, "spotify_reconnect")


def test_a_sign_in_is_short_lived_and_cookies_of_older_versions_lose_their_token(
    client: FlaskClient, accounts: FakeAccounts
) -> None:
    import time

    from moodtunes.web.spotify import LOGIN_TTL_S

    state = query_of(client.get("/spotify/login").headers["Location"])["state"]
    with client.session_transaction() as session:
        started = int(time.time()) - LOGIN_TTL_S - 1
        session["spotify_login"] = {**session["spotify_login"], "started": started}
    res = client.get(f"/callback?code=the-code&state={state}", headers={"Accept": "text/html"})
    assert res.status_code == 401 and "minutes ago" in res.get_data(as_text=True)
    assert accounts.exchanges == [] and token_rows(client) == []

    with client.session_transaction() as session:
        session["spotify_token"] = {"access_token": TOKEN, "refresh_token": "refresh-1"}
        session["spotify_user"] = "The Listener"
        session["profile_id"] = "c0ffee00-0000-4000-8000-000000000001"
    assert client.get("/api/spotify/status").get_json()["connected"] is False
    assert cookie_content(client) == {"profile_id": "c0ffee00-0000-4000-8000-000000000001"}


@pytest.mark.parametrize(("answer", "said"), [
    ("error=access_denied&state={state}", "declined"),
    ("code=the-code&state=forged", "does not belong"),
    ("code=wrong-code&state={state}", "invalid_grant"),
])
def test_a_failed_callback_is_a_friendly_page(
    client: FlaskClient, accounts: FakeAccounts, answer: str, said: str
) -> None:
    state = query_of(client.get("/spotify/login").headers["Location"])["state"]
    res = client.get("/callback?" + answer.format(state=state), headers={"Accept": "text/html"})
    assert res.status_code == 401 and res.mimetype == "text/html"
    assert said in res.get_data(as_text=True) and "Traceback" not in res.get_data(as_text=True)
    assert client.get("/api/spotify/status").get_json()["connected"] is False
    # The sign-in is used up: replaying the right answer now is refused too.
    again = client.get(f"/callback?code=the-code&state={state}", headers={"Accept": "text/html"})
    assert again.status_code == 401 and "no Spotify sign-in under way" in again.get_data(
        as_text=True)


def test_not_configured_explains_how_to_set_it_up(
    make_client: Callable[[Settings], FlaskClient], settings: Settings
) -> None:
    client = make_client(Settings(database_url=settings.database_url))
    status = client.get("/api/spotify/status").get_json()
    assert (status["configured"], status["connected"]) == (False, False)

    message = error_of(client.get("/spotify/login", headers={"Accept": "application/json"}),
                       503, "spotify_not_configured")
    assert "MOODTUNES_SPOTIFY_CLIENT_ID" in message
    assert f"http://127.0.0.1:{PORT}/callback" in message
    page = client.get("/spotify/login", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "MOODTUNES_SPOTIFY_CLIENT_ID" in page.get_data(
        as_text=True)
    error_of(client.get("/api/spotify/playlists"), 503, "spotify_not_configured")
    error_of(client.post("/api/spotify/import", json={"playlist_id": sid(1), "emotion": "sad"}),
             503, "spotify_not_configured")


def test_the_client_id_may_come_from_the_environment(
    make_client: Callable[[Settings], FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOODTUNES_SPOTIFY_CLIENT_ID", raising=False)
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "from-env")
    client = make_client(Settings())
    assert client.get("/api/spotify/status").get_json()["configured"] is True
    assert query_of(client.get("/spotify/login").headers["Location"])["client_id"] == "from-env"


def test_before_connecting_the_api_asks_to_connect(client: FlaskClient) -> None:
    error_of(client.get("/api/spotify/playlists"), 401, "spotify_reconnect")
    error_of(client.post("/api/spotify/library"), 401, "spotify_reconnect")


# --- playlists and imports ----------------------------------------------------------------------


def test_playlists_say_which_can_be_read_and_guess_the_emotion(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    sad = add_playlist(spotify, 1, "Sad songs", [track_obj(1), track_obj(2)])
    add_playlist(spotify, 2, "Road trip", [track_obj(3)])
    theirs = add_playlist(spotify, 3, "Happy Playlist", [], owner="spotify")
    connect(client, accounts)

    playlists = client.get("/api/spotify/playlists").get_json()["playlists"]

    assert [(p["name"], p["readable"], p["emotion"]) for p in playlists] == [
        ("Sad songs", True, "sad"), ("Road trip", True, None), ("Happy Playlist", False, "happy")]
    assert playlists[0]["id"] == sad and playlists[0]["tracks"] == 2
    assert playlists[2]["id"] == theirs and playlists[2]["owned"] is False


def test_an_imported_playlist_is_recommended_for_its_emotion(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    # 120 tracks: more than two pages of 50, all of which must be read.
    playlist_id = add_playlist(spotify, 1, "Disgusted", distinct_tracks(120))
    connect(client, accounts)
    client.post("/api/mood", json={"emotion": "disgust"})
    before = {t["title"] for t in client.get("/t").get_json()}
    assert not any(title.startswith("Imported Song") for title in before)

    res = client.post("/api/spotify/import", json={"playlist_id": playlist_id})

    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert (body["emotion"], body["tracks"], body["added"], body["library_added"]) == (
        "disgust", 120, 120, 120)
    pages = spotify.calls("GET", f"/v1/playlists/{playlist_id}/items")
    assert len(pages) == 3
    catalog = services_of(client).catalog
    imported = [t for t in catalog.tracks_for("disgust") if t.title.startswith("Imported")]
    assert len(imported) == 120 and body["catalog_tracks"] == len(catalog.tracks_for("disgust"))
    # the recommender now draws on them (ranking them for the person is the taste model's job)
    ranked = recommend(None, picked("disgust"), "match", 200, Index.from_catalog(catalog))
    assert sum(pick.track.title.startswith("Imported Song") for pick in ranked) >= 100

    with services_of(client).database()() as db:
        row = db.scalars(select(TrackRow).where(TrackRow.title == "Imported Song 1000")).one()
        assert row.ids() == {"spotify": sid(1000)}
        assert row.emotion_names() == ("disgust",) and row.source == "spotify_playlist"
        assert row.valence == pytest.approx(-0.739)
        tracks_before = db.scalar(select(func.count()).select_from(TrackRow))
        with client.session_transaction() as session:
            profile_id = session["profile_id"]
        assert library_counts(db, profile_id)["playlist"] == 120

    again = client.post("/api/spotify/import",
                        json={"playlist_id": playlist_id, "emotion": "disgust"}).get_json()
    assert (again["added"], again["merged"], again["unchanged"], again["library_added"]) == (
        0, 0, 120, 0)
    with services_of(client).database()() as db:
        assert db.scalar(select(func.count()).select_from(TrackRow)) == tracks_before
        assert library_counts(db, profile_id)["playlist"] == 120
    assert len(services_of(client).catalog.tracks_for("disgust")) == body["catalog_tracks"]


def test_an_import_needs_an_emotion_the_name_does_not_give(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    playlist_id = add_playlist(spotify, 1, "Road trip", distinct_tracks(3))
    connect(client, accounts)

    message = error_of(client.post("/api/spotify/import", json={"playlist_id": playlist_id}),
                       400, "bad_request")
    assert "Road trip" in message and "emotion" in message
    assert spotify.calls("GET", f"/v1/playlists/{playlist_id}/items") == []
    error_of(client.post("/api/spotify/import",
                         json={"playlist_id": playlist_id, "emotion": "elated"}),
             400, "bad_request")
    error_of(client.post("/api/spotify/import", json={"emotion": "sad"}), 400, "bad_request")

    res = client.post("/api/spotify/import", json={"playlist_id": playlist_id, "emotion": "HAPPY"})
    assert res.get_json()["emotion"] == "happy" and res.get_json()["added"] == 3


def test_a_playlist_of_someone_else_is_refused_in_development_mode_terms(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    playlist_id = add_playlist(spotify, 1, "Happy Playlist", distinct_tracks(3), owner="spotify")
    connect(client, accounts)
    message = error_of(client.post("/api/spotify/import", json={"playlist_id": playlist_id}),
                       403, "spotify_forbidden")
    assert "own or collaborate on" in message


def test_a_failed_write_leaves_nothing_half_written(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.exc import OperationalError

    from moodtunes.web import spotify as web_spotify

    playlist_id = add_playlist(spotify, 1, "Sad", distinct_tracks(5))
    connect(client, accounts)

    def fail(*args: object) -> int:
        raise OperationalError("INSERT INTO library_entries", {}, Exception("disk I/O error"))

    profile_id = cookie_content(client)["profile_id"]  # made when Spotify was connected
    monkeypatch.setattr(web_spotify, "add_to_library", fail)
    error_of(client.post("/api/spotify/import", json={"playlist_id": playlist_id}),
             503, "database_unavailable")
    with services_of(client).database()() as db:
        assert db.scalars(select(TrackRow).where(TrackRow.title.like("Imported%"))).all() == []
        assert library_counts(db, profile_id) == {"saved": 0, "top": 0, "playlist": 0}
    assert cookie_content(client)["profile_id"] == profile_id


def test_liked_and_top_tracks_join_the_library_without_an_emotion(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    spotify.saved = distinct_tracks(3)
    spotify.top = {"medium_term": distinct_tracks(2, start=1002)}  # one of them is liked too
    connect(client, accounts)

    body = client.post("/api/spotify/library").get_json()

    assert (body["saved"], body["top"], body["added"]) == (3, 2, 4)
    assert body["library_added"] == {"saved": 3, "top": 2}
    assert body["library"] == {"saved": 3, "top": 2, "playlist": 0}
    with services_of(client).database()() as db:
        row = db.scalars(select(TrackRow).where(TrackRow.title == "Imported Song 1002")).one()
        assert row.emotion_names() == () and row.valence is None
        assert {s.source for s in row.sources} == {"spotify_saved", "spotify_top"}
    assert not any(t.title.startswith("Imported") for t in services_of(client).catalog)

    again = client.post("/api/spotify/library").get_json()
    assert again["added"] == 0 and again["library_added"] == {"saved": 0, "top": 0}


# --- saving the playlist ------------------------------------------------------------------------


def test_saving_the_playlist_finds_the_songs_and_remembers_their_ids(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    connect(client, accounts)
    error_of(client.post("/api/spotify/save", json={}), 400, "bad_request")  # no mood yet
    client.post("/api/mood", json={"emotion": "happy"})
    playlist = client.get("/t").get_json()
    missing = playlist[0]
    on_spotify = {(t["title"], t["artist"]): track_obj(i, t["title"], (t["artist"],))
                  for i, t in enumerate(playlist[1:], start=1)}

    def search(query: str) -> list[Json]:
        match = re.fullmatch(r'track:"(.*)" artist:"(.*)"', query)
        if match is None:
            return []
        found = on_spotify.get((match[1], match[2]))
        return [found] if found else []

    spotify.search_results = search

    res = client.post("/api/spotify/save", json={"name": "  Sunny   day "})

    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["url"].startswith("https://open.spotify.com/playlist/")
    assert (body["name"], body["saved"], body["not_found"]) == (
        "Sunny day", len(playlist) - 1, [missing["title"]])
    (created,) = [p for pid, p in spotify.playlists.items() if pid in body["url"]]
    assert created["public"] is False
    assert [e["item"]["uri"] for e in created["entries"]] == [
        f"spotify:track:{sid(i)}" for i in range(1, len(playlist))]

    searches = len(spotify.calls("GET", "/v1/search"))
    again = client.post("/api/spotify/save").get_json()  # no body: a name is made up
    assert again["name"].startswith("moodtunes: happy")
    assert again["saved"] == len(playlist) - 1
    # Only the song Spotify lacks is searched for again; the others' ids were remembered.
    assert len(spotify.calls("GET", "/v1/search")) - searches == 2
    with services_of(client).database()() as db:
        known = db.scalars(select(TrackRow).where(TrackRow.title == playlist[1]["title"])).one()
        assert known.ids()["spotify"] == sid(1)
        assert track_key(known.title, known.artist) == track_key(playlist[1]["title"],
                                                                 playlist[1]["artist"])


def test_saving_when_nothing_is_on_spotify_is_a_clear_error(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    connect(client, accounts)
    client.post("/api/mood", json={"emotion": "sad"})
    error_of(client.post("/api/spotify/save"), 404, "spotify_not_found")
    assert spotify.calls("POST", "/v1/me/playlists") == []


# --- Spotify's failures -------------------------------------------------------------------------


def test_a_revoked_sign_in_asks_to_reconnect_and_is_forgotten(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    connect(client, accounts)
    spotify.fail("GET", "/v1/me/", Fault(401))
    message = error_of(client.get("/api/spotify/playlists"), 401, "spotify_reconnect")
    assert "reconnect" in message
    assert client.get("/api/spotify/status").get_json()["connected"] is False
    assert token_rows(client) == []


def test_rate_limiting_is_explained(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    connect(client, accounts)
    spotify.fail("GET", "/v1/me/", Fault(429, {"Retry-After": "3600"}))
    message = error_of(client.get("/api/spotify/playlists"), 429, "spotify_rate_limited")
    assert "3600 seconds" in message
    assert client.get("/api/spotify/status").get_json()["connected"] is True


def test_no_network_to_spotify_is_unavailable(
    make_client: Callable[[Settings], FlaskClient], settings: Settings,
    accounts: FakeAccounts, closed_port_url: str,
) -> None:
    from dataclasses import replace

    client = make_client(replace(settings, spotify_api_url=closed_port_url + "/v1/"))
    connect(client, accounts)  # the name cannot be read, but the sign-in holds
    status = client.get("/api/spotify/status").get_json()
    assert (status["connected"], status["user"]) == (True, None)
    error_of(client.get("/api/spotify/playlists"), 503, "spotify_unavailable")

    offline = make_client(replace(settings, spotify_accounts_url=closed_port_url))
    state = query_of(offline.get("/spotify/login").headers["Location"])["state"]
    error_of(offline.get(f"/callback?code=the-code&state={state}",
                         headers={"Accept": "application/json"}), 503, "spotify_unavailable")


def test_an_expired_token_is_refreshed_on_the_server(
    client: FlaskClient, accounts: FakeAccounts, spotify: FakeSpotify
) -> None:
    connect(client, accounts)
    profile_id = cookie_content(client)["profile_id"]
    kept = stored_sign_in(client, profile_id)
    assert kept is not None
    expired = {**kept.token, "access_token": "old", "expires_at": 0,
               "refresh_token": "refresh-0"}
    cipher = TokenCipher.from_secret(client.application.secret_key)
    with services_of(client).database().begin() as db:
        save_spotify_sign_in(db, cipher, profile_id, SpotifySignIn(
            expired, kept.user, kept.connection))
    cookie = session_cookie(client)

    assert client.get("/api/spotify/playlists").status_code == 200

    refresh = accounts.exchanges[-1]
    assert (refresh["grant_type"], refresh["refresh_token"]) == ("refresh_token", "refresh-0")
    refreshed = stored_sign_in(client, profile_id)
    assert refreshed is not None and refreshed.token["access_token"] == TOKEN
    assert refreshed.token["refresh_token"] == "refresh-1"
    assert session_cookie(client) == cookie  # a refresh does not touch the cookie


# --- Deezer previews ----------------------------------------------------------------------------


def preview_url(title: str, artist: str) -> str:
    return "/api/deezer/preview?" + urlencode({"title": title, "artist": artist})


def test_a_preview_comes_from_the_first_deezer_match_that_has_one(
    client: FlaskClient, deezer: FakeDeezer
) -> None:
    deezer.results = [entry(1, "Clair de lune", "Debussy", preview=""),
                      entry(2, "Clair de lune", "Debussy")]
    res = client.get(preview_url("Clair de lune", "Claude Debussy"))
    assert res.status_code == 200
    body = res.get_json()
    assert body["preview_url"].startswith("https://cdnt-preview.dzcdn.net/")
    assert body["link"] == "https://www.deezer.com/track/2"
    assert deezer.queries[0]["q"] == 'track:"Clair de lune" artist:"Claude Debussy"'


def test_no_preview_is_404(client: FlaskClient, deezer: FakeDeezer) -> None:
    deezer.results = []
    assert "Nothing Here" in error_of(client.get(preview_url("Nothing Here", "Nobody")),
                                      404, "no_preview")
    error_of(client.get("/api/deezer/preview?title=Only+a+title"), 400, "bad_request")


def test_deezer_offline_is_unavailable(
    make_client: Callable[[Settings], FlaskClient], settings: Settings, closed_port_url: str
) -> None:
    from dataclasses import replace

    client = make_client(replace(settings, deezer_api_url=closed_port_url))
    error_of(client.get(preview_url("Song", "Band")), 503, "deezer_unavailable")


# --- the page, in a real browser ----------------------------------------------------------------


@needs_chromium
def test_the_page_connects_spotify_imports_saves_and_plays_a_preview(
    make_app: Callable[[Settings], Flask], settings: Settings, serve: Callable[[Flask], str],
    accounts: FakeAccounts, spotify: FakeSpotify, deezer: FakeDeezer,
) -> None:
    from flask import redirect, request

    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Python Playwright is absent")

    @accounts.app.get("/authorize")
    def authorize() -> Any:  # Spotify's consent page, consenting at once
        accounts.challenge = request.args["code_challenge"]
        return redirect(f"{request.args['redirect_uri']}?"
                        + urlencode({"code": "the-code", "state": request.args["state"]}))

    clip = wav_clip()

    @deezer.app.get("/clip.wav")
    def preview_clip() -> Any:
        return clip, 200, {"Content-Type": "audio/wav"}

    deezer.results = [entry(7, "Any", "One", preview=f"{settings.deezer_api_url}/clip.wav")]
    add_playlist(spotify, 1, "Sad songs", distinct_tracks(3))
    spotify.search_results = echo_search
    live = serve(make_app(settings))
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p, "--autoplay-policy=no-user-gesture-required")
        try:
            page = browser.new_page()
            watch_page(page, errors)
            page.goto(live)
            page.wait_for_selector("#spotify[data-state='disconnected']", timeout=10_000)
            page.click("#spotify-connect")
            page.wait_for_selector("#spotify[data-state='connected']", timeout=10_000)
            assert page.inner_text("#spotify-user") == "Connected as The Listener."

            page.get_by_role("button", name="Sad", exact=False).first.click()
            page.wait_for_selector("#playlist tbody tr td.title", timeout=10_000)

            page.click("#spotify-import-toggle")
            select = page.get_by_label("Emotion for Sad songs")
            assert select.input_value() == "sad"  # guessed from the name
            page.get_by_role("button", name="Import Sad songs").click()
            page.wait_for_function(
                "() => document.querySelector('#music-status').textContent"
                ".startsWith('Imported 3')",
                timeout=10_000)

            page.click("#spotify-save")
            page.wait_for_selector("#music-status a[href^='https://open.spotify.com/playlist/']",
                                   timeout=15_000)

            first = page.locator("#playlist tbody tr").first.locator("button.preview")
            first.click()
            page.wait_for_function(
                "() => !document.querySelector('#preview-audio').paused", timeout=10_000)
            assert first.get_attribute("aria-pressed") == "true"
            assert page.locator("#preview-audio").get_attribute("src").endswith("/clip.wav")
            first.click()  # pauses
            page.wait_for_function(
                "() => document.querySelector('#preview-audio').paused", timeout=5_000)
            # the button follows the audio element's "pause" event, which may come a moment later
            page.wait_for_function(
                "() => document.querySelector('#playlist tbody tr button.preview')"
                ".getAttribute('aria-pressed') === 'false'", timeout=5_000)

            deezer.results = []  # a song Deezer lacks
            page.locator("#playlist tbody tr").nth(1).locator("button.preview").click()
            page.wait_for_function(
                "() => document.querySelector('#music-status').textContent.includes('no preview')",
                timeout=10_000)
        finally:
            browser.close()
    assert errors == []
