"""Importers for public music data sets: each reads one file into `ImportedTrack` records.

Formats (`READERS`, `detect_format`, `read_any`):

* ``deezer`` — the Deezer mood detection data set (Delbouys et al., ISMIR 2018). Its valence
  and arousal are roughly standardised scores (mean 0, sd about 1, tails to about ±2.8); they
  become ``tanh(x / 2)``, which is monotone, keeps 0 at 0, puts one sd at ±0.46 and two at
  ±0.76, and never saturates on the real tails. The means are not re-centred (arousal's is
  about +0.2), so the data set's own bias survives the mapping.
* ``pmemo`` — PMEmo's static annotations, v and a in 0..1, become ``2x - 1``.
* ``spotify_features`` — a Spotify Web API audio-features export: valence ``2v - 1``,
  arousal ``2·energy - 1`` (Spotify has no arousal; energy is its nearest feature), the year
  from release_date (``1982``, ``1982-10`` or ``1982-10-27``), the mood column as a tag.
* ``moodylyrics4q`` — MoodyLyrics4Q, one Russell quadrant per song (`MOODYLYRICS_POINTS`);
  titles with profanities are flagged explicit (`is_explicit_title`).
* ``paper`` — the paper's per-emotion playlists (``Name,Album,Artist``); the emotion, and its
  `AFFECT` point, come from the file name when it names one (see
  `moodtunes.music.catalog.emotion_from_file_name`), else both stay unknown.
* ``moodtunes`` — our own catalog columns (`CATALOG_COLUMNS`), read leniently.
* ``generic`` — any CSV, with a mapping from our field names to its columns (`read_generic`).

`read_playlists` reads a folder of the paper's playlists through ``paper``, one song per
`track_key` across the files.

Every reader reads its file with `moodtunes.music.tables` (the reader `Catalog.from_csv` uses
too). Unlike `Catalog.from_csv`, which rejects a curated table for one bad row, these readers
skip what they cannot use and say why: each skipped row is a line of `ImportResult.problems`,
as ``FILE line N: reason`` with 1-based physical line numbers (the header is line 1). A file
that cannot be read as a table at all (missing, not UTF-8, empty, lacking a required column)
is a CatalogError. Genre and mood tags are folded like artists (`name_key`); a song repeated
within one file (same `track_key`) is kept once, from its first row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from os import PathLike
from pathlib import Path
from typing import Any

from moodtunes.emotions import AFFECT, EMOTIONS, parse_emotion
from moodtunes.errors import CatalogError
from moodtunes.music.catalog import CATALOG_COLUMNS, PAPER_COLUMNS, emotion_from_file_name
from moodtunes.music.matching import name_key, track_key
from moodtunes.music.tables import read_header, read_table

# The kinds of identifier a record may carry, and what a well-formed one looks like.
EXTERNAL_ID_PATTERNS: dict[str, re.Pattern[str]] = {
    "spotify": re.compile(r"[0-9A-Za-z]{22}"),
    "deezer": re.compile(r"[1-9][0-9]*"),
    "msd_song": re.compile(r"SO[0-9A-Z]{16}"),
    "msd_track": re.compile(r"TR[0-9A-Z]{16}"),
    "pmemo": re.compile(r"[0-9]+"),
    "moodylyrics": re.compile(r"[A-Za-z]{0,4}[0-9]+"),
}
EXTERNAL_ID_KINDS: tuple[str, ...] = tuple(EXTERNAL_ID_PATTERNS)

# Centres of the four quadrants MoodyLyrics4Q labels songs with, at a moderate intensity: a
# quadrant says which way valence and arousal lean, not how far, so the points stay clear of
# the rim (where the face emotions of `AFFECT` sit) and are symmetric in valence. Angry leans a
# little higher in arousal than happy, as in the published word norms for these words.
MOODYLYRICS_POINTS: dict[str, tuple[float, float]] = {
    "happy": (0.6, 0.5),
    "angry": (-0.6, 0.6),
    "sad": (-0.6, -0.5),
    "relaxed": (0.6, -0.5),
}

# Deezer's scores are divided by this before tanh (see the module docstring).
DEEZER_SQUASH = 2.0
# A standardised score this far from 0 is a broken row rather than a tail (the real extremes
# are about ±2.8).
DEEZER_LIMIT = 10.0

# Named value ranges for `read_generic`; anything else is given as a (low, high) pair.
SCALES: dict[str, tuple[float, float]] = {
    "signed": (-1.0, 1.0),
    "unit": (0.0, 1.0),
    "percent": (0.0, 100.0),
    "nine_point": (1.0, 9.0),  # Warriner-style 1..9 ratings
}

# The fields `read_generic` can fill; the *_id ones become `external_ids` of that kind.
GENERIC_FIELDS: tuple[str, ...] = (
    "title",
    "artist",
    "album",
    "year",
    "genres",
    "valence",
    "arousal",
    "moods",
    "emotions",
    "explicit",
    *(f"{kind}_id" for kind in EXTERNAL_ID_KINDS),
)

# Words that make a title explicit, matched as whole words, case-blind. The first group also
# matches as the start of a longer word ("fucking", "shitlist", "bitches", "motherfucker");
# the second only alone, because as prefixes they are innocent ("cocktail", "assassin"). Titles
# censored by their publisher ("F**k", "Sh**") count too. Short on purpose: it flags what no
# one would play to a child, not everything a broadcaster would bleep.
_EXPLICIT_TITLE = re.compile(
    r"\b(?:mother|bull)?(?:fuck|shit|bitch|cunt|nigga|nigger|whore|slut)"
    r"|\b(?:ass|asshole|dick|cock|pussy)\b"
    r"|\b[a-z]+\*{2,}",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_YEAR = re.compile(r"([0-9]{4})(?:-[0-9]{1,2}(?:-[0-9]{1,2})?)?")
_YEARS = range(1000, 2101)
_SPOTIFY_LINK = re.compile(
    r"(?:spotify:track:|https?://open\.spotify\.com/(?:[\w-]+/)?track/)"
    r"([0-9A-Za-z]{22})(?:\?.*)?"
)
_TRUE = frozenset({"true", "yes", "y", "1", "explicit"})
_FALSE = frozenset({"false", "no", "n", "0", "clean"})


@dataclass(frozen=True)
class ImportedTrack:
    """One song as a data set describes it. Unlike `Track` it may lack valence/arousal and
    need not suit any emotion; `external_ids` holds (kind, id) pairs, kinds among
    `EXTERNAL_ID_KINDS`; `explicit` is None where the data set does not say."""

    title: str
    artist: str
    album: str
    year: int | None
    genres: tuple[str, ...]
    valence: float | None
    arousal: float | None
    moods: tuple[str, ...]
    source: str
    external_ids: tuple[tuple[str, str], ...]
    explicit: bool | None
    # The detected emotions the song suits, where the table says (ours and the paper's do).
    emotions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Checked here so that no reader can hand the database a record it would regret.
        if not self.title.strip():
            raise ValueError("no title")
        if not self.artist.strip():
            raise ValueError("no artist")
        if self.year is not None and self.year not in _YEARS:
            raise ValueError(f"year {self.year} is outside {_YEARS.start}..{_YEARS.stop - 1}")
        for name, value in (("valence", self.valence), ("arousal", self.arousal)):
            if value is not None and not (math.isfinite(value) and -1.0 <= value <= 1.0):
                raise ValueError(f"{name} {value!r} is outside -1..1")
        kinds = [kind for kind, _ in self.external_ids]
        if len(set(kinds)) != len(kinds):
            raise ValueError(f"an id kind appears twice in {kinds}")
        for kind, ident in self.external_ids:
            pattern = EXTERNAL_ID_PATTERNS.get(kind)
            if pattern is None:
                raise ValueError(
                    f"unknown id kind {kind!r}; expected one of: {', '.join(EXTERNAL_ID_KINDS)}"
                )
            if not pattern.fullmatch(ident):
                raise ValueError(f"{kind} id {ident!r} is malformed")
        for emotion in self.emotions:
            if emotion not in EMOTIONS:
                raise ValueError(
                    f"unknown emotion {emotion!r}; expected one of: {', '.join(EMOTIONS)}"
                )

    @property
    def key(self) -> tuple[str, str]:
        return track_key(self.title, self.artist)

    def external_id(self, kind: str) -> str | None:
        """This song's id of `kind` ("spotify", "deezer", ...), None if the data set has none."""
        return dict(self.external_ids).get(kind)


