"""The songs the recommender chooses from: tracks, the built-in table, and importers.

Two table formats are read:

* our own (`CATALOG_COLUMNS`), which the built-in catalog uses: one row per song with its
  valence/arousal estimate, descriptive moods, and the detected emotions it suits;
* the paper's: one CSV per emotion with the columns `Name,Album,Artist` (Spotify playlists
  exported that way), where the emotion is only known from the file name.

In the built-in table classical pieces name the composer as artist, the larger work they belong
to as album (empty for a stand-alone piece) and the year of completion or first performance;
the year is empty where it is not known.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from importlib import resources
from os import PathLike
from pathlib import Path

from moodtunes.emotions import AFFECT, EMOTIONS, parse_emotion
from moodtunes.errors import CatalogError
from moodtunes.music.matching import key_text, track_key

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
        """The track as plain JSON types, for the web API; `key` is its `track_key` as the
        page compares songs (see `key_text`)."""
        return {
            "key": key_text(self.key),
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
                raise ValueError(
                    f"duplicate track {track.title!r} by {track.artist!r}; "
                    "use Catalog.merged to combine tables that share songs"
                )
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
        text = _decode(data, "builtin_catalog.csv")
        return cls(_parse_catalog(text, "builtin_catalog.csv", source="builtin"))

    @classmethod
    def from_csv(cls, path: str | PathLike[str]) -> Catalog:
        """A table in our own format (`CATALOG_COLUMNS`). Any bad row is a CatalogError: our
        own tables are curated, so a mistake should be fixed rather than skipped."""
        file = Path(path)
        text = _decode(_read_bytes(file), file.name)
        return cls(_parse_catalog(text, file.name, source=f"csv:{file.name}"))

    @classmethod
    def from_paper_csvs(
        cls, paths_or_directory: str | PathLike[str] | Iterable[str | PathLike[str]]
    ) -> PaperImport:
        """The paper's per-emotion playlists: a directory (all its *.csv files), one file, or a
        list of files. The emotion comes from each file name (see `emotion_from_file_name`),
        valence/arousal from that emotion's point in `AFFECT`. Malformed rows are skipped and
        listed in the result's `warnings`; a file that cannot be read as a playlist at all is a
        CatalogError. A song found in several playlists becomes one track serving all their
        emotions."""
        files = _paper_files(paths_or_directory)
        warnings: list[str] = []
        found: dict[tuple[str, str], _PaperSong] = {}
        for file in files:
            emotion = emotion_from_file_name(file.name)
            text = _decode(_read_bytes(file), file.name)
            for song in _parse_paper_playlist(text, file.name, warnings):
                known = found.get(song.key)
                if known is None:
                    song.emotions.append(emotion)
                    song.files.append(file.name)
                    found[song.key] = song
                    continue
                if emotion not in known.emotions:
                    known.emotions.append(emotion)
                if file.name not in known.files:
                    known.files.append(file.name)
        return PaperImport(cls(song.to_track() for song in found.values()), tuple(warnings))

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

    def merged(self, other: Catalog) -> Catalog:
        """Both catalogs as one. A song in both keeps this catalog's entry (its metadata is
        usually the curated one) and gains the emotions only `other` tagged it with."""
        by_key: dict[tuple[str, str], Track] = {}
        for track in (*self._tracks, *other._tracks):
            kept = by_key.get(track.key)
            if kept is None:
                by_key[track.key] = track
                continue
            extra = tuple(e for e in track.emotions if e not in kept.emotions)
            if extra:
                by_key[track.key] = replace(kept, emotions=kept.emotions + extra)
        return Catalog(by_key.values())


@dataclass(frozen=True)
class PaperImport:
    """What `Catalog.from_paper_csvs` read: the tracks, and the rows it skipped, each as
    `file line N: reason` (1-based lines, the header being line 1), for the caller to log."""

    catalog: Catalog
    warnings: tuple[str, ...]


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


@dataclass
class _PaperSong:
    """A playlist row while the importer gathers the emotions and files it appears in."""

    title: str
    artist: str
    album: str
    emotions: list[str]
    files: list[str]

    @property
    def key(self) -> tuple[str, str]:
        return track_key(self.title, self.artist)

    def to_track(self) -> Track:
        # A song in several playlists sits between their emotions, hence the mean point.
        points = [AFFECT[emotion] for emotion in self.emotions]
        return Track(
            title=self.title,
            artist=self.artist,
            album=self.album,
            year=None,
            genres=(),
            valence=round(sum(p.valence for p in points) / len(points), 3),
            arousal=round(sum(p.arousal for p in points) / len(points), 3),
            moods=(),
            emotions=tuple(self.emotions),
            source="paper_csv:" + "+".join(self.files),
        )


def _paper_files(
    paths_or_directory: str | PathLike[str] | Iterable[str | PathLike[str]],
) -> list[Path]:
    if isinstance(paths_or_directory, str | PathLike):
        path = Path(paths_or_directory)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
            if not files:
                raise CatalogError(f"{path} holds no .csv playlists")
            return files
        if not path.exists():
            raise CatalogError(f"{path} does not exist")
        return [path]
    files = [Path(p) for p in paths_or_directory]
    if not files:
        raise CatalogError("no playlist files were given")
    return files


def _read_bytes(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as err:
        raise CatalogError(f"{file} cannot be read: {err.strerror or err}") from err


def _decode(data: bytes, name: str) -> str:
    # utf-8-sig drops the byte-order mark that Excel writes in front of "CSV UTF-8" files.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CatalogError(
            f"{name} is not UTF-8 text (bad byte at offset {err.start}); save it as CSV UTF-8"
        ) from err


def _rows(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """The CSV rows after the header with their 1-based line numbers, blank lines left out."""
    # newline="" hands "\r\n" to the csv module, which is what reads Windows line ends right.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row
    except csv.Error as err:
        raise CatalogError(f"{name} line {reader.line_num}: {err}") from err


def _header(
    rows: Iterator[tuple[int, list[str]]], name: str, required: tuple[str, ...]
) -> tuple[dict[str, int], int]:
    """Where each required column is (matched case-insensitively) and how many columns the
    header has; CatalogError if the file is empty or a required column is missing."""
    first = next(rows, None)
    if first is None:
        raise CatalogError(f"{name} is empty")
    _, header = first
    positions = {cell.strip().casefold(): i for i, cell in enumerate(header)}
    missing = [column for column in required if column.casefold() not in positions]
    if missing:
        raise CatalogError(
            f"{name} lacks the column(s) {', '.join(missing)}; "
            f"its header is {','.join(header)!r}, expected {','.join(required)}"
        )
    return {column: positions[column.casefold()] for column in required}, len(header)


def _parse_paper_playlist(text: str, name: str, warnings: list[str]) -> list[_PaperSong]:
    rows = _rows(text, name)
    columns, width = _header(rows, name, PAPER_COLUMNS)
    songs: list[_PaperSong] = []
    lines: dict[tuple[str, str], int] = {}
    saw_rows = False
    for line, row in rows:
        saw_rows = True
        if len(row) != width:
            warnings.append(f"{name} line {line}: expected {width} fields, found {len(row)}")
            continue
        title = row[columns["Name"]].strip()
        artist = row[columns["Artist"]].strip()
        lacking = [column for column, value in (("Name", title), ("Artist", artist)) if not value]
        if lacking:
            warnings.append(f"{name} line {line}: no {' and no '.join(lacking)}")
            continue
        song = _PaperSong(title, artist, row[columns["Album"]].strip(), [], [])
        if song.key in lines:
            warnings.append(
                f"{name} line {line}: {title!r} by {artist!r} repeats line {lines[song.key]}"
            )
            continue
        lines[song.key] = line
        songs.append(song)
    if not saw_rows:
        raise CatalogError(f"{name} has a header but no songs")
    return songs


def _parse_catalog(text: str, name: str, source: str) -> list[Track]:
    rows = _rows(text, name)
    columns, width = _header(rows, name, CATALOG_COLUMNS)
    tracks: list[Track] = []
    lines: dict[tuple[str, str], int] = {}
    for line, row in rows:
        if len(row) != width:
            raise CatalogError(f"{name} line {line}: expected {width} fields, found {len(row)}")
        cell = {column: row[i].strip() for column, i in columns.items()}
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
            raise CatalogError(f"{name} line {line}: {err}") from err
        if track.key in lines:
            raise CatalogError(
                f"{name} line {line}: {track.title!r} by {track.artist!r} "
                f"is already on line {lines[track.key]}"
            )
        lines[track.key] = line
        tracks.append(track)
    if not tracks:
        raise CatalogError(f"{name} has a header but no tracks")
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
