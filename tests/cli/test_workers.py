"""`moodtunes serve --workers N`: gunicorn's threaded workers after one upgrade, which slow
clients cannot freeze, and no versions in `Server` under either server."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from werkzeug.serving import make_server

from moodtunes.cli.serve import SERVER_NAME, QuietRequestHandler
from tests.cli.test_serve import env, free_port, wait_for
from tests.support import jpeg, page_csrf_token


def start(home: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moodtunes.cli", "serve", "--port", str(port), *extra],
        cwd=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env(home))
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/t", process)
    return process, url


def stop(process: subprocess.Popen[bytes]) -> str:
    process.terminate()
    return process.communicate(timeout=30)[0].decode()


def csrf_token(url: str) -> str:
    """The token the page sends with its POSTs; any worker takes it (one secret key)."""
    with urllib.request.urlopen(url + "/", timeout=10) as res:
        return page_csrf_token(res.read().decode())


def post_frame(url: str, body: bytes, timeout: float) -> tuple[int, str]:
    req = urllib.request.Request(url + "/api/emotion", data=body,
                                 headers={"Content-Type": "image/jpeg",
                                          "X-CSRF-Token": csrf_token(url)})
    with urllib.request.urlopen(req, timeout=timeout) as res:
        return res.status, res.headers["Server"]


def test_workers_start_after_one_upgrade_and_answer(
        tmp_path: Path, face_frames: list[np.ndarray]) -> None:
    playlists = tmp_path / "happy.csv"
    playlists.write_text("Name,Album,Artist\nWorker Song,Album,Band\n")
    process, url = start(tmp_path, "--workers", "2", "--threads", "4", "--playlists",
                         str(playlists))
    try:
        with urllib.request.urlopen(url + "/", timeout=10) as res:
            assert b"moodtunes" in res.read()
            server = res.headers["Server"]
        status, _ = post_frame(url, jpeg(face_frames[0]), timeout=30)
        assert status == 200
    finally:
        output = stop(process)
    assert server and not any(ch.isdigit() for ch in server), server
    # The upgrade ran once, in the starting process; both workers only connected.
    assert output.count("schema at revision") == 1
    assert output.count("playlists: 1 songs added") == 1
    assert output.count("Booting worker") == 2
    assert output.count("moodtunes settings:") == 2  # one app per worker, none in the starter
    assert "Traceback" not in output and "terminate called" not in output


def test_workers_refuse_a_broken_model_with_a_clear_line(tmp_path: Path) -> None:
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"nope")
    result = subprocess.run(
        [sys.executable, "-m", "moodtunes.cli", "serve", "--workers", "2", "--port",
         str(free_port()), "--model", str(model)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env(tmp_path))
    assert result.returncode == 2
    assert "broken.onnx" in result.stderr
    assert result.stderr.count("error: cannot start: a worker could not build the app") == 1


@pytest.fixture(params=["development", "workers"])
def running(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    # One worker of four threads: the fewest that `--workers` offers slow clients.
    extra = ("--workers", "1", "--threads", "4") if request.param == "workers" else ()
    process, url = start(tmp_path, *extra)
    yield url
    stop(process)


def test_slow_clients_do_not_stall_a_frame(running: str, face_frames: list[np.ndarray]) -> None:
    body = jpeg(face_frames[1])
    port = int(running.rsplit(":", 1)[1])
    token = csrf_token(running).encode()
    slow = []
    for _ in range(2):  # each announces a whole frame, sends 10 bytes and then stalls
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"POST /api/emotion HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: image/jpeg\r\nX-CSRF-Token: " + token + b"\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10])
        slow.append(sock)
    try:
        time.sleep(1)  # the server has taken both in
        started = time.monotonic()
        status, _ = post_frame(running, body, timeout=20)
        waited = time.monotonic() - started
        assert status == 200
        # Both slow clients are still being served, not dropped to make room.
        for sock in slow:
            sock.settimeout(0.2)
            with pytest.raises(TimeoutError):
                sock.recv(1)
    finally:
        for sock in slow:
            sock.close()
    # Frozen workers kept a normal frame waiting 13 s in the measurement that found this.
    assert waited < 10, f"a normal frame waited {waited:.1f} s behind two slow clients"


def test_the_development_server_names_no_versions() -> None:
    def hello(environ: dict[str, object], start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return [b"hi"]

    server = make_server("127.0.0.1", 0, hello, threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=5) as res:
            assert res.headers["Server"] == SERVER_NAME
        # Also in the answers Werkzeug writes itself (431 to a header line over 64 KiB).
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n")
            answer = b"".join(iter(lambda: sock.recv(4096), b"")).decode("latin-1")
        assert answer.startswith("HTTP/1.1 431"), answer[:80]
        assert "Werkzeug" not in answer and "Python/" not in answer
        assert f"Server: {SERVER_NAME}" in answer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
