"""Fixtures shared by the whole suite: real FER2013 faces, and the app built with the real
model and catalog."""

from __future__ import annotations

import gc
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, NullPool, create_engine, make_url, text
from werkzeug.serving import BaseWSGIServer, make_server

from moodtunes.cli.serve import QuietRequestHandler
from moodtunes.config import Settings
from moodtunes.music.catalog import Catalog
from moodtunes.prepare import prepare
from moodtunes.storage.db import database_url as configured_database_url
from moodtunes.vision.faces import create_detector
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.services import Services
from tests.support import FER_DIR, FRAME_H, FRAME_W, PageClient, face_frame, require_shared


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data folder (database, secret key), never the user's."""
    home = tmp_path / "moodtunes-home"
    monkeypatch.setenv("MOODTUNES_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return home


@pytest.fixture(autouse=True)
def page_test_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every app's test client sends the page's CSRF token with its POSTs, as the page does."""
    monkeypatch.setattr(Flask, "test_client_class", PageClient)


# The server the PostgreSQL cases run on: `make test` (.ci/with-postgres) starts one and names
# it here, as a URL whose user may create databases.
POSTGRES_URL_ENV = "MOODTUNES_TEST_POSTGRES_URL"


class PostgresServer:
    """Makes a database per test on the server `MOODTUNES_TEST_POSTGRES_URL` names, and drops
    it afterwards (its connections too)."""

    def __init__(self, url: str) -> None:
        self.url = make_url(configured_database_url(url))
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def create(self, template: str | None = None) -> str:
        name = f"moodtunes_test_{uuid.uuid4().hex[:16]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        # The engines that the test and its app made on this database close their pooled
        # connections now, rather than warn when the garbage collector finds them open.
        for found in gc.get_objects():
            # type(), not isinstance(): that reads __class__, which some objects (torch's
            # deprecated aliases) answer with a warning.
            if issubclass(type(found), Engine) and found.url.database == name \
                    and found.dialect.name == "postgresql":
                found.dispose()
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(f"the PostgreSQL case needs a server: set {POSTGRES_URL_ENV} to a URL "
                    "whose user may create databases (`make test` starts one)")
    server = PostgresServer(url)
    yield server
    server.admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_kind(request: pytest.FixtureRequest) -> str:
    """Each test that stores something runs on SQLite and on PostgreSQL."""
    kind: str = request.param
    return kind


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path,
                 request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an empty database of this test's kind, made for it."""
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create()
    yield url
    server.drop(url)


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The name of a PostgreSQL database that `moodtunes db upgrade` prepared once, which
    tests copy (CREATE DATABASE ... TEMPLATE) rather than prepare again."""
    url = postgres_server.create()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOODTUNES_HOME", str(tmp_path_factory.mktemp("prepared-postgres")))
        prepare(Settings(database_url=url))
    name = make_url(url).database
    assert name is not None
    yield name
    postgres_server.drop(url)


@pytest.fixture(scope="session")
def prepared_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder that `moodtunes db upgrade` prepared once (schema, built-in catalog,
    secret key), which tests copy rather than prepare again."""
    home = tmp_path_factory.mktemp("prepared-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOODTUNES_HOME", str(home))
        patch.delenv("DATABASE_URL", raising=False)
        prepare(Settings())
    return home


@pytest.fixture
def prepared_home(private_data_dir: Path, prepared_template: Path, database_kind: str,
                  request: pytest.FixtureRequest,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's data folder, prepared as `moodtunes db upgrade` leaves it; on PostgreSQL
    its database is a copy of the prepared one, which $DATABASE_URL names."""
    if database_kind == "sqlite":
        shutil.copytree(prepared_template, private_data_dir, dirs_exist_ok=True)
        yield private_data_dir
        return
    shutil.copytree(prepared_template, private_data_dir, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("moodtunes.db*"))
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create(template=request.getfixturevalue("postgres_template"))
    monkeypatch.setenv("DATABASE_URL", url)
    yield private_data_dir
    server.drop(url)


@pytest.fixture(scope="session")
def publictest() -> dict[str, npt.NDArray[np.generic]]:
    path = require_shared(FER_DIR / "publictest.npz")
    with np.load(path, allow_pickle=False) as data:
        return {"images": data["images"], "labels": data["labels"]}


@pytest.fixture(scope="session")
def face_frames(publictest: dict[str, npt.NDArray[np.generic]]) -> list[npt.NDArray[np.uint8]]:
    """Frames of real faces that the default detector finds (about 19 in 20 FER2013 faces)."""
    detector = create_detector()
    frames = []
    for face in publictest["images"][:300]:
        frame = face_frame(face)
        if detector.detect(frame):
            frames.append(frame)
        if len(frames) == 12:
            break
    assert len(frames) == 12, "the detector found too few FER2013 faces"
    return frames


@pytest.fixture(scope="session")
def blank_frame() -> npt.NDArray[np.uint8]:
    return np.full((FRAME_H, FRAME_W, 3), 120, np.uint8)


@pytest.fixture(scope="session")
def recognizer() -> EmotionRecognizer:
    return EmotionRecognizer.default()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.builtin()


@pytest.fixture
def app(recognizer: EmotionRecognizer, catalog: Catalog, prepared_home: Path) -> Flask:
    services = Services(recognizer, catalog, Settings(max_upload_mb=1))
    return create_app({"TESTING": True, "SECRET_KEY": "test"}, settings=services.settings,
                      services=services)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as client:
        yield client


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], str]]:
    """Starts a Flask app on a free local port in a thread and gives its base URL; every server
    started is shut down and its socket closed when the test ends."""
    running: list[tuple[BaseWSGIServer, threading.Thread]] = []

    def start(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True,
                             request_handler=QuietRequestHandler)  # as `moodtunes serve`
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The page's flows in a real browser run on SQLite only: what they add is the browser's
    side, and the API and storage tests already run every request on PostgreSQL too."""
    for item in items:
        params = getattr(item, "callspec", None)
        if (item.get_closest_marker("browser") is not None and params is not None
                and params.params.get("database_kind") == "postgresql"):
            item.add_marker(pytest.mark.skip(
                reason="browser flows run on SQLite; the API tests cover PostgreSQL"))
