"""The Flask app: `create_app` is the only place it is built."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from moodtunes.config import (
    SecretKeyError,
    Settings,
    check_secret_key,
    data_dir,
    load_settings,
    read_secret_key,
)
from moodtunes.config import secret_key_path as default_secret_key_path
from moodtunes.web import api, browser, errors, inputs, limits, pages, security, spotify
from moodtunes.web.services import Services, build_services

log = logging.getLogger(__name__)


def _secret_key(settings: Settings) -> str:
    """The configured key, else the one `moodtunes db upgrade` keeps in the data folder."""
    if settings.secret_key:
        return check_secret_key(settings.secret_key, "the settings (MOODTUNES_SECRET_KEY)")
    path = default_secret_key_path()
    key = read_secret_key(path)
    if key is None:
        raise SecretKeyError(
            f"no secret key for the session cookies in {path}: run `moodtunes db upgrade` "
            "(it makes one), or set MOODTUNES_SECRET_KEY")
    return key


def create_app(test_config: dict[str, Any] | None = None,
               settings: Settings | None = None, services: Services | None = None) -> Flask:
    """Build the app. `test_config` overrides Flask config; `services` replaces the real ones.

    The database and the secret key must have been prepared (`moodtunes db upgrade`, which
    `moodtunes serve` runs first): building the app only reads them, so every worker of a
    multi-process server can build its own."""
    app = Flask(__name__, instance_path=str(data_dir().resolve()))
    settings = settings or load_settings()
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # scores stay in label order
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(settings)
    log.info("moodtunes settings: %s", settings.public())

    app.extensions["moodtunes"] = services or build_services(settings)
    errors.init_app(app)
    security.init_app(app)
    inputs.init_app(app)
    limits.init_app(app)
    browser.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(spotify.bp)
    if settings.trusted_proxies:
        # Behind a TLS proxy the browser's Origin says https and the proxy's Host: take both
        # from the trusted proxies' X-Forwarded-Proto/-Host/-Port, or the origin check would
        # refuse every POST. The client's address stays the limits' business (X-Forwarded-For,
        # counted there with the same number of hops).
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=0, x_proto=n, x_host=n, x_port=n, x_prefix=0)
    return app
