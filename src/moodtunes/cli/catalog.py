"""`moodtunes catalog import` and `moodtunes catalog stats`: the music catalog in the database."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodtunes.cli.errors import FAILED, OK, UsageError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

DATABASE_HELP = "SQLAlchemy URL (default: DATABASE_URL or SQLite in the data folder)"
MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024


def open_catalog(url: str | None, doing: str = "open") -> sessionmaker[Session]:
    """Sessions on the database (migrated and seeded); UsageError when it cannot be opened."""
    from sqlalchemy.exc import SQLAlchemyError

    from moodtunes.storage.db import open_database

    try:
        return open_database(url)
    except (SQLAlchemyError, OSError) as exc:
        raise UsageError(f"cannot {doing} the database: {exc}") from None


def _fetch(url: str, folder: Path) -> Path:
    """Download `url` into `folder` (for `catalog import URL`), at most 200 MB."""
    import requests

    name = Path(url.split("?", 1)[0]).name or "download.csv"
    target = folder / name
    try:
        with requests.get(url, stream=True, timeout=30) as res:
            res.raise_for_status()
            size = 0
            with target.open("wb") as out:
                for chunk in res.iter_content(1 << 16):
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise OSError(f"{url} is larger than 200 MB")
                    out.write(chunk)
    except requests.RequestException as exc:
        raise OSError(f"cannot download {url}: {exc}") from exc
    return target


def _field_mapping(item: str) -> tuple[str, str]:
    field, sep, column = item.partition("=")
    if not sep or not field.strip() or not column.strip():
        raise UsageError(f"--map takes FIELD=COLUMN, got {item!r}")
    return field.strip(), column.strip()


def _generic_options(args: argparse.Namespace) -> dict[str, Any]:
    """read_any's options for a generic CSV (--map, --value-range); sets --format generic."""
    if not args.map:
        if args.format == "generic":
            raise UsageError("--format generic needs --map FIELD=COLUMN (at least title and "
                             "artist)")
        return {}
    if args.format not in (None, "generic"):
        raise UsageError("--map is for --format generic")
    args.format = "generic"
    return {"mapping": dict(_field_mapping(item) for item in args.map),
            "value_range": args.value_range}


def run_import(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from moodtunes.errors import CatalogError
    from moodtunes.music.importers import read_any
    from moodtunes.storage.tracks import import_tracks

    options = _generic_options(args)
    sessions = open_catalog(args.database)
    failed = 0
    report = []
    with tempfile.TemporaryDirectory() as tmp:
        for source in args.paths:
            try:
                path = _fetch(source, Path(tmp)) if source.startswith(("http://", "https://")) \
                    else Path(source)
                result = read_any(path, args.format, **options)
                with sessions.begin() as session:  # one file, one transaction
                    counts = import_tracks(session, result.tracks)
            except (CatalogError, ValueError, OSError, SQLAlchemyError) as exc:
                # one file that does not import; the others still do
                failed += 1
                message = getattr(exc, "message", None) or str(exc)
                report.append({"file": source, "error": message})
                print(f"error: {source}: {message}", file=sys.stderr)
                continue
            for problem in result.problems[: args.max_problems]:
                print(f"skipped: {problem}", file=sys.stderr)
            if len(result.problems) > args.max_problems:
                print(f"skipped: ... {len(result.problems) - args.max_problems} more in {source}",
                      file=sys.stderr)
            entry = {"file": source, "rows": result.rows, "skipped": len(result.problems),
                     **counts.to_dict()}
            report.append(entry)
            if not args.json:
                print(f"{source}: {result.rows} rows; {counts.added} added, {counts.merged} "
                      f"merged, {counts.unchanged} already known, {len(result.problems)} skipped")
    if args.json:
        print(json.dumps(report, indent=2))
    return FAILED if failed else OK


def run_stats(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from moodtunes.storage.tracks import catalog_stats

    sessions = open_catalog(args.database, doing="read")
    try:
        with sessions() as session:
            stats = catalog_stats(session)
    except SQLAlchemyError as exc:
        raise UsageError(f"cannot read the database: {exc}") from None
    if args.json:
        print(json.dumps(stats, indent=2))
        return OK
    print(f"{stats['total']['tracks']} tracks")
    print("\nper emotion they are recommended for:")
    for name, count in stats["emotions"].items():
        print(f"  {name:<10}{count:>8}")
    print("\nper source:")
    for name, count in stats["sources"].items():
        print(f"  {name:<18}{count:>8}")
    return OK


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    catalog = sub.add_parser("catalog", help="the music catalog in the database")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    p = catalog_sub.add_parser("import", help="import music tables (csv files or URLs)")
    p.add_argument("paths", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--format", default=None,
                   help="deezer, pmemo, spotify_features, moodylyrics4q, paper, moodtunes, "
                   "generic (detected from the header when not given)")
    p.add_argument("--database", default=None, help=DATABASE_HELP)
    p.add_argument("--json", action="store_true")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN",
                   help="for a generic CSV: which column holds title, artist, album, year, "
                   "valence, arousal, genres, moods, spotify_id, ... (repeat)")
    p.add_argument("--value-range", default="signed",
                   help="scale of a generic CSV's valence/arousal: signed (-1..1), unit (0..1), "
                   "percent or nine_point")
    p.add_argument("--max-problems", type=int, default=20,
                   help="how many skipped rows to list per file")
    p.set_defaults(run=run_import)
    p = catalog_sub.add_parser("stats", help="tracks per emotion and per source")
    p.add_argument("--database", default=None, help=DATABASE_HELP)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_stats)