@dataclass(frozen=True)
class ImportResult:
    """What a reader got from one file: the tracks, the skipped rows as `FILE line N: reason`,
    and how many data rows the file has (blank lines aside), so that
    ``rows == len(tracks) + len(problems)`` (see `read_playlists` for several files)."""

    tracks: list[ImportedTrack]
    problems: list[str]
    rows: int


Reader = Callable[..., ImportResult]
# Builds a record from one row's cells (stripped, by our column name); ValueError = skip it.
_RowBuilder = Callable[[Mapping[str, str]], ImportedTrack]


def is_explicit_title(title: str) -> bool:
    """Whether a title holds one of a few unmistakable profanities (see `_EXPLICIT_TITLE`)."""
    return _EXPLICIT_TITLE.search(title) is not None


# --- the readers ----------------------------------------------------------------------------

DEEZER_COLUMNS: tuple[str, ...] = (
    "dzr_sng_id",
    "MSD_sng_id",
    "MSD_track_id",
    "valence",
    "arousal",
    "artist_name",
    "track_name",
)
PMEMO_COLUMNS: tuple[str, ...] = ("id", "title", "artist", "v", "a")
SPOTIFY_COLUMNS: tuple[str, ...] = ("name", "artist", "id", "valence", "energy")
SPOTIFY_OPTIONAL: tuple[str, ...] = ("album", "release_date", "mood")
MOODYLYRICS_COLUMNS: tuple[str, ...] = ("Index", "Artist", "Title", "Mood")


