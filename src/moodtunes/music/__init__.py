"""Music tables: the built-in catalog and importers for other formats."""

from moodtunes.music.catalog import (
    Catalog,
    PaperImport,
    Track,
    emotion_from_file_name,
    track_key,
)

__all__ = ["Catalog", "PaperImport", "Track", "emotion_from_file_name", "track_key"]
