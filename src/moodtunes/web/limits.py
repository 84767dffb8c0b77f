"""Rate limits: how often one client may ask for what costs the server (an emotion reading)
or reaches another service (Spotify, Deezer), and how often the whole server asks Deezer.

Counts are kept by the `limits` package in the storage that `ratelimit_storage_url` names:
memory:// keeps them in each process (the default, right for one process), redis://... keeps
them in Redis, so every process of a multi-process server counts together. A client is its
address, taken from X-Forwarded-For only as far back as `trusted_proxies` proxies append to it
(and an IPv6 address by its /64, which one subscriber holds whole). Limits use the sliding
window counter, so a burst at the edge of a window cannot pass twice the limit. A request over
its limit is answered 429 with Retry-After, through `RateLimitedError`.

If the storage fails (Redis is down), requests pass and the failure is logged: a limit is
there against abuse, and is not worth taking the whole site down for.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from dataclasses import dataclass, field

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from moodtunes.config import Settings
from moodtunes.errors import MoodtunesError
from moodtunes.music.previews import PreviewCache

log = logging.getLogger(__name__)

EXTENSION = "moodtunes.limits"
# Each limited endpoint, and the limit (a Settings field `ratelimit_<name>`) it counts against:
# every endpoint that reads a face or reaches another service. tests/web/test_limits.py checks
# that every Spotify route is here or named as reaching no service.
LIMITED_ENDPOINTS = {
    "api.emotion": "emotion",
    "spotify.deezer_preview": "deezer",
    "spotify.login": "spotify",
    "spotify.callback": "spotify",
    "spotify.playlists": "spotify",
    "spotify.import_playlist": "spotify",
    "spotify.import_library": "spotify",
    "spotify.save_playlist": "spotify",
}
# Limits on what the whole server asks a service: a Settings field `ratelimit_<name>_upstream`.
UPSTREAM = ("deezer",)
# Deezer's answers are kept this long, at most this many.
PREVIEW_CACHE_SECONDS = 600.0
PREVIEW_CACHE_SIZE = 4096
# Longer "addresses" (a forged header behind a proxy that keeps it) are cut.
MAX_CLIENT_CHARS = 64


class RateLimitedError(MoodtunesError):
    """A client, or the whole server towards a service, asked too often; `retry_after` says
    in how many seconds it may ask again."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _parsed(settings: Settings, name: str) -> list[RateLimitItem]:
    text = getattr(settings, f"ratelimit_{name}").strip()
    if not text:
        return []
    try:
        return list(parse_many(text))
    except ValueError:
        raise ValueError(f"setting ratelimit_{name} is not a rate limit such as '10/second' or "
                         f"'600 per minute;20 per second': {text!r}") from None


@dataclass
class RateLimits:
    """The limits of one app and the storage of their counts."""

    limiter: SlidingWindowCounterRateLimiter
    limits: dict[str, list[RateLimitItem]]
    trusted_proxies: int
    preview_cache: PreviewCache = field(default_factory=lambda: PreviewCache(
        PREVIEW_CACHE_SECONDS, PREVIEW_CACHE_SIZE))

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        names = {*LIMITED_ENDPOINTS.values(), *(f"{name}_upstream" for name in UPSTREAM)}
        try:
            storage = storage_from_string(settings.ratelimit_storage_url)
        except ConfigurationError as exc:
            raise ValueError(f"setting ratelimit_storage_url: {exc}") from None
        if settings.trusted_proxies < 0:
            raise ValueError("setting trusted_proxies must not be negative")
        return cls(SlidingWindowCounterRateLimiter(storage),
                   {name: _parsed(settings, name) for name in sorted(names)},
                   settings.trusted_proxies)

    def spend(self, name: str, *who: str) -> float | None:
        """Counts one request against the limit `name` for `who`: None when it is within
        every part of the limit, else the seconds until it would be."""
        waits = []
        for item in self.limits[name]:
            try:
                if self.limiter.hit(item, name, *who):
                    continue
                reset_at = self.limiter.get_window_stats(item, name, *who).reset_time
            except Exception as exc:  # noqa: BLE001 - any storage failure lets requests pass
                log.warning("rate limit %s not counted: its storage failed: %s", name, exc)
                return None
            waits.append(max(1.0, reset_at - time.time()))
        return max(waits) if waits else None

    def check(self, name: str) -> None:
        """`RateLimitedError` when this request's client is over the limit `name`."""
        wait = self.spend(name, client_address(self.trusted_proxies))
        if wait is not None:
            raise RateLimitedError(
                f"too many requests; try again in {math.ceil(wait)} s", retry_after=wait)

    def check_upstream(self, service: str) -> None:
        """Counts one request of the whole server to `service`; `RateLimitedError` when the
        server has asked it as often as the service allows."""
        wait = self.spend(f"{service}_upstream")
        if wait is not None:
            raise RateLimitedError(
                f"moodtunes is asking {service.capitalize()} as often as it allows; try again "
                f"in {math.ceil(wait)} s", retry_after=wait)


def client_address(trusted_proxies: int) -> str:
    """Who this request comes from: the address `trusted_proxies` hops back in
    X-Forwarded-For (each proxy appends the address it was reached from), else the peer's;
    an IPv6 address stands for its /64."""
    address = request.remote_addr or ""
    if trusted_proxies:
        hops = [hop.strip() for hop in request.headers.getlist("X-Forwarded-For")
                for hop in hop.split(",") if hop.strip()]
        if len(hops) >= trusted_proxies:
            address = hops[-trusted_proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:MAX_CLIENT_CHARS]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def rate_limits() -> RateLimits:
    limits: RateLimits = current_app.extensions[EXTENSION]
    return limits


def init_app(app: Flask) -> None:
    """Builds the app's limits from its services' settings (so after those are in place)."""
    settings: Settings = app.extensions["moodtunes"].settings
    app.extensions[EXTENSION] = RateLimits.from_settings(settings)

    @app.before_request
    def limit_request() -> None:
        name = LIMITED_ENDPOINTS.get(request.endpoint or "")
        if name is not None:
            rate_limits().check(name)
