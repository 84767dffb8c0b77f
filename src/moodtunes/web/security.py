"""What keeps other sites out, for every route at once (docs/SECURITY.md).

- Cross-site requests: every request that may change something (any method but GET, HEAD and
  OPTIONS) must come from this origin, as far as the browser says (`Origin`, `Sec-Fetch-Site`),
  and carry the page's CSRF token in the `X-CSRF-Token` header, which only a script of this
  origin can set: a form of another site cannot set headers, and another site's fetch with one
  needs a CORS preflight that this app never grants. The token is stateless (signed with the
  app's secret key) because the page's GET never writes the cookie.
- Security headers on every answer: pages, JSON, errors, static files and /video_feed.
- The server camera: who may watch it and follow its mood.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from itsdangerous import BadSignature, Signer

from moodtunes.config import Settings
from moodtunes.errors import MoodtunesError
from moodtunes.music.previews import DEEZER_API_URL
from moodtunes.web.browser import SAFE_METHODS, BrowserState

CSRF_HEADER = "X-CSRF-Token"
_CSRF_SALT = "moodtunes.csrf"
_CAMERA_SALT = b"moodtunes.camera:"
# Nothing longer is a token this app made; longer headers are refused unread.
_MAX_TOKEN_CHARS = 200

# Where Deezer's 30-second previews come from (its CDN).
DEEZER_MEDIA = "https://*.dzcdn.net"
# The camera for this origin only; features the page never uses, for nobody.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Nothing of a page's address (which may hold ?camera_token=) goes to other sites.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    # No other site, not even one on another port of this host, embeds an answer (such as
    # <img src=/video_feed>, which would carry this browser's cookie).
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Sent when the cookie is HTTPS-only (the `session_cookie_secure` setting): browsers then use
# HTTPS for this host for a year. Not for subdomains, which may be someone else's.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"

_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# Headers a reverse proxy adds: behind one, every request comes from the loopback address.
_PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-Ip")


class CrossSiteRequestError(MoodtunesError):
    """A request that may change something, which the browser says came from another site."""

    code = "cross_site_request"
    status = 403


class CsrfTokenError(MoodtunesError):
    """A request that may change something without the page's token."""

    code = "csrf_token_invalid"
    status = 403


class CameraForbiddenError(MoodtunesError):
    """The server camera is private, and this browser was not let in."""

    code = "camera_forbidden"
    status = 403


# --- the CSRF token -----------------------------------------------------------------------


def _signer() -> Signer:
    return Signer(current_app.secret_key or "", salt=_CSRF_SALT, digest_method=hashlib.sha256)


def csrf_token() -> str:
    """A new token for a page: a random nonce signed with the app's secret key, so any process
    sharing that key accepts it, and none needs to remember it."""
    return _signer().sign(secrets.token_urlsafe(16)).decode("ascii")


def csrf_environ(app: Flask) -> dict[str, str]:
    """The WSGI environ entry of the header the page sends, for a program that talks to `app`
    in process as the page would (`client.environ_base.update(...)`: tests, benchmarks)."""
    with app.app_context():
        return {"HTTP_" + CSRF_HEADER.upper().replace("-", "_"): csrf_token()}


def valid_csrf_token(token: str | None) -> bool:
    if not token or len(token) > _MAX_TOKEN_CHARS:
        return False
    try:
        _signer().unsign(token)
    except BadSignature:
        return False
    return True


# --- origins ------------------------------------------------------------------------------


