import csv
import io
import json
import re
import statistics
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from moodtunes.emotions import AFFECT, EMOTIONS
from moodtunes.errors import CatalogError
from moodtunes.music.catalog import (
    CATALOG_COLUMNS,
    Catalog,
    Track,
    emotion_from_file_name,
    track_key,
)


def raw_builtin_rows() -> list[dict[str, str]]:
    """The packaged CSV read with the csv module alone, to check the file and not the loader."""
    text = (
        resources.files("moodtunes.music")
        .joinpath("data/builtin_catalog.csv")
        .read_text(encoding="utf-8")
    )
    return list(csv.DictReader(io.StringIO(text, newline="")))


def make_track(
    title: str = "Song",
    artist: str = "Band",
    emotions: tuple[str, ...] = ("happy",),
    *,
    valence: float = 0.0,
    arousal: float = 0.0,
    year: int | None = None,
    genres: tuple[str, ...] = (),
) -> Track:
    return Track(title, artist, "", year, genres, valence, arousal, (), emotions, "test")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- the built-in catalog -------------------------------------------------------------------


def test_builtin_catalog_loads_every_row_of_the_packaged_file() -> None:
    catalog = Catalog.builtin()
    rows = raw_builtin_rows()
    assert len(catalog) == len(rows) >= 700
    assert {t.source for t in catalog} == {"builtin"}
    assert list(rows[0]) == list(CATALOG_COLUMNS)


def test_builtin_catalog_has_at_least_60_songs_for_every_emotion() -> None:
    counts = Catalog.builtin().counts()
    assert list(counts) == list(EMOTIONS)
    short = {emotion: n for emotion, n in counts.items() if n < 60}
    assert not short, f"emotions with fewer than 60 songs: {short}"


def test_builtin_csv_has_no_duplicate_songs() -> None:
    keys = [track_key(row["title"], row["artist"]) for row in raw_builtin_rows()]
    duplicates = {key for key in keys if keys.count(key) > 1}
    assert not duplicates


def test_builtin_csv_values_are_complete_and_in_range() -> None:
    for row in raw_builtin_rows():
        where = f"{row['title']} by {row['artist']}"
        assert row["title"].strip() and row["artist"].strip(), where
        assert -1.0 <= float(row["valence"]) <= 1.0, where
        assert -1.0 <= float(row["arousal"]) <= 1.0, where
        assert row["genres"] and row["moods"], where
        assert set(row["emotions"].split(";")) <= set(EMOTIONS), where
        if row["year"]:
            assert 1700 <= int(row["year"]) <= 2025, where


