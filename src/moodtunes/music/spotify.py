"""Spotify: signing in with PKCE, then the signed-in user's playlists, saved and top tracks,
search, and saving a playlist, through `spotipy`.

Written for the Web API as it stands for apps in development mode in 2026, which shapes what is
here and what is not:

* recommendations, audio features, related artists and Spotify's editorial or algorithmic
  playlists are closed to new apps, so moodtunes keeps choosing music itself and uses Spotify
  only for the user's own music and for saving the result;
* an app in development mode reads the items only of playlists the user owns or collaborates on
  (`SpotifyPlaylist.readable`); any other playlist answers 403;
* since February 2026 a playlist's items are at /playlists/{id}/items, each entry carrying the
  track under "item" (formerly "track"); playlists are created with POST /me/playlists and
  removed from the library with DELETE /me/library; a search returns at most 10 results.

Nothing here writes a file or opens a connection until asked: the token cache is whatever the
caller passes (a path, a cache handler, or memory by default).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import requests
import spotipy
from spotipy.cache_handler import CacheFileHandler, CacheHandler, MemoryCacheHandler
from spotipy.exceptions import SpotifyException, SpotifyOauthError

from moodtunes.music.matching import best_match, track_key
from moodtunes.music.retries import RetryLater, RetryPolicy, parse_retry_after, with_retries
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

SPOTIFY = "Spotify"
API_URL = "https://api.spotify.com/v1/"
ACCOUNTS_URL = "https://accounts.spotify.com"
CLIENT_ID_VARIABLES: tuple[str, ...] = ("MOODTUNES_SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_ID")
SCOPES: tuple[str, ...] = (
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-library-read",
    "user-top-read",
    "playlist-modify-private",
    "playlist-modify-public",
)
TIME_RANGES: tuple[str, ...] = ("short_term", "medium_term", "long_term")

PAGE_SIZE = 50  # the most /me/playlists, /playlists/{id}/items, /me/tracks and /me/top give
SEARCH_LIMIT = 10  # the most a search returns to a development-mode app since 2026
ADD_BATCH = 100  # the most tracks one POST /playlists/{id}/items takes
_SERVER_ERRORS = frozenset({500, 502, 503, 504})

_BASE62 = re.compile(r"[0-9A-Za-z]+")
_URI = re.compile(r"spotify:(?P<kind>[a-z]+):(?P<id>[0-9A-Za-z]+)")
_URL = re.compile(
    r"https?://open\.spotify\.com/(?:intl-[\w-]+/)?(?P<kind>[a-z]+)/(?P<id>[0-9A-Za-z]+)"
    r"/?(?:[?#].*)?"
)


# --- errors -------------------------------------------------------------------------------------


class PlaylistSaveError(MusicServiceError):
    """A playlist was created but its tracks could not all be added. `removed` says whether the
    unfinished playlist was taken out of the library again; if not, `playlist_url` and `added`
    say exactly what was left behind. The HTTP status is that of the failure underneath."""

    reason = "playlist_not_saved"

    def __init__(
        self,
        message: str,
        *,
        playlist_id: str,
        playlist_url: str,
        added: int,
        removed: bool,
        cause: MusicServiceError,
    ) -> None:
        super().__init__(message, service=cause.service)
        self.playlist_id = playlist_id
        self.playlist_url = playlist_url
        self.added = added
        self.removed = removed
        self.status = cause.status


# --- signing in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpotifyLogin:
    """A sign-in under way: send the user to `url`, and keep `state` and `code_verifier` (in the
    user's session, say) until Spotify redirects back, for `finish_spotify_login`."""

    url: str
    state: str
    code_verifier: str


def spotify_client_id(
    client_id: str | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """The app's client id: the argument, else $MOODTUNES_SPOTIFY_CLIENT_ID, else
    $SPOTIFY_CLIENT_ID; ServiceNotConfiguredError when none is set."""
    environ = os.environ if environ is None else environ
    for value in (client_id, *(environ.get(name) for name in CLIENT_ID_VARIABLES)):
        if value and value.strip():
            return value.strip()
    raise ServiceNotConfiguredError(
        "Spotify is not set up: register an app at developer.spotify.com and set "
        f"{' or '.join(CLIENT_ID_VARIABLES)} to its client id",
        service=SPOTIFY,
    )


def redirect_uri(port: int) -> str:
    """Where Spotify sends the user back. Spotify accepts plain http only for a loopback
    address, and no longer accepts "localhost"; register this exact URI with the app."""
    if not 0 < port < 65536:
        raise ValueError(f"port must be in 1..65535, got {port}")
    return f"http://127.0.0.1:{port}/callback"


class _ServerPKCE(spotipy.SpotifyPKCE):
    """SpotifyPKCE for a server. Without a usable token spotipy would start a sign-in on the
    terminal and wait for someone to paste a URL; here that is an error the caller can show."""

    def get_authorization_code(self, response: str | None = None) -> str:
        if response:
            return str(super().get_authorization_code(response))
        raise SpotifyOauthError("no Spotify account is connected", error="not_connected")


def create_spotify_auth(
    client_id: str | None = None,
    *,
    port: int = 5000,
    cache_path: str | PathLike[str] | None = None,
    cache_handler: CacheHandler | None = None,
    timeout: float = 10.0,
    accounts_url: str = ACCOUNTS_URL,
    session: requests.Session | None = None,
    environ: Mapping[str, str] | None = None,
) -> spotipy.SpotifyPKCE:
    """A PKCE auth manager (no client secret) asking for `SCOPES`. The token lives in
    `cache_handler`, else in a JSON file at `cache_path` (written only once a token arrives),
    else in memory. `accounts_url` is for tests."""
    if cache_handler is None:
        cache_handler = (
            MemoryCacheHandler() if cache_path is None else CacheFileHandler(os.fspath(cache_path))
        )
    auth = _ServerPKCE(
        client_id=spotify_client_id(client_id, environ),
        redirect_uri=redirect_uri(port),
        scope=list(SCOPES),
        cache_handler=cache_handler,
        requests_timeout=timeout,
        requests_session=session if session is not None else True,
        open_browser=False,
    )
    # spotipy keeps these as class attributes; instance ones point a single manager elsewhere.
    auth.OAUTH_AUTHORIZE_URL = accounts_url.rstrip("/") + "/authorize"
    auth.OAUTH_TOKEN_URL = accounts_url.rstrip("/") + "/api/token"
    return auth


def start_spotify_login(auth: spotipy.SpotifyPKCE) -> SpotifyLogin:
    """The authorize URL to send the user to, with a fresh state and PKCE code verifier."""
    auth.get_pkce_handshake_parameters()
    state = secrets.token_urlsafe(16)
    return SpotifyLogin(auth.get_authorize_url(state=state), state, auth.code_verifier)


def finish_spotify_login(
    auth: spotipy.SpotifyPKCE, login: SpotifyLogin, callback_url: str
) -> dict[str, Any]:
    """Exchanges the code in the URL Spotify redirected to for a token, which the auth
    manager's cache keeps; returns the token info. ServiceAuthError when the user declined,
    the answer belongs to another sign-in, or Spotify refuses the code."""
    try:
        state, code = auth.parse_auth_response_url(callback_url)
    except SpotifyOauthError as err:
        if getattr(err, "error", None) == "access_denied":
            raise ServiceAuthError("the Spotify connection was declined", service=SPOTIFY) \
                from err
        raise ServiceAuthError(f"Spotify did not connect ({err}); try again", service=SPOTIFY) \
            from err
    if not state or not secrets.compare_digest(state, login.state):
        raise ServiceAuthError(
            "this Spotify answer does not belong to the sign-in that was started; "
            "connect your Spotify account again",
            service=SPOTIFY,
        )
    if not code:
        raise ServiceAuthError("Spotify's answer carries no code; connect again", service=SPOTIFY)
    # The manager may be a new object: it must use the verifier whose challenge was sent.
    auth.code_verifier = login.code_verifier
    auth.code_challenge = _code_challenge(login.code_verifier)
    try:
        auth.get_access_token(code, check_cache=False)
    except SpotifyOauthError as err:
        raise ServiceAuthError(
            f"Spotify refused the sign-in ({getattr(err, 'error', None) or err}); "
            "connect your Spotify account again",
            service=SPOTIFY,
        ) from err
    except requests.Timeout as err:
        raise ServiceTimeoutError("Spotify's sign-in did not answer in time; try again",
                                  service=SPOTIFY) from err
    except requests.RequestException as err:
        raise ServiceUnavailableError(
            "cannot reach Spotify's sign-in: check the network connection", service=SPOTIFY
        ) from err
    except (ValueError, KeyError) as err:
        raise ServiceAuthError("Spotify's sign-in answered something unreadable; connect again",
                               service=SPOTIFY) from err
    token: dict[str, Any] | None = auth.cache_handler.get_cached_token()
    if not token:
        raise ServiceAuthError("Spotify's sign-in gave no token; connect again", service=SPOTIFY)
    return token


def create_spotify_client(
    auth: spotipy.SpotifyPKCE | str,
    *,
    timeout: float = 10.0,
    api_url: str = API_URL,
    session: requests.Session | None = None,
) -> spotipy.Spotify:
    """A spotipy client for an auth manager (which refreshes the token) or a bare access token.
    It makes exactly one attempt per call: retrying, with Retry-After honoured, is
    `SpotifyLibrary`'s job. `api_url` is for tests."""
    client = spotipy.Spotify(
        auth=auth if isinstance(auth, str) else None,
        auth_manager=None if isinstance(auth, str) else auth,
        # A plain session: spotipy's own would retry 429s inside urllib3 and hide Retry-After.
        requests_session=session if session is not None else requests.Session(),
        requests_timeout=timeout,
        retries=0,
        status_retries=0,
    )
    client.prefix = api_url.rstrip("/") + "/"
    return client


# --- what the library returns -------------------------------------------------------------------


@dataclass(frozen=True)
class SpotifyTrack:
    """A track as Spotify knows it; `artist` is the first-named one, `artists` all of them."""

    title: str
    artist: str
    album: str
    year: int | None
    spotify_id: str
    artists: tuple[str, ...] = ()
    duration_ms: int | None = None

    @property
    def uri(self) -> str:
        return f"spotify:track:{self.spotify_id}"

    @property
    def url(self) -> str:
        return f"https://open.spotify.com/track/{self.spotify_id}"

    @property
    def key(self) -> tuple[str, str]:
        """The same identity as a catalog `Track` of this title and artist."""
        return track_key(self.title, self.artist)

    def to_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "artist": self.artist,
            "album": self.album,
            "year": self.year,
            "spotify_id": self.spotify_id,
            "artists": list(self.artists),
            "duration_ms": self.duration_ms,
            "url": self.url,
        }


@dataclass(frozen=True)
class SpotifyPlaylist:
    """One of the user's playlists. `track_count` is None when Spotify does not say."""

    spotify_id: str
    name: str
    owner_id: str
    owner_name: str
    track_count: int | None
    public: bool | None
    collaborative: bool
    owned: bool

    @property
    def readable(self) -> bool:
        """Whether an app in development mode may read this playlist's tracks."""
        return self.owned or self.collaborative

    @property
    def url(self) -> str:
        return f"https://open.spotify.com/playlist/{self.spotify_id}"

    def to_dict(self) -> dict[str, object]:
        return {
            "spotify_id": self.spotify_id,
            "name": self.name,
            "owner_id": self.owner_id,
            "owner_name": self.owner_name,
            "track_count": self.track_count,
            "public": self.public,
            "collaborative": self.collaborative,
            "owned": self.owned,
            "readable": self.readable,
            "url": self.url,
        }


# --- the library --------------------------------------------------------------------------------


class SpotifyLibrary:
    """The signed-in user's music on Spotify, through a `spotipy.Spotify` client (see
    `create_spotify_client`); a `MusicService`. Every failure comes out as a
    `MusicServiceError` naming Spotify. A 429 is retried up to `max_retries` times, waiting what
    Retry-After asks when that is at most `max_retry_wait` seconds (else a backoff from half a
    second); reads are retried the same way after a 5xx. Writes are never repeated after a
    failure that may have taken effect."""

    name = SPOTIFY

    def __init__(
        self,
        client: spotipy.Spotify,
        *,
        max_retries: int = 3,
        max_retry_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._retry = RetryPolicy(max_retries, max_retry_wait, backoff=0.5, growth=2.0)
        self._client = client
        self._sleep = sleep
        self._user_id: str | None = None

    def user_id(self) -> str:
        """The signed-in user's Spotify id (asked once, then remembered)."""
        if self._user_id is None:
            me = self._call("reading your Spotify profile", self._client.me)
            if not isinstance(me, dict) or not isinstance(me.get("id"), str):
                raise _unreadable("reading your Spotify profile")
            self._user_id = me["id"]
        return self._user_id

    def my_playlists(self) -> list[SpotifyPlaylist]:
        """Every playlist in the user's library, owned or followed, all pages of them."""
        me = self.user_id()
        playlists = []
        for entry in self._items("reading your playlists", self._client.current_user_playlists,
                                 limit=PAGE_SIZE):
            playlist = _playlist(entry, me)
            if playlist is not None:
                playlists.append(playlist)
        return playlists

    def playlist_tracks(self, playlist: str, limit: int | None = None) -> list[SpotifyTrack]:
        """The tracks of a playlist (an id, a spotify: URI or an open.spotify.com URL), all
        pages of them unless `limit` says fewer. Episodes, local files and tracks no longer
        available are left out, having no Spotify track to point at."""
        playlist_id = _parse_id(playlist, "playlist")
        entries = self._items(
            f"reading playlist {playlist_id}",
            self._client.playlist_items,
            playlist_id,
            limit=PAGE_SIZE,
            additional_types=("track",),
            forbidden=(
                "this app cannot read that playlist in development mode: Spotify lets it read "
                "only playlists you own or collaborate on"
            ),
            not_found=f"Spotify has no playlist {playlist_id}, or it is private",
        )
        return _tracks(entries, limit, "item", "track")

    def saved_tracks(self, limit: int | None = None) -> list[SpotifyTrack]:
        """The user's Liked Songs, newest first, all pages of them unless `limit` says fewer."""
        entries = self._items("reading your saved tracks", self._client.current_user_saved_tracks,
                              limit=PAGE_SIZE)
        return _tracks(entries, limit, "track", "item")

    def top_tracks(
        self, time_range: str = "medium_term", limit: int | None = None
    ) -> list[SpotifyTrack]:
        """The user's most played tracks over `time_range` (one of `TIME_RANGES`)."""
        if time_range not in TIME_RANGES:
            raise ValueError(
                f"unknown time range {time_range!r}; expected one of: {', '.join(TIME_RANGES)}"
            )
        entries = self._items("reading your top tracks", self._client.current_user_top_tracks,
                              limit=PAGE_SIZE, time_range=time_range)
        return _tracks(entries, limit)

    def search(self, title: str, artist: str, limit: int = SEARCH_LIMIT) -> list[SpotifyTrack]:
        """Spotify's tracks for `title` by `artist` (its `track:"..." artist:"..."` search), in
        its order, at most `limit` (Spotify gives at most `SEARCH_LIMIT`)."""
        if not title.strip() or not artist.strip():
            raise ValueError("a Spotify search needs both a title and an artist")
        return self._search(f'track:"{_unquoted(title)}" artist:"{_unquoted(artist)}"', limit)

    def find_track(self, title: str, artist: str) -> str | None:
        """The Spotify id of the song `title` by `artist`, or None. Searches with Spotify's
        field filters first, then with plain words, and keeps only a result that
        `moodtunes.music.matching.best_match` accepts (title and artist match once case,
        accents, punctuation and version notes such as "(Remastered)" are set aside); among
        those the closest match wins, then Spotify's order."""
        if not title.strip() or not artist.strip():
            raise ValueError("finding a track needs both a title and an artist")
        best = best_match(title, artist, self.search(title, artist))
        if best is None:
            words = self._search(f"{_unquoted(title)} {_unquoted(artist)}", SEARCH_LIMIT)
            best = best_match(title, artist, words)
        return best.spotify_id if best is not None else None

    def _search(self, query: str, limit: int) -> list[SpotifyTrack]:
        if not 1 <= limit <= SEARCH_LIMIT:
            raise ValueError(f"limit must be in 1..{SEARCH_LIMIT}, got {limit}")
        found = self._call("searching Spotify", self._client.search, q=query, type="track",
                           limit=limit)
        if not isinstance(found, dict) or not isinstance(found.get("tracks"), dict):
            raise _unreadable("searching Spotify")
        items = found["tracks"].get("items")
        return _tracks(items if isinstance(items, list) else [], limit)

    def save_playlist(
        self,
        name: str,
        track_ids: Sequence[str],
        description: str = "",
        *,
        public: bool = False,
    ) -> str:
        """Creates a playlist in the user's library holding `track_ids` (ids, spotify: URIs or
        open.spotify.com URLs), in order, and returns its URL. Ids are checked before anything
        is created. If adding the tracks fails, the new playlist is removed again and a
        PlaylistSaveError says so, or, if it could not be removed, says what was left."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("a playlist needs a name")
        uris = [f"spotify:track:{_parse_id(track, 'track')}" for track in track_ids]
        if not uris:
            raise ValueError("a playlist needs at least one track")
        # Spotify refuses descriptions with line breaks.
        description = " ".join(description.split())

        try:
            created = self._call("creating the playlist", self._client.current_user_playlist_create,
                                 name, public=public, description=description, idempotent=False)
        except ServiceTimeoutError as err:
            raise ServiceTimeoutError(
                f"{err.message}; the playlist {name!r} may have been created anyway: look in "
                "your Spotify library before saving it again",
                service=SPOTIFY,
            ) from err
        playlist_id = _text(created, "id")
        if not _BASE62.fullmatch(playlist_id):
            raise _unreadable("creating the playlist")
        url = _text(_mapping(created, "external_urls"), "spotify")
        url = url or f"https://open.spotify.com/playlist/{playlist_id}"

        added = 0
        for start in range(0, len(uris), ADD_BATCH):
            batch = uris[start:start + ADD_BATCH]
            try:
                self._call("adding tracks to the playlist", self._client.playlist_add_items,
                           playlist_id, batch, idempotent=False)
            except MusicServiceError as err:
                raise self._abandon(name, playlist_id, url, added, len(uris), err) from err
            added += len(batch)
        return url

    def _abandon(
        self, name: str, playlist_id: str, url: str, added: int, total: int,
        cause: MusicServiceError,
    ) -> PlaylistSaveError:
        """Takes an unfinished playlist out of the library again, and the error to raise."""
        removed = self._remove_playlist(playlist_id)
        if removed:
            message = (
                f"adding the tracks of playlist {name!r} failed: {cause.message}. The "
                "unfinished playlist was removed again; nothing was saved"
            )
        else:
            # A batch that timed out may still have been added on Spotify's side.
            count = f"at least {added}" if isinstance(cause, ServiceTimeoutError) else str(added)
            message = (
                f"adding the tracks of playlist {name!r} failed: {cause.message}. Removing the "
                f"unfinished playlist failed too: it is still in your library at {url} with "
                f"{count} of its {total} tracks; delete it in Spotify or save it again"
            )
        return PlaylistSaveError(message, playlist_id=playlist_id, playlist_url=url,
                                 added=added, removed=removed, cause=cause)

    def _remove_playlist(self, playlist_id: str) -> bool:
        """Removes a playlist from the user's library (what deleting one's own playlist means on
        Spotify); whether that worked."""
        attempts: tuple[Callable[[], Any], ...] = (
            # spotipy 2.26 has no public call for removing a playlist through DELETE /me/library.
            lambda: self._client._delete("me/library", uris=f"spotify:playlist:{playlist_id}"),
            # The endpoint this replaced, still served to extended-quota apps.
            lambda: self._client.current_user_unfollow_playlist(playlist_id),
        )
        for attempt in attempts:
            try:
                self._call("removing the unfinished playlist", attempt)
            except MusicServiceError:
                continue
            return True
        return False

    def _items(
        self,
        doing: str,
        first_page: Callable[..., Any],
        *args: Any,
        forbidden: str | None = None,
        not_found: str | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """The items of every page of a paged answer, following each page's `next` link."""
        page = self._call(doing, first_page, *args, forbidden=forbidden, not_found=not_found,
                          **kwargs)
        followed: set[str] = set()
        while True:
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise _unreadable(doing)
            yield from page["items"]
            next_url = page.get("next")
            if not next_url or not page["items"]:
                return
            if not isinstance(next_url, str) or next_url in followed:
                raise MusicServiceError(
                    f"Spotify's pages loop back on themselves while {doing}", service=SPOTIFY)
            followed.add(next_url)
            page = self._call(doing, self._client.next, page, forbidden=forbidden,
                              not_found=not_found)

    def _call(
        self,
        doing: str,
        call: Callable[..., Any],
        *args: Any,
        idempotent: bool = True,
        forbidden: str | None = None,
        not_found: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """`call(*args, **kwargs)` with retries, every failure turned into a
        MusicServiceError whose message says what we were `doing`."""

        def attempt() -> Any:
            try:
                return call(*args, **kwargs)
            except SpotifyException as err:
                wait = parse_retry_after(_header(err.headers, "Retry-After"))
                if err.http_status == 429:
                    raise RetryLater(ServiceRateLimitError(
                        f"Spotify is limiting how often this app may ask ({doing})",
                        service=SPOTIFY), wait) from err
                error = _status_error(err, doing, forbidden, not_found)
                if err.http_status in _SERVER_ERRORS and idempotent:
                    raise RetryLater(error, wait) from err
                raise error from err
            except SpotifyOauthError as err:
                # Raised while getting an access token: none was ever stored, its scopes are
                # not the ones we ask for now, or the refresh token no longer holds.
                raise ServiceAuthError(
                    f"Spotify has no valid sign-in for this app ({doing}): "
                    "reconnect your Spotify account",
                    service=SPOTIFY,
                ) from err
            except requests.Timeout as err:
                raise ServiceTimeoutError(
                    f"Spotify did not answer in time while {doing}; try again", service=SPOTIFY
                ) from err
            except requests.RequestException as err:
                raise ServiceUnavailableError(
                    f"cannot reach Spotify while {doing}: check the network connection",
                    service=SPOTIFY,
                ) from err

        return with_retries(attempt, self._retry, self._sleep)


# --- helpers ------------------------------------------------------------------------------------


def _code_challenge(code_verifier: str) -> str:
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _parse_id(value: str, kind: str) -> str:
    """The bare id of a `kind` ("track", "playlist") given as an id, URI or URL."""
    text = value.strip()
    for pattern in (_URI, _URL):
        match = pattern.fullmatch(text)
        if match:
            if match["kind"] != kind:
                raise ValueError(f"{value!r} is a Spotify {match['kind']}, not a {kind}")
            return match["id"]
    if _BASE62.fullmatch(text):
        return text
    raise ValueError(
        f"{value!r} is not a Spotify {kind} id, spotify:{kind}: URI or open.spotify.com URL"
    )


def _header(headers: Any, name: str) -> str | None:
    """A header of spotipy's error (a case-blind mapping, or None)."""
    value = headers.get(name) if headers else None
    return value if isinstance(value, str) else None


def _status_error(
    err: SpotifyException, doing: str, forbidden: str | None, not_found: str | None
) -> MusicServiceError:
    status = err.http_status
    said = _spotify_message(err)
    if status == 401:
        return ServiceAuthError(
            f"Spotify no longer accepts this app's sign-in ({doing}): reconnect your Spotify "
            "account",
            service=SPOTIFY,
        )
    if status == 403:
        return ServiceForbiddenError(
            forbidden
            or f"Spotify refused {doing} ({said or 'forbidden'}). An app in development mode "
            "serves only the users listed in its Spotify dashboard, and reads only playlists "
            "they own or collaborate on; if this worked before, reconnect your Spotify account",
            service=SPOTIFY,
        )
    if status == 404:
        return ServiceNotFoundError(not_found or f"Spotify found nothing while {doing}",
                                    service=SPOTIFY)
    if status is not None and status >= 500:
        return ServiceUnavailableError(
            f"Spotify failed on its side while {doing} (HTTP {status}); try again later",
            service=SPOTIFY,
        )
    return MusicServiceError(f"Spotify rejected the request while {doing}: {said or status}",
                             service=SPOTIFY)


def _spotify_message(err: SpotifyException) -> str:
    # spotipy puts "<url>:\n <message from Spotify>" in msg.
    message = str(err.msg or "").rsplit(":\n", 1)[-1].strip()
    return "" if message in ("None", "") else message


def _unreadable(doing: str) -> MusicServiceError:
    return MusicServiceError(f"Spotify's answer could not be read while {doing}",
                             service=SPOTIFY)


def _unquoted(text: str) -> str:
    # Spotify's search has no escape for a double quote inside a quoted field.
    return " ".join(text.replace('"', "").split())


def _tracks(entries: Iterable[Any], limit: int | None, *keys: str) -> list[SpotifyTrack]:
    """Tracks from page entries: the track object itself, or under the first of `keys` present
    (playlist entries say "item" since 2026, "track" before; saved tracks say "track")."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be 0 or more, got {limit}")
    tracks: list[SpotifyTrack] = []
    if limit == 0:
        return tracks
    for entry in entries:
        obj = entry
        if keys and isinstance(entry, dict):
            obj = next((entry[k] for k in keys if entry.get(k) is not None), None)
        track = _track(obj)
        if track is not None:
            tracks.append(track)
            if limit is not None and len(tracks) >= limit:
                break
    return tracks


def _track(obj: Any) -> SpotifyTrack | None:
    if not isinstance(obj, dict) or obj.get("type", "track") != "track" or obj.get("is_local"):
        return None
    spotify_id, title = _text(obj, "id"), _text(obj, "name")
    if not _BASE62.fullmatch(spotify_id) or not title:
        return None
    artists = tuple(
        name for name in (_text(a, "name") for a in obj.get("artists") or ()) if name
    )
    if not artists:
        return None
    album = _mapping(obj, "album")
    released = _text(album, "release_date")
    duration = obj.get("duration_ms")
    return SpotifyTrack(
        title=title,
        artist=artists[0],
        album=_text(album, "name"),
        year=int(released[:4]) if released[:4].isdigit() else None,
        spotify_id=spotify_id,
        artists=artists,
        duration_ms=duration if isinstance(duration, int) else None,
    )


def _playlist(obj: Any, me: str) -> SpotifyPlaylist | None:
    spotify_id, name = _text(obj, "id"), _text(obj, "name")
    if not spotify_id or not name:
        return None
    owner = _mapping(obj, "owner")
    owner_id = _text(owner, "id")
    # Since 2026 the summary is under "items" ({"href", "total"}); before, under "tracks".
    summary = _mapping(obj, "items") or _mapping(obj, "tracks")
    total = summary.get("total")
    public = obj.get("public")
    return SpotifyPlaylist(
        spotify_id=spotify_id,
        name=name,
        owner_id=owner_id,
        owner_name=_text(owner, "display_name") or owner_id,
        track_count=total if isinstance(total, int) else None,
        public=public if isinstance(public, bool) else None,
        collaborative=obj.get("collaborative") is True,
        owned=owner_id == me,
    )


def _text(obj: Any, key: str) -> str:
    """obj[key] stripped when obj is a mapping and that is text, else ""."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _mapping(obj: Any, key: str) -> dict[str, Any]:
    """obj[key] when obj is a mapping and that is one too, else {}."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else {}
