"""What the app needs at run time, built once at start-up and reached through the app."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.config import Settings
from moodtunes.errors import MoodtunesError
from moodtunes.music.catalog import Catalog
from moodtunes.recommend import Index, TasteModel
from moodtunes.storage.db import open_database
from moodtunes.storage.feedback import feedback_events, recently_played
from moodtunes.storage.library import Key, favourites, library_tracks
from moodtunes.storage.tracks import load_catalog
from moodtunes.vision.camera import CameraStream, parse_camera_source
from moodtunes.vision.recognizer import EmotionRecognizer

log = logging.getLogger(__name__)


class DatabaseUnavailableError(MoodtunesError):
    """The database cannot be opened, so nothing can be stored."""

    code = "database_unavailable"
    status = 503


# Profiles whose fitted taste is kept (the browsers in use lately). A taste holds a score per
# catalog track, 4 MB at a million tracks, so this bounds the memory as well.
TASTE_CACHE_SIZE = 128
# Verdicts that change a playlist at once; plays, skips and completions count from the next
# playlist on, so that previewing a song does not reshuffle the list it is in.
EXPLICIT_KINDS = ("like", "dislike")


@dataclass(frozen=True)
class ProfileTaste:
    """What the recommender knows of one profile for one playlist: its taste, and the songs
    it played before the playlist was made."""

    taste: TasteModel
    recent: tuple[Key, ...]


@dataclass
class Services:
    recognizer: EmotionRecognizer
    catalog: Catalog
    settings: Settings = field(default_factory=Settings)
    camera: CameraStream | None = None
    # Sessions on the database; opened on first use when start-up did not open it.
    sessions: sessionmaker[Session] | None = None
    # The operator's paper playlists (--playlists), merged into every catalog rebuilt.
    playlists: Catalog | None = None
    # The recommender's arrays over `catalog`, rebuilt with it.
    index: Index = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False,
                                  compare=False)
    # Per profile: the playlist (its `made_at`) the taste was fitted for, and the taste.
    _tastes: OrderedDict[str, tuple[float, ProfileTaste]] = field(
        default_factory=OrderedDict, init=False, repr=False, compare=False)
    # Counts invalidations, so that a taste fitted while one happened is not kept.
    _taste_epoch: int = field(default=0, init=False, repr=False, compare=False)
    _taste_lock: threading.Lock = field(default_factory=threading.Lock, init=False,
                                        repr=False, compare=False)

    def __post_init__(self) -> None:
        self.index = Index.from_catalog(self.catalog)

    def database(self) -> sessionmaker[Session]:
        """Sessions on the database, migrated to the newest schema."""
        with self._lock:
            if self.sessions is None:
                try:
                    self.sessions = open_database(self.settings.database_url)
                except (SQLAlchemyError, OSError) as exc:
                    log.warning("cannot open the database: %s", exc)
                    raise DatabaseUnavailableError(
                        "the database cannot be opened, so nothing can be stored; "
                        "see the server log"
                    ) from exc
            return self.sessions

    def reload_catalog(self) -> Catalog:
        """Rebuilds the recommender's catalog from the database, after an import committed.
        Rebuilds run one at a time, so a slow one cannot put back an older catalog after a
        newer one; requests meanwhile keep using the catalog they found."""
        sessions = self.database()
        with self._lock:
            with sessions() as session:
                catalog = load_catalog(session)
            if self.playlists is not None:
                catalog = catalog.merged(self.playlists)
            self.catalog, self.index = catalog, Index.from_catalog(catalog)
        return catalog

    def profile_taste(self, profile_id: str, made_at: float) -> ProfileTaste:
        """The taste of the profile and its recently played songs, for a playlist made at
        `made_at` (POSIX seconds): likes and dislikes count whenever they came, plays, skips
        and completions only from before then. One is kept per profile, for its latest
        playlist, until the profile's feedback or library changes (`forget_taste`)."""
        with self._taste_lock:
            kept = self._tastes.get(profile_id)
            if kept is not None and kept[0] == made_at:
                self._tastes.move_to_end(profile_id)
                return kept[1]
            epoch = self._taste_epoch
        made = datetime.fromtimestamp(made_at, UTC)
        with self.database()() as db:
            events = feedback_events(db, profile_id)
            library = [(t.title_key, t.artist_key) for t in library_tracks(db, profile_id)]
            artists, genres = favourites(db, profile_id)
            # The songs played last (`RECENT_LIMIT` of them) are left out of a new playlist.
            recent = recently_played(db, profile_id, before=made)
        events = [e for e in events if e.kind in EXPLICIT_KINDS or e.timestamp < made_at]
        taste = TasteModel(profile_id=profile_id).fit(
            events, library=library, favourite_artists=artists, favourite_genres=genres)
        found = ProfileTaste(taste, tuple(recent))
        with self._taste_lock:
            if self._taste_epoch == epoch:  # else the profile changed meanwhile: refit next time
                self._tastes[profile_id] = (made_at, found)
                self._tastes.move_to_end(profile_id)
                while len(self._tastes) > TASTE_CACHE_SIZE:
                    self._tastes.popitem(last=False)
        return found

    def forget_taste(self, profile_id: str) -> None:
        """Drops the kept taste of the profile, after its feedback or library changed."""
        with self._taste_lock:
            self._taste_epoch += 1
            self._tastes.pop(profile_id, None)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A request's one database transaction: committed when the block ends, rolled back
        when it raises, so nothing is half-written."""
        try:
            with self.database().begin() as db:
                yield db
        except SQLAlchemyError as exc:
            log.warning("a database write failed: %s", exc)
            raise DatabaseUnavailableError("the database could not store this; try again") \
                from exc


def open_catalog_database(url: str | None) -> tuple[Catalog, sessionmaker[Session] | None]:
    """The catalog in the database (the built-in songs and what `moodtunes catalog import`
    added) and sessions on it; the built-in catalog alone and no sessions when the database
    cannot be used, said in the log."""
    try:
        sessions = open_database(url)
        with sessions() as session:
            return load_catalog(session), sessions
    except (SQLAlchemyError, OSError) as exc:
        log.warning("cannot use the catalog database (%s); serving the built-in catalog", exc)
        return Catalog.builtin(), None


def build_services(settings: Settings) -> Services:
    recognizer = EmotionRecognizer.default(settings.model, settings.detector,
                                           settings.inference_threads)
    catalog, sessions = open_catalog_database(settings.database_url)
    playlists = None
    if settings.playlists:
        imported = Catalog.from_paper_csvs(Path(settings.playlists))
        for warning in imported.warnings:
            log.warning("%s", warning)
        playlists = imported.catalog
        catalog = catalog.merged(playlists)
    camera = None
    if settings.camera is not None:
        camera = CameraStream(parse_camera_source(settings.camera), recognizer).start()
    return Services(recognizer, catalog, settings, camera, sessions=sessions,
                    playlists=playlists)


def services() -> Services:
    found: Services = current_app.extensions["moodtunes"]
    return found
