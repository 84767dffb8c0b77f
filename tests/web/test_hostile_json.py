"""Issue 12, part 2: hostile JSON against every JSON endpoint. A corpus that this file makes
(wrong types, huge numbers, NaN and Infinity, deep nesting, huge strings, NUL, invalid UTF-8,
duplicate keys, wrong content types, empty bodies) never gets a 500; whatever is malformed
gets a 400 (or 413 when too large) with the usual JSON error and a short message, and the
database never sees a value it would refuse (a NUL, an id beyond 32 bits)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from moodtunes.config import Settings
from moodtunes.music.catalog import Catalog
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.inputs import MAX_ID, MAX_JSON_BYTES, MAX_JSON_DEPTH, json_depth, parse_json
from moodtunes.web.services import Services

# Every endpoint that reads a JSON body, with a body it takes.
JSON_ENDPOINTS: dict[str, dict[str, Any]] = {
    "/api/mood": {"emotion": "sad"},
    "/api/feedback": {"title": "Yesterday", "artist": "The Beatles", "kind": "like"},
    "/api/profile": {"favourite_artists": ["ABBA"], "favourite_genres": ["disco"]},
    "/api/spotify/import": {"playlist_id": "37i9dQZF1DX3rxVfibe1L0", "emotion": "sad"},
    "/api/spotify/save": {"name": "Rainy day"},
    "/api/camera": {"token": "not-the-token-at-all"},
}
# The other POST endpoints read no JSON: an image, or nothing.
NOT_JSON = {"/api/emotion", "/api/spotify/disconnect", "/api/spotify/library"}
# The fields each endpoint reads, besides those of its body above.
EXTRA_FIELDS = {"/api/mood": ("source", "locked", "strategy"), "/api/feedback": ("track_id",
                                                                                "value")}

HUGE_STRING = "x" * (MAX_JSON_BYTES + 10)
# Values no field takes as they are, each in place of every field.
HOSTILE_VALUES: list[Any] = [
    None, True, False, 0, -1, 2**31, 2**31 - 1, -(2**31) - 1, 2**63, 2**64, 10**19, 1.5,
    1e308, -1e308, 5e-324, "", " ", "\t", "a\x00b", "\x00", "\x07bell", "\x1b[31mred", "\x85",
    "\u202eevil", "x" * 301, "x" * 5000, "\ud800", "\udfff tail", "\ufeff", [], {}, [1, 2],
    {"a": 1}, ["x"] * 60, [[["deep"]]], ["ok", 1], ["\x00"], "sad\x00", "SAD", "happy " * 50,
]
# Raw bodies sent as application/json, and whether the request is malformed as such
# (every one is).
RAW_BODIES: list[bytes] = [
    b"", b" ", b"\n\t ", b"null", b"true", b"0", b"-1", b'"text"', b"[]", b"[{}]",
    b"NaN", b"Infinity", b"-Infinity", b'{"value": NaN}', b'{"value": Infinity}',
    b'{"value": -Infinity}', b'{"track_id": 1e400}', b'{"value": 1e400}',
    b'{"track_id": 1' + b"0" * 400 + b"}", b'{"track_id": ' + b"9" * 5000 + b"}",
    b'{"value": -' + b"9" * 30 + b"}",
    b"[" * 100_000, b"[" * 20_000 + b"]" * 20_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
    b'{"title": "\xff\xfe\xfd", "artist": "x", "kind": "like"}', b"\xc3\x28", b"\xed\xa0\x80",
    '{"emotion": "sad"}'.encode("utf-16"), '{"emotion": "sad"}'.encode("utf-32"),
    b'\xef\xbb\xbf{"emotion": "sad"}',
    b'{"kind": "like", "kind": "skip", "title": "Yesterday", "artist": "The Beatles"}',
    b'{"emotion": "sad", "emotion": "happy"}', b'{"emotion": "sad"} trailing',
    b'{"emotion": "sad"', b'{"emotion": ', b"{", b"}", b"]", b'{"a" 1}', b"{'a': 1}",
    b'{"emotion": "\\u0000"}', b'{"\\u0000": 1}', b'{"title": "\\ud800", "artist": "x"}',
    b'{"emotion": "sad\x00"}', b'{"emotion": "\\', b'"\\"' * 10_000,
    b'{"favourite_artists": [' + b'"x",' * 10_000 + b'"x"]}',
    json.dumps({"name": HUGE_STRING}).encode(),
    b"\x00" * 100, bytes(range(256)),
]
# (content type, body) pairs that are not a JSON request.
WRONG_TYPES: list[tuple[str | None, bytes]] = [
    ("text/plain", b'{"emotion": "sad"}'), (None, b'{"emotion": "sad"}'),
    ("application/x-www-form-urlencoded", b"emotion=sad"),
    ("multipart/form-data; boundary=xx", b'--xx\r\nContent-Disposition: form-data; '
                                         b'name="emotion"\r\n\r\nsad\r\n--xx--\r\n'),
    ("image/jpeg", b"\xff\xd8\xff"), ("application/xml", b"<emotion>sad</emotion>"),
    ("text/json", b'{"emotion": "sad"}'), ("application/jsonx", b'{"emotion": "sad"}'),
]
# The longest message an error here may have: enough for its examples, never an echo of a
# large value.
MESSAGE_LIMIT = 400


def corpus() -> Iterator[tuple[str, str, str | None, bytes]]:
    """(name, endpoint, content type, body) for every hostile request."""
    for endpoint, base in JSON_ENDPOINTS.items():
        fields = [*base, *EXTRA_FIELDS.get(endpoint, ())]
        for field in fields:
            for i, value in enumerate(HOSTILE_VALUES):
                body = json.dumps({**base, field: value}).encode()
                yield f"{endpoint} {field}={i}", endpoint, "application/json", body
        for i, raw in enumerate(RAW_BODIES):
            yield f"{endpoint} raw {i}", endpoint, "application/json", raw
            yield f"{endpoint} raw {i} +json", endpoint, "application/merge-patch+json", raw
        for i, (kind, raw) in enumerate(WRONG_TYPES):
            yield f"{endpoint} type {i}", endpoint, kind, raw
        yield f"{endpoint} huge", endpoint, "application/json", json.dumps(
            {**base, "other": HUGE_STRING}).encode()


@pytest.fixture
def spotify_app(recognizer: EmotionRecognizer, catalog: Catalog, prepared_home: Path) -> Flask:
    """The test app with Spotify set up (so its routes read their body, then say to connect
    first) and no rate limits in the way of the corpus."""
    settings = Settings(max_upload_mb=1, spotify_client_id="client-1", ratelimit_spotify="")
    return create_app({"TESTING": True, "SECRET_KEY": "test"}, settings=settings,
                      services=Services(recognizer, catalog, settings))


def _post(client: FlaskClient, endpoint: str, content_type: str | None, body: bytes) -> Any:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return client.post(endpoint, data=body, headers=headers)


def test_the_corpus_covers_every_post_endpoint(spotify_app: Flask) -> None:
    posts = {rule.rule for rule in spotify_app.url_map.iter_rules()
             if "POST" in (rule.methods or ())}
    assert posts == set(JSON_ENDPOINTS) | NOT_JSON, "a new POST route: add it to the corpus"


def test_no_hostile_json_request_gets_a_500(spotify_app: Flask) -> None:
    seen: list[str] = []
    too_large = 0
    with spotify_app.test_client() as client:
        for name, endpoint, content_type, body in corpus():
            res = _post(client, endpoint, content_type, body)
            assert res.status_code < 500, (name, res.status_code, res.get_data(as_text=True))
            if res.status_code >= 400:
                answer = res.get_json()
                assert set(answer) == {"error", "message"}, (name, answer)
                assert len(answer["message"]) <= MESSAGE_LIMIT, (name, answer["message"])
                assert b"Traceback" not in res.data
            too_large += res.status_code == 413
            seen.append(name)
    # Hundreds of requests, and the bodies over the limit among them were refused as such.
    assert len(seen) > 1000 and too_large >= 3 * len(JSON_ENDPOINTS)


@pytest.mark.parametrize("raw", RAW_BODIES, ids=range(len(RAW_BODIES)))
def test_malformed_bodies_are_400_or_413_on_every_endpoint(spotify_app: Flask,
                                                           raw: bytes) -> None:
    with spotify_app.test_client() as client:
        for endpoint in JSON_ENDPOINTS:
            res = _post(client, endpoint, "application/json", raw)
            expected = 413 if len(raw) > MAX_JSON_BYTES else 400
            assert res.status_code == expected, (endpoint, res.get_data(as_text=True))
            assert res.get_json()["error"] == ("payload_too_large" if expected == 413
                                               else "bad_request")


def test_wrong_content_types_are_400(spotify_app: Flask) -> None:
    with spotify_app.test_client() as client:
        for endpoint in set(JSON_ENDPOINTS) - {"/api/camera"}:
            for kind, raw in WRONG_TYPES:
                res = _post(client, endpoint, kind, raw)
                assert res.status_code == 400, (endpoint, kind, res.get_data(as_text=True))
                assert "application/json" in res.get_json()["message"]


def test_the_reader_refuses_deep_nesting_before_parsing_it() -> None:
    deep = b"[" * 40_000 + b"]" * 40_000  # over the size limit too: checked first
    assert len(deep) > MAX_JSON_BYTES
    inside = b"[" * 30_000 + b"]" * 30_000
    assert json_depth(inside) == 30_000
    # Brackets inside strings do not count; escaped quotes do not end a string.
    assert json_depth(b'{"a": "[[[[\\"[[[[", "b": [1]}') == 2
    with pytest.raises(Exception, match="nests more than"):
        parse_json(inside)
    # A body of unclosed strings and escapes is scanned in linear time, and refused.
    with pytest.raises(Exception, match="not valid JSON"):
        parse_json(b'"\\"' * 20_000)


def test_messages_cut_what_they_repeat(client: FlaskClient) -> None:
    res = client.post("/api/feedback", json={"kind": "k" * 5000, "title": "a", "artist": "b"})
    assert res.status_code == 400
    message = res.get_json()["message"]
    assert "kkkk" in message and "k" * 100 not in message and len(message) < MESSAGE_LIMIT
    res = client.get("/api/recommendations?n=" + "9" * 5000)
    assert res.status_code == 400 and len(res.get_json()["message"]) < MESSAGE_LIMIT


@pytest.mark.parametrize("track_id, status", [
    (MAX_ID, 400),  # in range, no such track
    (MAX_ID + 1, 400), (2**63, 400), (2**64 + 1, 400), (-(2**63) - 1, 400), (0, 400),
])
def test_track_ids_stay_within_the_32_bit_column(client: FlaskClient, track_id: int,
                                                 status: int) -> None:
    res = client.post("/api/feedback", json={"track_id": track_id, "kind": "like"})
    assert res.status_code == status
    words = "no track" if track_id == MAX_ID else "whole number from 1 to 2147483647"
    assert words in res.get_json()["message"]


class SeenByTheDatabase:
    """Every parameter of every statement any engine runs while it listens."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any,
                 context: Any, executemany: bool) -> None:
        rows = parameters if executemany else [parameters]
        for row in rows:
            self.values.extend(row.values() if isinstance(row, dict) else row or ())


