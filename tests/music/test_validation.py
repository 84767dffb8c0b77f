import json
import math
from pathlib import Path

import pytest

from moodtunes.errors import CatalogError
from moodtunes.music.catalog import Catalog, Track
from moodtunes.music.validation import (
    SOURCES,
    ValidationReport,
    format_report,
    is_wild_disagreement,
    main,
    rank_average,
    spearman,
    validate_catalog,
)
from tests.support import SHARED_DATA, require_shared


def make_track(title: str, artist: str, valence: float, arousal: float) -> Track:
    return Track(title, artist, "", None, (), valence, arousal, (), ("happy",), "test")


# --- Spearman -------------------------------------------------------------------------------


def test_rank_average_gives_ties_the_mean_of_their_ranks() -> None:
    assert rank_average([10, 20, 20, 30, 20]).tolist() == [1, 3, 3, 5, 3]
    assert rank_average([0.5, -1.0, 0.5]).tolist() == [2.5, 1, 2.5]


def test_spearman_of_monotone_data_is_plus_or_minus_one() -> None:
    x = [0.1, 0.4, -0.3, 0.9, 0.0]
    assert spearman(x, [v**3 for v in x]) == pytest.approx(1.0)  # any increasing map
    assert spearman(x, [-2 * v for v in x]) == pytest.approx(-1.0)


def test_spearman_with_ties_by_hand() -> None:
    # Ranks of x are 1, 2.5, 2.5, 4 and of y 1, 2, 3, 4; their deviations from 2.5 are
    # (-1.5, 0, 0, 1.5) and (-1.5, -0.5, 0.5, 1.5): r = 4.5 / sqrt(4.5 * 5) = sqrt(0.9).
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(math.sqrt(0.9))


def test_spearman_textbook_example() -> None:
    # Without ties Spearman is 1 - 6 sum(d^2) / (n (n^2 - 1)); here the rank differences are
    # 0, 1, -1, 0, 0, so sum(d^2) = 2 and n = 5: 1 - 12 / 120 = 0.9.
    assert spearman([1, 2, 3, 4, 5], [1, 3, 2, 4, 5]) == pytest.approx(0.9)


def test_spearman_is_undefined_for_constant_or_tiny_data() -> None:
    assert spearman([1, 2, 3], [5, 5, 5]) is None
    assert spearman([1, 2], [2, 1]) is None
    with pytest.raises(ValueError, match="as long as each other"):
        spearman([1, 2, 3], [1, 2])


def test_wild_disagreement_rule() -> None:
    assert is_wild_disagreement(0.6, -0.5)  # 1.1 apart
    assert is_wild_disagreement(0.45, -0.45)  # opposite signs, both clear of 0
    assert not is_wild_disagreement(0.3, -0.6)  # opposite, but ours is close to 0
    assert not is_wild_disagreement(0.9, 0.0)


# --- the report on a fake shared folder -----------------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def msd(kind: str, n: int) -> str:
    return f"{kind}{n:016d}"


def spotify(n: int, title: str, artist: str, valence: float, energy: float, mood: str) -> str:
    return f"{title},Album,{artist},{n:022d},2001-01-01,{valence},{energy},{mood}\n"


def fake_shared(root: Path) -> Path:
    """A shared music folder with a few songs in each source's real format."""
    header = "dzr_sng_id,MSD_sng_id,MSD_track_id,valence,arousal,artist_name,track_name\n"

    def deezer(n: int, valence: float, arousal: float, artist: str, title: str) -> str:
        return f"{n},{msd('SO', n)},{msd('TR', n)},{valence},{arousal},{artist},{title}\n"

    write(
        root / "deezer_mood" / "train.csv",
        header
        + deezer(1, 1.6, 1.2, "Pharrell Williams", "Happy")
        + deezer(2, -1.8, -1.0, "Adele", "Someone Like You")
        + deezer(3, 0.2, -1.6, "Claude Debussy", "Clair de Lune")
        + deezer(4, 0.0, 0.0, "Nobody We Know", "Not In The Catalog"),
    )
    # The same song in two splits counts once, with the mean of its values.
    write(
        root / "deezer_mood" / "validation.csv",
        header + deezer(5, 1.0, 1.2, "Pharrell Williams", "Happy"),
    )
    write(
        root / "deezer_mood" / "test.csv",
        header + deezer(6, -1.2, 1.4, "Queen", "We Will Rock You"),
    )
    write(
        root / "pmemo" / "pmemo_static_va.csv",
        "id,title,artist,v,a\n"
        "1,Happy,Pharrell Williams,0.9,0.8\n"
        "2,Someone Like You,Adele,0.2,0.3\n",
    )
    write(
        root / "spotify_moods" / "data_moods.csv",
        "name,album,artist,id,release_date,valence,energy,mood\n"
        + spotify(1, "Happy - From Despicable Me 2", "Pharrell Williams", 0.96, 0.82, "Happy")
        + spotify(2, "Someone Like You", "Adele", 0.29, 0.32, "Sad")
        + spotify(3, "Clair de Lune", "Claude Debussy", 0.05, 0.01, "Calm")
        + spotify(4, "We Will Rock You - Remastered", "Queen", 0.48, 0.50, "Energetic"),
    )
    write(
        root / "moodylyrics4q" / "MoodyLyrics4Q.csv",
        '"Index","Artist","Title","Mood"\n'
        '"ML1","Pharrell Williams","Happy","happy"\n'
        '"ML2","Adele","Someone Like You","happy"\n'
        '"ML3","Claude Debussy","Clair de Lune","relaxed"\n',
    )
    return root


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(
        [
            make_track("Happy", "Pharrell Williams", 0.9, 0.6),
            make_track("Someone Like You", "Adele", -0.5, -0.5),
            make_track("Clair de Lune", "Claude Debussy", 0.3, -0.8),
            make_track("We Will Rock You", "Queen & Friends", 0.3, 0.8),
            make_track("Unknown Song", "Unknown Band", 0.0, 0.0),
        ]
    )


