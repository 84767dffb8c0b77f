"""Fixtures for the music services' tests: local stand-ins for remote APIs, served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests


@pytest.fixture
def http_session() -> Iterator[requests.Session]:
    """A requests session closed after the test, so no socket outlives it."""
    with requests.Session() as session:
        yield session