def read_deezer(path: str | PathLike[str], progress: bool | None = None) -> ImportResult:
    """One split of the Deezer mood data set (train.csv, validation.csv or test.csv)."""
    source = f"deezer:{Path(path).name}"

    def build(cell: Mapping[str, str]) -> ImportedTrack:
        return ImportedTrack(
            title=_required(cell, "track_name"),
            artist=_required(cell, "artist_name"),
            album="",
            year=None,
            genres=(),
            valence=_standardised(cell["valence"], "valence"),
            arousal=_standardised(cell["arousal"], "arousal"),
            moods=(),
            source=source,
            external_ids=_ids(
                ("deezer", cell["dzr_sng_id"]),
                ("msd_song", cell["MSD_sng_id"]),
                ("msd_track", cell["MSD_track_id"]),
            ),
            explicit=None,
        )

    return _read_table(path, DEEZER_COLUMNS, (), build, progress)


def read_pmemo(path: str | PathLike[str], progress: bool | None = None) -> ImportResult:
    """PMEmo's static valence/arousal table (id, title, artist, v, a with v and a in 0..1)."""
    source = f"pmemo:{Path(path).name}"

    def build(cell: Mapping[str, str]) -> ImportedTrack:
        return ImportedTrack(
            title=_required(cell, "title"),
            artist=_required(cell, "artist"),
            album="",
            year=None,
            genres=(),
            valence=_rescaled(cell["v"], "v", (0.0, 1.0)),
            arousal=_rescaled(cell["a"], "a", (0.0, 1.0)),
            moods=(),
            source=source,
            external_ids=_ids(("pmemo", cell["id"])),
            explicit=None,
        )

    return _read_table(path, PMEMO_COLUMNS, (), build, progress)


def read_spotify_features(path: str | PathLike[str], progress: bool | None = None) -> ImportResult:
    """An export of Spotify audio features with a mood label (name, album, artist, id,
    release_date, ..., energy, valence, ..., mood); album, release_date and mood may be
    absent."""
    source = f"spotify_features:{Path(path).name}"

    def build(cell: Mapping[str, str]) -> ImportedTrack:
        return ImportedTrack(
            title=_required(cell, "name"),
            artist=_required(cell, "artist"),
            album=cell.get("album", ""),
            year=_year(cell.get("release_date", ""), "release_date"),
            genres=(),
            valence=_rescaled(cell["valence"], "valence", (0.0, 1.0)),
            arousal=_rescaled(cell["energy"], "energy", (0.0, 1.0)),
            moods=_tags(cell.get("mood", "")),
            source=source,
            external_ids=_ids(("spotify", cell["id"])),
            explicit=None,
        )

    return _read_table(path, SPOTIFY_COLUMNS, SPOTIFY_OPTIONAL, build, progress)


def read_moodylyrics4q(path: str | PathLike[str], progress: bool | None = None) -> ImportResult:
    """MoodyLyrics4Q (Index, Artist, Title, Mood): each mood becomes its quadrant's point in
    `MOODYLYRICS_POINTS` and a tag; a title with a profanity is explicit, any other unknown."""
    source = f"moodylyrics4q:{Path(path).name}"

    def build(cell: Mapping[str, str]) -> ImportedTrack:
        title = _required(cell, "Title")
        mood = cell["Mood"].casefold()
        if mood not in MOODYLYRICS_POINTS:
            raise ValueError(f"Mood {cell['Mood']!r} is not one of {', '.join(MOODYLYRICS_POINTS)}")
        valence, arousal = MOODYLYRICS_POINTS[mood]
        return ImportedTrack(
            title=title,
            artist=_required(cell, "Artist"),
            album="",
            year=None,
            genres=(),
            valence=valence,
            arousal=arousal,
            moods=(mood,),
            source=source,
            external_ids=_ids(("moodylyrics", cell["Index"])),
            explicit=True if is_explicit_title(title) else None,
        )

    return _read_table(path, MOODYLYRICS_COLUMNS, (), build, progress)


