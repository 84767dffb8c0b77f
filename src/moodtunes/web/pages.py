"""The pages people see, and the paper's MJPEG stream of the server camera."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from moodtunes.emotions import AFFECT, EMOTIONS
from moodtunes.errors import MoodtunesError
from moodtunes.recommend import DEFAULT_STRATEGY, STRATEGIES
from moodtunes.web.services import services

bp = Blueprint("pages", __name__)

# What each strategy does, in the listener's words, for the buttons' tooltips.
STRATEGY_HINTS = {
    "match": "Songs that stay with your mood",
    "uplift": "Starts with your mood, then lifts it step by step (music therapy's iso principle)",
    "calm": "Starts with your mood, then winds down",
    "energize": "Starts with your mood, then gets livelier and brighter",
}


class NoCameraError(MoodtunesError):
    code = "no_camera"
    status = 404


@bp.get("/")
def index() -> str:
    found = services()
    return render_template(
        "index.html", emotions=list(EMOTIONS), server_camera=found.camera is not None,
        max_upload_mb=found.settings.max_upload_mb,
        strategies=[(name, name.capitalize(), STRATEGY_HINTS.get(name, ""))
                    for name in STRATEGIES],
        default_strategy=DEFAULT_STRATEGY,
        strategy_hints=STRATEGY_HINTS,
        # The page places the mood's dot on its map from the scores, as `mood_point` does.
        affect={name: [AFFECT[name].valence, AFFECT[name].arousal] for name in EMOTIONS},
    )


@bp.get("/video_feed")
def video_feed() -> Response:
    camera = services().camera
    if camera is None:
        raise NoCameraError("this server has no camera; start it with --camera INDEX|VIDEO_FILE")
    if camera.error and not camera.running:
        raise NoCameraError(camera.error)
    return Response(camera.mjpeg(), mimetype="multipart/x-mixed-replace; boundary=frame",
                    headers={"Cache-Control": "no-store"})
