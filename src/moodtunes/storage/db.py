"""The engine and the schema: SQLite in the data folder by default, any SQLAlchemy URL else.

The schema is made and upgraded only by the Alembic migrations in `migrations/`, so a
database created by one version of moodtunes is upgraded in place by the next. Upgrading is
a step of its own (`moodtunes db upgrade`, which `moodtunes serve` runs first): the web app's
processes only connect, and check that the schema is the one they know.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.config import data_dir
from moodtunes.errors import MoodtunesError
from moodtunes.storage.files import make_private_database, sqlite_path

MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(configured: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The configured URL, else $DATABASE_URL, else SQLite at <data dir>/moodtunes.db."""
    environ = os.environ if environ is None else environ
    url = configured or environ.get("DATABASE_URL")
    if url:
        # PostgreSQL through psycopg 3 (the `postgresql` extra), which SQLAlchemy takes only
        # when named; Heroku-style URLs name the dialect "postgres".
        for plain in ("postgres://", "postgresql://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain):]
        return url
    return f"sqlite:///{data_dir(environ) / 'moodtunes.db'}"


# How long a SQLite writer waits for another's transaction to end before it gives up with
# "database is locked". Requests write for milliseconds; 20 concurrent writers queue for well
# under a second, an import of a big catalog holds the lock for seconds.
SQLITE_BUSY_TIMEOUT_S = 30.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL: readers never block the writer nor it them, and a commit is one append (the mode
    # is kept in the file; an in-memory database answers "memory" and stays as it is).
    # synchronous=NORMAL is durable across a killed process in WAL mode; only a power cut
    # may lose the last commits, never corrupt the file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for `url`; the folder of a SQLite file is made when missing. SQLite files
    are opened in WAL mode with a busy timeout, so concurrent writers wait their turn rather
    than fail with "database is locked"."""
    sqlite_file = sqlite_path(url)
    if sqlite_file is not None:  # made 0600 (its folder 0700) before SQLite makes it
        make_private_database(sqlite_file)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        # The driver's own wait (its `timeout`) too: it covers the lock taken at BEGIN.
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    # An engine dropped without dispose() (a one-shot command's) closes its pooled
    # connections when it is collected, rather than leave them for the garbage collector to
    # find open (psycopg warns then, and the server keeps the session until it notices).
    weakref.finalize(engine, engine.pool.dispose)
    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at; None for a database with no moodtunes schema."""
    # Read directly rather than through Alembic, which logs its set-up in every worker.
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        versions = list(found)
    return versions[0] if len(versions) == 1 else None


class SchemaOutOfDateError(MoodtunesError):
    """The database's schema is not the one this version of moodtunes knows."""

    code = "schema_out_of_date"
    status = 503


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def connect_database(url: str | None = None) -> sessionmaker[Session]:
    """Sessions on the configured database, which `moodtunes db upgrade` has brought to the
    newest schema; `SchemaOutOfDateError` saying what to run when it has not."""
    engine = create_db_engine(database_url(url))
    found, head = current_revision(engine), head_revision()
    if found != head:
        engine.dispose()
        state = "has no moodtunes tables" if found is None else f"is at revision {found}"
        raise SchemaOutOfDateError(
            f"the database {state}, this version needs {head}: run `moodtunes db upgrade`")
    return session_factory(engine)


def open_database(url: str | None = None) -> sessionmaker[Session]:
    """Sessions on the configured database, migrated to the newest schema, with the built-in
    catalog in it: for one-process commands (`moodtunes catalog`, `db upgrade`)."""
    from moodtunes.storage.tracks import seed_builtin

    engine = create_db_engine(database_url(url))
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        seed_builtin(session)
    return sessions
