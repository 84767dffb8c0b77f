"""What the app needs at run time, built once at start-up and reached through the app."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from moodtunes.config import Settings
from moodtunes.music.catalog import Catalog
from moodtunes.vision.camera import CameraStream, parse_camera_source
from moodtunes.vision.recognizer import EmotionRecognizer

log = logging.getLogger(__name__)


@dataclass
class Services:
    recognizer: EmotionRecognizer
    catalog: Catalog
    settings: Settings = field(default_factory=Settings)
    camera: CameraStream | None = None


def build_services(settings: Settings) -> Services:
    recognizer = EmotionRecognizer.default(settings.model, settings.detector,
                                           settings.inference_threads)
    catalog = Catalog.builtin()
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
