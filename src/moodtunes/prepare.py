"""`moodtunes db upgrade`: everything a server needs before its processes start, done once.

The schema migrations, the built-in catalog, the operator's paper playlists (`--playlists`)
and the secret key that signs the session cookies; the data folder is made private (0700),
and a SQLite database with its companions (0600). Every step is idempotent, so running it
again (as `moodtunes serve` does before it starts) changes nothing that is already right.
Server processes (`create_app`) only connect and read: several workers on one database never
race each other through migrations or seeding.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from moodtunes.config import (
    SecretKeyError,
    Settings,
    check_secret_key,
    data_dir,
    make_private_dir,
    make_private_file,
    secret_key_path,
    write_secret_key,
)
from moodtunes.errors import MoodtunesError
from moodtunes.storage.db import (
    create_db_engine,
    current_revision,
    database_url,
    session_factory,
    upgrade,
)
from moodtunes.storage.files import make_private_database, sqlite_path
from moodtunes.storage.tracks import ImportCounts, import_tracks, seed_builtin

log = logging.getLogger(__name__)


class PrepareError(MoodtunesError):
    """A step of the upgrade failed; nothing after it was done."""

    code = "prepare_failed"
    status = 500


@dataclass
class PrepareReport:
    """What `prepare` did."""

    database: str
    revision: str | None = None
    builtin: ImportCounts = field(default_factory=ImportCounts)
    playlists: ImportCounts | None = None
    problems: list[str] = field(default_factory=list)
    secret_key: str = ""
    # Files and folders that others could read, made private by this upgrade.
    closed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What was done, for people."""
        out = [f"database {self.database}: schema at revision {self.revision}",
               f"built-in catalog: {self.builtin.added} songs added, "
               f"{self.builtin.merged} updated, {self.builtin.unchanged} already there"]
        if self.playlists is not None:
            out.append(f"playlists: {self.playlists.added} songs added, "
                       f"{self.playlists.merged} updated, {self.playlists.unchanged} already "
                       f"there, {len(self.problems)} rows skipped")
            out.extend(f"  {problem}" for problem in self.problems)
        out.append(f"secret key: {self.secret_key}")
        if self.closed:
            out.append(f"made private to their owner: {', '.join(self.closed)}")
        return out

    def to_dict(self) -> dict[str, object]:
        return {"database": self.database, "revision": self.revision,
                "builtin": self.builtin.to_dict(),
                "playlists": self.playlists.to_dict() if self.playlists is not None else None,
                "problems": list(self.problems), "secret_key": self.secret_key,
                "closed": list(self.closed)}


def _shown_url(url: str) -> str:
    """The URL without its password, for the report."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001  # an unparsable URL fails later with its own message
        return "(unparsable URL)"


def prepare(settings: Settings) -> PrepareReport:
    """Migrates the database, seeds the built-in catalog, imports `settings.playlists` and
    makes the secret key file, each when needed. `PrepareError` (or a `CatalogError` for an
    unreadable playlist) says what failed."""
    if settings.secret_key:
        try:
            check_secret_key(settings.secret_key, "the settings (MOODTUNES_SECRET_KEY)")
        except SecretKeyError as exc:
            raise PrepareError(str(exc)) from None
    url = database_url(settings.database_url)
    report = PrepareReport(_shown_url(url))
    home = data_dir()
    try:
        sqlite_file = sqlite_path(url)
        if sqlite_file is not None:
            # The data folder is closed when the database is in it; another folder is the
            # operator's, and only the database's own files are closed there.
            if sqlite_file.parent.resolve() == home.resolve() and make_private_dir(home):
                report.closed.append(str(home))
            report.closed += [str(p) for p in make_private_database(sqlite_file)]
        engine = create_db_engine(url)
        upgrade(engine)
        sessions = session_factory(engine)
        with sessions.begin() as db:
            report.builtin = seed_builtin(db)
        report.revision = current_revision(engine)
    except (SQLAlchemyError, OSError) as exc:
        raise PrepareError(f"cannot upgrade the database {report.database}: {exc}") from exc

    if settings.playlists:
        from moodtunes.music.importers import read_playlists

        found = read_playlists(Path(settings.playlists))
        report.problems = [str(problem) for problem in found.problems]
        try:
            with sessions.begin() as db:
                report.playlists = import_tracks(db, found.tracks)
        except SQLAlchemyError as exc:
            raise PrepareError(f"cannot store the playlists: {exc}") from exc

    if settings.secret_key:
        report.secret_key = "set in the settings (MOODTUNES_SECRET_KEY), no file needed"
    else:
        path = secret_key_path()
        try:
            if make_private_dir(path.parent):
                report.closed.append(str(path.parent))
            _, made = write_secret_key(path)
            if make_private_file(path, "; others may have copied the key: to change it, "
                                 "delete the file and run `moodtunes db upgrade` again "
                                 "(everyone is signed out and reconnects Spotify)"):
                report.closed.append(str(path))
        except (OSError, SecretKeyError) as exc:
            raise PrepareError(f"cannot keep a secret key in {path}: {exc}") from exc
        report.secret_key = f"{'made' if made else 'kept'} {path}"
    engine.dispose()
    return report
