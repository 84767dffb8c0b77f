"""The database tables, as SQLAlchemy 2.0 typed models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


class TrackRow(Base):
    """One song, whatever tables it came from; `title_key`/`artist_key` make it unique."""

    __tablename__ = "tracks"
    __table_args__ = (
        UniqueConstraint("title_key", "artist_key", name="uq_tracks_key"),
        Index("ix_tracks_valence_arousal", "valence", "arousal"),
        Index("ix_tracks_artist_key", "artist_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    artist: Mapped[str] = mapped_column(String(300))
    album: Mapped[str] = mapped_column(String(300), default="")
    year: Mapped[int | None] = mapped_column(default=None)
    genres: Mapped[list[str]] = mapped_column(JSON, default=list)
    moods: Mapped[list[str]] = mapped_column(JSON, default=list)
    valence: Mapped[float | None] = mapped_column(Float, default=None)
    arousal: Mapped[float | None] = mapped_column(Float, default=None)
    explicit: Mapped[bool | None] = mapped_column(default=None)
    # The first table that brought the song; every table that has it is in `sources`.
    source: Mapped[str] = mapped_column(String(100))
    title_key: Mapped[str] = mapped_column(String(300))
    artist_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    emotions: Mapped[list[TrackEmotionRow]] = relationship(
        back_populates="track", cascade="all, delete-orphan", lazy="selectin"
    )
    external_ids: Mapped[list[ExternalIdRow]] = relationship(
        back_populates="track", cascade="all, delete-orphan", lazy="selectin"
    )
    sources: Mapped[list[TrackSourceRow]] = relationship(
        back_populates="track", cascade="all, delete-orphan", lazy="selectin"
    )

    def emotion_names(self) -> tuple[str, ...]:
        return tuple(sorted(e.emotion for e in self.emotions))

    def ids(self) -> dict[str, str]:
        return {x.kind: x.value for x in self.external_ids}

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title, "artist": self.artist, "album": self.album, "year": self.year,
            "genres": list(self.genres), "moods": list(self.moods), "valence": self.valence,
            "arousal": self.arousal, "emotions": list(self.emotion_names()),
            "source": self.source, "external_ids": self.ids(),
        }


class TrackEmotionRow(Base):
    """A detected emotion the track is recommended for (the recommender looks tracks up here)."""

    __tablename__ = "track_emotions"
    __table_args__ = (Index("ix_track_emotions_emotion", "emotion"),)

    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"),
                                          primary_key=True)
    emotion: Mapped[str] = mapped_column(String(16), primary_key=True)
    track: Mapped[TrackRow] = relationship(back_populates="emotions")


class ExternalIdRow(Base):
    """An identifier of the track elsewhere: Spotify, Deezer, the Million Song Dataset, ..."""

    __tablename__ = "external_ids"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_external_ids_kind_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(100))
    track: Mapped[TrackRow] = relationship(back_populates="external_ids")


class TrackSourceRow(Base):
    """Which table had the track, with that table's own valence/arousal (for validation)."""

    __tablename__ = "track_sources"
    __table_args__ = (Index("ix_track_sources_source", "source"),)

    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"),
                                          primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    valence: Mapped[float | None] = mapped_column(Float, default=None)
    arousal: Mapped[float | None] = mapped_column(Float, default=None)
    track: Mapped[TrackRow] = relationship(back_populates="sources")


# What a library entry says about the track: a Liked Song, one of the user's most played, or
# a song from one of their playlists imported into moodtunes.
LIBRARY_KINDS: tuple[str, ...] = ("saved", "top", "playlist")


class ProfileRow(Base):
    """A browser that has used moodtunes' Spotify features: no account, no name, just a random
    id that the browser keeps in its session cookie."""

    __tablename__ = "profiles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # What the listener told us they like, as typed (matched case-blind by the taste model).
    favourite_artists: Mapped[list[str]] = mapped_column(JSON, default=list)
    favourite_genres: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Counts the changes to what the taste model learns from (feedback, library, favourites),
    # so that every server process knows when a taste it keeps is out of date.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SpotifyTokenRow(Base):
    """A profile's Spotify sign-in (tokens and the user's name), encrypted with a key derived
    from the app's secret key (`moodtunes.storage.tokens`): never in the browser's cookie."""

    __tablename__ = "spotify_tokens"

    profile_id: Mapped[str] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"),
                                            primary_key=True)
    ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now,
                                                 onupdate=_now)


class VersionRow(Base):
    """A counter of changes to something that processes keep in memory (the catalog), so
    each process can tell, with one query, that its copy is out of date."""

    __tablename__ = "versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class LibraryEntryRow(Base):
    """A track in a profile's personal library, once per kind (`LIBRARY_KINDS`)."""

    __tablename__ = "library_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('saved', 'top', 'playlist')",
                        name="ck_library_entries_kind"),
        Index("ix_library_entries_track_id", "track_id"),
    )

    profile_id: Mapped[str] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"),
                                            primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"),
                                          primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    track: Mapped[TrackRow] = relationship(lazy="joined")


# What a listener did with a track (`moodtunes.recommend.taste.EVENT_KINDS`).
FEEDBACK_KINDS: tuple[str, ...] = ("like", "dislike", "play", "skip", "complete")


class FeedbackEventRow(Base):
    """One thing a profile did with a track, which the taste model learns from. `value`
    scales it; for "complete" it is the fraction listened to."""

    __tablename__ = "feedback_events"
    __table_args__ = (
        CheckConstraint("kind IN ('like', 'dislike', 'play', 'skip', 'complete')",
                        name="ck_feedback_events_kind"),
        # A profile's events are read together, newest last, whenever its taste is learnt.
        Index("ix_feedback_events_profile_created", "profile_id", "created_at"),
        Index("ix_feedback_events_track_id", "track_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[str] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    track: Mapped[TrackRow] = relationship(lazy="joined")
