"""The JSON API: emotions from images, the mood of this browser, its recommendations and
what the listener thinks of them."""

from __future__ import annotations

import io
import math
import re
import time
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from moodtunes.emotions import parse_emotion
from moodtunes.errors import BadRequestError, UnsupportedMediaError
from moodtunes.mood import MoodSettings
from moodtunes.recommend import create_strategy
from moodtunes.storage.feedback import record_feedback
from moodtunes.storage.library import Key, ensure_profile, favourites, set_favourites
from moodtunes.storage.models import FEEDBACK_KINDS, FeedbackEventRow
from moodtunes.vision.images import MIME_FORMATS, check_declared_type, decode_image
from moodtunes.vision.recognizer import pick_face
from moodtunes.web import playlists, security
from moodtunes.web.browser import browser, emotion_scores, mood_payload
from moodtunes.web.inputs import (
    MAX_ID,
    bool_field,
    checked_text,
    int_field,
    number_field,
    read_json_object,
    shown,
    text_list_field,
)
from moodtunes.web.services import services

bp = Blueprint("api", __name__)

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/bmp")
# The longest playlist /api/recommendations makes.
MAX_RECOMMENDATIONS = 50
FEEDBACK_EXAMPLE = '{"title": "...", "artist": "...", "kind": "like"}'
# The width of the tracks table's text columns, and of a name (an emotion, a strategy).
TEXT_LIMIT = 300
NAME_LIMIT = 32
# POST /api/emotion's `at`: the point "x,y", in image pixels, of the face to follow.
_NUMBER = r"\s*([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))\s*"
_POINT = re.compile(f"{_NUMBER},{_NUMBER}", re.ASCII)
POINT_LIMIT = 64


def _json_object(example: str = '{"emotion": "sad"}') -> dict[str, Any]:
    """The request's JSON object, bounded (moodtunes.web.inputs); `BadRequestError` for
    anything else."""
    return read_json_object(example)


