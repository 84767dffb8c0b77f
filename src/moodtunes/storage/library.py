"""Repository functions for profiles and their personal libraries, and for the ids that tie
catalog tracks to other services. Each takes a session; callers commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from itertools import islice

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from moodtunes.storage.models import (
    LIBRARY_KINDS,
    ExternalIdRow,
    LibraryEntryRow,
    ProfileRow,
    TrackRow,
)
from moodtunes.storage.versions import bump_profile

Key = tuple[str, str]  # a track's (title_key, artist_key), as `track_key` makes it

# Keys looked up per query: SQLite allows 32766 bound parameters, others fewer.
_CHUNK = 400


def _chunks(keys: Iterable[Key]) -> Iterable[list[Key]]:
    keys = iter(dict.fromkeys(keys))
    while chunk := list(islice(keys, _CHUNK)):
        yield chunk


def _check_kind(kind: str) -> None:
    if kind not in LIBRARY_KINDS:
        raise ValueError(f"unknown library kind {kind!r}; expected one of: "
                         f"{', '.join(LIBRARY_KINDS)}")


def ensure_profile(session: Session, profile_id: str | None) -> ProfileRow:
    """The profile `profile_id`, or a new one (with a new random id) when there is none by
    that id, or no id was given."""
    if profile_id:
        found = session.get(ProfileRow, profile_id)
        if found is not None:
            return found
    profile = ProfileRow(id=str(uuid.uuid4()))
    session.add(profile)
    session.flush()
    return profile


def track_ids(session: Session, keys: Iterable[Key]) -> dict[Key, int]:
    """The ids of the catalog tracks with these keys; keys not in the catalog are left out."""
    found: dict[Key, int] = {}
    for chunk in _chunks(keys):
        rows = session.execute(
            select(TrackRow.title_key, TrackRow.artist_key, TrackRow.id)
            .where(tuple_(TrackRow.title_key, TrackRow.artist_key).in_(chunk))
        )
        found.update({(title, artist): track_id for title, artist, track_id in rows})
    return found


def add_to_library(session: Session, profile_id: str, track_ids: Iterable[int],
                   kind: str) -> int:
    """Puts the tracks in the profile's library as `kind`; how many were not there yet."""
    _check_kind(kind)
    wanted = set(track_ids)
    if not wanted:
        return 0
    present = set(session.scalars(
        select(LibraryEntryRow.track_id).where(LibraryEntryRow.profile_id == profile_id,
                                               LibraryEntryRow.kind == kind)
    ))
    new = sorted(wanted - present)
    session.add_all(LibraryEntryRow(profile_id=profile_id, track_id=track_id, kind=kind)
                    for track_id in new)
    if new:
        bump_profile(session, profile_id)
    session.flush()
    return len(new)


def library_tracks(session: Session, profile_id: str, kind: str | None = None
                   ) -> list[TrackRow]:
    """The tracks in the profile's library (of one kind, or all), newest first, each once."""
    if kind is not None:
        _check_kind(kind)
    query = (select(TrackRow, func.max(LibraryEntryRow.added_at).label("added"))
             .join(LibraryEntryRow, LibraryEntryRow.track_id == TrackRow.id)
             .where(LibraryEntryRow.profile_id == profile_id)
             .group_by(TrackRow.id)
             .order_by(func.max(LibraryEntryRow.added_at).desc(), TrackRow.id))
    if kind is not None:
        query = query.where(LibraryEntryRow.kind == kind)
    return list(session.scalars(query))


def library_counts(session: Session, profile_id: str) -> dict[str, int]:
    """How many tracks the profile's library holds of each kind (zeros included)."""
    counts = {kind: n for kind, n in session.execute(
        select(LibraryEntryRow.kind, func.count())
        .where(LibraryEntryRow.profile_id == profile_id)
        .group_by(LibraryEntryRow.kind)
    )}
    return {kind: int(counts.get(kind, 0)) for kind in LIBRARY_KINDS}


def external_ids(session: Session, kind: str, keys: Iterable[Key]) -> dict[Key, str]:
    """The `kind` ids ("spotify", "deezer", ...) known for the tracks with these keys."""
    found: dict[Key, str] = {}
    for chunk in _chunks(keys):
        rows = session.execute(
            select(TrackRow.title_key, TrackRow.artist_key, ExternalIdRow.value)
            .join(ExternalIdRow, ExternalIdRow.track_id == TrackRow.id)
            .where(ExternalIdRow.kind == kind,
                   tuple_(TrackRow.title_key, TrackRow.artist_key).in_(chunk))
        )
        found.update({(title, artist): value for title, artist, value in rows})
    return found


def remember_external_ids(session: Session, kind: str, ids: Mapping[Key, str]) -> int:
    """Keeps `kind` ids found for catalog tracks, so they need not be looked up again. A track
    that already has an id of that kind keeps it, an id another track holds is not taken from
    it, and keys not in the catalog are skipped. How many ids were added."""
    if not ids:
        return 0
    rows = track_ids(session, ids)
    have = set(session.scalars(
        select(ExternalIdRow.track_id).where(ExternalIdRow.kind == kind,
                                             ExternalIdRow.track_id.in_(rows.values()))
    ))
    taken = set(session.scalars(
        select(ExternalIdRow.value).where(ExternalIdRow.kind == kind,
                                          ExternalIdRow.value.in_(set(ids.values())))
    ))
    added = 0
    for key, track_id in rows.items():
        value = ids[key]
        if track_id in have or value in taken:
            continue
        session.add(ExternalIdRow(track_id=track_id, kind=kind, value=value))
        have.add(track_id)
        taken.add(value)
        added += 1
    session.flush()
    return added


def favourites(session: Session, profile_id: str) -> tuple[list[str], list[str]]:
    """The profile's favourite artists and genres (both empty for an unknown profile)."""
    profile = session.get(ProfileRow, profile_id)
    if profile is None:
        return [], []
    return list(profile.favourite_artists), list(profile.favourite_genres)


def set_favourites(session: Session, profile: ProfileRow, artists: Iterable[str],
                   genres: Iterable[str]) -> None:
    """Replaces the profile's favourites, dropping blanks and repeats (case-blind)."""

    def cleaned(values: Iterable[str]) -> list[str]:
        seen: dict[str, str] = {}
        for value in values:
            text = " ".join(value.split())
            if text and text.casefold() not in seen:
                seen[text.casefold()] = text
        return list(seen.values())

    profile.favourite_artists = cleaned(artists)
    profile.favourite_genres = cleaned(genres)
    session.flush()
    bump_profile(session, profile.id)
