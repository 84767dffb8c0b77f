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

from moodtunes.web.security import CSRF_HEADER
from tests.support import page_csrf_token


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


def test_two_server_processes_on_one_database_agree(tmp_path: Path) -> None:
    """Two real `moodtunes serve --no-upgrade` processes after one `db upgrade`, one browser
    (one cookie jar) whose requests land on either: what one process records, the other
    honours on its next request, and neither migrates."""
    import requests

    home = env(tmp_path)
    upgrade = subprocess.run([sys.executable, "-m", "moodtunes.cli", "db", "upgrade"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120,
                             env=home)
    assert upgrade.returncode == 0, upgrade.stderr
    ports = [free_port(), free_port()]
    processes = [subprocess.Popen(
        [sys.executable, "-m", "moodtunes.cli", "serve", "--no-upgrade", "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=home)
        for port in ports]
    one, two = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        for url, process in zip((one, two), processes, strict=True):
            wait_for(f"{url}/t", process)
        browser = requests.Session()  # cookies are per host, not per port: one browser
        # What the page sends with its POSTs; the other process, with the same key, takes it.
        browser.headers[CSRF_HEADER] = page_csrf_token(browser.get(one, timeout=30).text)
        browser.post(f"{one}/api/mood", json={"strategy": "match", "emotion": "sad"}, timeout=30)
        shown = browser.get(f"{one}/t", timeout=30).json()
        assert browser.get(f"{two}/t", timeout=30).json() == shown  # the same cookie, same list
        liked, disliked = shown[0], shown[1]
        assert browser.post(f"{two}/api/feedback", json=liked | {"kind": "like"},
                            timeout=30).status_code == 201
        browser.get(f"{one}/t", timeout=30)  # the first process now keeps this taste
        assert browser.post(f"{two}/api/feedback", json=disliked | {"kind": "dislike"},
                            timeout=30).status_code == 201
        after = browser.get(f"{one}/t", timeout=30).json()
        assert (disliked["title"], disliked["artist"]) not in [
            (s["title"], s["artist"]) for s in after]
        browser.post(f"{one}/api/profile", json={"favourite_artists": ["Adele"]}, timeout=30)
        assert browser.get(f"{two}/api/profile", timeout=30).json()[
            "favourite_artists"] == ["Adele"]
    finally:
        outputs = []
        for process in processes:
            process.terminate()
            outputs.append(process.communicate(timeout=10)[0].decode())
    for output in outputs:
        assert "Traceback" not in output and "schema at revision" not in output  # no upgrade
