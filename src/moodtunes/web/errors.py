"""One boundary where errors become answers: JSON for API clients, a page for people."""

from __future__ import annotations

import logging
import math

from flask import Flask, Response, jsonify, render_template, request
from markupsafe import escape
from werkzeug.exceptions import BadHost, HTTPException

from moodtunes.errors import MoodtunesError

log = logging.getLogger(__name__)

# Routes whose answers are JSON whatever the client accepts: the API, and the paper's two.
JSON_PREFIXES = ("/api/",)
JSON_PATHS = ("/t", "/video_feed")


def wants_json() -> bool:
    path = request.path
    if path.startswith(JSON_PREFIXES) or path.rstrip("/") in JSON_PATHS:
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def error_response(status: int, code: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=code, message=message), status
    title = {404: "Page not found", 413: "File too large"}.get(status, "Something went wrong")
    if isinstance(request.routing_exception, BadHost):
        # werkzeug refuses a Host it cannot IDNA-encode (a label of 64 characters or more)
        # before routing, and Flask then has no URL adapter: the page template's url_for would
        # fail inside this handler. A page with no links says it instead.
        return (f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
                f"<p>{escape(message)}</p>"), status
    return render_template("error.html", code=status, title=title, message=message), status


def _with_retry_after(answer: tuple[Response | str, int], seconds: float | None
                      ) -> tuple[Response | str, int] | Response:
    """`answer` with a Retry-After header when `seconds` is known."""
    if seconds is None:
        return answer
    response = Response(answer[0]) if isinstance(answer[0], str) else answer[0]
    response.status_code = answer[1]
    response.headers["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response


def _http_code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_")


def init_app(app: Flask) -> None:
    @app.errorhandler(MoodtunesError)
    def handle_moodtunes(exc: MoodtunesError) -> tuple[Response | str, int] | Response:
        # Our own rate limits and a service's that we will not wait for say when to come back.
        return _with_retry_after(error_response(exc.status, exc.code, exc.message),
                                 getattr(exc, "retry_after", None))

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException) -> tuple[Response | str, int]:
        status = exc.code or 500
        if status == 413:
            # The JSON routes lower the limit for their request (moodtunes.web.inputs).
            limit = request.max_content_length or app.config["MAX_CONTENT_LENGTH"]
            size = (f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024
                    else f"{limit // 1024} kB")
            return error_response(413, "payload_too_large",
                                  f"the upload is larger than the {size} limit")
        return error_response(status, _http_code(exc), exc.description or exc.name)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> tuple[Response | str, int]:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal_error",
                              "something went wrong on our side; it has been logged")
