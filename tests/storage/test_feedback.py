"""Feedback events on a real SQLite file migrated by Alembic: the 0003 migration, and the
repository functions the taste model is fed from."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.music.catalog import track_key
from moodtunes.music.importers import ImportedTrack
from moodtunes.recommend import EVENT_KINDS, FeedbackEvent, TasteModel
from moodtunes.storage.db import (
    head_revision,
    session_factory,
    upgrade,
)
from moodtunes.storage.feedback import (
    UnknownTrackError,
    feedback_events,
    recently_played,
    record_feedback,
)
from moodtunes.storage.library import ensure_profile, track_ids
from moodtunes.storage.models import (
    FEEDBACK_KINDS,
    Base,
    FeedbackEventRow,
    ProfileRow,
    TrackRow,
)
from moodtunes.storage.tracks import import_tracks
from tests.support import insert_old_track, migrate, revision

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def record(title: str, artist: str = "Band") -> ImportedTrack:
    return ImportedTrack(title=title, artist=artist, album="", year=None, genres=(),
                         valence=0.1, arousal=0.2, moods=(), source="test", external_ids=(),
                         explicit=None, emotions=("happy",))


@pytest.fixture
def profile(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as s:
        import_tracks(s, [record(t) for t in ("One", "Two", "Three", "Four")])
        return ensure_profile(s, None).id


def test_the_kinds_are_the_taste_models() -> None:
    assert FEEDBACK_KINDS == EVENT_KINDS


def test_0003_matches_the_models_and_indexes_by_profile_and_time(engine: Engine) -> None:
    upgrade(engine)
    assert revision(engine) == head_revision()
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes(
        "feedback_events")}
    assert indexes["ix_feedback_events_profile_created"] == ["profile_id", "created_at"]


def test_a_database_at_0002_with_a_library_is_upgraded_and_back(engine: Engine) -> None:
    migrate(engine, "0002")
    assert "feedback_events" not in inspect(engine).get_table_names()
    with engine.begin() as connection:  # the tables as 0002 made them: plain SQL
        old = insert_old_track(connection, "Old Song", "Band")
        me = "0b6f3c52-0000-4000-8000-000000000002"
        connection.execute(text("INSERT INTO profiles (id, created_at) VALUES (:id, :at)"),
                           {"id": me, "at": T0})
        connection.execute(text("INSERT INTO library_entries (profile_id, track_id, kind, "
                                "added_at) VALUES (:me, :old, 'saved', :at)"),
                           {"me": me, "old": old, "at": T0})

    upgrade(engine)

    assert revision(engine) == head_revision()
    with session_factory(engine).begin() as s:
        record_feedback(s, me, ("old song", "BAND"), "like", at=T0)
    with session_factory(engine)() as s:
        assert feedback_events(s, me) == [
            FeedbackEvent(me, ("old song", "band"), "like", 1.0, T0.timestamp())]

    migrate(engine, "0002", down=True)
    assert "feedback_events" not in inspect(engine).get_table_names()
    with engine.connect() as connection:  # the profile and its library are untouched
        assert connection.execute(text("SELECT profile_id FROM library_entries")).scalars(
        ).all() == [me]


def test_events_come_back_oldest_first_as_the_taste_model_takes_them(
    sessions: sessionmaker[Session], profile: str,
) -> None:
    with sessions.begin() as s:
        (two_id,) = track_ids(s, [track_key("Two", "Band")]).values()
        # Stored out of order, and a naive time is taken as UTC.
        record_feedback(s, profile, ("Two", "Band"), "dislike", at=T0 + timedelta(hours=2))
        record_feedback(s, profile, ("One", "Band"), "like", at=T0)
        record_feedback(s, profile, two_id, "complete", 0.25,
                        at=(T0 + timedelta(hours=1)).replace(tzinfo=None))
    with sessions() as s:
        events = feedback_events(s, profile)
    assert [(e.track_key[0], e.kind, e.value) for e in events] == [
        ("one", "like", 1.0), ("two", "complete", 0.25), ("two", "dislike", 1.0)]
    assert [e.timestamp - T0.timestamp() for e in events] == [0.0, 3600.0, 7200.0]
    taste = TasteModel().fit(events)
    assert taste.liked == {track_key("One", "Band")}
    assert taste.disliked == {track_key("Two", "Band")}


def test_bad_feedback_is_refused_and_stores_nothing(
    sessions: sessionmaker[Session], profile: str,
) -> None:
    with sessions.begin() as s:
        with pytest.raises(ValueError, match="like, dislike, play, skip, complete"):
            record_feedback(s, profile, ("One", "Band"), "love")
        with pytest.raises(UnknownTrackError, match="Missing"):
            record_feedback(s, profile, ("Missing", "Band"), "like")
        with pytest.raises(UnknownTrackError, match="id 999"):
            record_feedback(s, profile, 999, "like")
        with pytest.raises(ValueError, match="fraction"):
            record_feedback(s, profile, ("One", "Band"), "complete", 1.5)
        with pytest.raises(ValueError, match="negative"):
            record_feedback(s, profile, ("One", "Band"), "play", -1.0)
    with pytest.raises(IntegrityError), sessions.begin() as s:  # the table refuses too
        (one,) = track_ids(s, [track_key("One", "Band")]).values()
        s.add(FeedbackEventRow(profile_id=profile, track_id=one, kind="love", value=1.0))
    with sessions() as s:
        assert feedback_events(s, profile) == []


def test_recently_played_is_the_newest_listened_songs_each_once(
    sessions: sessionmaker[Session], profile: str,
) -> None:
    with sessions.begin() as s:
        other = ensure_profile(s, None).id
        for minutes, title, kind in [(0, "One", "play"), (1, "Two", "skip"),
                                     (2, "One", "complete"), (3, "Three", "like"),
                                     (4, "Four", "play")]:
            record_feedback(s, profile, (title, "Band"), kind, 0.5,
                            at=T0 + timedelta(minutes=minutes))
        record_feedback(s, other, ("Three", "Band"), "play", at=T0)
    with sessions() as s:
        # A like is not a play; "One" counts once, at its latest.
        assert recently_played(s, profile) == [
            track_key("Four", "Band"), track_key("One", "Band"), track_key("Two", "Band")]
        assert recently_played(s, profile, 2) == [track_key("Four", "Band"),
                                                  track_key("One", "Band")]
        assert recently_played(s, profile, before=T0 + timedelta(minutes=2)) == [
            track_key("Two", "Band"), track_key("One", "Band")]
        assert recently_played(s, other) == [track_key("Three", "Band")]
        assert recently_played(s, "nobody") == []
        with pytest.raises(ValueError, match="negative"):
            recently_played(s, profile, -1)


def test_deleting_a_profile_or_a_track_takes_its_events_along(
    sessions: sessionmaker[Session], profile: str,
) -> None:
    with sessions.begin() as s:
        other = ensure_profile(s, None).id
        for who in (profile, other):
            record_feedback(s, who, ("One", "Band"), "like")
            record_feedback(s, who, ("Two", "Band"), "play")
    with sessions.begin() as s:
        s.delete(s.get_one(ProfileRow, other))
        (two,) = track_ids(s, [track_key("Two", "Band")]).values()
        s.delete(s.get_one(TrackRow, two))
    with sessions() as s:
        rows = s.scalars(select(FeedbackEventRow)).all()
        assert [(r.profile_id, r.track.title, r.kind) for r in rows] == [(profile, "One", "like")]