def read_paper(path: str | PathLike[str], progress: bool | None = None) -> ImportResult:
    """One of the paper's playlists (Name, Album, Artist). A file named after an emotion
    (happy.csv, angry_songs.csv) gives every song that emotion and its `AFFECT` point; under
    any other name the songs come without either."""
    file = Path(path)
    source = f"paper:{file.name}"
    try:
        emotion: str | None = emotion_from_file_name(file.name)
    except CatalogError:
        emotion = None
    point = AFFECT[emotion] if emotion is not None else None

    def build(cell: Mapping[str, str]) -> ImportedTrack:
        return ImportedTrack(
            title=_required(cell, "Name"),
            artist=_required(cell, "Artist"),
            album=cell["Album"],
            year=None,
            genres=(),
            valence=point.valence if point is not None else None,
            arousal=point.arousal if point is not None else None,
            moods=(),
            source=source,
            external_ids=(),
            explicit=None,
            emotions=(emotion,) if emotion is not None else (),
        )

    return _read_table(path, PAPER_COLUMNS, (), build, progress)


def read_playlists(path: str | PathLike[str], progress: bool | None = None) -> ImportResult:
    """The paper's per-emotion playlists: every .csv file of a folder (by name), or one file,
    each read by `read_paper` (what `--playlists` and `moodtunes catalog import` share). Each
    file must be named after an emotion (`emotion_from_file_name`), checked before any is read.
    A song in several playlists becomes one track serving all their emotions, at the mean of
    their `AFFECT` points, its source naming every file ("paper:happy.csv+sad.csv"); so
    `rows` (all the files' data rows) may exceed ``len(tracks) + len(problems)``. CatalogError
    for a missing path, a folder without a .csv file, or a file that cannot be read."""
    files = _playlist_files(Path(path))
    for file in files:
        emotion_from_file_name(file.name)
    found: dict[tuple[str, str], list[ImportedTrack]] = {}
    problems: list[str] = []
    rows = 0
    for file in files:
        result = read_paper(file, progress)
        problems += result.problems
        rows += result.rows
        for track in result.tracks:
            found.setdefault(track.key, []).append(track)
    return ImportResult([_one_song(same) for same in found.values()], problems, rows)


def _playlist_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        if not files:
            raise CatalogError(f"{path} holds no .csv playlists")
        return files
    if not path.exists():
        raise CatalogError(f"{path} does not exist")
    return [path]


def _one_song(same: list[ImportedTrack]) -> ImportedTrack:
    """One song found in several playlists, as one track (the first one's spelling)."""
    first = same[0]
    if len(same) == 1:
        return first
    emotions = tuple(dict.fromkeys(e for track in same for e in track.emotions))
    # A song in several playlists sits between their emotions, hence the mean point.
    points = [AFFECT[emotion] for emotion in emotions]
    return replace(
        first,
        album=next((track.album for track in same if track.album), ""),
        valence=round(sum(p.valence for p in points) / len(points), 3),
        arousal=round(sum(p.arousal for p in points) / len(points), 3),
        source="paper:" + "+".join(dict.fromkeys(t.source.removeprefix("paper:") for t in same)),
        emotions=emotions,
    )


def read_moodtunes(path: str | PathLike[str], progress: bool | None = None) -> ImportResult:
    """A table in our own catalog format (`CATALOG_COLUMNS`), skipping bad rows instead of
    rejecting the file; an empty valence or arousal is unknown rather than an error."""
    source = f"moodtunes:{Path(path).name}"

    def build(cell: Mapping[str, str]) -> ImportedTrack:
        return ImportedTrack(
            title=_required(cell, "title"),
            artist=_required(cell, "artist"),
            album=cell["album"],
            year=_year(cell["year"], "year"),
            genres=_tags(cell["genres"]),
            valence=_optional_rescaled(cell["valence"], "valence", (-1.0, 1.0)),
            arousal=_optional_rescaled(cell["arousal"], "arousal", (-1.0, 1.0)),
            moods=_tags(cell["moods"]),
            source=source,
            external_ids=(),
            explicit=None,
            emotions=_emotions(cell["emotions"]),
        )

    return _read_table(path, CATALOG_COLUMNS, (), build, progress)


