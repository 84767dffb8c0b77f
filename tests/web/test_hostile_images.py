"""The corpus of malformed and hostile images (tests/vision/corpus.py), posted to the API:
each is answered 200 or a 4xx JSON error, never a 500."""

import http.client
import io
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from tests.vision import corpus

LEAKS = (b"Traceback", b"OpenCV", b"cv2", b".cpp", b"OPENCV_")


def _problem(res, status: int | None) -> str | None:  # type: ignore[no-untyped-def]
    if status is not None and res.status_code != status:
        return f"answered {res.status_code}, not {status}: {res.data[:200]!r}"
    if res.status_code != 200:
        if not 400 <= res.status_code < 500:
            return f"answered {res.status_code}"
        body = res.get_json(silent=True)
        if not (isinstance(body, dict) and body.keys() == {"error", "message"}
                and body["message"]):
            return f"no JSON error: {res.data[:200]!r}"
    if any(leak in res.data for leak in LEAKS):
        return f"leaks internals: {res.data[:300]!r}"
    return None


def test_every_case_of_the_corpus_is_200_or_a_json_4xx(client: FlaskClient) -> None:
    cases = corpus.hostile_cases()
    assert len(cases) > 400
    problems = []
    for case in cases:
        res = client.post("/api/emotion", data=case.data, content_type=case.mimetype)
        problem = _problem(res, case.status)
        if problem:
            problems.append(f"{case.name}: {problem}")
    assert not problems, "\n".join(problems)


def test_multipart_oddities(client: FlaskClient) -> None:
    jpg = corpus.encode(".jpg", corpus.picture(64, 48))
    png = corpus.encode(".png", corpus.picture(64, 48))

    def post(fields: dict[str, object], status: int, code: str | None = None) -> None:
        res = client.post("/api/emotion", data=fields, content_type="multipart/form-data")
        assert _problem(res, status) is None, (fields.keys(), res.status_code, res.data[:200])
        if code is not None:
            assert res.get_json()["error"] == code

    post({"image": (io.BytesIO(jpg), "me.jpg", "image/jpeg")}, 200)
    post({"image": (io.BytesIO(jpg), "blob", "application/octet-stream")}, 200)
    post({"image": (io.BytesIO(png), "me.png")}, 200)  # the type guessed from the name
    post({"image": (io.BytesIO(jpg), "me.png", "image/png")}, 415, "unsupported_media_type")
    post({"image": (io.BytesIO(jpg), "me.png", "application/octet-stream")}, 415)
    post({"image": (io.BytesIO(png), "me.jpg", "image/jpeg")}, 415)
    post({"image": (io.BytesIO(jpg), "me.gif", "image/gif")}, 415)
    post({"image": (io.BytesIO(corpus.gif(4, 4)), "me.jpg", "image/jpeg")}, 415)
    post({"image": (io.BytesIO(corpus.png_bomb(90000, 90000)), "bomb.png")}, 413, "image_too_large")
    post({"image": (io.BytesIO(b""), "empty.jpg", "image/jpeg")}, 400, "invalid_image")
    post({"image": "not a file"}, 400, "bad_request")  # a part without a file name
    post({"photo": (io.BytesIO(jpg), "me.jpg")}, 400, "bad_request")
    post({"image": [(io.BytesIO(jpg), "a.jpg"), (io.BytesIO(jpg), "b.jpg")]}, 400, "bad_request")
    post({}, 400, "bad_request")
    res = client.post("/api/emotion", data=b"--x\r\n\r\n", content_type="multipart/form-data")
    assert _problem(res, None) is None and res.status_code == 400  # no boundary


def _chunked(base: str, headers: dict[str, str], content_type: str,
             body: bytes) -> tuple[int, bytes]:
    """POSTs `body` with Transfer-Encoding: chunked (no Content-Length) to a real server."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
    try:
        connection.request("POST", "/api/emotion", body=chunks, encode_chunked=True,
                           headers={**headers, "Content-Type": content_type})
        res = connection.getresponse()
        return res.status, res.read()
    finally:
        connection.close()


def test_chunked_bodies_over_the_limit_are_413(app: Flask,
                                              serve: Callable[[Flask], str]) -> None:
    base = serve(app)
    # What the app's test client sends with every request (the page's CSRF token).
    headers = {key[5:].replace("_", "-"): value
               for key, value in app.test_client().environ_base.items()
               if key.startswith("HTTP_") and isinstance(value, str)}
    limit = app.config["MAX_CONTENT_LENGTH"]
    jpg = corpus.encode(".jpg", corpus.picture(64, 48))
    assert _chunked(base, headers, "image/jpeg", jpg)[0] == 200
    at_limit = jpg[:4] + b"\0" * (limit - 4)
    status, body = _chunked(base, headers, "image/jpeg", at_limit)
    assert status == 400 and b"invalid_image" in body  # all of it read, not cut
    status, body = _chunked(base, headers, "image/jpeg", at_limit + b"\0")
    assert status == 413 and b"payload_too_large" in body
    form = (b"--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n"
            b"Content-Type: image/jpeg\r\n\r\n" + at_limit + b"\r\n--b--\r\n")
    status, body = _chunked(base, headers, "multipart/form-data; boundary=b", form)
    assert status == 413 and b"payload_too_large" in body
