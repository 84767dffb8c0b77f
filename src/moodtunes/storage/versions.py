"""Versions of what server processes keep in memory, kept in the database.

Each process caches the catalog's index and the tastes of the profiles in use. A change made
through one process (an import, a like, a new favourite) bumps a version in the same
transaction as the change, so every other process sees on its next request, with one
primary-key query, that its copy is out of date. The repository functions that make such
changes call these themselves; callers need not remember to.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from moodtunes.storage.models import ProfileRow, VersionRow

CATALOG = "catalog"


def catalog_version(session: Session) -> int:
    """The catalog's version: it grows with every import that changed a track."""
    return int(session.scalar(select(VersionRow.value).where(VersionRow.name == CATALOG)) or 0)


def bump_catalog(session: Session) -> None:
    """Marks the catalog as changed (in the caller's transaction)."""
    done = session.execute(update(VersionRow).where(VersionRow.name == CATALOG)
                           .values(value=VersionRow.value + 1))
    if not done.rowcount:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        session.add(VersionRow(name=CATALOG, value=1))
    session.flush()


def profile_version(session: Session, profile_id: str) -> int | None:
    """The version of the profile's taste evidence; None for an unknown profile."""
    found = session.scalar(select(ProfileRow.version).where(ProfileRow.id == profile_id))
    return int(found) if found is not None else None


def bump_profile(session: Session, profile_id: str) -> None:
    """Marks the profile's taste evidence as changed (in the caller's transaction)."""
    session.execute(update(ProfileRow).where(ProfileRow.id == profile_id)
                    .values(version=ProfileRow.version + 1)
                    .execution_options(synchronize_session="fetch"))
    session.flush()
