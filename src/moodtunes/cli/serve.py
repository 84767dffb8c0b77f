"""`moodtunes serve`: the web app, after the `db upgrade` step (`prepare`).

By default one process, Werkzeug's threaded development server (what `make run` starts).
With `--workers N` the app is served by gunicorn: N processes of `gthread` workers, each
with `--threads` threads, so that a client sending its body slowly holds one thread, never a
whole worker (gunicorn's default sync workers froze behind two such clients). The upgrade
runs once, in the starting process, before any worker exists; each worker's `create_app`
only connects to the database.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler

from moodtunes.cli.errors import UsageError
from moodtunes.errors import MoodtunesError

if TYPE_CHECKING:
    from flask import Flask

    from moodtunes.config import Settings

log = logging.getLogger(__name__)

# What the `Server` header says, under every server moodtunes starts: no versions, which only
# tell an attacker which published flaws to try.
SERVER_NAME = "moodtunes"

# Threads per gunicorn worker: the slow clients one worker can hold while it still answers
# others (2 workers x 16 threads = 32). Inference releases the GIL (OpenCV, ONNX Runtime), so
# threads of one process also share the cores.
DEFAULT_THREADS = 16
# A worker that gives no sign of life for this long (a request stuck in native code, say) is
# killed and replaced; a stopping worker gets as long to finish its requests.
DEFAULT_TIMEOUT_S = 30
# How long an idle kept-alive connection stays open.
KEEPALIVE_S = 5
# The exit status with which a gunicorn worker says its app did not load.
APP_LOAD_ERROR = 4


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, answering `Server: moodtunes` instead of
    `Werkzeug/x.y.z Python/x.y.z` (also in the answers it makes itself, such as a 400 for a
    malformed request line)."""

    def version_string(self) -> str:
        return SERVER_NAME


def gunicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    """gunicorn's settings for `serve --workers N`."""
    return {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": args.threads,
        "timeout": args.timeout,
        "graceful_timeout": args.timeout,
        "keepalive": KEEPALIVE_S,
        # Each worker builds its own app (its own ONNX Runtime session and database pool):
        # forking an app with live sessions and threads would share them between processes.
        "preload_app": False,
        "accesslog": "-" if args.verbose else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "moodtunes",
        # gunicornc's control socket, in $HOME/.gunicorn by default: one per user, which two
        # servers would fight over, and nothing moodtunes uses.
        "control_socket_disable": True,
    }


def run_workers(settings: Settings, args: argparse.Namespace) -> None:
    """Serves the app with gunicorn until it is stopped (SIGTERM or Ctrl+C)."""
    from gunicorn import SERVER
    from gunicorn.app.base import BaseApplication
    from gunicorn.errors import HaltServer

    if any(ch.isdigit() for ch in SERVER):  # an old gunicorn that names its version
        raise UsageError(f"gunicorn's Server header names its version ({SERVER}): "
                         "upgrade gunicorn")

    class Workers(BaseApplication):
        def __init__(self, build: Callable[[], Flask], options: dict[str, Any]) -> None:
            self.build, self.options = build, options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:  # in each worker, after the fork
            try:
                return self.build()
            except (OSError, MoodtunesError) as exc:
                log.error("cannot start: %s", exc)
                sys.exit(APP_LOAD_ERROR)  # gunicorn stops every worker, and itself

    def build() -> Flask:
        from moodtunes.web import create_app

        return create_app(settings=settings)

    starter = os.getpid()
    try:
        Workers(build, gunicorn_options(args)).run()
    except (SystemExit, HaltServer) as exc:
        # A worker's own exit passes up this stack too (it forked from here): only the
        # starting process turns gunicorn's "app failed to load" into the CLI's message.
        status = exc.code if isinstance(exc, SystemExit) else exc.exit_status
        if status == APP_LOAD_ERROR and os.getpid() == starter:
            raise UsageError("cannot start: a worker could not build the app (above)") \
                from None
        raise


def run_serve(args: argparse.Namespace) -> int:
    from moodtunes.config import load_settings
    from moodtunes.prepare import prepare

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:  # a line per camera frame (3 a second per viewer) drowns the rest
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if args.no_upgrade and args.playlists:
        raise UsageError("--playlists are imported by the upgrade step: drop --no-upgrade, or "
                         "run `moodtunes db upgrade --playlists ...` first")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.threads < 1 or args.timeout < 1:
        raise UsageError("--threads and --timeout must be at least 1")
    settings = load_settings(args.config, camera=args.camera, model=args.model,
                             playlists=args.playlists, detector=args.detector)
    if args.workers is not None and args.workers > 1 and settings.camera is not None:
        raise UsageError("the server camera is one device, which one process reads: serve "
                         "it with --workers 1 or without --workers")
    try:
        # Once, here, before any worker starts: workers never race each other through
        # migrations or seeding.
        if not args.no_upgrade:
            for line in prepare(settings).lines():
                log.info("%s", line)
        # With workers each builds its own app, after the fork: ONNX Runtime's threads made
        # here would be missing in the workers and abort them when they exit.
        # (Nor is moodtunes.web imported here, which loads ONNX Runtime.)
        app = None
        if args.workers is None:
            from moodtunes.web import create_app

            app = create_app(settings=settings)
    except OSError as exc:  # serve never started: an input, not the work, is at fault
        raise UsageError(f"cannot start: {exc}") from None
    print(f"moodtunes is running on http://{args.host}:{args.port} (Ctrl+C stops it)", flush=True)
    if app is not None:
        app.run(host=args.host, port=args.port, threaded=True, debug=False, use_reloader=False,
                request_handler=QuietRequestHandler)
    else:
        run_workers(settings, args)
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the web app",
                       description="Run the web app: in one process (the development "
                       "server) by default, or in --workers N gunicorn processes of --threads "
                       "threads each for production. It first brings the database, catalog "
                       "and secret key up to date, once, as `moodtunes db upgrade` does (skip "
                       "that with --no-upgrade when the upgrade ran before).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--workers", type=int, default=None,
                   help="serve with gunicorn in this many processes (about one per core); "
                   "default: one process, Werkzeug's development server")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                   help=f"threads per worker (default {DEFAULT_THREADS}): requests, slow "
                   "clients included, that one worker serves at once")
    p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT_S,
                   help="seconds after which a silent worker is replaced, and that a stopping "
                   f"worker gets to finish (default {DEFAULT_TIMEOUT_S})")
    p.add_argument("--camera", default=None,
                   help="camera index or video file streamed at /video_feed")
    p.add_argument("--model", default=None, help="an .onnx emotion model (default: built-in)")
    p.add_argument("--detector", default=None, choices=("mtcnn", "haar"),
                   help="face detector (default mtcnn, or the settings' `detector`; haar is "
                   "the fallback)")
    p.add_argument("--playlists", default=None,
                   help="the paper's per-emotion CSV files (a folder or one file) to import")
    p.add_argument("--config", default=None, help="a TOML settings file")
    p.add_argument("--no-upgrade", action="store_true",
                   help="skip the `moodtunes db upgrade` step (already run)")
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.set_defaults(run=run_serve)
