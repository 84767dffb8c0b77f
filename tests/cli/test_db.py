"""`moodtunes db upgrade` as an operator runs it, in a fresh data folder (MOODTUNES_HOME)."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from moodtunes.storage.db import create_db_engine, current_revision, head_revision
from tests.support import ROOT


def moodtunes(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOODTUNES_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    env.pop("MOODTUNES_SECRET_KEY", None)
    return subprocess.run([sys.executable, "-m", "moodtunes.cli", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_upgrade_makes_the_database_and_the_key_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = moodtunes(home, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    key = home / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_text()
    engine = create_db_engine(f"sqlite:///{home / 'moodtunes.db'}")
    assert current_revision(engine) == head_revision()
    engine.dispose()
    assert f"made {key}" in first.stdout and head_revision() in first.stdout

    again = moodtunes(home, "db", "upgrade", "--json")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["revision"] == head_revision()
    assert report["builtin"]["added"] == report["builtin"]["merged"] == 0
    assert report["builtin"]["unchanged"] > 0
    assert report["secret_key"] == f"kept {key}"
    assert key.read_text() == secret and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir()) == ["moodtunes.db", "secret_key"]


def test_upgrade_imports_the_playlists_once(tmp_path: Path) -> None:
    home, playlists = tmp_path / "home", tmp_path / "playlists"
    playlists.mkdir()
    (playlists / "happy.csv").write_text("Name,Album,Artist\nMy Own Song,My Album,Me\n")
    first = moodtunes(home, "db", "upgrade", "--playlists", str(playlists), "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["playlists"]["added"] == 1
    again = moodtunes(home, "db", "upgrade", "--playlists", str(playlists), "--json")
    assert json.loads(again.stdout)["playlists"] == {"added": 0, "merged": 0, "unchanged": 1}
    stats = moodtunes(home, "catalog", "stats", "--json")
    assert json.loads(stats.stdout)["sources"]["paper"] == 1


def test_what_cannot_be_upgraded_is_one_line_and_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    for argv, named in ((["--database", f"sqlite:///{blocker}/sub/m.db"], "cannot upgrade"),
                        (["--playlists", str(tmp_path / "nosuch.csv")], "nosuch.csv"),
                        (["--config", str(tmp_path / "none.toml")], "none.toml")):
        result = moodtunes(tmp_path / "home", "db", "upgrade", *argv)
        assert result.returncode == 2, (argv, result.stderr)
        assert result.stderr.startswith("error: ") and named in result.stderr
        assert "Traceback" not in result.stderr
