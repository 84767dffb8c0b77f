import csv
import math
import re
import statistics
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from moodtunes.emotions import AFFECT, EMOTIONS
from moodtunes.errors import CatalogError
from moodtunes.music import tables
from moodtunes.music.catalog import CATALOG_COLUMNS, Catalog, track_key
from moodtunes.music.importers import (
    EXTERNAL_ID_PATTERNS,
    MOODYLYRICS_POINTS,
    READERS,
    ImportedTrack,
    ImportResult,
    detect_format,
    is_explicit_title,
    read_any,
    read_deezer,
    read_generic,
    read_moodtunes,
    read_moodylyrics4q,
    read_paper,
    read_playlists,
    read_pmemo,
    read_spotify_features,
)
from tests.support import SHARED_DATA, require_shared

MUSIC = SHARED_DATA / "music"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def raw_rows(path: Path) -> list[dict[str, str]]:
    """A real file read with the csv module alone, to check the importer against."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def assert_consistent(result: ImportResult) -> None:
    assert result.rows == len(result.tracks) + len(result.problems)
    assert len({t.key for t in result.tracks}) == len(result.tracks)
    for track in result.tracks:
        for value in (track.valence, track.arousal):
            assert value is None or -1.0 <= value <= 1.0


# --- the real data sets ---------------------------------------------------------------------

# Row counts from ../shared/data/README.md.
REAL_FILES = [
    ("deezer_mood/train.csv", "deezer", 11_267),
    ("deezer_mood/validation.csv", "deezer", 3_863),
    ("deezer_mood/test.csv", "deezer", 3_514),
    ("pmemo/pmemo_static_va.csv", "pmemo", 767),
    ("spotify_moods/data_moods.csv", "spotify_features", 686),
    ("moodylyrics4q/MoodyLyrics4Q.csv", "moodylyrics4q", 2_000),
]
ID_KINDS = {
    "deezer": {"deezer", "msd_song", "msd_track"},
    "pmemo": {"pmemo"},
    "spotify_features": {"spotify"},
    "moodylyrics4q": {"moodylyrics"},
}


@pytest.mark.parametrize(("relative", "format_name", "readme_rows"), REAL_FILES)
def test_every_real_file_imports(relative: str, format_name: str, readme_rows: int) -> None:
    path = require_shared(MUSIC / relative)
    assert detect_format(path) == format_name
    result = read_any(path)
    assert result.rows == readme_rows
    assert len(result.tracks) == readme_rows - len(result.problems)
    assert_consistent(result)
    # The real files are clean apart from songs listed twice.
    assert all(": duplicate of line " in problem for problem in result.problems)
    assert len(result.problems) < readme_rows * 0.02
    for track in result.tracks:
        assert track.valence is not None and track.arousal is not None
        assert {kind for kind, _ in track.external_ids} == ID_KINDS[format_name]
        assert track.source == f"{format_name}:{path.name}"
    # Valence and arousal use the scale, rather than sit in a corner of it.
    for values in (
        [t.valence for t in result.tracks if t.valence is not None],
        [t.arousal for t in result.tracks if t.arousal is not None],
    ):
        assert min(values) < -0.3 and max(values) > 0.3


@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_deezer_keeps_ids_and_squashes_scores_monotonically(split: str) -> None:
    path = require_shared(MUSIC / "deezer_mood" / f"{split}.csv")
    raw = raw_rows(path)
    result = read_deezer(path)
    assert result.problems == []
    for row, track in zip(raw, result.tracks, strict=True):
        assert (track.title, track.artist) == (
            row["track_name"].strip(),
            row["artist_name"].strip(),
        )
        assert track.external_ids == (
            ("deezer", row["dzr_sng_id"]),
            ("msd_song", row["MSD_sng_id"]),
            ("msd_track", row["MSD_track_id"]),
        )
        assert track.valence == pytest.approx(math.tanh(float(row["valence"]) / 2), abs=1e-4)
        assert track.arousal == pytest.approx(math.tanh(float(row["arousal"]) / 2), abs=1e-4)
    # Monotone: ordering songs by the raw score or by ours gives the same order (up to ties).
    by_raw = sorted(zip(raw, result.tracks, strict=True), key=lambda p: float(p[0]["valence"]))
    mapped = [track.valence if track.valence is not None else math.nan for _, track in by_raw]
    assert mapped == sorted(mapped)


def test_pmemo_rescales_and_keeps_the_first_of_a_repeated_song() -> None:
    path = require_shared(MUSIC / "pmemo" / "pmemo_static_va.csv")
    raw = raw_rows(path)
    result = read_pmemo(path)
    by_id = {track.external_id("pmemo"): track for track in result.tracks}
    for row in raw[:50]:
        track = by_id.get(row["id"])
        if track is not None:
            assert track.valence == pytest.approx(2 * float(row["v"]) - 1)
            assert track.arousal == pytest.approx(2 * float(row["a"]) - 1)
    # "Make Me..." by Britney Spears is rated twice (ids 90 and 92); the first row wins.
    make_me = [t for t in result.tracks if t.key == track_key("Make Me...", "Britney Spears")]
    assert [t.external_id("pmemo") for t in make_me] == ["90"]
    assert "pmemo_static_va.csv line 78: duplicate of line 76" in result.problems[0]


def test_spotify_moods_match_their_audio_features() -> None:
    path = require_shared(MUSIC / "spotify_moods" / "data_moods.csv")
    result = read_spotify_features(path)
    raw = {row["id"]: row for row in raw_rows(path)}
    by_mood: dict[str, list[ImportedTrack]] = {}
    for track in result.tracks:
        (mood,) = track.moods
        by_mood.setdefault(mood, []).append(track)
        spotify = track.external_id("spotify")
        assert spotify is not None and spotify in raw
        row = raw[spotify]
        assert mood == row["mood"].lower()
        assert track.valence == pytest.approx(2 * float(row["valence"]) - 1, abs=1e-4)
        assert track.arousal == pytest.approx(2 * float(row["energy"]) - 1, abs=1e-4)
        assert track.year == int(row["release_date"][:4])
        assert track.album == row["album"]
    assert set(by_mood) == {"happy", "sad", "energetic", "calm"}

    def mean(tracks: list[ImportedTrack], field: str) -> float:
        return statistics.fmean(getattr(t, field) for t in tracks)

    assert mean(by_mood["happy"], "valence") > mean(by_mood["sad"], "valence") + 0.3
    assert mean(by_mood["energetic"], "arousal") > mean(by_mood["calm"], "arousal") + 0.5
    prince = next(t for t in result.tracks if t.key == track_key("1999", "Prince"))
    assert prince.year == 1982 and prince.external_id("spotify") == "2H7PHVdQ3mXqEHXcvclTB0"


def test_moodylyrics4q_quadrants_ids_and_explicit_titles() -> None:
    path = require_shared(MUSIC / "moodylyrics4q" / "MoodyLyrics4Q.csv")
    result = read_moodylyrics4q(path)
    for track in result.tracks:
        (mood,) = track.moods
        assert (track.valence, track.arousal) == MOODYLYRICS_POINTS[mood]
        ident = track.external_id("moodylyrics")
        assert ident is not None and ident.startswith("ML")
    counts = {mood: sum(t.moods == (mood,) for t in result.tracks) for mood in MOODYLYRICS_POINTS}
    assert sum(counts.values()) == len(result.tracks)
    assert all(491 <= n <= 500 for n in counts.values())  # 500 each, less the repeated songs
    titles = {t.title: t for t in result.tracks}
    assert titles["Fuck tha Police"].explicit is True
    assert titles["Shitlist"].explicit is True
    assert titles["Highway to Hell"].explicit is None
    assert titles["Cocktails For Two"].explicit is None
    assert 5 <= sum(t.explicit is True for t in result.tracks) <= 40


def test_word_norms_table_is_not_a_song_table() -> None:
    path = require_shared(MUSIC / "emotion_va_word_norms.csv")
    with pytest.raises(CatalogError, match="cannot tell the format of emotion_va_word_norms.csv"):
        detect_format(path)


def test_builtin_catalog_file_reads_as_moodtunes_format() -> None:
    resource = resources.files("moodtunes.music").joinpath("data/builtin_catalog.csv")
    with resources.as_file(resource) as path:
        assert detect_format(path) == "moodtunes"
        result = read_any(path)
    catalog = Catalog.builtin()
    assert result.problems == [] and result.rows == len(catalog)
    for imported, track in zip(result.tracks, catalog, strict=True):
        assert imported.key == track.key
        assert (imported.valence, imported.arousal) == (track.valence, track.arousal)
        assert imported.emotions == track.emotions and imported.year == track.year
        assert imported.genres == tuple(g.casefold() for g in track.genres)


# --- malformed rows, one format at a time ----------------------------------------------------

DEEZER_HEADER = "dzr_sng_id,MSD_sng_id,MSD_track_id,valence,arousal,artist_name,track_name"


def test_deezer_reports_bad_rows_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "train.csv",
        f"{DEEZER_HEADER}\n"  # 1
        "1,SOAAAAA12A8C13220B,TRAAAAA128F42623E3,0.5,-1.0,Band,Song\n"  # 2
        "2,SOBBBBB12A8C13220B,TRBBBBB128F42623E3,0.1,0.2,,No Artist\n"  # 3
        "3,SOCCCCC12A8C13220B,TRCCCCC128F42623E3,0.1,0.2,Band,\n"  # 4
        "4,SODDDDD12A8C13220B,TRDDDDD128F42623E3,high,0.2,Band,Word\n"  # 5
        "5,SOEEEEE12A8C13220B,TREEEEE128F42623E3,0.1,45.0,Band,Far\n"  # 6
        "6,SOFFFFF12A8C13220B,TRFFFFF128F42623E3,0.1,0.2,Band\n"  # 7
        "7,not-an-msd-id,TRGGGGG128F42623E3,0.1,0.2,Band,Bad Id\n"  # 8
        "8,,,1e-1,-2,Other,Only Deezer\n"  # 9
        "9,SOHHHHH12A8C13220B,TRHHHHH128F42623E3,0.1,0.2,BAND, song \n"  # 10
        "10,SOIIIII12A8C13220B,TRIIIII128F42623E3,nan,0.2,Band,NaN\n",  # 11
    )
    result = read_deezer(path)
    assert [t.title for t in result.tracks] == ["Song", "Only Deezer"]
    assert result.problems == [
        "train.csv line 3: no artist_name",
        "train.csv line 4: no track_name",
        "train.csv line 5: valence 'high' is not a number",
        "train.csv line 6: arousal '45.0' is not a plausible standardised score (beyond ±10)",
        "train.csv line 7: expected 7 fields, found 6",
        "train.csv line 8: msd_song id 'not-an-msd-id' is malformed",
        "train.csv line 10: duplicate of line 2 ('song' by 'BAND')",
        "train.csv line 11: valence 'nan' is not a number",
    ]
    assert result.rows == 10
    song, only = result.tracks
    assert song.valence == pytest.approx(math.tanh(0.25), abs=1e-4)
    assert song.arousal == pytest.approx(math.tanh(-0.5), abs=1e-4)
    assert only.external_ids == (("deezer", "8"),)  # missing MSD ids are left out


def test_pmemo_reports_bad_rows_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pmemo.csv",
        "id,title,artist,v,a\n"
        "1,Good,Band,0.5,1\n"
        "2,Over,Band,1.2,0.5\n"
        "3,Under,Band,0.5,-0.1\n"
        "x,Bad Id,Band,0.5,0.5\n"
        '5,Comma,Band,"0,5",0.5\n',
    )
    result = read_pmemo(path)
    assert [(t.title, t.valence, t.arousal) for t in result.tracks] == [("Good", 0.0, 1.0)]
    assert result.problems == [
        "pmemo.csv line 3: v '1.2' is outside 0..1",
        "pmemo.csv line 4: a '-0.1' is outside 0..1",
        "pmemo.csv line 5: pmemo id 'x' is malformed",
        "pmemo.csv line 6: v '0,5' is not a number",
    ]


SPOTIFY_HEADER = "name,album,artist,id,release_date,popularity,energy,valence,mood"


def test_spotify_features_reads_dates_links_and_reports_bad_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path / "moods.csv",
        f"{SPOTIFY_HEADER}\n"
        "Full Date,A,Band,2H7PHVdQ3mXqEHXcvclTB0,1982-10-27,68,0.75,0.25,Happy\n"  # 2
        "Year Only,A,Band,spotify:track:4HIwL9ii9CcXpTOTzMq0MP,2007,1,0.5,0.5,Sad\n"  # 3
        "Month,A,Band,https://open.spotify.com/track/5GZEeowhvSieFDiR8fQ2im?si=x,2006-11,"
        "1,0.5,0.5,Calm\n"  # 4
        "No Date,A,Band,3GuzB4BEWq3bhZM8YydysZ,,1,0.5,0.5,\n"  # 5
        "Bad Date,A,Band,3AtuVA6OJB7ZxBbMfA5qYx,27/10/1982,1,0.5,0.5,Sad\n"  # 6
        "Bad Id,A,Band,abc,2001,1,0.5,0.5,Sad\n"  # 7
        "Loud,A,Band,2iyriVrfEXWD7YRfPqub7l,2001,1,1.5,0.5,Energetic\n",  # 8
    )
    result = read_spotify_features(path)
    full, year_only, month, no_date = result.tracks
    assert (full.year, full.valence, full.arousal, full.moods) == (1982, -0.5, 0.5, ("happy",))
    assert year_only.external_id("spotify") == "4HIwL9ii9CcXpTOTzMq0MP"
    assert month.external_id("spotify") == "5GZEeowhvSieFDiR8fQ2im" and month.year == 2006
    assert no_date.year is None and no_date.moods == ()
    assert result.problems == [
        "moods.csv line 6: release_date '27/10/1982' is neither a year nor a date like 1982-10-27",
        "moods.csv line 7: spotify id 'abc' is malformed",
        "moods.csv line 8: energy '1.5' is outside 0..1",
    ]


def test_spotify_features_needs_only_its_core_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path / "plain.csv",
        "id,artist,name,valence,energy\n2H7PHVdQ3mXqEHXcvclTB0,Prince,1999,0.625,0.73\n",
    )
    (track,) = read_any(path).tracks
    assert (track.title, track.album, track.year, track.moods) == ("1999", "", None, ())


def test_moodylyrics4q_reports_bad_rows_and_flags_explicit_titles(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ml.csv",
        '"Index","Artist","Title","Mood"\n'
        '"ML1","N.W.A","Fuck tha Police","angry"\n'
        '"ML2","Band","Sunny","HAPPY"\n'
        '"ML3","Band","Gloomy","melancholic"\n'
        '"ML4","","Nobody","sad"\n'
        '"ML5","Band","Too","many","fields"\n'
        '"ML6","Band","sunny","happy"\n',
    )
    result = read_moodylyrics4q(path)
    police, sunny = result.tracks
    assert police.explicit is True and police.moods == ("angry",)
    assert (police.valence, police.arousal) == MOODYLYRICS_POINTS["angry"]
    assert sunny.explicit is None and sunny.moods == ("happy",)
    assert sunny.external_ids == (("moodylyrics", "ML2"),)
    assert result.problems == [
        "ml.csv line 4: Mood 'melancholic' is not one of happy, angry, sad, relaxed",
        "ml.csv line 5: no Artist",
        "ml.csv line 6: expected 4 fields, found 5",
        "ml.csv line 7: duplicate of line 3 ('sunny' by 'Band')",
    ]


@pytest.mark.parametrize(
    ("title", "explicit"),
    [
        ("Fuck the World", True),
        ("I Fucking Hate You", True),
        ("Die Motherfucker Die", True),
        ("Lyin' Ass Bitch", True),
        ("Shitlist", True),
        ("Cuntry Boys & City Girls", True),
        ("All The Good Sh**", True),
        ("F**k You", True),
        ("Highway to Hell", False),
        ("Cocktails For Two", False),
        ("Assassin", False),
        ("Middle Class Revolt", False),
        ("Scunthorpe", False),
        ("Moby Dick", True),  # a whole-word match cannot know the whale
        ("Dickens", False),
    ],
)
def test_is_explicit_title(title: str, explicit: bool) -> None:
    assert is_explicit_title(title) is explicit


def test_paper_playlist_takes_its_emotion_from_the_file_name(tmp_path: Path) -> None:
    text = "Name,Album,Artist\nHappy,G I R L,Pharrell Williams\n,No Name,Band\n"
    happy = read_paper(write(tmp_path / "happy_songs.csv", text))
    (track,) = happy.tracks
    assert track.emotions == ("happy",)
    assert (track.valence, track.arousal) == (AFFECT["happy"].valence, AFFECT["happy"].arousal)
    assert (track.album, track.source) == ("G I R L", "paper:happy_songs.csv")
    assert happy.problems == ["happy_songs.csv line 3: no Name"]
    (unnamed,) = read_paper(write(tmp_path / "mix.csv", text)).tracks
    assert unnamed.emotions == () and unnamed.valence is None and unnamed.arousal is None


# --- the paper's playlists, a folder of them -------------------------------------------------


def test_paper_playlist_with_bom_and_windows_newlines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "happy.csv",
        "\ufeffName,Album,Artist\r\n"
        "Happy,G I R L,Pharrell Williams\r\n"
        '"Don\'t Stop Me Now","Jazz",Queen\r\n',
    )
    result = read_playlists(path)
    assert result.problems == [] and result.rows == 2
    first, second = result.tracks
    assert (first.title, first.album, first.artist) == ("Happy", "G I R L", "Pharrell Williams")
    assert second.title == "Don't Stop Me Now" and second.artist == "Queen"
    assert first.emotions == ("happy",) and first.source == "paper:happy.csv"
    assert (first.valence, first.arousal) == (AFFECT["happy"].valence, AFFECT["happy"].arousal)
    assert first.year is None
    assert result == read_any(path)  # a single playlist reads as `catalog import` reads it


def test_paper_playlist_reports_malformed_rows_by_line_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "Sad.csv",
        "Name,Album,Artist\n"  # line 1
        "Someone Like You,21,Adele\n"  # line 2
        ",Some Album,Nobody\n"  # line 3: no title
        "Yesterday,Help!\n"  # line 4: a field short
        "\n"  # line 5: blank, ignored
        "Fix You,X&Y,\n"  # line 6: no artist
        "Vincent,American Pie,Don McLean,extra\n"  # line 7: a field too many
        "someone like you ,21, ADELE\n"  # line 8: repeats line 2
        "The Scientist,A Rush of Blood to the Head,Coldplay\n",  # line 9
    )
    result = read_playlists(path)
    assert [t.title for t in result.tracks] == ["Someone Like You", "The Scientist"]
    assert result.problems == [
        "Sad.csv line 3: no Name",
        "Sad.csv line 4: expected 3 fields, found 2",
        "Sad.csv line 6: no Artist",
        "Sad.csv line 7: expected 3 fields, found 4",
        "Sad.csv line 8: duplicate of line 2 ('someone like you' by 'ADELE')",
    ]
    assert result.rows == 7
    assert all(t.emotions == ("sad",) for t in result.tracks)


def test_a_playlist_folder_reads_every_csv_and_merges_shared_songs(tmp_path: Path) -> None:
    write(tmp_path / "happy.csv", "Name,Album,Artist\nHappy,,Pharrell Williams\n,x,y\n")
    write(tmp_path / "surprised.csv", "Name,Album,Artist\nHAPPY,G I R L,pharrell williams\n")
    write(tmp_path / "angry_songs.csv", "Artist,Name,Album\nEnya,Only Time,A Day Without Rain\n")
    write(tmp_path / "notes.txt", "not a playlist")

    result = read_playlists(tmp_path)

    only_time, happy = result.tracks  # the files in name order: angry_songs, happy, surprised
    assert (only_time.title, only_time.artist, only_time.emotions) == (
        "Only Time", "Enya", ("angry",))  # columns found by name
    assert (happy.title, happy.artist) == ("Happy", "Pharrell Williams")  # the first spelling
    assert happy.emotions == ("happy", "surprise")
    assert happy.album == "G I R L"  # the first album named
    assert happy.source == "paper:happy.csv+surprised.csv"
    mean = (AFFECT["happy"].valence + AFFECT["surprise"].valence) / 2
    assert happy.valence == pytest.approx(mean, abs=1e-3)
    assert result.problems == ["happy.csv line 3: no Name"]
    assert result.rows == 4


@pytest.mark.parametrize("file_name", ["calm.csv", "happy_sad.csv", "playlist.csv", "joyful.csv"])
def test_a_playlist_not_named_after_an_emotion_is_an_error_listing_valid_names(
    tmp_path: Path, file_name: str
) -> None:
    write(tmp_path / "happy.csv", "Name,Album,Artist\nSong,Album,Band\n")
    write(tmp_path / file_name, "Name,Album,Artist\nSong,Album,Band\n")
    for path in (tmp_path / file_name, tmp_path):
        with pytest.raises(CatalogError) as err:
            read_playlists(path)
        assert file_name in err.value.message
        assert ", ".join(EMOTIONS) in err.value.message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "happy.csv is empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "happy.csv is empty"),
        (b"Name,Album,Artist\r\n", "happy.csv has a header but no rows"),
        ("Name,Album,Artist\nCaf\u00e9,Album,Band\n".encode("latin-1"),
         "happy.csv is not UTF-8 text (line 2"),
        (b"Name,Album\nHappy,G I R L\n", "happy.csv lacks the column(s) Artist"),
    ],
)
def test_a_playlist_that_is_not_a_playlist_is_an_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "happy.csv").write_bytes(content)
    with pytest.raises(CatalogError, match=re.escape(message)):
        read_playlists(tmp_path / "happy.csv")


def test_read_playlists_needs_playlists(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="holds no .csv playlists"):
        read_playlists(tmp_path)
    with pytest.raises(CatalogError, match="missing does not exist"):
        read_playlists(tmp_path / "missing")


def test_moodtunes_format_skips_bad_rows_instead_of_failing(tmp_path: Path) -> None:
    header = ",".join(CATALOG_COLUMNS)
    path = write(
        tmp_path / "mine.csv",
        f"{header}\n"
        'Song,"Band, The",Album,2001,Pop; Rock,0.5,-0.25,calm,Happy;neutral\n'  # 2
        "Unknown,Band,,,,,,,\n"  # 3: valence and arousal unknown
        "Loud,Band,,,rock,1.5,0,,happy\n"  # 4
        "Joy,Band,,,pop,0.5,0.5,,joyful\n"  # 5
        "Old,Band,,999,pop,0.5,0.5,,happy\n",  # 6
    )
    result = read_moodtunes(path)
    song, unknown = result.tracks
    assert song.genres == ("pop", "rock") and song.emotions == ("happy", "neutral")
    assert song.artist == "Band, The" and song.year == 2001
    assert unknown.valence is None and unknown.arousal is None and unknown.emotions == ()
    assert result.problems[0] == "mine.csv line 4: valence '1.5' is outside -1..1"
    assert result.problems[1].startswith("mine.csv line 5: unknown emotion 'joyful'; expected")
    assert (
        result.problems[2] == "mine.csv line 6: year '999' is neither a year nor a date "
        "like 1982-10-27"
    )


# --- the generic reader ----------------------------------------------------------------------


def test_generic_maps_columns_and_rescales_a_value_range(tmp_path: Path) -> None:
    path = write(
        tmp_path / "survey.csv",
        "Song Title,Performer,Record,Released,Pleasure,Energy,Style,Tags,Deezer,Spotify,Adult\n"
        "Clair de lune,Debussy,Suite bergamasque,1905-01-01,7,1,Classical|Piano,calm|soft,"
        "3135556,,no\n"
        "Loud,Band,,,9,9,,,,spotify:track:2H7PHVdQ3mXqEHXcvclTB0,yes\n"
        "Beyond,Band,,,10,5,,,,,\n"
        "Maybe,Band,,,5,5,,,,,perhaps\n",
    )
    mapping = {
        "title": "Song Title",
        "artist": "performer",  # columns are found case-blind
        "album": "Record",
        "year": "Released",
        "valence": "Pleasure",
        "arousal": "Energy",
        "genres": "Style",
        "moods": "Tags",
        "deezer_id": "Deezer",
        "spotify_id": "Spotify",
        "explicit": "Adult",
    }
    result = read_generic(path, mapping, value_range=(1, 9), list_separator="|")
    clair, loud = result.tracks
    assert (clair.valence, clair.arousal, clair.year) == (0.5, -1.0, 1905)
    assert clair.genres == ("classical", "piano") and clair.moods == ("calm", "soft")
    assert clair.external_ids == (("deezer", "3135556"),) and clair.explicit is False
    assert clair.source == "generic:survey.csv"
    assert loud.external_ids == (("spotify", "2H7PHVdQ3mXqEHXcvclTB0"),) and loud.explicit
    assert (loud.valence, loud.arousal) == (1.0, 1.0)
    assert result.problems == [
        "survey.csv line 4: Pleasure '10' is outside 1..9",
        "survey.csv line 5: Adult 'perhaps' is not true/false, yes/no or 1/0",
    ]
    named = read_any(
        path,
        "generic",
        mapping=mapping,
        value_range="nine_point",
        list_separator="|",
        source="survey",
    )
    assert [t.valence for t in named.tracks] == [0.5, 1.0]
    assert {t.source for t in named.tracks} == {"survey"}


def test_generic_rejects_a_bad_mapping_or_scale(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "t,a,v\nSong,Band,0.5\n")
    with pytest.raises(ValueError, match="unknown field.*tempo.*expected among: title, artist"):
        read_generic(path, {"title": "t", "artist": "a", "tempo": "v"})
    with pytest.raises(ValueError, match="must name the column for artist"):
        read_generic(path, {"title": "t"})
    with pytest.raises(ValueError, match="unknown scale 'stars'; expected one of: signed, unit"):
        read_generic(path, {"title": "t", "artist": "a"}, value_range="stars")
    with pytest.raises(ValueError, match="low < high"):
        read_generic(path, {"title": "t", "artist": "a"}, value_range=(1, 1))
    with pytest.raises(CatalogError, match="t.csv lacks the column.*Pleasure"):
        read_generic(path, {"title": "t", "artist": "a", "valence": "Pleasure"})
    (track,) = read_generic(path, {"title": "t", "artist": "A ", "valence": "V"}, "unit").tracks
    assert (track.valence, track.arousal) == (0.0, None)


# --- what every reader shares ----------------------------------------------------------------


def test_bom_and_windows_line_ends(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pm.csv",
        '\ufeffid,title,artist,v,a\r\n1,Song,Band,0.25,0.75\r\n\r\n2,"Two, Words",Band,1,0\r\n',
    )
    assert detect_format(path) == "pmemo"
    result = read_any(path)
    assert [(t.title, t.valence, t.arousal) for t in result.tracks] == [
        ("Song", -0.5, 0.5),
        ("Two, Words", 1.0, -1.0),
    ]
    assert result.problems == [] and result.rows == 2


def test_line_numbers_count_physical_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pm.csv",
        "id,title,artist,v,a\n"  # 1
        '1,"Two\nLines",Band,0.5,0.5\n'  # 2-3: a title with a line break
        "\n"  # 4
        "2,,Band,0.5,0.5\n"  # 5
        '3,"Unclosed,Band,0.5,0.5\n'  # 6: swallows what follows into one field
        "4,Lost,Band,0.5,0.5\n",
    )
    result = read_pmemo(path)
    assert result.tracks == []
    assert result.problems == [
        "pm.csv line 2: title holds a line break or a control character (an unclosed quote?)",
        "pm.csv line 5: no title",
        "pm.csv line 6: expected 5 fields, found 2",
    ]


def test_an_oversized_field_is_a_problem_and_reading_goes_on(tmp_path: Path) -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    path = write(
        tmp_path / "pm.csv",
        f'id,title,artist,v,a\n1,"{huge}",Band,0.5,0.5\n2,Song,Band,0.5,0.5\n',
    )
    result = read_pmemo(path)
    assert [t.title for t in result.tracks] == ["Song"]
    assert len(result.problems) == 1 and result.rows == 2
    assert result.problems[0].startswith("pm.csv line 2: not valid CSV (field larger than")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty.csv is empty"),
        (b"\n\n  \n", "empty.csv is empty"),
        (b"\xef\xbb\xbf", "empty.csv is empty"),
        (b"id,title,artist,v,a\n", "empty.csv has a header but no rows"),
        (b"id,title,artist,v,a\n1,Caf\xe9,Band,0.5,0.5\n", "not UTF-8 text (line 2"),
        ("id,title\n".encode("utf-16"), "is UTF-16 text; save it as CSV UTF-8"),
        (b"id,title,artist\n1,Song,Band\n", "lacks the column(s) v, a; its header is"),
        (b"id,title,artist,v,a,V\n1,Song,Band,0.5,0.5,0.5\n", "has the column(s) v more than"),
    ],
)
def test_unreadable_files_are_catalog_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(CatalogError, match=re.escape(message)):
        read_pmemo(path)


def test_a_missing_file_is_a_catalog_error(tmp_path: Path) -> None:
    absent = tmp_path / "absent.csv"
    with pytest.raises(CatalogError, match=r"absent\.csv does not exist"):
        read_deezer(absent)
    with pytest.raises(CatalogError, match=r"absent\.csv does not exist"):
        read_any(absent)
    with pytest.raises(CatalogError, match="cannot be read"):
        read_deezer(tmp_path)  # a folder


# --- format detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "format_name"),
    [
        (DEEZER_HEADER, "deezer"),
        ("ID,Title,Artist,V,A", "pmemo"),
        (SPOTIFY_HEADER, "spotify_features"),  # also holds the paper's Name, Album, Artist
        ('"Index","Artist","Title","Mood"', "moodylyrics4q"),
        ("Name,Album,Artist", "paper"),
        ("Artist,Name,Album,Added", "paper"),
        (",".join(CATALOG_COLUMNS), "moodtunes"),
    ],
)
def test_detect_format(tmp_path: Path, header: str, format_name: str) -> None:
    path = write(tmp_path / "table.csv", "\ufeff\n" + header + "\r\n")
    assert detect_format(path) == format_name
    assert format_name in READERS


def test_an_unknown_header_lists_the_known_formats_and_what_it_saw(tmp_path: Path) -> None:
    path = write(tmp_path / "odd.csv", "song,singer,happiness\nA,B,1\n")
    with pytest.raises(CatalogError) as err:
        detect_format(path)
    message = err.value.message
    assert "odd.csv" in message and "'song,singer,happiness'" in message
    for name in ("deezer", "pmemo", "spotify_features", "moodylyrics4q", "paper", "moodtunes"):
        assert name in message
    with pytest.raises(CatalogError, match="cannot tell the format"):
        read_any(path)


def test_read_any_rejects_an_unknown_format_name(tmp_path: Path) -> None:
    path = write(tmp_path / "pm.csv", "id,title,artist,v,a\n1,Song,Band,0.5,0.5\n")
    with pytest.raises(ValueError, match="unknown format 'itunes'; expected one of: deezer, "):
        read_any(path, "itunes")
    assert read_any(path, "pmemo").tracks == read_pmemo(path).tracks


# --- records and progress --------------------------------------------------------------------


def test_imported_track_checks_its_fields() -> None:
    def make(**changes: Any) -> ImportedTrack:
        fields: dict[str, Any] = dict(
            title="Song",
            artist="Band",
            album="",
            year=None,
            genres=(),
            valence=None,
            arousal=None,
            moods=(),
            source="test",
            external_ids=(),
            explicit=None,
        )
        return ImportedTrack(**(fields | changes))

    track = make(title="  Hello  World ", artist="BAND", external_ids=(("spotify", "a" * 22),))
    assert track.key == track_key("hello world", "band")
    assert track.external_id("spotify") == "a" * 22 and track.external_id("deezer") is None
    with pytest.raises(ValueError, match="unknown id kind 'isrc'; expected one of: spotify"):
        make(external_ids=(("isrc", "USRC17607839"),))
    with pytest.raises(ValueError, match="an id kind appears twice"):
        make(external_ids=(("pmemo", "1"), ("pmemo", "2")))
    with pytest.raises(ValueError, match="valence 1.5 is outside -1..1"):
        make(valence=1.5)
    with pytest.raises(ValueError, match="arousal nan is outside"):
        make(arousal=float("nan"))
    with pytest.raises(ValueError, match="no artist"):
        make(artist=" ")
    with pytest.raises(ValueError, match="unknown emotion 'joy'"):
        make(emotions=("joy",))
    assert set(EXTERNAL_ID_PATTERNS) == {
        "spotify",
        "deezer",
        "msd_song",
        "msd_track",
        "pmemo",
        "moodylyrics",
    }


def pmemo_file(tmp_path: Path) -> Path:
    rows = "".join(f"{i},Song {i},Band,0.5,0.5\n" for i in range(1, 2001))
    return write(tmp_path / "pm.csv", "id,title,artist,v,a\n" + rows)


def test_big_files_get_a_progress_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm", reason="tqdm comes with the train extra")
    path = pmemo_file(tmp_path)
    quiet = read_pmemo(path)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(tables, "PROGRESS_MIN_BYTES", 1000)
    shown = read_pmemo(path)
    assert "pm.csv" in capsys.readouterr().err
    assert shown == quiet and len(shown.tracks) == 2000
    read_pmemo(path, progress=False)
    assert capsys.readouterr().err == ""


def test_no_bar_without_tqdm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` fail
    result = read_pmemo(pmemo_file(tmp_path), progress=True)
    assert len(result.tracks) == 2000
    assert capsys.readouterr().err == ""
