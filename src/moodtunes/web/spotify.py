"""A person's own Spotify account and Deezer's previews in the web app: connecting Spotify
(PKCE), importing the user's playlists, Liked Songs and top tracks, saving the playlist on
screen to Spotify, and 30-second previews from Deezer.

Written for Spotify's Web API as it stands for apps in development mode in 2026: the app's owner
needs Premium, at most five users (listed in the app's dashboard) can connect, only playlists a
user owns or collaborates on can be read, and recommendations, audio features and editorial
playlists are closed. So Spotify says nothing about a song's mood here: an imported playlist
serves the emotion the user names (or its name names), at that emotion's point in `AFFECT`.

What is kept where:

* the Spotify sign-in (access token, refresh token, expiry, the user's name on Spotify) is in
  the database, encrypted with a key derived from the app's secret key and keyed by the
  browser's profile (`moodtunes.storage.tokens`), so any worker of a multi-process server can
  answer, and disconnecting deletes it. The session cookie, which Flask signs but does not
  encrypt, carries no token: only the profile id, the random id of the profile's current
  Spotify connection (so a copy of the cookie taken before a disconnect does not reach a later
  connection), and, from the login to the callback only, the OAuth state and PKCE verifier;
* the browser's profile id (a random uuid, made when it first imports something or connects
  Spotify; no account) names its personal library and its sign-in in the database.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import requests
import spotipy
from flask import Blueprint, Response, current_app, g, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from spotipy.cache_handler import CacheHandler, MemoryCacheHandler
from spotipy.exceptions import SpotifyException, SpotifyOauthError

from moodtunes.emotions import AFFECT, EMOTIONS, parse_emotion
from moodtunes.errors import BadRequestError, CatalogError, MoodtunesError
from moodtunes.music.catalog import emotion_from_file_name
from moodtunes.music.importers import EXTERNAL_ID_PATTERNS, ImportedTrack
from moodtunes.music.matching import track_key
from moodtunes.music.previews import DeezerClient
from moodtunes.music.service import (
    ServiceAuthError,
    ServiceNotConfiguredError,
    ServiceNotFoundError,
    find_matches,
)
from moodtunes.music.spotify import (
    SPOTIFY,
    SpotifyLibrary,
    SpotifyLogin,
    SpotifyTrack,
    create_spotify_auth,
    create_spotify_client,
    finish_spotify_login,
    redirect_uri,
    spotify_client_id,
    start_spotify_login,
)
from moodtunes.storage.library import (
    add_to_library,
    ensure_profile,
    external_ids,
    library_counts,
    remember_external_ids,
    track_ids,
)
from moodtunes.storage.tokens import (
    SpotifySignIn,
    StoredSignIn,
    TokenCipher,
    UnreadableTokenError,
    delete_spotify_sign_in,
    load_spotify_sign_in,
    replace_spotify_sign_in,
    save_spotify_sign_in,
)
from moodtunes.storage.tracks import import_tracks
from moodtunes.web.browser import PROFILE_KEY, browser
from moodtunes.web.inputs import checked_text, read_json_object
from moodtunes.web.limits import rate_limits
from moodtunes.web.playlists import playlist_payload
from moodtunes.web.services import services

log = logging.getLogger(__name__)

bp = Blueprint("spotify", __name__)

# Keys of the session cookie (besides the profile id): which of the profile's Spotify
# connections this browser holds, and the sign-in under way (state and PKCE verifier).
CONNECTION_KEY = "spotify_connection"
LOGIN_KEY = "spotify_login"
# Where older versions kept the token and the user's name; removed wherever seen.
LEGACY_KEYS = ("spotify_token", "spotify_user")
# A sign-in started longer ago than this is refused at the callback.
LOGIN_TTL_S = 600
# Spotify gives apps no way to revoke a token: deleting ours is all a disconnect can do.
NO_REVOCATION = ("moodtunes has deleted its Spotify tokens for this browser. Spotify offers "
                 "apps no way to revoke them; to withdraw moodtunes' access altogether, "
                 "remove it from the apps in your Spotify account settings.")
# What of Spotify's token answer is kept: enough for spotipy to use and refresh it.
TOKEN_FIELDS = ("access_token", "token_type", "expires_in", "expires_at", "refresh_token",
                "scope")

SPOTIFY_TIMEOUT = 10.0
# A request waits at most this long for Spotify's Retry-After; longer is an error to show.
SPOTIFY_RETRY_WAIT = 5.0
DEEZER_TIMEOUT = 5.0
# Liked Songs can run to thousands; a request reads the newest this many (50 a page).
LIBRARY_LIMIT = 500
PLAYLIST_NAME_LIMIT = 100
TEXT_LIMIT = 300  # the width of the tracks table's text columns
# A playlist id as the page sends it: 22 characters, or a URI or URL holding them.
PLAYLIST_ID_LIMIT = 200
NAME_LIMIT = 32

PLAYLIST_SOURCE = "spotify_playlist"
SAVED_SOURCE = "spotify_saved"
TOP_SOURCE = "spotify_top"


class NoPreviewError(MoodtunesError):
    """Deezer has no preview of the song asked for."""

    code = "no_preview"
    status = 404


class StoredTokenCache(CacheHandler):
    """Gives spotipy this browser's token as read from the database, and keeps the token
    spotipy refreshes there, encrypted (see the module docstring)."""

    def __init__(self, profile_id: str | None, kept: StoredSignIn | None) -> None:
        self.profile_id = profile_id
        self.kept = kept

    def get_cached_token(self) -> dict[str, Any] | None:
        return dict(self.kept.sign_in.token) if self.kept is not None else None

    def save_token_to_cache(self, token_info: dict[str, Any]) -> None:
        if self.profile_id is None or self.kept is None:
            return  # spotipy had no token from here, so this is none of this browser's
        sign_in = replace(self.kept.sign_in, token=_kept_token(token_info))
        with services().transaction() as db:
            stored = replace_spotify_sign_in(db, _cipher(), self.profile_id, self.kept, sign_in)
        # Disconnected meanwhile: this request may use the new token, nothing keeps it.
        self.kept = stored or StoredSignIn(sign_in, self.kept.sealed)


def _kept_token(token_info: dict[str, Any]) -> dict[str, Any]:
    return {k: token_info[k] for k in TOKEN_FIELDS if k in token_info}


def _cipher() -> TokenCipher:
    """The token cipher of this app's secret key (HKDF is cheap: derived per use)."""
    return TokenCipher.from_secret(current_app.secret_key or "")


