"""The SQLite database's files, open to the user that runs moodtunes only (0600).

SQLite makes its -wal, -shm and -journal files with the database file's own mode, so a
database file made 0600 before SQLite first opens it keeps every companion 0600 too, whatever
the umask. Files made by an older version (0644 under the usual umask) are closed here.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from moodtunes.config import make_private_dir, make_private_file

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database, an in-memory one or a URI
    filename (whose options are SQLite's to read)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database
    if not name or name == ":memory:" or name.startswith("file:") or "uri" in parsed.query:
        return None
    return Path(name).expanduser()


def database_files(path: Path) -> list[Path]:
    """The database file and those of its companions that exist."""
    candidates = [path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)]
    return [file for file in candidates if file.exists()]


def make_private_database(path: Path) -> list[Path]:
    """Makes the database's folder (0700) and file (empty, 0600) when missing, before SQLite
    would make them under the umask, and closes an existing file or companion that others
    may read, with a log line. The files whose mode was changed."""
    if not path.parent.exists():
        make_private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # made before, or by another process meanwhile
        pass
    return [file for file in database_files(path) if make_private_file(file)]
