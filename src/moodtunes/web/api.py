"""The JSON API: emotions from images, the mood of this browser, its recommendations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from moodtunes.emotions import parse_emotion
from moodtunes.errors import BadRequestError, UnsupportedMediaError
from moodtunes.vision.images import decode_image
from moodtunes.vision.smoothing import Mood, set_mood, update_mood
from moodtunes.web import state
from moodtunes.web.services import services

bp = Blueprint("api", __name__)

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/bmp")


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
    return {"mood": state.mood_payload(state.current_mood()),
            "recommendations": state.recommendations(),
            "server_camera": services().camera is not None}


@bp.post("/api/emotion")
def emotion() -> Response:
    data, origin = _image_bytes()
    image = decode_image(data)
    faces = services().recognizer.analyze(image)
    mood: Mood | None = state.stored_mood()
    if faces:
        scores = list(faces[0].scores.values())
        # A photo stands on its own; camera frames are smoothed with the ones before them.
        mood = Mood.from_probs(scores) if origin == "upload" else update_mood(mood, scores)
        state.save_mood(mood, origin)
    payload = state.mood_payload(mood) if faces else state.mood_payload(state.current_mood())
    if payload is not None and not faces:
        payload["changed"] = False
    return jsonify(faces=[face.to_dict() for face in faces], mood=payload)


@bp.get("/api/state")
def get_state() -> Response:
    return jsonify(_state_payload())


@bp.post("/api/mood")
def post_mood() -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body.keys() & {"emotion", "source", "locked"}:
        raise BadRequestError(
            'send JSON such as {"emotion": "sad"}, {"source": "server"} or {"locked": true}'
        )
    if "emotion" in body:
        try:
            emotion = parse_emotion(str(body["emotion"]))
        except ValueError as exc:
            raise BadRequestError(str(exc)) from None
        state.save_mood(set_mood(emotion.value), "manual")
        if state.is_locked():  # a mood picked by hand while locked moves the lock to it
            state.set_locked(True)
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
    return jsonify(_state_payload())


@bp.get("/t")
def paper_recommendations() -> Response:
    """The paper's polling route: the current recommendations as a JSON list."""
    return jsonify(state.recommendations())