# --- helpers ------------------------------------------------------------------------------------


def _host() -> tuple[str, int]:
    """The host name and port this request came in on."""
    parts = urlsplit(f"//{request.host}")
    default = 443 if request.scheme == "https" else 80
    try:
        port = parts.port or default
    except ValueError:
        port = default
    return parts.hostname or "", port


def _redirect_uri() -> str:
    return redirect_uri(_host()[1])


def _client_id() -> str:
    try:
        return spotify_client_id(services().settings.spotify_client_id)
    except ServiceNotConfiguredError:
        raise ServiceNotConfiguredError(
            "Spotify is not set up on this server: create an app at developer.spotify.com (its "
            f"owner needs Spotify Premium), add {_redirect_uri()} as its redirect URI, and start "
            "moodtunes with MOODTUNES_SPOTIFY_CLIENT_ID set to the app's client id",
            service=SPOTIFY,
        ) from None


def _configured() -> bool:
    try:
        _client_id()
    except ServiceNotConfiguredError:
        return False
    return True


def _drop_legacy_keys() -> None:
    for key in LEGACY_KEYS:
        if key in session:
            session.pop(key)


def _stored_sign_in() -> StoredSignIn | None:
    """This browser's Spotify sign-in, read from the database once per request; None when
    it is not connected. One that the secret key no longer opens (it was changed) is
    deleted, so the page offers to connect again."""
    if "moodtunes_spotify" in g:
        found: StoredSignIn | None = g.moodtunes_spotify
        return found
    _drop_legacy_keys()
    profile_id, connection = browser().profile_id, session.get(CONNECTION_KEY)
    kept = None
    if profile_id is not None and isinstance(connection, str):
        try:
            with services().database()() as db:
                kept = load_spotify_sign_in(db, _cipher(), profile_id)
        except UnreadableTokenError as exc:
            log.warning("forgetting the Spotify sign-in of profile %s: %s", profile_id, exc)
            _forget_sign_in()
        if kept is not None and not secrets.compare_digest(kept.sign_in.connection,
                                                           connection):
            kept = None  # a copy of a cookie from before a disconnect
    g.moodtunes_spotify = kept
    return kept


