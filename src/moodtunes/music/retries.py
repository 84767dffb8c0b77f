"""Asking a music service again: reading Retry-After, and when to wait and when to give up.

A service client turns each failed request into either a `MusicServiceError` (final) or a
`RetryLater` that carries the error to raise if retrying is not allowed, and the wait the
service asked for, if any; `with_retries` does the waiting by one `RetryPolicy`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from moodtunes.music.service import MusicServiceError, ServiceRateLimitError

# The statuses that say "this may pass": too many requests, and the server errors that are not
# a permanent refusal.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# The longest Retry-After taken at its word; longer (or "forever") reads as this, a day.
RETRY_AFTER_CAP = 86_400.0

T = TypeVar("T")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header value, a number of seconds or an HTTP date, at least
    0 and at most `RETRY_AFTER_CAP`; None when absent or unreadable. `now` is for tests."""
    if value is None or not value.strip():
        return None
    try:
        wait = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        wait = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(wait):
        return None
    return min(max(0.0, wait), RETRY_AFTER_CAP)


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_retries` more attempts after the first. Each waits what the service asked
    (Retry-After), which is honoured only up to `max_wait` seconds (a longer wait is given up on
    at once), or else `backoff` seconds, times `growth` for each attempt already made, capped
    at `max_wait`."""

    max_retries: int = 2
    max_wait: float = 10.0
    backoff: float = 0.5
    growth: float = 2.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {self.max_retries}")
        if not self.max_wait >= 0:
            raise ValueError(f"max_retry_wait must be 0 or more, got {self.max_wait}")
        if not (self.backoff >= 0 and self.growth >= 1):
            raise ValueError(
                f"backoff must be 0 or more and growth 1 or more, got {self.backoff}, "
                f"{self.growth}"
            )

    def wait(self, attempt: int, retry_after: float | None = None) -> float:
        """How long to wait after failed attempt number `attempt` (0 for the first)."""
        if retry_after is not None:
            return retry_after
        return min(self.backoff * self.growth**attempt, self.max_wait)

    def allows(self, attempt: int, wait: float) -> bool:
        """Whether to wait `wait` seconds and try again after failed attempt `attempt`."""
        return attempt < self.max_retries and wait <= self.max_wait


class RetryLater(Exception):
    """A failure that may pass: ask again after `retry_after` seconds (None: the policy's
    backoff), or, if the policy says no, raise `error`."""

    def __init__(self, error: MusicServiceError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


def with_retries(
    attempt: Callable[[], T], policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep
) -> T:
    """`attempt()`, again after each `RetryLater` while `policy` allows; the last failure's
    error otherwise (a rate limit then says how long it asked to wait)."""
    failures = 0
    while True:
        try:
            return attempt()
        except RetryLater as later:
            wait = policy.wait(failures, later.retry_after)
            if not policy.allows(failures, wait):
                error = later.error
                if isinstance(error, ServiceRateLimitError) and error.retry_after is None:
                    error = error.after(wait)
                raise error from later.__cause__
            sleep(wait)
            failures += 1
