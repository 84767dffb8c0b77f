"""The JSON API: emotions from images, the mood of this browser, its recommendations and
what the listener thinks of them."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Response, jsonify, request, session
from sqlalchemy.orm import Session

from moodtunes.emotions import parse_emotion
from moodtunes.errors import BadRequestError, UnsupportedMediaError
from moodtunes.music.catalog import track_key
from moodtunes.recommend import create_strategy
from moodtunes.storage.feedback import UnknownTrackError, record_feedback
from moodtunes.storage.library import Key, ensure_profile, favourites, set_favourites
from moodtunes.storage.models import FEEDBACK_KINDS, FeedbackEventRow
from moodtunes.storage.tracks import import_tracks, imported_from_track
from moodtunes.vision.images import decode_image
from moodtunes.vision.smoothing import Mood, set_mood, update_mood
from moodtunes.web import state
from moodtunes.web.services import services

bp = Blueprint("api", __name__)

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/bmp")
# The longest playlist /api/recommendations makes.
MAX_RECOMMENDATIONS = 50
FEEDBACK_EXAMPLE = '{"title": "...", "artist": "...", "kind": "like"}'


def _image_bytes() -> tuple[bytes, str]:
    """The posted image and where it came from: a camera frame (raw body) or an upload."""
    mimetype = request.mimetype
    if mimetype in IMAGE_TYPES:
        return request.get_data(cache=False), "browser"
    if mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            raise BadRequestError("the form has no file field named 'image'")
        return upload.read(), "upload"
    raise UnsupportedMediaError(
        f"send an image as the body ({', '.join(IMAGE_TYPES)}) or as multipart field 'image'; "
        f"got {mimetype or 'no content type'}"
    )


def _state_payload() -> dict[str, Any]:
    playlist = state.playlist_payload()
    songs = playlist.pop("recommendations")
    return {"mood": state.mood_payload(state.current_mood()), "recommendations": songs,
            "playlist": playlist, "server_camera": services().camera is not None}


@bp.post("/api/emotion")
def emotion() -> Response:
    data, origin = _image_bytes()
    image = decode_image(data)
    faces = services().recognizer.analyze(image)
    mood: Mood | None = state.stored_mood()
    playlist_changed = False
    if faces:
        scores = list(faces[0].scores.values())
        # A photo stands on its own; camera frames are smoothed with the ones before them.
        mood = Mood.from_probs(scores) if origin == "upload" else update_mood(mood, scores)
        playlist_changed = state.save_mood(mood, origin)
    payload = state.mood_payload(mood) if faces else state.mood_payload(state.current_mood())
    if payload is not None:
        if not faces:
            payload["changed"] = False
        # `changed` is about the emotion shown; this says the songs are new.
        payload["playlist_changed"] = playlist_changed
    return jsonify(faces=[face.to_dict() for face in faces], mood=payload)


@bp.get("/api/state")
def get_state() -> Response:
    return jsonify(_state_payload())


@bp.post("/api/mood")
def post_mood() -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body.keys() & {"emotion", "source", "locked",
                                                        "strategy"}:
        raise BadRequestError(
            'send JSON such as {"emotion": "sad"}, {"source": "server"}, {"locked": true} '
            'or {"strategy": "calm"}'
        )
    if "emotion" in body:
        try:
            emotion = parse_emotion(str(body["emotion"]))
        except ValueError as exc:
            raise BadRequestError(str(exc)) from None
        # A new playlist for the picked mood; while locked, the lock moves to it.
        state.save_mood(set_mood(emotion.value), "manual")
    if "source" in body:
        if body["source"] != "server":
            raise BadRequestError("the only source to follow is 'server'")
        if services().camera is None:
            raise BadRequestError("this server has no camera")
        state.follow_server_camera()
    if "locked" in body:
        if not isinstance(body["locked"], bool):
            raise BadRequestError("'locked' must be true or false")
        state.set_locked(body["locked"])
    if "strategy" in body:
        try:
            state.set_strategy(str(body["strategy"]))
        except ValueError as exc:
            raise BadRequestError(str(exc)) from None
    return jsonify(_state_payload())


@bp.get("/api/recommendations")
def get_recommendations() -> Response:
    """This browser's playlist with its path; ?strategy= and ?n= change them for this answer
    only (POST /api/mood {"strategy": ...} keeps a strategy)."""
    name = request.args.get("strategy") or None
    if name is not None:
        try:
            create_strategy(name)
        except ValueError as exc:
            raise BadRequestError(str(exc)) from None
    n = _playlist_length(request.args["n"]) if "n" in request.args else None
    return jsonify(state.playlist_payload(name, n))


def _playlist_length(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = None
    if n is None or not 1 <= n <= MAX_RECOMMENDATIONS:
        raise BadRequestError(
            f"n must be a whole number from 1 to {MAX_RECOMMENDATIONS}, got {text!r}")
    return n


def _feedback_track(body: dict[str, Any]) -> Key | int:
    if "track_id" in body:
        track_id = body["track_id"]
        if isinstance(track_id, bool) or not isinstance(track_id, int):
            raise BadRequestError("'track_id' must be a whole number")
        return track_id
    title, artist = body.get("title"), body.get("artist")
    if not (isinstance(title, str) and title.strip() and isinstance(artist, str)
            and artist.strip()):
        raise BadRequestError(f"name the song: send JSON such as {FEEDBACK_EXAMPLE}")
    return title, artist


def _record(db: Session, profile_id: str, track: Key | int, kind: str,
            value: float) -> FeedbackEventRow:
    try:
        return record_feedback(db, profile_id, track, kind, value)
    except UnknownTrackError as exc:
        # A song the app recommends may be missing from the table (the operator's --playlists
        # are only in memory): it is stored on its first feedback.
        row = services().index.row_of(track_key(*track)) if isinstance(track, tuple) else None
        if row is None:
            raise BadRequestError(str(exc)) from None
        found = services().index.track(row)
        import_tracks(db, [imported_from_track(found, found.source)])
        return record_feedback(db, profile_id, track, kind, value)
    except ValueError as exc:
        raise BadRequestError(str(exc)) from None


@bp.post("/api/feedback")
def post_feedback() -> tuple[Response, int]:
    """What the listener did with a song (like, dislike, play, skip, complete), for this
    browser's profile, which is made on its first feedback."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequestError(f"send JSON such as {FEEDBACK_EXAMPLE}")
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in FEEDBACK_KINDS:
        raise BadRequestError(
            f"unknown feedback kind {kind!r}; expected one of: {', '.join(FEEDBACK_KINDS)}")
    value = body.get("value", 1.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRequestError(f"'value' must be a number, got {value!r}")
    track = _feedback_track(body)
    with services().transaction() as db:
        profile = ensure_profile(db, session.get(state.PROFILE_KEY))
        event = _record(db, profile.id, track, kind, float(value))
        recorded = {"title": event.track.title, "artist": event.track.artist,
                    "kind": event.kind, "value": event.value}
    session[state.PROFILE_KEY] = profile.id
    services().forget_taste(profile.id)
    return jsonify(recorded=recorded), 201


MAX_FAVOURITES = 50


def _names(body: dict[str, Any], field: str) -> list[str]:
    values = body.get(field, [])
    if (not isinstance(values, list) or len(values) > MAX_FAVOURITES
            or not all(isinstance(v, str) and len(v) <= 200 for v in values)):
        raise BadRequestError(
            f"'{field}' must be a list of at most {MAX_FAVOURITES} names (text, 200 characters "
            "at most)")
    return values


@bp.get("/api/profile")
def get_profile() -> Response:
    """This browser's profile: its favourite artists and genres (empty before any)."""
    profile_id = session.get(state.PROFILE_KEY)
    artists: list[str] = []
    genres: list[str] = []
    if isinstance(profile_id, str) and profile_id:
        with services().database()() as db:
            artists, genres = favourites(db, profile_id)
    return jsonify(favourite_artists=artists, favourite_genres=genres)


@bp.post("/api/profile")
def post_profile() -> Response:
    """Sets this browser's favourite artists and genres, which the taste model starts from."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body.keys() & {"favourite_artists", "favourite_genres"}:
        raise BadRequestError(
            'send JSON such as {"favourite_artists": ["Adele"], "favourite_genres": ["soul"]}')
    with services().transaction() as db:
        profile = ensure_profile(db, session.get(state.PROFILE_KEY))
        artists = (_names(body, "favourite_artists") if "favourite_artists" in body
                   else list(profile.favourite_artists))
        genres = (_names(body, "favourite_genres") if "favourite_genres" in body
                  else list(profile.favourite_genres))
        set_favourites(db, profile, artists, genres)
        answer = {"favourite_artists": list(profile.favourite_artists),
                  "favourite_genres": list(profile.favourite_genres)}
    session[state.PROFILE_KEY] = profile.id
    services().forget_taste(profile.id)
    return jsonify(answer)


@bp.get("/t")
def paper_recommendations() -> Response:
    """The paper's polling route: the current recommendations as a JSON list."""
    return jsonify(state.recommendations())