def _connected() -> bool:
    return _stored_sign_in() is not None


def _forget_sign_in() -> None:
    """Deletes this browser's Spotify sign-in, from the database and from its cookie."""
    profile_id = browser().profile_id
    if profile_id is not None:
        with services().transaction() as db:
            delete_spotify_sign_in(db, profile_id)
    for key in (CONNECTION_KEY, LOGIN_KEY):
        session.pop(key, None)
    _drop_legacy_keys()
    g.moodtunes_spotify = None


@contextmanager
def _auth(cache: CacheHandler | None = None
          ) -> Iterator[tuple[spotipy.SpotifyPKCE, requests.Session]]:
    """A PKCE auth manager keeping its token in `cache`, by default this browser's sign-in in
    the database, and the HTTP session it uses, closed afterwards."""
    client_id = _client_id()
    settings = services().settings
    if cache is None:
        cache = StoredTokenCache(browser().profile_id, _stored_sign_in())
    with requests.Session() as http:
        yield create_spotify_auth(
            client_id, port=_host()[1], cache_handler=cache,
            timeout=SPOTIFY_TIMEOUT, accounts_url=settings.spotify_accounts_url, session=http,
        ), http


def _client(auth: spotipy.SpotifyPKCE, http: requests.Session) -> spotipy.Spotify:
    return create_spotify_client(auth, timeout=SPOTIFY_TIMEOUT,
                                 api_url=services().settings.spotify_api_url, session=http)


@contextmanager
def _spotify() -> Iterator[SpotifyLibrary]:
    """The connected user's Spotify library. A sign-in Spotify no longer accepts is forgotten,
    so the page offers to connect again."""
    with _auth() as (auth, http):
        if not _connected():
            raise ServiceAuthError("connect your Spotify account first", service=SPOTIFY)
        try:
            yield SpotifyLibrary(_client(auth, http), max_retries=2,
                                 max_retry_wait=SPOTIFY_RETRY_WAIT)
        except ServiceAuthError:
            _forget_sign_in()
            raise


