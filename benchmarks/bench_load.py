"""Load on a real server: POST /api/emotion with real faces at 8, 32 and 64 connections.

    .venv/bin/python benchmarks/bench_load.py [--server workers|development] [--workers 2]
        [--threads 16] [--connections 8 32 64] [--seconds 20]

The server is `moodtunes serve` in its own data folder, after `moodtunes db upgrade`.
Each connection is a client of its own, as a browser tab is: its own session cookie (set
by its first answer) and the page's CSRF token, sending 640x480 JPEG frames with FER2013
faces (../shared/data/fer2013/publictest.npz) one after the other, as the page posts them.
Prints req/s, p50/p95/p99, errors per level, and the resident memory (RSS) of the server's
processes, sampled every second, at the start and end of each level. The per-client rate
limit on /api/emotion is lifted for the run (all clients share 127.0.0.1).
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[1]
FER = ROOT.parent / "shared" / "data" / "fer2013" / "publictest.npz"
W, H = 640, 480


def frames(count: int) -> list[bytes]:
    """640x480 JPEGs (quality 85, as the page's canvas sends) with a FER2013 face each,
    enlarged to 192 px, at varying places on a plain background."""
    with np.load(FER, allow_pickle=False) as data:
        faces = data["images"][:count]
    out = []
    for i, face in enumerate(faces):
        frame = np.full((H, W), 110 + (i * 7) % 40, np.uint8)
        x, y = 120 + (i * 37) % 300, 60 + (i * 23) % 200
        frame[y:y + 192, x:x + 192] = cv2.resize(face, (192, 192),
                                                  interpolation=cv2.INTER_CUBIC)
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR),
                                [cv2.IMWRITE_JPEG_QUALITY, 85])
        assert ok
        out.append(jpeg.tobytes())
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_rss_mb(pid: int) -> float:
    """The resident memory of `pid` and its children, in MB."""
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.samples, self.done = pid, [], threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            self.samples.append((time.monotonic(), tree_rss_mb(self.pid)))


def drive(url: str, bodies: list[bytes], connections: int, seconds: float,
          ) -> tuple[list[float], int, list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(n: int) -> None:
        session = requests.Session()
        page = session.get(url + "/", timeout=30).text
        token = page.split('"csrfToken": "', 1)[1].split('"', 1)[0]
        session.headers.update({"Content-Type": "image/jpeg", "X-CSRF-Token": token})
        i = n
        while time.monotonic() < stop_at:
            body = bodies[i % len(bodies)]
            i += 1
            started = time.perf_counter()
            try:
                res = session.post(url + "/api/emotion", data=body, timeout=60)
                ok = res.status_code == 200
                failure = "" if ok else f"{res.status_code} {res.text[:120]}"
            except requests.RequestException as exc:
                ok, failure = False, repr(exc)[:120]
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed) if ok else errors.append(failure)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, int(time.monotonic() - started), errors


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=["workers", "development"], default="workers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()

    bodies = frames(48)
    home = Path(tempfile.mkdtemp(prefix="moodtunes-bench-"))
    env = {**os.environ, "MOODTUNES_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    # Every client here is 127.0.0.1: the per-client limit (600 frames a minute) would answer
    # most of them 429. The server's capacity is measured, not the limit.
    env["MOODTUNES_RATELIMIT_EMOTION"] = "1000000/minute"
    cli = [sys.executable, "-m", "moodtunes.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    serve = [*cli, "serve", "--no-upgrade", "--port", str(port)]
    if args.server == "workers":
        serve += ["--workers", str(args.workers), "--threads", str(args.threads)]
    server = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                requests.get(url + "/t", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.5)
        drive(url, bodies, 2, 3)  # warm-up: every worker has run a frame
        sampler = Sampler(server.pid)
        sampler.start()
        began = time.monotonic()
        name = (f"`serve --workers {args.workers} --threads {args.threads}` (gunicorn gthread)"
                if args.server == "workers" else "`serve` (Werkzeug threaded, one process)")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
              f"{platform.python_implementation()} {platform.python_version()}; "
              f"server: {name}; {args.seconds:.0f} s per level")
        print("| connections | req/s | p50 ms | p95 ms | p99 ms | errors | RSS MB at start "
              "→ end (max) |")
        print("|---|---|---|---|---|---|---|")
        for connections in args.connections:
            rss_start = tree_rss_mb(server.pid)
            latencies, took, errors = drive(url, bodies, connections, args.seconds)
            level = [rss for _, rss in sampler.samples] or [rss_start]
            ms = [1000 * v for v in latencies]
            print(f"| {connections} | {len(latencies) / max(took, 1):.1f} | "
                  f"{percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | "
                  f"{percentile(ms, 99):.0f} | {len(errors)} | "
                  f"{rss_start:.0f} → {tree_rss_mb(server.pid):.0f} ({max(level):.0f}) |",
                  flush=True)
            for failure in errors[:3]:
                print(f"  error: {failure}")
            sampler.samples.clear()
        sampler.done.set()
        print(f"memory over the whole run ({time.monotonic() - began:.0f} s): "
              f"{tree_rss_mb(server.pid):.0f} MB at the end")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