def test_the_database_never_sees_a_nul_or_an_id_beyond_32_bits(spotify_app: Flask) -> None:
    """What PostgreSQL refuses with an error (a 503 before) is refused in Python first, so
    SQLite and PostgreSQL answer alike."""
    seen = SeenByTheDatabase()
    event.listen(Engine, "before_cursor_execute", seen)
    try:
        with spotify_app.test_client() as client:
            for name, endpoint, content_type, body in corpus():
                if endpoint in ("/api/feedback", "/api/profile"):
                    assert _post(client, endpoint, content_type, body).status_code < 500, name
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert seen.values, "the listener saw no statement at all"
    for value in seen.values:
        if isinstance(value, str):
            assert "\x00" not in value and len(value) <= 5000
            value.encode("utf-8")  # no lone surrogate
        elif isinstance(value, int) and not isinstance(value, bool):
            assert -(2**31) <= value <= 2**31 - 1, value


ODD_HOSTS = [
    "a" * 64, "a" * 63 + ".example", "a" * 300, "é" * 64, "xn--" + "a" * 70, "xn--zz",
    "host:notaport", "[::1", "a..b", "-a.example", "a" * 64 + ":5000", "",
]


def _get(base: str, path: str, host: str, accept: str = "text/html") -> tuple[int, str, bytes]:
    """GET `path` from a real server with `host` as the Host header (werkzeug's test client
    cannot send some of these)."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host.encode("utf-8").decode("latin-1"))
        connection.putheader("Accept", accept)
        connection.endheaders()
        res = connection.getresponse()
        return res.status, res.getheader("Content-Type", ""), res.read()
    finally:
        connection.close()


def test_odd_host_headers_are_never_a_500(app: Flask, serve: Callable[[Flask], str]) -> None:
    base = serve(app)
    for host in ODD_HOSTS:
        for path in ("/", "/nope", "/spotify/login", "/api/state"):
            status, _, body = _get(base, path, host)
            # 503 is /spotify/login saying Spotify is not set up on this server.
            assert status < 500 or (status == 503 and path == "/spotify/login"), (
                host, path, body[:300])
            assert b"Traceback" not in body


def test_a_host_label_of_64_characters_gets_a_400_page(app: Flask,
                                                       serve: Callable[[Flask], str]) -> None:
    base = serve(app)
    status, kind, body = _get(base, "/", "a" * 64)
    assert status == 400 and kind.startswith("text/html") and b"could not understand" in body
    status, kind, body = _get(base, "/api/state", "a" * 64, "application/json")
    assert status == 400 and json.loads(body)["error"] == "bad_request"
