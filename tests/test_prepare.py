"""`moodtunes db upgrade` (`moodtunes.prepare.prepare`): the schema, the built-in catalog, the
playlists and the secret key, once, before any server process starts."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from moodtunes.config import SecretKeyError, Settings, read_secret_key, write_secret_key
from moodtunes.prepare import PrepareError, prepare
from moodtunes.storage.db import current_revision, head_revision
from moodtunes.web import create_app


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


def test_a_configured_key_needs_no_file(private_data_dir: Path) -> None:
    report = prepare(Settings(secret_key="k" * 40))
    assert "MOODTUNES_SECRET_KEY" in report.secret_key
    assert not (private_data_dir / "secret_key").exists()


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
