"""A real SQLite file per test, migrated by Alembic to the newest revision."""

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.storage.db import create_db_engine, session_factory, upgrade


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return create_db_engine(f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    upgrade(engine)
    return session_factory(engine)
