"""Issue 12, part 7: rate limits per client on what reads a face or reaches another service,
answered 429 with Retry-After; Deezer's answers cached and the whole server's searches of
Deezer kept under its quota; counts shared between processes through Redis when configured."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from moodtunes.config import Settings, load_settings
from moodtunes.music.catalog import Catalog
from moodtunes.music.previews import EXPIRY_MARGIN, DeezerTrack, PreviewCache, url_expiry
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.limits import LIMITED_ENDPOINTS, RateLimits, rate_limits
from moodtunes.web.services import Services
from tests.music.test_previews import FakeDeezer, entry
from tests.support import jpeg

# Spotify routes that reach no service: they read the server's settings or the database only.
SPOTIFY_WITHOUT_SERVICE = {"spotify.status", "spotify.disconnect"}

AppMaker = Callable[..., Flask]


@pytest.fixture
def make_app(recognizer: EmotionRecognizer, catalog: Catalog,
             prepared_home: Path) -> AppMaker:
    """An app with these settings (on top of the test app's)."""
    def make(**settings: Any) -> Flask:
        found = Settings(max_upload_mb=1, **settings)
        return create_app({"TESTING": True, "SECRET_KEY": "test"}, settings=found,
                          services=Services(recognizer, catalog, found))
    return make


@pytest.fixture
def frame(blank_frame: np.ndarray) -> bytes:
    return jpeg(blank_frame)


def emotion(client: FlaskClient, frame: bytes, **environ: str) -> Any:
    return client.post("/api/emotion", data=frame, content_type="image/jpeg",
                       environ_base=environ)


def assert_limited(res: Any, longest: float) -> None:
    assert res.status_code == 429, res.get_data(as_text=True)
    assert 1 <= int(res.headers["Retry-After"]) <= longest
    if res.is_json:  # the pages (/spotify/login) answer a page
        assert res.get_json()["error"] == "rate_limited"
    assert "try again in" in res.get_data(as_text=True)


def test_every_endpoint_that_reaches_a_service_is_limited(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(LIMITED_ENDPOINTS) <= endpoints  # no name in the table is stale
    spotify = {e for e in endpoints if e.startswith("spotify.")}
    assert spotify - SPOTIFY_WITHOUT_SERVICE == {e for e in LIMITED_ENDPOINTS
                                                 if e.startswith("spotify.")}
    assert LIMITED_ENDPOINTS["api.emotion"] == "emotion"


def test_emotion_over_its_limit_is_429_with_retry_after(make_app: AppMaker,
                                                        frame: bytes) -> None:
    with make_app(ratelimit_emotion="3/minute").test_client() as client:
        assert [emotion(client, frame).status_code for _ in range(3)] == [200, 200, 200]
        assert_limited(emotion(client, frame), 60)
        # Another client still has its own allowance.
        assert emotion(client, frame, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_the_page_and_the_tests_never_meet_the_default_limits() -> None:
    """The page sends 3 frames a second; tests send frames as fast as they are answered (a
    few dozen in a row)."""
    limits = RateLimits.from_settings(Settings()).limits
    for item in limits["emotion"]:
        assert item.amount / item.get_expiry() >= 3 * 2 and item.amount >= 200
    assert all(item.amount >= 30 for name in ("deezer", "spotify") for item in limits[name])
    # Under Deezer's own quota of about 50 searches per 5 seconds.
    (upstream,) = limits["deezer_upstream"]
    assert upstream.amount / upstream.get_expiry() < 50 / 5


def test_forwarded_for_counts_only_behind_trusted_proxies(make_app: AppMaker,
                                                          frame: bytes) -> None:
    with make_app(ratelimit_emotion="2/minute").test_client() as client:
        # No proxy configured: a forged header does not make a new client.
        for n in range(2):
            assert emotion(client, frame, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code == 200
        assert_limited(emotion(client, frame, HTTP_X_FORWARDED_FOR="198.51.100.9"), 60)

    with make_app(ratelimit_emotion="2/minute", trusted_proxies=1).test_client() as client:
        # Behind one proxy, the client is the last address in the header; what it was sent
        # before that (forged by the client) does not count.
        for forged in ("1.1.1.1", "2.2.2.2"):
            res = emotion(client, frame, HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.5")
            assert res.status_code == 200
        assert_limited(emotion(client, frame, HTTP_X_FORWARDED_FOR="3.3.3.3, 203.0.113.5"), 60)
        assert emotion(client, frame, HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 200


def test_an_ipv6_client_is_its_64(make_app: AppMaker, frame: bytes) -> None:
    with make_app(ratelimit_emotion="2/minute").test_client() as client:
        assert emotion(client, frame, REMOTE_ADDR="2001:db8:1:2::1").status_code == 200
        assert emotion(client, frame, REMOTE_ADDR="2001:db8:1:2:ffff::9").status_code == 200
        assert_limited(emotion(client, frame, REMOTE_ADDR="2001:db8:1:2::abcd"), 60)
        assert emotion(client, frame, REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_spotify_routes_are_limited_before_they_reach_spotify(make_app: AppMaker) -> None:
    with make_app(spotify_client_id="client-1", ratelimit_spotify="2/minute"
                  ).test_client() as client:
        # Not connected: Spotify would not be asked, but the request still counts.
        assert client.get("/api/spotify/playlists").status_code == 401
        assert client.post("/api/spotify/library").status_code == 401
        assert_limited(client.post("/api/spotify/import", json={"playlist_id": "x"}), 60)
        assert_limited(client.get("/spotify/login"), 60)
        # The status reaches no service, and is never limited.
        assert client.get("/api/spotify/status").status_code == 200


def test_an_empty_limit_turns_it_off(make_app: AppMaker, frame: bytes) -> None:
    with make_app(ratelimit_emotion="").test_client() as client:
        assert all(emotion(client, frame).status_code == 200 for _ in range(30))


@pytest.mark.parametrize("setting, value", [
    ("ratelimit_emotion", "lots"), ("ratelimit_deezer", "10 per fortnight"),
    ("ratelimit_storage_url", "nosuch://here"), ("trusted_proxies", -1),
])
def test_bad_limit_settings_stop_the_start(make_app: AppMaker, setting: str,
                                           value: Any) -> None:
    with pytest.raises(ValueError, match=setting):
        make_app(**{setting: value})


def test_limits_are_settings_read_from_the_environment() -> None:
    settings = load_settings(environ={"MOODTUNES_RATELIMIT_EMOTION": "5/second",
                                      "MOODTUNES_TRUSTED_PROXIES": "2",
                                      "MOODTUNES_RATELIMIT_STORAGE_URL": "redis://r:6379/1"})
    assert (settings.ratelimit_emotion, settings.trusted_proxies,
            settings.ratelimit_storage_url) == ("5/second", 2, "redis://r:6379/1")


# --- Deezer ------------------------------------------------------------------------------------


@pytest.fixture
def deezer() -> Iterator[FakeDeezer]:
    fake = FakeDeezer()
    yield fake
    fake.release.set()


# A preview URL that says no expiry (the fake's own has long expired, so none is cached).
CLIP = "https://cdnt-preview.dzcdn.net/api/1/1/8/4/c/0/84c07a5.mp3"


def preview(client: FlaskClient, title: str, artist: str = "Band") -> Any:
    return client.get("/api/deezer/preview?" + urlencode({"title": title, "artist": artist}))


def test_sixty_previews_of_a_song_cost_one_search(make_app: AppMaker, deezer: FakeDeezer,
                                                  serve: Callable[[Flask], str]) -> None:
    deezer.results = [entry(1, "Song", "Band", preview=CLIP)]
    app = make_app(deezer_api_url=serve(deezer.app))
    with app.test_client() as client:
        answers = [preview(client, "Song") for _ in range(30)]
        answers += [preview(client, "  song ", "BAND") for _ in range(30)]  # the same song
    assert {res.status_code for res in answers} == {200}
    assert answers[0].get_json() == answers[-1].get_json()
    assert len(deezer.queries) == 1

    deezer.results = []  # no preview is remembered too
    with app.test_client() as client:
        assert [preview(client, "Other").status_code for _ in range(5)] == [404] * 5
    assert len(deezer.queries) == 2


def test_the_servers_searches_stay_under_deezers_quota(make_app: AppMaker, deezer: FakeDeezer,
                                                       serve: Callable[[Flask], str]) -> None:
    """60 different songs at once: the first 40 are searched, the rest wait (429), whoever
    asks; the per-client limit is out of the way here."""
    deezer.results = [entry(1, "Song", "Band", preview=CLIP)]
    app = make_app(deezer_api_url=serve(deezer.app), ratelimit_deezer="")
    with app.test_client() as client:
        answers = [preview(client, f"Song {n}") for n in range(60)]
    statuses = [res.status_code for res in answers]
    assert statuses[:40] == [200] * 40 and statuses[40:] == [429] * 20
    assert len(deezer.queries) == 40
    assert_limited(answers[-1], 5)
    assert "Deezer" in answers[-1].get_json()["message"]
    # A song already found is still answered from the cache.
    with app.test_client() as client:
        assert preview(client, "Song 3").status_code == 200
    assert len(deezer.queries) == 40


def test_one_client_cannot_spend_the_servers_deezer_quota(make_app: AppMaker,
                                                          deezer: FakeDeezer,
                                                          serve: Callable[[Flask], str]) -> None:
    deezer.results = [entry(1, "Song", "Band", preview=CLIP)]
    app = make_app(deezer_api_url=serve(deezer.app), ratelimit_deezer="5/minute")
    with app.test_client() as client:
        statuses = [preview(client, f"Song {n}").status_code for n in range(6)]
        other = client.get("/api/deezer/preview?title=Song+9&artist=Band",
                           environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert statuses == [200] * 5 + [429] and other.status_code == 200
    assert len(deezer.queries) == 6


def track(preview_url: str | None) -> DeezerTrack:
    return DeezerTrack(1, "Song", "Band", "Album", preview_url, "https://www.deezer.com/track/1")


def test_the_preview_cache_forgets_after_its_lifetime_and_the_urls_expiry() -> None:
    now = [1_000_000.0]
    cache = PreviewCache(600, 10, clock=lambda: now[0])
    cache.put("Song", "Band", track("https://cdn/p.mp3"))
    cache.put("None", "Band", None)
    assert cache.get("song", " band ") == (True, track("https://cdn/p.mp3"))
    assert cache.get("None", "Band") == (True, None)
    now[0] += 601
    assert cache.get("Song", "Band") == (False, None) and len(cache) == 1

    signed = f"https://cdn/p.mp3?hdnea=exp={int(now[0]) + 300}~acl=/p.mp3*~hmac=ab"
    assert url_expiry(signed) == int(now[0]) + 300
    cache.put("Signed", "Band", track(signed))
    now[0] += 300 - EXPIRY_MARGIN - 1
    assert cache.get("Signed", "Band")[0] is True
    now[0] += 2
    assert cache.get("Signed", "Band")[0] is False
    # A URL about to expire is not kept at all.
    cache.put("Late", "Band", track(f"https://cdn/p.mp3?exp={int(now[0]) + 10}"))
    assert cache.get("Late", "Band")[0] is False


def test_the_preview_cache_keeps_the_newest_it_has_room_for() -> None:
    cache = PreviewCache(600, 3)
    for n in range(3):
        cache.put(f"Song {n}", "Band", None)
    cache.get("Song 0", "Band")  # used: kept
    cache.put("Song 3", "Band", None)
    assert len(cache) == 3
    assert [cache.get(f"Song {n}", "Band")[0] for n in range(4)] == [True, False, True, True]


# --- shared between processes ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis server of its own, on a free local port, stopped after the test."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("needs Debian's redis-server for the shared rate-limit storage "
                    "(apt-get install redis-server); it is not installed")
    pytest.importorskip("redis", reason="needs the redis package (spotipy installs it)")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def test_two_servers_count_together_through_redis(make_app: AppMaker, frame: bytes,
                                                  redis_url: str) -> None:
    """Two apps, each with its own connection to Redis, as two worker processes would have:
    a client's frames to either count against one limit."""
    first = make_app(ratelimit_emotion="4/minute", ratelimit_storage_url=redis_url)
    second = make_app(ratelimit_emotion="4/minute", ratelimit_storage_url=redis_url)
    assert rate_limits_of(first) is not rate_limits_of(second)
    # Not in `with` blocks: two apps' kept request contexts would interleave.
    one, two = first.test_client(), second.test_client()
    assert [emotion(c, frame).status_code for c in (one, two, one, two)] == [200] * 4
    assert_limited(emotion(one, frame), 60)
    assert_limited(emotion(two, frame), 60)


def test_in_memory_each_server_counts_alone(make_app: AppMaker, frame: bytes) -> None:
    first, second = (make_app(ratelimit_emotion="2/minute") for _ in range(2))
    # Not in `with` blocks: two apps' kept request contexts would interleave.
    one, two = first.test_client(), second.test_client()
    assert [emotion(c, frame).status_code for c in (one, one, two, two)] == [200] * 4
    assert_limited(emotion(one, frame), 60)


def test_a_storage_that_fails_lets_requests_pass(make_app: AppMaker, frame: bytes,
                                                 closed_port_url: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    url = closed_port_url.replace("http://", "redis://") + "/0"
    pytest.importorskip("redis", reason="needs the redis package (spotipy installs it)")
    with make_app(ratelimit_emotion="1/minute", ratelimit_storage_url=url
                  ).test_client() as client, caplog.at_level(logging.WARNING):
        assert [emotion(client, frame).status_code for _ in range(3)] == [200] * 3
    assert "storage failed" in caplog.text


def rate_limits_of(app: Flask) -> RateLimits:
    with app.app_context():
        return rate_limits()
