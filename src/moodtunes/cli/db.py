"""`moodtunes db upgrade`: the database schema, the catalog and the secret key, made ready once
before the server's processes start (`moodtunes.prepare`)."""

from __future__ import annotations

import argparse
import json

from moodtunes.cli.catalog import DATABASE_HELP
from moodtunes.cli.errors import OK


def run_upgrade(args: argparse.Namespace) -> int:
    from moodtunes.config import load_settings
    from moodtunes.prepare import prepare

    # its errors (PrepareError, CatalogError) are MoodtunesErrors: exit code 2, as for serve
    settings = load_settings(args.config, playlists=args.playlists, database_url=args.database)
    report = prepare(settings)
    print(json.dumps(report.to_dict(), indent=2) if args.json else "\n".join(report.lines()))
    return OK


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="the database: schema, built-in catalog, secret key")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    p = db_sub.add_parser(
        "upgrade", help="migrate the database, seed the catalog, import playlists, make the "
        "secret key", description="Bring the database to the newest schema, put the built-in "
        "catalog (and --playlists) in it and make the secret key file, each only when needed: "
        "run it once before starting server processes (`moodtunes serve` runs it itself "
        "unless given --no-upgrade). Running it again changes nothing.")
    p.add_argument("--config", default=None, help="a TOML settings file")
    p.add_argument("--playlists", default=None,
                   help="the paper's per-emotion CSV files (a folder or one file) to import")
    p.add_argument("--database", default=None, help=DATABASE_HELP)
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(run=run_upgrade)
