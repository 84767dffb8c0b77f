"""Retry-After and the retry policy that the Spotify and Deezer clients share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from moodtunes.music.retries import (
    RETRY_AFTER_CAP,
    RetryLater,
    RetryPolicy,
    parse_retry_after,
    with_retries,
)
from moodtunes.music.service import (
    MusicServiceError,
    ServiceRateLimitError,
    ServiceUnavailableError,
)

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2", 2.0),
        (" 0.5 ", 0.5),
        ("0", 0.0),
        ("-3", 0.0),  # a wait cannot be negative
        ("Tue, 01 Dec 2026 12:00:30 GMT", 30.0),  # an HTTP date, 30 s after NOW
        ("Tue, 01 Dec 2026 11:59:00 GMT", 0.0),  # already past
        ("Tue, 01 Dec 2026 13:00:00 +0100", 0.0),  # the same instant as NOW, another zone
        ("1e9", RETRY_AFTER_CAP),
        ("inf", RETRY_AFTER_CAP),
        ("Fri, 01 Jan 2100 00:00:00 GMT", RETRY_AFTER_CAP),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_policy_waits_what_is_asked_else_a_growing_capped_backoff() -> None:
    policy = RetryPolicy(max_retries=3, max_wait=3.0, backoff=0.5, growth=2.0)
    assert [policy.wait(n) for n in range(4)] == [0.5, 1.0, 2.0, 3.0]
    assert policy.wait(0, retry_after=2.5) == 2.5
    assert policy.allows(2, 3.0) and not policy.allows(3, 0.0)  # out of retries
    assert not policy.allows(0, 3.5)  # a longer wait than allowed is not waited
    assert [RetryPolicy(backoff=2.0, growth=1.0).wait(n) for n in range(3)] == [2.0, 2.0, 2.0]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"max_retries": -1}, "max_retries must be 0 or more"),
        ({"max_wait": -1.0}, "max_retry_wait must be 0 or more"),
        ({"growth": 0.5}, "growth 1 or more"),
    ],
)
def test_policy_rejects_nonsense(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RetryPolicy(**fields)


def failing(*failures: BaseException, then: str = "done") -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return then

    return calls, attempt


def test_with_retries_waits_and_tries_again_until_it_works() -> None:
    busy = ServiceUnavailableError("Band Service is busy", service="Band Service")
    calls, attempt = failing(RetryLater(busy), RetryLater(busy, retry_after=1.5))
    waits: list[float] = []
    assert with_retries(attempt, RetryPolicy(max_retries=2), waits.append) == "done"
    assert waits == [0.5, 1.5] and len(calls) == 3


def test_with_retries_gives_up_with_the_error_and_its_cause() -> None:
    cause = OSError("connection reset")
    busy = ServiceUnavailableError("Band Service is busy", service="Band Service")
    later = RetryLater(busy)
    later.__cause__ = cause
    calls, attempt = failing(*[later] * 5)
    waits: list[float] = []
    with pytest.raises(ServiceUnavailableError) as caught:
        with_retries(attempt, RetryPolicy(max_retries=2), waits.append)
    assert caught.value is busy and caught.value.__cause__ is cause
    assert len(calls) == 3 and waits == [0.5, 1.0]


def test_a_final_error_is_not_retried() -> None:
    refused = MusicServiceError("Band Service refused", service="Band Service")
    calls, attempt = failing(refused)
    with pytest.raises(MusicServiceError, match="refused"):
        with_retries(attempt, RetryPolicy(max_retries=5), lambda _: None)
    assert len(calls) == 1


def test_a_rate_limit_given_up_on_says_how_long_to_wait() -> None:
    limited = ServiceRateLimitError("Band Service is limiting us", service="Band Service")
    assert limited.message == "Band Service is limiting us" and limited.retry_after is None
    calls, attempt = failing(RetryLater(limited, retry_after=120.0))
    with pytest.raises(ServiceRateLimitError) as caught:
        with_retries(attempt, RetryPolicy(max_wait=10.0), lambda _: None)
    assert caught.value.retry_after == 120.0
    assert caught.value.message == "Band Service is limiting us; try again in 120 seconds"
    assert (caught.value.code, caught.value.status) == ("band_service_rate_limited", 429)
    assert len(calls) == 1
