"""The pages people see, and the paper's MJPEG stream of the server camera."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from moodtunes.emotions import EMOTIONS
from moodtunes.errors import MoodtunesError
from moodtunes.web.services import services

bp = Blueprint("pages", __name__)


class NoCameraError(MoodtunesError):
    code = "no_camera"
    status = 404


@bp.get("/")
def index() -> str:
    found = services()
    return render_template(
        "index.html", emotions=list(EMOTIONS), server_camera=found.camera is not None,
        max_upload_mb=found.settings.max_upload_mb,
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
