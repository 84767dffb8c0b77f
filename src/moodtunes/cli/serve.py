"""`moodtunes serve`: the web app in one process, after the `db upgrade` step (`prepare`)."""

from __future__ import annotations

import argparse
import logging

from moodtunes.cli.errors import UsageError

log = logging.getLogger(__name__)


def run_serve(args: argparse.Namespace) -> int:
    from moodtunes.config import load_settings
    from moodtunes.prepare import prepare
    from moodtunes.web import create_app

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:  # a line per camera frame (3 a second per viewer) drowns the rest
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if args.no_upgrade and args.playlists:
        raise UsageError("--playlists are imported by the upgrade step: drop --no-upgrade, or "
                         "run `moodtunes db upgrade --playlists ...` first")
    settings = load_settings(args.config, camera=args.camera, model=args.model,
                             playlists=args.playlists)
    try:
        # One process serves, so it may migrate and seed; with several workers that is the
        # separate `moodtunes db upgrade` step and each starts with --no-upgrade.
        if not args.no_upgrade:
            for line in prepare(settings).lines():
                log.info("%s", line)
        app = create_app(settings=settings)
    except OSError as exc:  # serve never started: an input, not the work, is at fault
        raise UsageError(f"cannot start: {exc}") from None
    print(f"moodtunes is running on http://{args.host}:{args.port} (Ctrl+C stops it)", flush=True)
    app.run(host=args.host, port=args.port, threaded=True, debug=False, use_reloader=False)
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the web app",
                       description="Run the web app in one process. It first brings the "
                       "database, catalog and secret key up to date, as `moodtunes db upgrade` "
                       "does (skip that with --no-upgrade when the upgrade ran before).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--camera", default=None,
                   help="camera index or video file streamed at /video_feed")
    p.add_argument("--model", default=None, help="an .onnx emotion model (default: built-in)")
    p.add_argument("--playlists", default=None,
                   help="the paper's per-emotion CSV files (a folder or one file) to import")
    p.add_argument("--config", default=None, help="a TOML settings file")
    p.add_argument("--no-upgrade", action="store_true",
                   help="skip the `moodtunes db upgrade` step (already run)")
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.set_defaults(run=run_serve)
