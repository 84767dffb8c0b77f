"""What the app needs at run time, built once at start-up and reached through the app."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from moodtunes.config import Settings
from moodtunes.music.catalog import Catalog
from moodtunes.storage.db import open_database
from moodtunes.storage.tracks import load_catalog
from moodtunes.vision.camera import CameraStream, parse_camera_source
from moodtunes.vision.recognizer import EmotionRecognizer

log = logging.getLogger(__name__)


@dataclass
class Services:
    recognizer: EmotionRecognizer
    catalog: Catalog
    settings: Settings = field(default_factory=Settings)
    camera: CameraStream | None = None


def load_database_catalog(url: str | None) -> Catalog:
    """The catalog in the database (the built-in songs and what `moodtunes catalog import`
    added); the built-in catalog alone when the database cannot be used, said in the log."""
    try:
        sessions = open_database(url)
        with sessions() as session:
            return load_catalog(session)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("cannot use the catalog database (%s); serving the built-in catalog", exc)
        return Catalog.builtin()


def build_services(settings: Settings) -> Services:
    recognizer = EmotionRecognizer.default(settings.model, settings.detector,
                                           settings.inference_threads)
    catalog = load_database_catalog(settings.database_url)
    if settings.playlists:
        imported = Catalog.from_paper_csvs(Path(settings.playlists))
        for warning in imported.warnings:
            log.warning("%s", warning)
        catalog = catalog.merged(imported.catalog)
    camera = None
    if settings.camera is not None:
        camera = CameraStream(parse_camera_source(settings.camera), recognizer).start()
    return Services(recognizer, catalog, settings, camera)


def services() -> Services:
    found: Services = current_app.extensions["moodtunes"]
    return found
