"""Music tables: the built-in catalog, importers for other formats, and the music services."""

from moodtunes.music.catalog import Catalog, Track, emotion_from_file_name
from moodtunes.music.matching import track_key

__all__ = ["Catalog", "Track", "emotion_from_file_name", "track_key"]