def test_report_on_a_fake_shared_folder(tmp_path: Path, catalog: Catalog) -> None:
    report = validate_catalog(catalog, fake_shared(tmp_path))
    assert [s.name for s in report.sources] == [s.name for s in SOURCES]
    assert report.catalog_songs == 5

    deezer = report.source("deezer_mood")
    assert deezer.source_songs == 5  # Happy twice over two splits counts once
    # "Queen & Friends" is found as Queen's song through its primary artist.
    assert deezer.overlap == 4
    assert deezer.spearman_valence == pytest.approx(
        spearman([0.9, -0.5, 0.3, 0.3], [1.3, -1.8, 0.2, -1.2])
    )
    assert deezer.spearman_arousal == pytest.approx(1.0)
    assert deezer.quadrant_agreement is None
    # Queen: ours +0.3, theirs tanh(-1.2 / 2) = -0.54: apart by 0.84, and ours is near 0.
    assert [d.title for d in deezer.disagreements] == []

    pmemo = report.source("pmemo")
    assert (pmemo.overlap, pmemo.spearman_valence) == (2, None)  # two songs: undefined

    spotify = report.source("spotify_moods")
    assert spotify.overlap == 4
    assert spotify.spearman_valence is not None and spotify.spearman_valence > 0.5

    moody = report.source("moodylyrics4q")
    assert moody.overlap == 3
    assert moody.spearman_valence is None and moody.spearman_arousal is None
    assert moody.quadrant_agreement == pytest.approx(2 / 3)  # Adele is not "happy"
    (wild,) = moody.disagreements
    assert (wild.title, wild.axes) == ("Someone Like You", ("valence", "arousal"))
    assert (wild.their_valence, wild.their_arousal) == (0.6, 0.5)


def test_report_flags_wild_disagreements(tmp_path: Path) -> None:
    shared = fake_shared(tmp_path)
    # A Happy we call miserable and sleepy contradicts every source.
    catalog = Catalog([make_track("Happy", "Pharrell Williams", -0.8, -0.7)])
    report = validate_catalog(catalog, shared)
    for name in ("deezer_mood", "pmemo", "spotify_moods", "moodylyrics4q"):
        (wild,) = report.source(name).disagreements
        assert wild.axes == ("valence", "arousal"), name
        assert (wild.our_valence, wild.our_arousal) == (-0.8, -0.7)


def test_report_is_json_ready_and_prints_as_a_table(tmp_path: Path, catalog: Catalog) -> None:
    report = validate_catalog(catalog, fake_shared(tmp_path))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["sources"][0]["name"] == "deezer_mood" and data["catalog_songs"] == 5
    table = format_report(report)
    assert "deezer_mood" in table and "moodylyrics4q" in table and "67%" in table
    assert "Someone Like You / Adele" in table  # the MoodyLyrics4Q disagreement


def test_a_missing_source_is_reported_and_the_rest_still_compared(
    tmp_path: Path, catalog: Catalog
) -> None:
    shared = fake_shared(tmp_path)
    (shared / "deezer_mood" / "test.csv").unlink()
    report = validate_catalog(catalog, shared)
    deezer = report.source("deezer_mood")
    assert deezer.overlap == 0 and deezer.missing == (str(shared / "deezer_mood" / "test.csv"),)
    assert report.source("pmemo").overlap == 2
    assert "missing: " in format_report(report)


def test_a_missing_shared_folder_is_a_clear_error(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match="shared music folder .*absent.* does not exist"):
        validate_catalog(catalog, tmp_path / "absent")


def test_main_prints_the_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_shared(tmp_path / "data" / "music")
    # The shared data folder above music/ is accepted too.
    assert main(["--shared", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert "spotify_moods" in out and "overlap" in out
    assert main(["--shared", str(tmp_path / "data" / "music"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    spotify = next(s for s in data["sources"] if s["name"] == "spotify_moods")
    assert spotify["overlap"] >= 1  # the built-in catalog has Pharrell's Happy


def test_main_says_when_the_shared_folder_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--shared", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "does not exist" in err and "--shared" in err
    (tmp_path / "empty").mkdir()
    assert main(["--shared", str(tmp_path / "empty")]) == 2
    assert "none of the data sets" in capsys.readouterr().err


# --- the real shared folder -----------------------------------------------------------------


@pytest.fixture(scope="module")
def real_report() -> ValidationReport:
    music = require_shared(SHARED_DATA / "music")
    return validate_catalog(Catalog.builtin(), music)


def test_builtin_catalog_agrees_with_spotify_audio_features(real_report: ValidationReport) -> None:
    spotify = real_report.source("spotify_moods")
    assert not spotify.missing
    assert spotify.overlap > 0
    assert spotify.spearman_valence is not None and spotify.spearman_valence > 0


def test_builtin_catalog_agrees_with_every_real_source(real_report: ValidationReport) -> None:
    for source in real_report.sources:
        assert source.overlap > 0, source.name
        for rho in (source.spearman_valence, source.spearman_arousal):
            assert rho is None or rho > 0, source.name
    assert (real_report.source("moodylyrics4q").quadrant_agreement or 0) > 0.5
