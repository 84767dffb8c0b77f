"""`moodtunes db upgrade` (`moodtunes.prepare.prepare`): the schema, the built-in catalog, the
playlists and the secret key, once, before any server process starts."""

from __future__ import annotations

import logging
import os
import secrets
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from moodtunes.config import SecretKeyError, Settings, read_secret_key, write_secret_key
from moodtunes.prepare import PrepareError, prepare
from moodtunes.storage.db import current_revision, head_revision
from moodtunes.web import create_app
from tests.support import file_mode, umask


def test_prepare_is_idempotent(private_data_dir: Path) -> None:
    first = prepare(Settings())
    assert first.revision == head_revision() and first.builtin.added > 1000
    key_file = private_data_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    again = prepare(Settings())
    assert again.builtin.added == 0 and again.builtin.merged == 0
    assert key_file.read_text() == key and again.secret_key.startswith("kept")
    assert any("revision" in line for line in again.lines())
    engine = create_engine(f"sqlite:///{private_data_dir / 'moodtunes.db'}")
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_the_data_folder_key_and_database_are_the_owners_alone(
    private_data_dir: Path
) -> None:
    with umask(0o022):  # the usual one, under which files are made readable by everyone
        report = prepare(Settings())
    assert file_mode(private_data_dir) == 0o700
    files = sorted(p.name for p in private_data_dir.iterdir())
    assert "moodtunes.db" in files and "secret_key" in files
    assert {p.name: file_mode(p) for p in private_data_dir.iterdir()} == dict.fromkeys(files, 0o600)
    assert report.closed == []


def test_an_upgrade_closes_what_an_older_version_left_open(
    private_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    prepare(Settings())
    os.chmod(private_data_dir, 0o755)  # as an older version left them under umask 022
    for name in ("moodtunes.db", "secret_key"):
        os.chmod(private_data_dir / name, 0o644)
    (private_data_dir / "moodtunes.db-wal").write_bytes(b"")
    os.chmod(private_data_dir / "moodtunes.db-wal", 0o644)

    with caplog.at_level(logging.WARNING):
        report = prepare(Settings())

    closed = {private_data_dir, *(private_data_dir / n for n in (
        "moodtunes.db", "moodtunes.db-wal", "secret_key"))}
    # (SQLite deletes the empty -wal file when the upgrade closes the database.)
    assert {file_mode(p) for p in closed if p.exists()} == {0o700, 0o600}
    assert file_mode(private_data_dir) == 0o700
    assert set(report.closed) == {str(p) for p in closed}
    assert any(line.startswith("made private") for line in report.lines())
    assert sum("private to its owner" in r.message for r in caplog.records) == 4
    # The key is kept (a new one would sign everyone out), but the log says what to do.
    assert report.secret_key.startswith("kept")
    (warning,) = [r.message for r in caplog.records if "secret_key" in r.message]
    assert "others may have copied the key" in warning


def test_a_database_in_a_folder_of_the_operator_leaves_that_folder_alone(
    tmp_path: Path, private_data_dir: Path
) -> None:
    folder = tmp_path / "srv"
    folder.mkdir(mode=0o755)
    with umask(0o022):
        prepare(Settings(database_url=f"sqlite:///{folder / 'm.db'}"))
    assert file_mode(folder) == 0o755 and file_mode(folder / "m.db") == 0o600
    assert file_mode(private_data_dir) == 0o700  # the key file's folder is moodtunes' own


def test_a_configured_key_needs_no_file(private_data_dir: Path) -> None:
    report = prepare(Settings(secret_key=secrets.token_hex(32)))
    assert "MOODTUNES_SECRET_KEY" in report.secret_key
    assert not (private_data_dir / "secret_key").exists()


def test_a_weak_configured_key_is_refused_before_anything_is_done(private_data_dir: Path
                                                                  ) -> None:
    with pytest.raises(PrepareError, match=r"too weak.*secrets\.token_hex\(32\)"):
        prepare(Settings(secret_key="a"))
    assert not private_data_dir.exists()


def test_racing_writers_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(write_secret_key(path)[0]))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and read_secret_key(path) == keys[0]
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary files left


def test_an_empty_key_file_is_refused_and_replaced(tmp_path: Path, private_data_dir: Path
                                                   ) -> None:
    private_data_dir.mkdir(parents=True)
    (private_data_dir / "secret_key").write_text("")
    with pytest.raises(SecretKeyError, match="no usable key"):
        create_app(settings=Settings())
    prepare(Settings())
    key = read_secret_key(private_data_dir / "secret_key")
    assert key is not None and len(key) == 64


def test_the_app_asks_for_the_upgrade_when_there_is_no_key() -> None:
    with pytest.raises(SecretKeyError, match="moodtunes db upgrade"):
        create_app(settings=Settings())


def test_an_unusable_database_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(PrepareError, match="cannot upgrade the database"):
        prepare(Settings(database_url=f"sqlite:///{blocker}/sub/m.db"))
