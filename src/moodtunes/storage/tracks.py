"""Repository functions for the catalog tables. Each takes a session; callers commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moodtunes.emotions import EMOTIONS
from moodtunes.music.catalog import Catalog, Track
from moodtunes.music.importers import ImportedTrack
from moodtunes.storage.models import ExternalIdRow, TrackEmotionRow, TrackRow, TrackSourceRow
from moodtunes.storage.versions import bump_catalog

BUILTIN_SOURCE = "builtin"


@dataclass
class ImportCounts:
    added: int = 0
    merged: int = 0
    unchanged: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"added": self.added, "merged": self.merged, "unchanged": self.unchanged}


def _source_name(source: str) -> str:
    """"paper_csv:happy.csv" and "deezer:train.csv" count as the sources paper_csv and deezer."""
    return source.split(":", 1)[0]


def _merge(row: TrackRow, record: ImportedTrack, taken_ids: set[tuple[str, str]]) -> bool:
    """Add what `record` knows and `row` lacks; never overwrite what is there. True if changed."""
    changed = False
    source = _source_name(record.source)
    if source not in {s.source for s in row.sources}:
        row.sources.append(TrackSourceRow(source=source, valence=record.valence,
                                          arousal=record.arousal))
        changed = True
    for emotion in set(record.emotions) - set(row.emotion_names()):
        row.emotions.append(TrackEmotionRow(emotion=emotion))
        changed = True
    known = row.ids()
    for kind, value in record.external_ids:
        if kind not in known and (kind, value) not in taken_ids:
            row.external_ids.append(ExternalIdRow(kind=kind, value=value))
            taken_ids.add((kind, value))
            changed = True
    if row.valence is None and record.valence is not None and record.arousal is not None:
        row.valence, row.arousal = record.valence, record.arousal
        changed = True
    if not row.album and record.album:
        row.album = record.album
        changed = True
    if row.year is None and record.year is not None:
        row.year = record.year
        changed = True
    for attr in ("genres", "moods"):
        have = list(getattr(row, attr))
        extra = [g for g in getattr(record, attr) if g not in have]
        if extra:
            setattr(row, attr, have + extra)
            changed = True
    if row.explicit is None and record.explicit is not None:
        row.explicit = record.explicit
        changed = True
    return changed


def import_tracks(session: Session, records: Iterable[ImportedTrack]) -> ImportCounts:
    """Add new songs and merge known ones (matched by title and artist, case and spacing
    ignored), so importing the same file twice adds nothing the second time."""
    counts = ImportCounts()
    records = list(records)
    rows = {(r.title_key, r.artist_key): r for r in session.scalars(select(TrackRow))}
    taken_ids = {(k, v) for k, v in session.execute(select(ExternalIdRow.kind,
                                                           ExternalIdRow.value))}
    for record in records:
        row = rows.get(record.key)
        if row is None:
            row = TrackRow(title=record.title, artist=record.artist, album=record.album,
                           year=record.year, genres=list(record.genres),
                           moods=list(record.moods), valence=record.valence,
                           arousal=record.arousal, explicit=record.explicit,
                           source=_source_name(record.source), title_key=record.key[0],
                           artist_key=record.key[1])
            _merge(row, record, taken_ids)
            session.add(row)
            rows[record.key] = row
            counts.added += 1
        elif _merge(row, record, taken_ids):
            counts.merged += 1
        else:
            counts.unchanged += 1
    session.flush()
    if counts.added or counts.merged:
        bump_catalog(session)
    return counts


def imported_from_track(track: Track, source: str = BUILTIN_SOURCE) -> ImportedTrack:
    return ImportedTrack(
        title=track.title, artist=track.artist, album=track.album, year=track.year,
        genres=track.genres, valence=track.valence, arousal=track.arousal, moods=track.moods,
        source=source, external_ids=(), explicit=False, emotions=track.emotions,
    )


def seed_builtin(session: Session, catalog: Catalog | None = None) -> ImportCounts:
    """Put the built-in catalog in the database (again, harmlessly: what is there already is
    left as it is)."""
    catalog = catalog or Catalog.builtin()
    return import_tracks(session, (imported_from_track(t) for t in catalog))


def catalog_stats(session: Session) -> dict[str, dict[str, int]]:
    """Tracks in all, per emotion they serve, and per source table."""
    total = session.scalar(select(func.count()).select_from(TrackRow)) or 0
    per_emotion = {e: n for e, n in session.execute(
        select(TrackEmotionRow.emotion, func.count()).group_by(TrackEmotionRow.emotion)
    )}
    per_source = {s: n for s, n in session.execute(
        select(TrackSourceRow.source, func.count()).group_by(TrackSourceRow.source)
    )}
    return {
        "total": {"tracks": int(total)},
        "emotions": {e: int(per_emotion.get(e, 0)) for e in EMOTIONS},
        "sources": {s: int(n) for s, n in sorted(per_source.items())},
    }


def load_catalog(session: Session) -> Catalog:
    """The tracks the recommender can use: those with an emotion and a valence/arousal."""
    # In id order: PostgreSQL returns rows in whatever order its heap holds them (an update
    # moves a row), and a seeded playlist is drawn by position in the catalog.
    rows = session.scalars(
        select(TrackRow).where(TrackRow.valence.is_not(None), TrackRow.emotions.any())
        .order_by(TrackRow.id)
    )
    return Catalog(
        Track(title=r.title, artist=r.artist, album=r.album, year=r.year,
              genres=tuple(r.genres), valence=float(r.valence or 0.0),
              arousal=float(r.arousal or 0.0), moods=tuple(r.moods),
              emotions=r.emotion_names(), source=r.source)
        for r in rows
    )
