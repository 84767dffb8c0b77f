"""Repository functions for what listeners do with tracks (like, dislike, play, skip,
complete): the evidence `moodtunes.recommend.TasteModel` learns from. Each takes a session;
callers commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moodtunes.music.catalog import track_key
from moodtunes.recommend.taste import FeedbackEvent
from moodtunes.storage.library import Key, track_ids
from moodtunes.storage.models import FeedbackEventRow, TrackRow
from moodtunes.storage.versions import bump_profile

# The kinds that mean the song was played, if only in part: what "recently played" counts.
LISTENING_KINDS: tuple[str, ...] = ("play", "skip", "complete")
# How many different songs "recently played" holds by default.
RECENT_LIMIT = 50


class UnknownTrackError(ValueError):
    """Feedback about a song that the tracks table does not hold."""


def _utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive one is taken to be UTC already. SQLite keeps no time zone, so
    every stored and compared time is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _track(session: Session, track: Key | int) -> tuple[int, Key]:
    if isinstance(track, tuple):
        title, artist = track
        key = track_key(title, artist)
        found = track_ids(session, [key]).get(key)
        if found is None:
            raise UnknownTrackError(f"no song {title!r} by {artist!r} in the catalog")
        return found, key
    if isinstance(track, bool):
        raise ValueError(f"a track is a (title, artist) pair or an id, got {track!r}")
    row = session.get(TrackRow, track)
    if row is None:
        raise UnknownTrackError(f"no track with id {track} in the catalog")
    return row.id, (row.title_key, row.artist_key)


def record_feedback(session: Session, profile_id: str, track: Key | int, kind: str,
                    value: float = 1.0, *, at: datetime | None = None) -> FeedbackEventRow:
    """Stores one event of the profile (which must exist, see `ensure_profile`) about a
    track, named by its (title, artist), matched like `track_key`, or by its id.

    `kind` and `value` are checked as `FeedbackEvent` checks them. ValueError for those, and
    `UnknownTrackError` (a ValueError too) for a track the table does not hold."""
    track_id, key = _track(session, track)
    FeedbackEvent(profile_id, key, kind, float(value))  # raises on a bad kind or value
    row = FeedbackEventRow(profile_id=profile_id, track_id=track_id, kind=kind,
                           value=float(value))
    if at is not None:
        row.created_at = _utc(at)
    session.add(row)
    bump_profile(session, profile_id)
    return row


def feedback_events(session: Session, profile_id: str) -> list[FeedbackEvent]:
    """All the profile's events, oldest first, as the taste model takes them."""
    rows = session.execute(
        select(TrackRow.title_key, TrackRow.artist_key, FeedbackEventRow.kind,
               FeedbackEventRow.value, FeedbackEventRow.created_at)
        .join(TrackRow, TrackRow.id == FeedbackEventRow.track_id)
        .where(FeedbackEventRow.profile_id == profile_id)
        .order_by(FeedbackEventRow.created_at, FeedbackEventRow.id)
    )
    return [FeedbackEvent(profile_id, (title, artist), kind, value, _utc(created).timestamp())
            for title, artist, kind, value, created in rows]


def recently_played(session: Session, profile_id: str, limit: int = RECENT_LIMIT, *,
                    before: datetime | None = None) -> list[Key]:
    """The keys of the last `limit` different songs the profile played, skipped or finished,
    the most recent first; with `before`, as it stood then."""
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    last = func.max(FeedbackEventRow.created_at)
    query = (select(TrackRow.title_key, TrackRow.artist_key)
             .join(FeedbackEventRow, FeedbackEventRow.track_id == TrackRow.id)
             .where(FeedbackEventRow.profile_id == profile_id,
                    FeedbackEventRow.kind.in_(LISTENING_KINDS))
             .group_by(TrackRow.id, TrackRow.title_key, TrackRow.artist_key)
             .order_by(last.desc(), TrackRow.id.desc())
             .limit(limit))
    if before is not None:
        query = query.where(FeedbackEventRow.created_at < _utc(before))
    return [(title, artist) for title, artist in session.execute(query)]