def _json_body(example: str, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, bounded (moodtunes.web.inputs); with `optional`, no body at
    all is `{}`."""
    return read_json_object(example, optional=optional)


def _emotion(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequestError(f"'emotion' must be one of: {', '.join(EMOTIONS)}")
    try:
        return parse_emotion(checked_text(value, "'emotion'", max_chars=NAME_LIMIT)).value
    except ValueError as exc:
        raise BadRequestError(str(exc)) from None


def emotion_from_playlist_name(name: str) -> str | None:
    """The emotion a playlist's name names, by the rule for the paper's file names ("Sad",
    "happy songs", "Angry Playlist 2"); None when it names none, or more than one thing."""
    # Dots and slashes would read as a file's extension or folder.
    try:
        return emotion_from_file_name(name.replace(".", " ").replace("/", " ") + ".csv")
    except CatalogError:
        return None


def _record(track: SpotifyTrack, source: str, emotion: str | None = None
            ) -> ImportedTrack | None:
    """A Spotify track for `import_tracks`: with the point of `emotion` in valence/arousal space
    when one is given, else with neither. None for a track the tracks table cannot hold."""
    if len(track.title) > TEXT_LIMIT or len(track.artist) > TEXT_LIMIT:
        return None
    point = AFFECT[emotion] if emotion else None
    ids = ((("spotify", track.spotify_id),)
           if EXTERNAL_ID_PATTERNS["spotify"].fullmatch(track.spotify_id) else ())
    # Spotify dates some albums "0000".
    year = track.year if track.year is not None and 1000 <= track.year <= 2100 else None
    return ImportedTrack(
        title=track.title, artist=track.artist, album=track.album[:TEXT_LIMIT], year=year,
        genres=(), valence=point.valence if point else None,
        arousal=point.arousal if point else None, moods=(), source=source, external_ids=ids,
        explicit=None, emotions=(emotion,) if emotion else (),
    )


def _records(tracks: Iterable[SpotifyTrack], source: str, emotion: str | None = None
             ) -> list[ImportedTrack]:
    return [r for r in (_record(t, source, emotion) for t in tracks) if r is not None]


# --- signing in ---------------------------------------------------------------------------------


@bp.get("/spotify/login")
def login() -> ResponseReturnValue:
    """Sends the browser to Spotify's consent page."""
    hostname, port = _host()
    if hostname in ("localhost", "::1"):
        # Spotify sends the user back to 127.0.0.1, whose cookie is not localhost's: start the
        # sign-in there, so the callback finds it.
        return redirect(f"http://127.0.0.1:{port}{url_for('spotify.login')}")
    with _auth(MemoryCacheHandler()) as (auth, _http):
        started = start_spotify_login(auth)
    session[LOGIN_KEY] = {"state": started.state, "code_verifier": started.code_verifier,
                          "started": int(time.time())}
    return redirect(started.url)


@bp.get("/callback")
def callback() -> ResponseReturnValue:
    """Where Spotify sends the browser back: the code becomes a token, kept encrypted in the
    database for this browser's profile (made now when it has none)."""
    started = session.pop(LOGIN_KEY, None)  # good for one answer only
    if not (isinstance(started, dict) and isinstance(started.get("state"), str)
            and isinstance(started.get("code_verifier"), str)):
        raise ServiceAuthError(
            "this browser has no Spotify sign-in under way (it may have finished already): "
            "connect Spotify again from the moodtunes page",
            service=SPOTIFY,
        )
    begun = started.get("started")
    if not (isinstance(begun, int) and 0 <= time.time() - begun <= LOGIN_TTL_S):
        raise ServiceAuthError(
            f"this Spotify sign-in was started more than {LOGIN_TTL_S // 60} minutes ago: "
            "connect Spotify again from the moodtunes page",
            service=SPOTIFY,
        )
    pending = SpotifyLogin("", started["state"], started["code_verifier"])
    fresh = MemoryCacheHandler()  # the token stays in memory until it is stored, encrypted
    with _auth(fresh) as (auth, http):
        token = finish_spotify_login(auth, pending, request.url)
        user = _display_name(_client(auth, http))
    sign_in = SpotifySignIn(_kept_token(token), user, secrets.token_urlsafe(16))
    with services().transaction() as db:
        profile = ensure_profile(db, browser().profile_id)
        save_spotify_sign_in(db, _cipher(), profile.id, sign_in)
    # A GET: the browser state is not saved after it, so the cookie is written here.
    browser().profile_id = profile.id
    session[PROFILE_KEY] = profile.id
    session[CONNECTION_KEY] = sign_in.connection
    _drop_legacy_keys()
    return redirect(url_for("pages.index"))


def _display_name(client: spotipy.Spotify) -> str | None:
    """The user's name on Spotify, for the page; None when Spotify will not say just now."""
    try:
        me = client.me()
    except (SpotifyException, SpotifyOauthError, requests.RequestException) as exc:
        log.info("connected to Spotify, but cannot read the user's name: %s", exc)
        return None
    if not isinstance(me, dict):
        return None
    name = me.get("display_name") or me.get("id")
    return name if isinstance(name, str) else None


@bp.post("/api/spotify/disconnect")
def disconnect() -> Response:
    """Deletes this browser's Spotify sign-in from the server (its library in moodtunes
    stays). Spotify has no endpoint for an app to revoke a token, so the answer says so."""
    _forget_sign_in()
    return jsonify(connected=False, revoked=False, message=NO_REVOCATION)


@bp.get("/api/spotify/status")
def status() -> Response:
    configured = _configured()
    kept = _stored_sign_in() if configured else None
    return jsonify(configured=configured, connected=kept is not None,
                   user=kept.sign_in.user if kept is not None else None,
                   redirect_uri=_redirect_uri())


# --- reading the user's music -------------------------------------------------------------------


@bp.get("/api/spotify/playlists")
def playlists() -> Response:
    """The user's playlists; `readable` says which ones Spotify lets this app read."""
    with _spotify() as library:
        found = library.my_playlists()
    return jsonify(playlists=[
        {"id": p.spotify_id, "name": p.name, "tracks": p.track_count, "readable": p.readable,
         "owned": p.owned, "owner": p.owner_name, "url": p.url,
         "emotion": emotion_from_playlist_name(p.name)}
        for p in found
    ])


@bp.post("/api/spotify/import")
def import_playlist() -> Response:
    """All tracks of one of the user's playlists into the catalog, for one emotion, and into
    this browser's library."""
    body = _json_body('{"playlist_id": "...", "emotion": "sad"}')
    playlist_id = body.get("playlist_id")
    if not isinstance(playlist_id, str) or not playlist_id.strip():
        raise BadRequestError('send JSON such as {"playlist_id": "...", "emotion": "sad"}')
    playlist_id = checked_text(playlist_id, "'playlist_id'", max_chars=PLAYLIST_ID_LIMIT)
    emotion = _emotion(body.get("emotion"))
    with _spotify() as library:
        if emotion is None:
            emotion = _emotion_of_playlist(library, playlist_id.strip())
        try:
            tracks = library.playlist_tracks(playlist_id)
        except ValueError as exc:
            raise BadRequestError(str(exc)) from None
    records = _records(tracks, PLAYLIST_SOURCE, emotion)
    with services().transaction() as db:
        profile = ensure_profile(db, browser().profile_id)
        counts = import_tracks(db, records)
        ids = track_ids(db, (r.key for r in records))
        in_library = add_to_library(db, profile.id, ids.values(), "playlist")
    browser().profile_id = profile.id
    catalog = services().reload_catalog()
    return jsonify(emotion=emotion, tracks=len(records), **counts.to_dict(),
                   library_added=in_library, catalog_tracks=len(catalog.tracks_for(emotion)))


def _emotion_of_playlist(library: SpotifyLibrary, playlist_id: str) -> str:
    # The id may come as a URI or URL; every Spotify id is 22 characters, found inside it.
    playlist = next((p for p in library.my_playlists() if p.spotify_id in playlist_id), None)
    if playlist is None:
        raise ServiceNotFoundError("that playlist is not in your Spotify library",
                                   service=SPOTIFY)
    emotion = emotion_from_playlist_name(playlist.name)
    if emotion is None:
        raise BadRequestError(
            f"which emotion is the playlist {playlist.name!r} for? Its name does not say; "
            f"send one of {', '.join(EMOTIONS)} as \"emotion\""
        )
    return emotion


@bp.post("/api/spotify/library")
def import_library() -> Response:
    """The user's Liked Songs (the newest `LIBRARY_LIMIT`) and top tracks into this browser's
    library; new songs join the catalog table untagged, so they are not recommended until an
    emotion is known for them."""
    with _spotify() as library:
        saved = _records(library.saved_tracks(limit=LIBRARY_LIMIT), SAVED_SOURCE)
        top = _records(library.top_tracks(limit=LIBRARY_LIMIT), TOP_SOURCE)
    with services().transaction() as db:
        profile = ensure_profile(db, browser().profile_id)
        counts = import_tracks(db, [*saved, *top])
        ids = track_ids(db, (r.key for r in (*saved, *top)))
        added = {kind: add_to_library(db, profile.id, (ids[r.key] for r in records), kind)
                 for kind, records in (("saved", saved), ("top", top))}
        totals = library_counts(db, profile.id)
    browser().profile_id = profile.id
    return jsonify(saved=len(saved), top=len(top), **counts.to_dict(), library_added=added,
                   library=totals)


# --- saving the playlist on screen --------------------------------------------------------------


@bp.post("/api/spotify/save")
def save_playlist() -> Response:
    """This browser's current recommendations as a private playlist in the user's Spotify."""
    name = _json_body('{"name": "Songs for a rainy day"}', optional=True).get("name")
    if name is not None and not isinstance(name, str):
        raise BadRequestError("'name' must be text")
    if name is not None:  # runs of spaces, tabs and newlines become one space; it is cut below
        name = checked_text(" ".join(name.split()), "'name'", max_chars=TEXT_LIMIT,
                            min_chars=0)
    shown = playlist_payload(browser(), services())
    tracks, emotion = shown["recommendations"], shown["emotion"]
    if not tracks or emotion is None:
        raise BadRequestError(
            "there is no playlist to save yet: show your face, upload a photo or pick a mood")
    name = " ".join((name or "").split())[:PLAYLIST_NAME_LIMIT] or (
        f"moodtunes: {emotion} ({date.today().isoformat()})")

    keys = [track_key(str(t["title"]), str(t["artist"])) for t in tracks]
    sessions = services().database()
    with sessions() as db:  # only reads: the ids found so far
        known = external_ids(db, "spotify", keys)
    found: dict[tuple[str, str], str] = {}
    chosen: list[str] = []
    not_found: list[str] = []
    with _spotify() as library:
        for track, key in zip(tracks, keys, strict=True):
            spotify_id = known.get(key) or library.find_track(str(track["title"]),
                                                              str(track["artist"]))
            if spotify_id is None:
                not_found.append(str(track["title"]))
                continue
            if key not in known:
                found[key] = spotify_id
            if spotify_id not in chosen:
                chosen.append(spotify_id)
        if not chosen:
            raise ServiceNotFoundError("none of these songs could be found on Spotify",
                                       service=SPOTIFY)
        url = library.save_playlist(
            name, chosen, description=f"Songs for a {emotion} mood, chosen by moodtunes")
    with services().transaction() as db:
        remember_external_ids(db, "spotify", found)
    return jsonify(url=url, name=name, saved=len(chosen), not_found=not_found)


# --- Deezer previews ----------------------------------------------------------------------------


@bp.get("/api/deezer/preview")
def deezer_preview() -> Response:
    """The 30-second preview of a song on Deezer. Its URL is signed and expires, so it is for
    playing now, and is not stored."""
    title = request.args.get("title", "").strip()
    artist = request.args.get("artist", "").strip()
    if not title or not artist:
        raise BadRequestError("name the song as ?title=...&artist=...")
    title = checked_text(title, "title", max_chars=TEXT_LIMIT)
    artist = checked_text(artist, "artist", max_chars=TEXT_LIMIT)
    # Asked for again within a few minutes, by anyone, a song costs no search of Deezer's
    # quota, which is the whole server's (web/limits.py).
    limits = rate_limits()
    known, track = limits.preview_cache.get(title, artist)
    if not known:
        limits.check_upstream("deezer")
        with DeezerClient(services().settings.deezer_api_url, DEEZER_TIMEOUT, max_retries=1,
                          max_retry_wait=2.0) as deezer:
            found = find_matches(deezer, title, artist, limit=5)
        # The closest match with a preview; Deezer's own field search has already chosen by
        # title and artist, so a result our rules do not accept (score 0) may still be the song.
        track = next((m.track for m in found if m.track.preview_url), None)
        limits.preview_cache.put(title, artist, track)
    if track is None:
        raise NoPreviewError(f"Deezer has no preview of {title!r} by {artist!r}")
    return jsonify(preview_url=track.preview_url, link=track.link, title=track.title,
                   artist=track.artist)
