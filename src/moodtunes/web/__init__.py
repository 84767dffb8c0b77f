"""The Flask app: `create_app` is the only place it is built."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from moodtunes.config import Settings, data_dir, load_settings
from moodtunes.web import api, errors, pages, spotify
from moodtunes.web.services import Services, build_services

log = logging.getLogger(__name__)


def _secret_key(app: Flask) -> str:
    """A key kept in the data folder, so sessions survive a restart of the server."""
    path = Path(app.instance_path) / "secret_key"
    try:
        if path.is_file():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
        return key
    except OSError as exc:
        log.warning("cannot keep a secret key in %s (%s); sessions end with the server",
                    path, exc)
        return secrets.token_hex(32)


def create_app(test_config: dict[str, Any] | None = None,
               settings: Settings | None = None, services: Services | None = None) -> Flask:
    """Build the app. `test_config` overrides Flask config; `services` replaces the real ones."""
    app = Flask(__name__, instance_path=str(data_dir().resolve()))
    settings = settings or load_settings()
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # scores stay in label order
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key or _secret_key(app)
    log.info("moodtunes settings: %s", settings.public())

    app.extensions["moodtunes"] = services or build_services(settings)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(spotify.bp)
    return app