def read_generic(
    path: str | PathLike[str],
    mapping: Mapping[str, str],
    value_range: tuple[float, float] | str = "signed",
    *,
    list_separator: str = ";",
    source: str | None = None,
    progress: bool | None = None,
) -> ImportResult:
    """Any CSV whose columns `mapping` names: our field (one of `GENERIC_FIELDS`; title and
    artist are required) to the file's column. Valence and arousal are rescaled linearly from
    `value_range`, a (low, high) pair or a name in `SCALES`, to -1..1; genres, moods and
    emotions are lists split at `list_separator`; year may be a year or an ISO date."""
    unknown = sorted(set(mapping) - set(GENERIC_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(unknown)} in the mapping; "
            f"expected among: {', '.join(GENERIC_FIELDS)}"
        )
    lacking = [field for field in ("title", "artist") if field not in mapping]
    if lacking:
        raise ValueError(f"the mapping must name the column for {' and '.join(lacking)}")
    low_high = _value_range(value_range)
    if not list_separator:
        raise ValueError("list_separator must not be empty")
    # Each file column is read once, under its own name, even if two fields share it.
    columns = tuple(dict.fromkeys(mapping.values()))
    tag = source if source is not None else f"generic:{Path(path).name}"

    def field(cell: Mapping[str, str], name: str) -> str:
        return cell[mapping[name]] if name in mapping else ""

    def build(cell: Mapping[str, str]) -> ImportedTrack:
        title = field(cell, "title")
        artist = field(cell, "artist")
        if not title:
            raise ValueError(f"no title ({mapping['title']})")
        if not artist:
            raise ValueError(f"no artist ({mapping['artist']})")
        return ImportedTrack(
            title=title,
            artist=artist,
            album=field(cell, "album"),
            year=_year(field(cell, "year"), mapping.get("year", "year")),
            genres=_tags(field(cell, "genres"), list_separator),
            valence=_optional_rescaled(
                field(cell, "valence"), mapping.get("valence", "valence"), low_high
            ),
            arousal=_optional_rescaled(
                field(cell, "arousal"), mapping.get("arousal", "arousal"), low_high
            ),
            moods=_tags(field(cell, "moods"), list_separator),
            source=tag,
            external_ids=_ids(*((kind, field(cell, f"{kind}_id")) for kind in EXTERNAL_ID_KINDS)),
            explicit=_flag(field(cell, "explicit"), mapping.get("explicit", "explicit")),
            emotions=_emotions(field(cell, "emotions"), list_separator),
        )

    return _read_table(path, columns, (), build, progress)


READERS: dict[str, Reader] = {
    "deezer": read_deezer,
    "pmemo": read_pmemo,
    "spotify_features": read_spotify_features,
    "moodylyrics4q": read_moodylyrics4q,
    "paper": read_paper,
    "moodtunes": read_moodtunes,
    "generic": read_generic,
}

# The columns that identify each format that `detect_format` recognises.
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "deezer": DEEZER_COLUMNS,
    "pmemo": PMEMO_COLUMNS,
    "spotify_features": SPOTIFY_COLUMNS,
    "moodylyrics4q": MOODYLYRICS_COLUMNS,
    "paper": PAPER_COLUMNS,
    "moodtunes": CATALOG_COLUMNS,
}


def detect_format(path: str | PathLike[str]) -> str:
    """The name in `READERS` of the format whose columns the file's header has (matched
    case-blind); where several fit, the one that asks for most columns (a Spotify export
    also has the paper's Name, Album, Artist). CatalogError if none fits."""
    file = Path(path)
    header = read_header(file)
    seen = {cell.strip().casefold() for cell in header}
    fitting = [
        name
        for name, columns in _SIGNATURES.items()
        if all(column.casefold() in seen for column in columns)
    ]
    if not fitting:
        known = "; ".join(f"{name} ({','.join(cols)})" for name, cols in _SIGNATURES.items())
        raise CatalogError(
            f"cannot tell the format of {file.name} from its columns {','.join(header)!r}; "
            f"known formats: {known}; import other tables as --format generic with "
            "--map FIELD=COLUMN (read_generic in Python)"
        )
    return max(fitting, key=lambda name: len(_SIGNATURES[name]))