def _origin(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port filled in; None when it is no http(s)
    origin."""
    scheme = scheme.lower()
    if scheme not in ("http", "https"):
        return None
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def own_origin() -> tuple[str, str, int] | None:
    """The origin this request was sent to: its scheme and its Host."""
    return _origin(request.scheme, request.host)


def _header_origin(value: str) -> tuple[str, str, int] | None:
    parts = urlsplit(value.strip())
    if parts.path or parts.query or parts.fragment:
        return None
    return _origin(parts.scheme, parts.netloc)


def check_same_origin() -> None:
    """Refuses a request that the browser says came from another origin (another site,
    another port, a sibling subdomain, an opaque `null` origin), or that lacks the page's
    token."""
    origin = request.headers.get("Origin")
    if origin is not None:
        sent_from = _header_origin(origin)
        if sent_from is None or sent_from != own_origin():
            raise CrossSiteRequestError(
                f"this request came from another site ({origin[:80]}); moodtunes takes "
                "changes only from its own page")
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.strip().lower() != "same-origin":
        raise CrossSiteRequestError(
            f"this request came from another site (Sec-Fetch-Site: {site[:20]}); moodtunes "
            "takes changes only from its own page")
    if not valid_csrf_token(request.headers.get(CSRF_HEADER)):
        raise CsrfTokenError(
            f"this request lacks the page's {CSRF_HEADER} header: reload the page (a program "
            "reads the token from the page's moodtunes-config JSON and sends it with every "
            "request that changes something)")


def _refuse_cross_site() -> None:
    if request.method not in SAFE_METHODS:
        check_same_origin()


# --- headers ------------------------------------------------------------------------------


def content_security_policy(settings: Settings) -> str:
    """The page's own scripts, styles and images only; photos shown from blob: URLs and the
    inline SVG icon as a data: URL; previews from Deezer's CDN, or from the stand-in for
    Deezer's API when one is configured (`deezer_api_url`), which serves its own."""
    media = ["'self'", DEEZER_MEDIA]
    stand_in = _origin(*urlsplit(settings.deezer_api_url)[:2])
    if stand_in is not None and settings.deezer_api_url.rstrip("/") != DEEZER_API_URL:
        scheme, host, port = stand_in
        media.append(f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}")
    return "; ".join((
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        f"media-src {' '.join(media)}",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ))


def _add_headers(response: Response) -> Response:
    settings = current_app.extensions["moodtunes"].settings
    response.headers.setdefault("Content-Security-Policy", content_security_policy(settings))
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


# --- the server camera --------------------------------------------------------------------


def camera_pass(token: str) -> str:
    """What a browser keeps in its cookie once given the camera token: an HMAC of the token
    under the app's secret key, never the token itself. Another token, or another key, makes
    every kept pass useless."""
    key = current_app.secret_key or ""
    key_bytes = key.encode() if isinstance(key, str) else key
    return hmac.new(key_bytes, _CAMERA_SALT + token.encode(), hashlib.sha256).hexdigest()


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def local_request() -> bool:
    """This machine's own browser talking to a server on the loopback address: sent from and
    to a loopback address (so a page of another site that resolves its name to 127.0.0.1, DNS
    rebinding, is not one), through no proxy."""
    own = own_origin()
    return (_is_loopback(request.remote_addr) and own is not None
            and own[1] in _LOOPBACK_NAMES
            and not any(name in request.headers for name in _PROXY_HEADERS))


def camera_allowed(state: BrowserState) -> bool:
    """Whether this browser may watch the server camera: with a `camera_token` configured,
    when it was given the token; without one, only this machine's own browser."""
    token = current_app.extensions["moodtunes"].settings.camera_token
    if token is None:
        return local_request()
    return state.camera_pass is not None and hmac.compare_digest(state.camera_pass,
                                                                 camera_pass(token))


def token_opens_camera(token: str) -> bool:
    """Whether `token` is the configured camera token (in constant time)."""
    configured = current_app.extensions["moodtunes"].settings.camera_token
    return (configured is not None and len(token) <= _MAX_TOKEN_CHARS
            and hmac.compare_digest(token.encode(), configured.encode()))


def require_camera(state: BrowserState) -> None:
    """`CameraForbiddenError` unless this browser may watch the server camera."""
    if not camera_allowed(state):
        raise CameraForbiddenError(
            "the server camera is private: open moodtunes with the link its operator gives "
            "(/?camera_token=...)")


def init_app(app: Flask) -> None:
    app.before_request(_refuse_cross_site)
    app.after_request(_add_headers)
