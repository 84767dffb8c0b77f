"""The pages people see, and the paper's MJPEG stream of the server camera, which only the
browsers its operator lets in may watch and follow (`security.camera_allowed`)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from moodtunes.emotions import AFFECT, EMOTIONS
from moodtunes.errors import MoodtunesError
from moodtunes.recommend import DEFAULT_STRATEGY, STRATEGIES
from moodtunes.web import security
from moodtunes.web.browser import browser
from moodtunes.web.inputs import checked_text, read_json_object
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


class CameraUnavailableError(MoodtunesError):
    """The server has a camera, but it cannot be opened now; it is tried again later."""

    code = "camera_unavailable"
    status = 503

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # the errors boundary sends it as Retry-After


def camera_problem(error: str) -> str:
    """What the page and the API say when the server camera cannot be opened."""
    return f"the server's camera could not be opened: {error}"


@bp.before_app_request
def _follow_server_camera() -> None:
    """A browser following the server camera keeps it awake; one that may no longer watch it
    (its token changed) follows its own camera again."""
    state, camera = browser(), services().camera
    if state.source != "server" or camera is None:
        return
    if security.camera_allowed(state):
        camera.watch()
    else:
        state.source = "browser"


@bp.get("/")
def index() -> str:
    found = services()
    # A link with the camera token shows the camera's controls; the page then posts the
    # token to /api/camera, which remembers it (a GET never writes the cookie).
    offered = request.args.get("camera_token")
    server_camera = found.camera is not None and (
        security.camera_allowed(browser())
        or (offered is not None and security.token_opens_camera(offered)))
    return render_template(
        "index.html", emotions=list(EMOTIONS), server_camera=server_camera,
        csrf_token=security.csrf_token(),
        max_upload_mb=found.settings.max_upload_mb,
        strategies=[(name, name.capitalize(), STRATEGY_HINTS.get(name, ""))
                    for name in STRATEGIES],
        default_strategy=DEFAULT_STRATEGY,
        strategy_hints=STRATEGY_HINTS,
        # The page places the mood's dot on its map from the scores, as `mood_point` does.
        affect={name: [AFFECT[name].valence, AFFECT[name].arousal] for name in EMOTIONS},
    )


@bp.post("/api/camera")
def post_camera() -> Response:
    """Lets this browser watch the server camera, given the token the operator configured
    (`camera_token`); remembered in its cookie."""
    body = read_json_object('{"token": "..."}')
    token = checked_text(body.get("token"), "'token'", max_chars=200)
    if services().camera is None:
        raise NoCameraError("this server has no camera")
    if not security.token_opens_camera(token):
        raise security.CameraForbiddenError("that is not this server's camera token")
    browser().grant_camera(security.camera_pass(token))
    return jsonify(server_camera=True)


@bp.get("/video_feed")
def video_feed() -> Response:
    """The server camera's annotated frames as MJPEG, while this viewer reads them; a 503
    when the camera cannot be opened (each request after the backoff tries it again)."""
    camera = services().camera
    if camera is None:
        raise NoCameraError("this server has no camera; start it with --camera INDEX|VIDEO_FILE")
    security.require_camera(browser())
    if not camera.watch_and_wait() and camera.error is not None:
        raise CameraUnavailableError(camera_problem(camera.error),
                                     retry_after=camera.retry_in or camera.retry_after)
    return Response(camera.mjpeg(), mimetype="multipart/x-mixed-replace; boundary=frame",
                    headers={"Cache-Control": "no-store"})
