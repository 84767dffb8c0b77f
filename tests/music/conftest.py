"""Fixtures for the music services' tests: local stand-ins for remote APIs, served on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], str]]:
    """Starts a Flask app on a free local port in a thread and gives its base URL; every server
    started is shut down and its socket closed when the test ends."""
    running: list[tuple[BaseWSGIServer, threading.Thread]] = []

    def start(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        # A short poll interval lets shutdown() return at once rather than after half a second.
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def closed_port_url() -> str:
    """The base URL of a local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def http_session() -> Iterator[requests.Session]:
    """A requests session closed after the test, so no socket outlives it."""
    with requests.Session() as session:
        yield session
