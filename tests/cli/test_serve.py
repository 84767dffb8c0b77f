"""`moodtunes serve` as a user starts it: a real process answering on a real port."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as res:
                return bytes(res.read())
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def env(home: Path) -> dict[str, str]:
    return {**os.environ, "MOODTUNES_HOME": str(home)}


def test_serve_starts_and_answers(tmp_path: Path) -> None:
    port = free_port()
    playlists = tmp_path / "playlists"
    playlists.mkdir()
    (playlists / "happy.csv").write_text("Name,Album,Artist\nMy Own Song,My Album,Me\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "moodtunes.cli", "serve", "--port", str(port),
         "--playlists", str(playlists)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env(tmp_path),
    )
    try:
        page = wait_for(f"http://127.0.0.1:{port}/", process)
        assert b"moodtunes" in page
        assert json.loads(wait_for(f"http://127.0.0.1:{port}/t", process)) == []
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert f"http://127.0.0.1:{port}" in output
    assert "Traceback" not in output
    assert "schema at revision" in output and "playlists: 1 songs added" in output  # upgraded
    assert (tmp_path / "secret_key").is_file()  # sessions survive a restart


def test_serve_refuses_a_broken_model(tmp_path: Path) -> None:
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"nope")
    result = subprocess.run(
        [sys.executable, "-m", "moodtunes.cli", "serve", "--model", str(model)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env(tmp_path),
    )
    assert result.returncode == 2
    assert "broken.onnx" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("bad", ["nosuch.csv", "calm.csv"])
def test_serve_explains_bad_playlists(tmp_path: Path, bad: str) -> None:
    if bad == "calm.csv":
        (tmp_path / bad).write_text("Name,Album,Artist\nA,B,C\n")
    result = subprocess.run(
        [sys.executable, "-m", "moodtunes.cli", "serve", "--playlists", str(tmp_path / bad)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env(tmp_path),
    )
    assert result.returncode == 2
    assert bad in result.stderr and "Traceback" not in result.stderr


def test_make_run_upgrades_once_then_serves_without_upgrading(tmp_path: Path) -> None:
    # the Makefile's `run`: `moodtunes db upgrade`, then `moodtunes serve --no-upgrade`
    fresh = subprocess.run(
        [sys.executable, "-m", "moodtunes.cli", "serve", "--no-upgrade"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env(tmp_path),
    )
    assert fresh.returncode == 2 and "Traceback" not in fresh.stderr
    assert "run `moodtunes db upgrade`" in fresh.stderr
    assert not (tmp_path / "secret_key").exists()  # --no-upgrade writes nothing
    refused = subprocess.run(
        [sys.executable, "-m", "moodtunes.cli", "serve", "--no-upgrade", "--playlists", "x.csv"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env(tmp_path),
    )
    assert refused.returncode == 2 and "drop --no-upgrade" in refused.stderr

    upgrade = subprocess.run([sys.executable, "-m", "moodtunes.cli", "db", "upgrade"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60,
                             env=env(tmp_path))
    assert upgrade.returncode == 0, upgrade.stderr
    key = (tmp_path / "secret_key").read_text()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moodtunes.cli", "serve", "--no-upgrade", "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env(tmp_path),
    )
    try:
        assert b"moodtunes" in wait_for(f"http://127.0.0.1:{port}/", process)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert "Traceback" not in output
    assert "schema at revision" not in output  # the upgrade step did not run again
    assert (tmp_path / "secret_key").read_text() == key
