"""A real database per test, SQLite and PostgreSQL (`database_url`, tests/conftest.py),
migrated by Alembic to the newest revision."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.storage.db import create_db_engine, session_factory, upgrade


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    upgrade(engine)
    return session_factory(engine)