def _image_bytes() -> tuple[bytes, str]:
    """The posted image and where it came from: a camera frame (raw body) or an upload. What
    the sender declared it to be must be what its bytes are (`check_declared_type`)."""
    mimetype = request.mimetype
    limit = request.max_content_length
    if (mimetype in MIME_FORMATS or mimetype == "multipart/form-data") and (
            request.content_length is None and limit is not None
            and request.environ.get("wsgi.input_terminated")):
        # A chunked body declares no length, and Werkzeug's stream stops at the limit without
        # a word: read one byte more, to tell a body of the limit from a longer one, then let
        # Werkzeug read what was read (its form parser leaks a temporary file on a 413).
        stream = request.environ["wsgi.input"]
        chunks: list[bytes] = []
        size = 0
        while size <= limit and (chunk := stream.read(min(2**16, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge()
        request.environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
        request.environ["CONTENT_LENGTH"] = str(size)
    if mimetype in MIME_FORMATS:
        data = request.get_data(cache=False)  # Werkzeug answers 413 past the limit
        check_declared_type(data, mimetype)
        return data, "browser"
    if mimetype == "multipart/form-data":
        uploads = request.files.getlist("image")
        if not uploads:
            raise BadRequestError(
                "the field 'image' is not a file: send it with a file name" if "image" in
                request.form else "the form has no file field named 'image'")
        if len(uploads) > 1:
            raise BadRequestError(f"send one file in the field 'image', not {len(uploads)}")
        data = uploads[0].read()
        check_declared_type(data, uploads[0].mimetype, uploads[0].filename)
        return data, "upload"
    raise UnsupportedMediaError(
        f"send an image as the body ({', '.join(IMAGE_TYPES)}) or as multipart field 'image'; "
        f"got {mimetype or 'no content type'}"
    )


def parse_point(text: str) -> tuple[float, float]:
    """The point "x,y" (two finite numbers, image pixels) of `at`; `BadRequestError` for
    anything else."""
    found = _POINT.fullmatch(text) if len(text) <= POINT_LIMIT else None
    if found is not None:
        x, y = float(found[1]), float(found[2])
        if math.isfinite(x) and math.isfinite(y):
            return x, y
    raise BadRequestError(
        f"'at' must be a point x,y in the image's pixels, such as 320,240; got {shown(text)}")


def _chosen_point(origin: str) -> tuple[float, float] | None:
    """Where the face to follow is: `at`, a query parameter of a camera frame, and a form
    field (or query parameter) of an upload. None: follow the largest face."""
    given = request.args.getlist("at")
    if origin == "upload":
        given = request.form.getlist("at") + given
    if not given:
        return None
    if len(given) > 1:
        raise BadRequestError(f"send 'at' once, not {len(given)} times")
    return parse_point(given[0])


def _changed(answer: dict[str, Any], changed: bool) -> None:
    """Says whether the playlist changed; inside the mood too, where clients of the previous
    version read it."""
    answer["playlist_changed"] = changed
    if answer.get("mood") is not None:
        answer["mood"]["playlist_changed"] = changed


@bp.post("/api/emotion")
def emotion() -> Response:
    """Faces and emotions of one image: a camera frame (raw body) moves this browser's mood
    on by one frame; a photo (multipart upload) sets it. Only one face moves the mood, the
    `driver`: the one at `at` when it is given, else the largest (`pick_face`). The playlist
    and its songs come with the answer only when the playlist changed."""
    data, origin = _image_bytes()
    at = _chosen_point(origin)
    image = decode_image(data)
    found, state = services(), browser()
    faces = found.recognizer.analyze(image)
    driver = pick_face(faces, at)
    camera = found.camera_mood()
    before = state.playlist_id(camera)
    if driver is not None:
        scores = emotion_scores(faces[driver].scores)
        if origin == "upload":
            state.read_photo(scores, time.time())
        else:
            state.observe(scores, time.time(), MoodSettings(alpha=found.settings.mood_alpha))
    changed = state.playlist_id(camera) != before
    answer: dict[str, Any] = {"faces": [face.to_dict() for face in faces], "driver": driver,
                              "mood": mood_payload(state, camera)}
    _changed(answer, changed)
    if changed:
        payload = playlists.state_payload(state, found)
        answer["playlist"], answer["recommendations"] = (payload["playlist"],
                                                         payload["recommendations"])
    return jsonify(answer)


@bp.get("/api/state")
def get_state() -> Response:
    return jsonify(playlists.state_payload(browser(), services()))


@bp.post("/api/mood")
def post_mood() -> Response:
    body = _json_object()
    if not body.keys() & {"emotion", "source", "locked", "strategy"}:
        raise BadRequestError(
            'send JSON such as {"emotion": "sad"}, {"source": "server"}, {"locked": true} '
            'or {"strategy": "calm"}'
        )
    state, found = browser(), services()
    camera = found.camera_mood()
    before = state.playlist_id(camera)
    # Every field is checked before any is applied, so a bad one changes nothing.
    emotion = None
    if "emotion" in body:
        try:
            emotion = parse_emotion(
                checked_text(body["emotion"], "'emotion'", max_chars=NAME_LIMIT)).value
        except ValueError as exc:
            raise BadRequestError(str(exc)) from None
    if "source" in body:
        if body["source"] != "server":
            raise BadRequestError("the only source to follow is 'server'")
        if found.camera is None:
            raise BadRequestError("this server has no camera")
        security.require_camera(state)
        # So that the first answers already show it awake, or say why it cannot be opened.
        found.camera.watch_and_wait(timeout=1.0)
    locked = bool_field(body, "locked") if "locked" in body else None
    strategy = None
    if "strategy" in body:
        strategy = checked_text(body["strategy"], "'strategy'", max_chars=NAME_LIMIT)
        try:
            create_strategy(strategy)
        except ValueError as exc:
            raise BadRequestError(str(exc)) from None
    now = time.time()
    if emotion is not None:
        state.pick(emotion, now)
    if "source" in body:
        state.follow_server()
    if locked is not None:
        state.set_lock(locked, camera)
    if strategy is not None:
        state.choose_strategy(strategy, now)
    answer = playlists.state_payload(state, found)
    _changed(answer, state.playlist_id(found.camera_mood()) != before)
    return jsonify(answer)


@bp.get("/api/recommendations")
def get_recommendations() -> Response:
    """This browser's playlist with its path; ?strategy= and ?n= change them for this answer
    only (POST /api/mood {"strategy": ...} keeps a strategy)."""
    name = request.args.get("strategy") or None
    if name is not None:
        name = checked_text(name, "strategy", max_chars=NAME_LIMIT)
        try:
            create_strategy(name)
        except ValueError as exc:
            raise BadRequestError(str(exc)) from None
    n = _playlist_length(request.args["n"]) if "n" in request.args else None
    return jsonify(playlists.playlist_payload(browser(), services(), name, n))


def _playlist_length(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = None
    if n is None or not 1 <= n <= MAX_RECOMMENDATIONS:
        raise BadRequestError(
            f"n must be a whole number from 1 to {MAX_RECOMMENDATIONS}, got {shown(text)}")
    return n


def _feedback_track(body: dict[str, Any]) -> Key | int:
    if "track_id" in body:
        # Ids are checked here, as the database's 32-bit column would, on any database.
        return int_field(body, "track_id", low=1, high=MAX_ID)
    title, artist = body.get("title"), body.get("artist")
    if not (isinstance(title, str) and title.strip() and isinstance(artist, str)
            and artist.strip()):
        raise BadRequestError(f"name the song: send JSON such as {FEEDBACK_EXAMPLE}")
    return (checked_text(title, "'title'", max_chars=TEXT_LIMIT),
            checked_text(artist, "'artist'", max_chars=TEXT_LIMIT))


def _record(db: Session, profile_id: str, track: Key | int, kind: str,
            value: float) -> FeedbackEventRow:
    try:
        return record_feedback(db, profile_id, track, kind, value)
    except ValueError as exc:  # an unknown song (`UnknownTrackError`), kind or value
        raise BadRequestError(str(exc)) from None


@bp.post("/api/feedback")
def post_feedback() -> tuple[Response, int]:
    """What the listener did with a song (like, dislike, play, skip, complete), for this
    browser's profile, which is made on its first feedback."""
    body = _json_object(FEEDBACK_EXAMPLE)
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in FEEDBACK_KINDS:
        raise BadRequestError(
            f"unknown feedback kind {shown(kind)}; expected one of: {', '.join(FEEDBACK_KINDS)}")
    value = number_field(body, "value", 1.0)
    track = _feedback_track(body)
    state = browser()
    with services().transaction() as db:
        profile = ensure_profile(db, state.profile_id)
        event = _record(db, profile.id, track, kind, value)
        recorded = {"title": event.track.title, "artist": event.track.artist,
                    "kind": event.kind, "value": event.value}
    state.profile_id = profile.id
    return jsonify(recorded=recorded), 201


MAX_FAVOURITES = 50


def _names(body: dict[str, Any], field: str) -> list[str]:
    return text_list_field(body, field, max_items=MAX_FAVOURITES, max_chars=200)


@bp.get("/api/profile")
def get_profile() -> Response:
    """This browser's profile: its favourite artists and genres (empty before any)."""
    profile_id = browser().profile_id
    artists: list[str] = []
    genres: list[str] = []
    if profile_id is not None:
        with services().database()() as db:
            artists, genres = favourites(db, profile_id)
    return jsonify(favourite_artists=artists, favourite_genres=genres)


@bp.post("/api/profile")
def post_profile() -> Response:
    """Sets this browser's favourite artists and genres, which the taste model starts from."""
    example = '{"favourite_artists": ["Adele"], "favourite_genres": ["soul"]}'
    body = _json_object(example)
    if not body.keys() & {"favourite_artists", "favourite_genres"}:
        raise BadRequestError(f"send JSON such as {example}")
    state = browser()
    with services().transaction() as db:
        profile = ensure_profile(db, state.profile_id)
        artists = (_names(body, "favourite_artists") if "favourite_artists" in body
                   else list(profile.favourite_artists))
        genres = (_names(body, "favourite_genres") if "favourite_genres" in body
                  else list(profile.favourite_genres))
        set_favourites(db, profile, artists, genres)
        answer = {"favourite_artists": list(profile.favourite_artists),
                  "favourite_genres": list(profile.favourite_genres)}
    state.profile_id = profile.id
    return jsonify(answer)


@bp.get("/t")
def paper_recommendations() -> Response:
    """The paper's polling route: the current recommendations as a JSON list."""
    songs = playlists.playlist_payload(browser(), services())["recommendations"]
    return jsonify(songs)