def read_any(path: str | PathLike[str], format: str | None = None, **kw: Any) -> ImportResult:
    """The file read by `READERS[format]`, the format detected from its header if not given;
    keyword arguments go to the reader. ValueError for an unknown format name."""
    name = detect_format(path) if format is None else format
    reader = READERS.get(name)
    if reader is None:
        raise ValueError(f"unknown format {name!r}; expected one of: {', '.join(READERS)}")
    return reader(path, **kw)


# --- reading a table ------------------------------------------------------------------------


def _read_table(
    path: str | PathLike[str],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    build: _RowBuilder,
    progress: bool | None,
) -> ImportResult:
    """Every row of the file through `build`, the bad and the repeated ones as problems.
    Columns are found case-blind and handed to `build` under the names asked for."""
    table = read_table(path, required, optional, progress=progress)
    tracks: list[ImportedTrack] = []
    first_line: dict[tuple[str, str], int] = {}
    for row in table:
        try:
            track = build(row.cells)
        except ValueError as err:
            table.problem(row.line, str(err))
            continue
        earlier = first_line.get(track.key)
        if earlier is not None:
            table.problem(
                row.line, f"duplicate of line {earlier} ({track.title!r} by {track.artist!r})"
            )
            continue
        first_line[track.key] = row.line
        tracks.append(track)
    return ImportResult(tracks, table.problems, table.rows)


# --- reading cells --------------------------------------------------------------------------


def _required(cell: Mapping[str, str], column: str) -> str:
    value = cell[column]
    if not value:
        raise ValueError(f"no {column}")
    return value


def _number(text: str, column: str) -> float:
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"{column} {text!r} is not a number")
    return float(text)


def _rescaled(text: str, column: str, low_high: tuple[float, float]) -> float:
    """A number in low..high as -1..1."""
    low, high = low_high
    value = _number(text, column)
    if not low <= value <= high:
        raise ValueError(f"{column} {text!r} is outside {low:g}..{high:g}")
    return round(min(1.0, max(-1.0, 2.0 * (value - low) / (high - low) - 1.0)), 4)


def _optional_rescaled(text: str, column: str, low_high: tuple[float, float]) -> float | None:
    return _rescaled(text, column, low_high) if text else None


def _standardised(text: str, column: str) -> float:
    """A Deezer score as -1..1 by tanh(x / DEEZER_SQUASH)."""
    value = _number(text, column)
    if abs(value) > DEEZER_LIMIT:
        raise ValueError(
            f"{column} {text!r} is not a plausible standardised score (beyond ±{DEEZER_LIMIT:g})"
        )
    return round(math.tanh(value / DEEZER_SQUASH), 4)


def _year(text: str, column: str) -> int | None:
    if not text:
        return None
    match = _YEAR.fullmatch(text)
    if match is None:
        raise ValueError(f"{column} {text!r} is neither a year nor a date like 1982-10-27")
    year = int(match.group(1))
    if year not in _YEARS:
        raise ValueError(f"{column} {text!r} is outside {_YEARS.start}..{_YEARS.stop - 1}")
    return year


def _tags(text: str, separator: str = ";") -> tuple[str, ...]:
    tags = (name_key(item) for item in text.split(separator))
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def _emotions(text: str, separator: str = ";") -> tuple[str, ...]:
    names = (parse_emotion(item).value for item in text.split(separator) if item.strip())
    return tuple(dict.fromkeys(names))


def _flag(text: str, column: str) -> bool | None:
    if not text:
        return None
    word = text.casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{column} {text!r} is not true/false, yes/no or 1/0")


def _spotify_id(text: str) -> str:
    """A bare Spotify track id, also from a spotify:track: URI or an open.spotify.com link."""
    match = _SPOTIFY_LINK.fullmatch(text)
    return match.group(1) if match else text


def _ids(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """The (kind, id) pairs that have an id, Spotify links cut to the id; a malformed id is a
    ValueError from the record."""
    return tuple(
        (kind, _spotify_id(value) if kind == "spotify" else value) for kind, value in pairs if value
    )


def _value_range(value_range: tuple[float, float] | str) -> tuple[float, float]:
    if isinstance(value_range, str):
        if value_range not in SCALES:
            raise ValueError(
                f"unknown scale {value_range!r}; expected one of: {', '.join(SCALES)} "
                "or a (low, high) pair"
            )
        return SCALES[value_range]
    low, high = (float(bound) for bound in value_range)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"value_range must be finite with low < high, got {value_range!r}")
    return low, high