def test_builtin_catalog_spans_decades_and_languages() -> None:
    catalog = Catalog.builtin()
    decades = {t.year // 10 * 10 for t in catalog if t.year is not None and t.year >= 1950}
    assert set(range(1950, 2030, 10)) <= decades
    genres = {g for t in catalog for g in t.genres}
    for genre in ("classical", "jazz", "k-pop", "bollywood", "bossa nova", "chanson", "salsa"):
        assert genre in genres


def test_happy_songs_are_more_pleasant_than_sad_songs() -> None:
    catalog = Catalog.builtin()
    happy = statistics.mean(t.valence for t in catalog.tracks_for("happy"))
    sad = statistics.mean(t.valence for t in catalog.tracks_for("sad"))
    assert happy > sad + 0.2


def test_songs_for_fear_and_anger_are_calmer_than_songs_for_happiness() -> None:
    # The therapy choice: soothe fear and anger rather than match their agitation.
    catalog = Catalog.builtin()
    happy = statistics.mean(t.arousal for t in catalog.tracks_for("happy"))
    for emotion in ("fear", "angry"):
        calm = statistics.mean(t.arousal for t in catalog.tracks_for(emotion))
        assert calm < 0 < happy
        assert calm < AFFECT[emotion].arousal


def test_well_known_songs_carry_their_expected_feel() -> None:
    by_title = {t.title: t for t in Catalog.builtin()}
    clair = by_title["Clair de Lune"]
    assert clair.valence > 0 and clair.arousal < -0.5
    assert "fear" in clair.emotions
    happy = by_title["Happy"]
    assert happy.valence > 0.7 and happy.arousal > 0.3
    assert "happy" in happy.emotions


# --- Track and Catalog ----------------------------------------------------------------------


def test_track_to_dict_is_json_ready() -> None:
    track = make_track("My  Song", "The Band", ("happy", "surprise"), genres=("pop",), year=1999)
    data = track.to_dict()
    expected = "key title album artist year genres valence arousal moods emotions source"
    assert set(data) == set(expected.split())
    assert json.loads(json.dumps(data)) == data
    assert data["emotions"] == ["happy", "surprise"] and data["genres"] == ["pop"]
    # The page tells songs apart by this key, as the server does (`track_key`).
    assert data["key"] == ["my song", "the band"]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: make_track(valence=1.5), "valence of 'Song' must be in -1..1"),
        (lambda: make_track(arousal=float("nan")), "arousal of 'Song' must be in -1..1"),
        (lambda: make_track(emotions=("joyful",)), "unknown emotion 'joyful'.*angry, disgust"),
        (lambda: make_track(title=" "), "needs a title"),
        (lambda: make_track(artist=""), "needs an artist"),
    ],
)
def test_track_rejects_impossible_values(build: Callable[[], Track], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_catalog_rejects_the_same_song_twice() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Catalog([make_track("Song", "Band"), make_track(" song", "BAND ")])


def test_tracks_for_validates_the_emotion_and_filters() -> None:
    catalog = Catalog([make_track("A", "X", ("happy",)), make_track("B", "Y", ("sad", "fear"))])
    assert [t.title for t in catalog.tracks_for("Sad")] == ["B"]
    assert catalog.tracks_for("angry") == []
    with pytest.raises(ValueError, match="angry, disgust, fear, happy, sad, surprise, neutral"):
        catalog.tracks_for("joyful")


def test_counts_lists_every_emotion() -> None:
    catalog = Catalog([make_track("A", "X", ("happy",)), make_track("B", "Y", ("happy", "sad"))])
    assert catalog.counts() == {e: {"happy": 2, "sad": 1}.get(e, 0) for e in EMOTIONS}


# --- our own CSV format ---------------------------------------------------------------------

HEADER = ",".join(CATALOG_COLUMNS)


def test_from_csv_reads_our_format(tmp_path: Path) -> None:
    path = write(
        tmp_path / "mine.csv",
        "\ufeff" + HEADER + "\r\n"
        'Song,"Band, The",Album,2001,pop;rock,0.5,-0.25,calm; warm,Happy;neutral\r\n'
        "\r\n"
        "Piece,Composer,,,classical,0.1,-0.8,calm,fear\r\n",
    )
    catalog = Catalog.from_csv(path)
    song, piece = catalog.tracks
    assert song.artist == "Band, The" and song.year == 2001
    assert song.genres == ("pop", "rock") and song.moods == ("calm", "warm")
    assert song.emotions == ("happy", "neutral")
    assert (song.valence, song.arousal) == (0.5, -0.25)
    assert piece.year is None and piece.album == ""
    assert song.source == "csv:mine.csv"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Song,Band,Album,2001,pop,1.5,0,calm,happy", "line 3: valence '1.5' is outside -1..1"),
        ("Song,Band,Album,soon,pop,0,0,calm,happy", "line 3: year 'soon'"),
        ("Song,Band,Album,2001,pop,0,0,calm,joyful", "line 3: unknown emotion 'joyful'; expected"),
        ("Song,Band,Album,2001,pop,0,0,calm,", "line 3: no emotions"),
        ("Song,Band,Album,2001,pop,0,0,calm", "line 3: expected 9 fields, found 8"),
        (
            "song,band,Album,2001,pop,0,0,calm,happy",
            "line 3: 'song' by 'band' is already on line 2",
        ),
    ],
)
def test_from_csv_names_the_bad_line(tmp_path: Path, row: str, message: str) -> None:
    good = "Song,Band,Album,2001,pop,0,0,calm,happy"
    path = write(tmp_path / "mine.csv", f"{HEADER}\n{good}\n{row}\n")
    with pytest.raises(CatalogError, match=re.escape("mine.csv " + message)):
        Catalog.from_csv(path)


def test_from_csv_requires_all_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "mine.csv", "title,artist\nSong,Band\n")
    with pytest.raises(CatalogError, match="lacks the column.*album, year") as err:
        Catalog.from_csv(path)
    assert "mine.csv" in err.value.message


def test_from_csv_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"absent\.csv does not exist"):
        Catalog.from_csv(tmp_path / "absent.csv")
    with pytest.raises(CatalogError, match="cannot be read"):
        Catalog.from_csv(tmp_path)  # a folder


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + '\nSong,"Band\nTwo",Album,2001,pop,0,0,calm,happy\n',
         "mine.csv line 2: artist holds a line break"),
        (HEADER + "\n", "mine.csv has a header but no rows"),
        ("", "mine.csv is empty"),
        (HEADER + "\nCaf\u00e9,Band,,,,0,0,,happy\n", "mine.csv is not UTF-8 text (line 2"),
    ],
)
def test_from_csv_is_strict_about_the_table_too(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "mine.csv"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(CatalogError, match=re.escape(message)):
        Catalog.from_csv(path)


# --- the paper's file names (the playlists themselves: tests/music/test_importers.py) -----


@pytest.mark.parametrize(
    ("file_name", "emotion"),
    [
        ("happy.csv", "happy"),
        ("Sad.csv", "sad"),
        ("angry_songs.csv", "angry"),
        ("surprised.csv", "surprise"),
        ("fearful.csv", "fear"),
        ("disgusted.csv", "disgust"),
        ("Neutral Playlist.csv", "neutral"),
        ("happy (1).csv", "happy"),
    ],
)
def test_emotion_from_file_name(file_name: str, emotion: str) -> None:
    assert emotion_from_file_name(file_name) == emotion


