"""Profiles, their libraries and remembered ids, on a real SQLite file migrated by Alembic."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.music.catalog import track_key
from moodtunes.music.importers import ImportedTrack
from moodtunes.storage.db import (
    head_revision,
    session_factory,
    upgrade,
)
from moodtunes.storage.library import (
    add_to_library,
    ensure_profile,
    external_ids,
    library_counts,
    library_tracks,
    remember_external_ids,
    track_ids,
)
from moodtunes.storage.models import Base, LibraryEntryRow, ProfileRow, TrackRow
from moodtunes.storage.tracks import import_tracks
from tests.support import insert_old_track, migrate, revision


def record(title: str, artist: str = "Band", **kw: object) -> ImportedTrack:
    base: dict[str, object] = dict(album="", year=None, genres=(), valence=None, arousal=None,
                                   moods=(), external_ids=(), explicit=None,
                                   source="spotify_saved")
    base.update(kw)
    return ImportedTrack(title=title, artist=artist, **base)  # type: ignore[arg-type]


def test_a_fresh_database_gets_the_tables_the_models_describe(engine: Engine) -> None:
    upgrade(engine)
    assert revision(engine) == head_revision()
    assert {"profiles", "library_entries"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        # Nothing left for autogenerate to write: the migration matches the models.
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_a_database_at_0001_is_upgraded_and_keeps_its_tracks(engine: Engine) -> None:
    migrate(engine, "0001")
    assert revision(engine) == "0001"
    assert "profiles" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        insert_old_track(connection, "Old Song", "Band")

    upgrade(engine)

    assert revision(engine) == head_revision()
    with session_factory(engine).begin() as s:
        profile = ensure_profile(s, None)
        (track_id,) = track_ids(s, [track_key("Old Song", "Band")]).values()
        assert add_to_library(s, profile.id, [track_id], "saved") == 1

    migrate(engine, "0001", down=True)  # and back down again
    assert "library_entries" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT title FROM tracks")).scalars().all() == [
            "Old Song"]


def test_profiles_are_random_ids_made_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        first = ensure_profile(s, None)
    assert uuid.UUID(first.id).version == 4
    with sessions.begin() as s:
        assert ensure_profile(s, first.id).id == first.id
        # An id the database no longer knows (say, it was reset) gets a new profile.
        fresh = ensure_profile(s, str(uuid.uuid4()))
        assert fresh.id != first.id
    with sessions() as s:
        assert len(s.scalars(select(ProfileRow)).all()) == 2


def test_library_entries_are_unique_per_profile_track_and_kind(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        import_tracks(s, [record("One"), record("Two"), record("Three")])
        ids = track_ids(s, [track_key(t, "Band") for t in ("One", "Two", "Three", "Missing")])
        me, other = ensure_profile(s, None).id, ensure_profile(s, None).id
    assert set(ids) == {track_key(t, "Band") for t in ("One", "Two", "Three")}
    one, two, three = (ids[track_key(t, "Band")] for t in ("One", "Two", "Three"))

    with sessions.begin() as s:
        assert add_to_library(s, me, [one, two, two], "playlist") == 2
        assert add_to_library(s, me, [two, three], "playlist") == 1  # two was there
        assert add_to_library(s, me, [one], "top") == 1  # another kind is another entry
        assert add_to_library(s, other, [one], "playlist") == 1
        assert add_to_library(s, me, [], "saved") == 0
    with sessions() as s:
        assert library_counts(s, me) == {"saved": 0, "top": 1, "playlist": 3}
        assert library_counts(s, other) == {"saved": 0, "top": 0, "playlist": 1}
        assert {t.title for t in library_tracks(s, me)} == {"One", "Two", "Three"}
        assert [t.title for t in library_tracks(s, me, "top")] == ["One"]
        assert library_tracks(s, other, "saved") == []

    with pytest.raises(ValueError, match="saved, top, playlist"), sessions.begin() as s:
        add_to_library(s, me, [one], "favourite")
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(LibraryEntryRow(profile_id=me, track_id=one, kind="top"))  # the table refuses too


def test_deleting_a_profile_or_a_track_takes_its_entries_along(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        import_tracks(s, [record("Kept"), record("Gone")])
        ids = track_ids(s, [track_key("Kept", "Band"), track_key("Gone", "Band")])
        me, other = ensure_profile(s, None).id, ensure_profile(s, None).id
        for profile in (me, other):
            add_to_library(s, profile, ids.values(), "saved")
    with sessions.begin() as s:
        s.delete(s.get_one(TrackRow, ids[track_key("Gone", "Band")]))
        s.delete(s.get_one(ProfileRow, other))
    with sessions() as s:
        assert [(e.profile_id, e.track.title) for e in s.scalars(select(LibraryEntryRow))] == [
            (me, "Kept")]


def test_remembered_ids_never_replace_or_steal_one(sessions: sessionmaker[Session]) -> None:
    spotify_a, spotify_b, spotify_c = "a" * 22, "b" * 22, "c" * 22
    with sessions.begin() as s:
        import_tracks(s, [record("Known", external_ids=(("spotify", spotify_a),)),
                          record("Unknown"), record("Other")])
    known, unknown, other = (track_key(t, "Band") for t in ("Known", "Unknown", "Other"))
    with sessions.begin() as s:
        added = remember_external_ids(s, "spotify", {
            known: spotify_b,  # has one already: kept
            unknown: spotify_c,
            other: spotify_a,  # Known holds that one
            track_key("Not In Catalog", "Band"): "d" * 22,
        })
    assert added == 1
    with sessions() as s:
        assert external_ids(s, "spotify", [known, unknown, other]) == {
            known: spotify_a, unknown: spotify_c}
        assert external_ids(s, "deezer", [known]) == {}
    with sessions.begin() as s:
        assert remember_external_ids(s, "spotify", {}) == 0
