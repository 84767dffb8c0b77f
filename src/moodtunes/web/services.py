"""What the app needs at run time, built once at start-up and reached through the app."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.config import Settings
from moodtunes.errors import MoodtunesError
from moodtunes.mood import MoodSettings, MoodState
from moodtunes.music.catalog import Catalog
from moodtunes.recommend import Index, TasteModel
from moodtunes.storage.db import SchemaOutOfDateError, connect_database
from moodtunes.storage.profiles import ProfileTaste, load_taste
from moodtunes.storage.tracks import load_catalog
from moodtunes.storage.versions import catalog_version, profile_version
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


@dataclass(frozen=True)
class _KeptTaste:
    made_at: float
    version: int
    taste: ProfileTaste


@dataclass
class Services:
    """The app's parts. What they keep in memory (the catalog's index, the profiles' tastes)
    is checked against versions kept in the database on every use, so a change made through
    another process on the same database is honoured on this one's next request."""

    recognizer: EmotionRecognizer
    catalog: Catalog
    settings: Settings = field(default_factory=Settings)
    camera: CameraStream | None = None
    # Sessions on the database; connected on first use when start-up could not.
    sessions: sessionmaker[Session] | None = None
    # The database's catalog version that `catalog` was loaded at; None: not from the database.
    catalog_version: int | None = None
    # The recommender's arrays over `catalog`, rebuilt with it.
    index: Index = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False,
                                  compare=False)
    _tastes: OrderedDict[str, _KeptTaste] = field(
        default_factory=OrderedDict, init=False, repr=False, compare=False)
    _taste_lock: threading.Lock = field(default_factory=threading.Lock, init=False,
                                        repr=False, compare=False)

    def __post_init__(self) -> None:
        self.index = Index.from_catalog(self.catalog)

    def database(self) -> sessionmaker[Session]:
        """Sessions on the database, which `moodtunes db upgrade` has prepared."""
        with self._lock:
            if self.sessions is None:
                try:
                    self.sessions = connect_database(self.settings.database_url)
                except SchemaOutOfDateError as exc:
                    log.warning("%s", exc)
                    raise DatabaseUnavailableError(
                        f"nothing can be stored yet: {exc}") from exc
                except (SQLAlchemyError, OSError) as exc:
                    log.warning("cannot open the database: %s", exc)
                    raise DatabaseUnavailableError(
                        "the database cannot be opened, so nothing can be stored; "
                        "see the server log"
                    ) from exc
            return self.sessions

    def camera_mood(self) -> MoodState | None:
        """The server camera's mood now; None without a camera or before its first face."""
        snap = self.camera.snapshot if self.camera is not None else None
        return snap.mood if snap is not None else None

    def current_index(self) -> Index:
        """The recommender's index over the catalog as the database has it now: rebuilt when
        an import (through any process) changed the catalog's version. Without a database,
        the catalog loaded at start."""
        if self.catalog_version is None and self.sessions is None:
            return self.index
        try:
            with self.database()() as db:
                version = catalog_version(db)
        except (DatabaseUnavailableError, SQLAlchemyError) as exc:
            log.warning("recommending from the catalog in memory: %s", exc)
            return self.index
        if version != self.catalog_version:
            self.reload_catalog()
        return self.index

    def reload_catalog(self) -> Catalog:
        """Reloads the catalog and its index from the database. Reloads run one at a time,
        so a slow one cannot put back an older catalog after a newer one; requests meanwhile
        keep using the index they found."""
        sessions = self.database()
        with self._lock:
            with sessions() as db:
                version = catalog_version(db)
                catalog = load_catalog(db)
            self.catalog, self.index = catalog, Index.from_catalog(catalog)
            self.catalog_version = version
        return catalog

    def profile_taste(self, profile_id: str, made_at: float) -> ProfileTaste:
        """The taste of the profile and its recently played songs, for a playlist made at
        `made_at` (POSIX seconds), as `load_taste` makes it. One is kept per profile, for its
        latest playlist, while the profile's version in the database stays the same."""
        with self.database()() as db:
            # Read before the evidence: a change committed in between then only costs a
            # refit on the next request, never a stale taste kept.
            version = profile_version(db, profile_id)
            if version is None:
                return ProfileTaste(TasteModel(profile_id=profile_id), ())
            with self._taste_lock:
                kept = self._tastes.get(profile_id)
                if kept is not None and kept.made_at == made_at and kept.version == version:
                    self._tastes.move_to_end(profile_id)
                    return kept.taste
            found = load_taste(db, profile_id, made_at)
        with self._taste_lock:
            self._tastes[profile_id] = _KeptTaste(made_at, version, found)
            self._tastes.move_to_end(profile_id)
            while len(self._tastes) > TASTE_CACHE_SIZE:
                self._tastes.popitem(last=False)
        return found

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


def build_services(settings: Settings) -> Services:
    """The app's parts, for `settings`. The database must have been prepared (`moodtunes db
    upgrade`); when it cannot be used, the built-in catalog is served and the log says why."""
    recognizer = EmotionRecognizer.default(settings.model, settings.detector,
                                           settings.inference_threads)
    catalog, sessions, version = Catalog.builtin(), None, None
    try:
        sessions = connect_database(settings.database_url)
        with sessions() as db:
            version = catalog_version(db)
            catalog = load_catalog(db)
    except (SchemaOutOfDateError, SQLAlchemyError, OSError) as exc:
        log.warning("cannot use the catalog database (%s); serving the built-in catalog", exc)
        sessions, version = None, None
    camera = None
    if settings.camera is not None:
        camera = CameraStream(parse_camera_source(settings.camera), recognizer,
                              mood=MoodSettings(alpha=settings.mood_alpha)).start()
    return Services(recognizer, catalog, settings, camera, sessions=sessions,
                    catalog_version=version)


def services() -> Services:
    found: Services = current_app.extensions["moodtunes"]
    return found
