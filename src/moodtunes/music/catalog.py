"""The songs the recommender chooses from: tracks, and the built-in table.

`Catalog` reads our own format (`CATALOG_COLUMNS`), which the built-in catalog uses: one row
per song with its valence/arousal estimate, descriptive moods, and the detected emotions it
suits. The paper's playlists, one CSV per emotion with the columns `PAPER_COLUMNS` (Spotify
playlists exported that way) whose emotion only the file name gives (`emotion_from_file_name`),
and every other format are read by `moodtunes.music.importers` into the database.

In the built-in table classical pieces name the composer as artist, the larger work they belong
to as album (empty for a stand-alone piece) and the year of completion or first performance;
the year is empty where it is not known.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from os import PathLike
from pathlib import Path

from moodtunes.emotions import EMOTIONS, parse_emotion
from moodtunes.errors import CatalogError
from moodtunes.music.matching import track_key
from moodtunes.music.tables import Table, parse_table, read_table

CATALOG_COLUMNS: tuple[str, ...] = (
    "title",
    "artist",
    "album",
    "year",
    "genres",
    "valence",
    "arousal",
    "moods",
    "emotions",
)
PAPER_COLUMNS: tuple[str, ...] = ("Name", "Album", "Artist")

# Words of a paper playlist's file name that name an emotion. The paper named its files after
# the detected emotion, in either the noun or the adjective form. "calm" is deliberately absent:
# it names a kind of music rather than a face, and calm music is what this project plays for
# fear and anger as much as for a neutral face, so any guess would mislabel a whole playlist.
PAPER_FILE_ALIASES: dict[str, str] = {
    "angry": "angry",
    "anger": "angry",
    "disgust": "disgust",
    "disgusted": "disgust",
    "fear": "fear",
    "fearful": "fear",
    "afraid": "fear",
    "scared": "fear",
    "happy": "happy",
    "happiness": "happy",
    "joy": "happy",
    "sad": "sad",
    "sadness": "sad",
    "surprise": "surprise",
    "surprised": "surprise",
    "neutral": "neutral",
}
# Words that often accompany the emotion in a playlist's file name ("angry_songs.csv",
# "Happy Playlist.csv") and say nothing about it.
_FILE_NAME_FILLER = frozenset({"songs", "song", "music", "playlist", "tracks", "list"})

_BUILTIN_RESOURCE = "data/builtin_catalog.csv"


@dataclass(frozen=True)
class Track:
    """One song and what it is good for; `source` says which table it came from."""

    title: str
    artist: str
    album: str
    year: int | None
    genres: tuple[str, ...]
    valence: float
    arousal: float
    moods: tuple[str, ...]
    emotions: tuple[str, ...]
    source: str

    def __post_init__(self) -> None:
        # Checked here so that no importer can build a track the recommender would choke on.
        if not self.title.strip():
            raise ValueError("a track needs a title")
        if not self.artist.strip():
            raise ValueError(f"track {self.title!r} needs an artist")
        for name, value in (("valence", self.valence), ("arousal", self.arousal)):
            if not (math.isfinite(value) and -1.0 <= value <= 1.0):
                raise ValueError(f"{name} of {self.title!r} must be in -1..1, got {value!r}")
        for emotion in self.emotions:
            if emotion not in EMOTIONS:
                raise ValueError(
                    f"track {self.title!r} names unknown emotion {emotion!r}; "
                    f"expected one of: {', '.join(EMOTIONS)}"
                )

    @property
    def key(self) -> tuple[str, str]:
        return track_key(self.title, self.artist)

    def to_dict(self) -> dict[str, object]:
        """The track as plain JSON types, for the web API; `key` is its `track_key`, a
        [title, artist] pair, by which the page tells songs apart as the server does."""
        return {
            "key": list(self.key),
            "title": self.title,
            "album": self.album,
            "artist": self.artist,
            "year": self.year,
            "genres": list(self.genres),
            "valence": self.valence,
            "arousal": self.arousal,
            "moods": list(self.moods),
            "emotions": list(self.emotions),
            "source": self.source,
        }


class Catalog:
    """An immutable set of tracks, at most one per song."""

    def __init__(self, tracks: Iterable[Track]) -> None:
        self._tracks = tuple(tracks)
        seen: set[tuple[str, str]] = set()
        for track in self._tracks:
            if track.key in seen:
                raise ValueError(f"duplicate track {track.title!r} by {track.artist!r}")
            seen.add(track.key)

    @property
    def tracks(self) -> tuple[Track, ...]:
        return self._tracks

    def __len__(self) -> int:
        return len(self._tracks)

    def __iter__(self) -> Iterator[Track]:
        return iter(self._tracks)

    def __repr__(self) -> str:
        return f"Catalog({len(self)} tracks)"

    @classmethod
    def builtin(cls) -> Catalog:
        """The curated catalog that ships with the package."""
        resource = resources.files("moodtunes.music").joinpath(_BUILTIN_RESOURCE)
        try:
            data = resource.read_bytes()
        except OSError as err:
            raise CatalogError(f"the built-in catalog cannot be read: {err}") from err
        table = parse_table(data, "builtin_catalog.csv", CATALOG_COLUMNS, strict=True)
        return cls(_parse_catalog(table, source="builtin"))

    @classmethod
    def from_csv(cls, path: str | PathLike[str]) -> Catalog:
        """A table in our own format (`CATALOG_COLUMNS`). Any bad row is a CatalogError: our
        own tables are curated, so a mistake should be fixed rather than skipped."""
        table = read_table(path, CATALOG_COLUMNS, strict=True)
        return cls(_parse_catalog(table, source=f"csv:{Path(path).name}"))

    def tracks_for(self, emotion: str) -> list[Track]:
        """The tracks tagged as suiting `emotion`, in catalog order."""
        name = parse_emotion(emotion).value
        return [track for track in self._tracks if name in track.emotions]

    def counts(self) -> dict[str, int]:
        """How many tracks suit each emotion, for every emotion (zeros included)."""
        counts = dict.fromkeys(EMOTIONS, 0)
        for track in self._tracks:
            for emotion in track.emotions:
                counts[emotion] += 1
        return counts


def emotion_from_file_name(file_name: str) -> str:
    """The emotion a paper playlist is for, from its file name: `happy.csv`, `Sad.csv`,
    `angry_songs.csv`, `Fearful Playlist.csv`. Accepted words are in `PAPER_FILE_ALIASES`;
    anything else is a CatalogError that lists them."""
    stem = Path(file_name).stem
    words = [
        word
        for word in re.split(r"[\W_]+", stem.casefold())
        if word and word not in _FILE_NAME_FILLER and not word.isdigit()
    ]
    if len(words) == 1 and words[0] in PAPER_FILE_ALIASES:
        return PAPER_FILE_ALIASES[words[0]]
    raise CatalogError(
        f"cannot tell which emotion {file_name} is for: name the file after one of "
        f"{', '.join(EMOTIONS)} (for example happy.csv); "
        f"accepted words: {', '.join(sorted(PAPER_FILE_ALIASES))}"
    )


def _parse_catalog(table: Table, source: str) -> list[Track]:
    """The tracks of a strict table in our format: any bad row is a CatalogError."""
    tracks: list[Track] = []
    lines: dict[tuple[str, str], int] = {}
    for row in table:
        cell = row.cells
        try:
            track = Track(
                title=cell["title"],
                artist=cell["artist"],
                album=cell["album"],
                year=_parse_year(cell["year"]),
                genres=_split_list(cell["genres"]),
                valence=_parse_affect(cell["valence"], "valence"),
                arousal=_parse_affect(cell["arousal"], "arousal"),
                moods=_split_list(cell["moods"]),
                emotions=_parse_emotions(cell["emotions"]),
                source=source,
            )
        except ValueError as err:
            raise table.error(row.line, str(err)) from err
        if track.key in lines:
            raise table.error(
                row.line,
                f"{track.title!r} by {track.artist!r} is already on line {lines[track.key]}",
            )
        lines[track.key] = row.line
        tracks.append(track)
    return tracks


def _split_list(cell: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in cell.split(";") if item.strip())


def _parse_year(cell: str) -> int | None:
    if not cell:
        return None
    try:
        return int(cell)
    except ValueError:
        raise ValueError(f"year {cell!r} is not a whole number") from None


def _parse_affect(cell: str, column: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{column} {cell!r} is not a number") from None
    if not (math.isfinite(value) and -1.0 <= value <= 1.0):
        raise ValueError(f"{column} {cell!r} is outside -1..1")
    return value


def _parse_emotions(cell: str) -> tuple[str, ...]:
    names = [parse_emotion(item).value for item in _split_list(cell)]
    if not names:
        raise ValueError("no emotions listed; a track must suit at least one")
    return tuple(dict.fromkeys(names))
