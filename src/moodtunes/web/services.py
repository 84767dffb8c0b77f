"""What the app needs at run time, built once at start-up and reached through the app."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.config import Settings
from moodtunes.errors import MoodtunesError
from moodtunes.music.catalog import Catalog
from moodtunes.storage.db import open_database
from moodtunes.storage.tracks import load_catalog
from moodtunes.vision.camera import CameraStream, parse_camera_source
from moodtunes.vision.recognizer import EmotionRecognizer

log = logging.getLogger(__name__)


class DatabaseUnavailableError(MoodtunesError):
    """The database cannot be opened, so nothing can be stored."""

    code = "database_unavailable"
    status = 503


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
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False,
                                  compare=False)

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
            self.catalog = catalog
        return catalog


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
