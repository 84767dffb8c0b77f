"""One boundary where errors become answers: JSON for API clients, a page for people."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

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
    return render_template("error.html", code=status, title=title, message=message), status


def _http_code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_")


def init_app(app: Flask) -> None:
    @app.errorhandler(MoodtunesError)
    def handle_moodtunes(exc: MoodtunesError) -> tuple[Response | str, int]:
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException) -> tuple[Response | str, int]:
        status = exc.code or 500
        if status == 413:
            limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
            return error_response(413, "payload_too_large",
                                  f"the upload is larger than the {limit} MB limit")
        return error_response(status, _http_code(exc), exc.description or exc.name)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> tuple[Response | str, int]:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal_error",
                              "something went wrong on our side; it has been logged")
