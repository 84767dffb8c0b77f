"""The SQLite files are the owner's alone (`moodtunes.storage.files`): made 0600 in a 0700
folder whatever the umask, companions included, and closed when an older version left them
open."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from moodtunes.storage.db import create_db_engine
from moodtunes.storage.files import database_files, make_private_database, sqlite_path
from tests.support import file_mode, umask


@pytest.mark.parametrize("journal", ["WAL", "PERSIST"])
def test_a_new_database_and_its_companions_are_private(tmp_path: Path, journal: str) -> None:
    path = tmp_path / "new" / "deeper" / "m.db"
    with umask(0o022):  # the usual one, under which SQLite would make them 0644
        engine = create_db_engine(f"sqlite:///{path}")
        with engine.begin() as connection:
            connection.execute(text(f"PRAGMA journal_mode={journal}"))
            connection.execute(text("CREATE TABLE t (x TEXT)"))
            connection.execute(text("INSERT INTO t VALUES ('secret')"))
            # While a connection is open the companions exist: the ones this mode makes.
            found = {f.name: file_mode(f) for f in database_files(path)}
        engine.dispose()
    companions = {"WAL": {"m.db-wal", "m.db-shm"}, "PERSIST": {"m.db-journal"}}[journal]
    assert companions <= set(found)
    assert set(found.values()) == {0o600}
    assert file_mode(path.parent) == 0o700  # the folder that holds them (`mkdir -p` above it)


def test_files_an_older_version_left_open_are_closed_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "m.db"
    for name, old in (("m.db", 0o644), ("m.db-wal", 0o664), ("m.db-shm", 0o666)):
        (tmp_path / name).write_bytes(b"")
        os.chmod(tmp_path / name, old)
    (tmp_path / "other.txt").write_text("not ours")
    os.chmod(tmp_path / "other.txt", 0o644)

    with caplog.at_level(logging.WARNING, logger="moodtunes.storage.files"):
        closed = make_private_database(path)

    assert {p.name for p in closed} == {"m.db", "m.db-wal", "m.db-shm"}
    assert all(file_mode(p) == 0o600 for p in closed)
    assert file_mode(tmp_path / "other.txt") == 0o644  # only the database's files
    assert sum("made" in r.message and "private" in r.message for r in caplog.records) == 3
    assert make_private_database(path) == []  # nothing more to do


def test_an_existing_folder_of_the_operator_is_left_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "srv"
    folder.mkdir(mode=0o755)
    with umask(0o022):
        make_private_database(folder / "m.db")
    assert file_mode(folder) == 0o755 and file_mode(folder / "m.db") == 0o600


@pytest.mark.parametrize(("url", "expected"), [
    ("sqlite:///data/m.db", Path("data/m.db")),
    ("sqlite:////abs/m.db", Path("/abs/m.db")),
    ("sqlite+pysqlite:////abs/m.db", Path("/abs/m.db")),
    ("sqlite://", None),
    ("sqlite:///:memory:", None),
    ("sqlite:///file:m.db?mode=ro&uri=true", None),
    ("postgresql://u@127.0.0.1/moodtunes", None),
])
def test_which_urls_name_a_sqlite_file(url: str, expected: Path | None) -> None:
    assert sqlite_path(url) == expected
