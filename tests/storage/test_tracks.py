import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.cli import main
from moodtunes.music.importers import ImportedTrack
from moodtunes.storage.db import create_db_engine, database_url, session_factory, upgrade
from moodtunes.storage.models import TrackRow
from moodtunes.storage.tracks import catalog_stats, import_tracks, load_catalog, seed_builtin
from tests.support import SHARED_DATA, require_shared


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    engine = create_db_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # a second run finds nothing to do
    return session_factory(engine)


def record(title: str, artist: str, source: str = "pmemo:x.csv", **kw: object) -> ImportedTrack:
    base: dict[str, object] = dict(album="", year=None, genres=(), valence=0.5, arousal=-0.2,
                                   moods=(), external_ids=(), explicit=None)
    base.update(kw)
    return ImportedTrack(title=title, artist=artist, source=source, **base)  # type: ignore[arg-type]


def test_database_url() -> None:
    assert database_url("sqlite:///x.db", {}) == "sqlite:///x.db"
    assert database_url(None, {"DATABASE_URL": "postgres://u@h/db"}) == \
        "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db", {}) == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql+psycopg://u@h/db", {}) == "postgresql+psycopg://u@h/db"
    assert database_url(None, {"MOODTUNES_HOME": "/srv/mt"}) == "sqlite:////srv/mt/moodtunes.db"


def test_migrations_make_the_indexed_tables(sessions: sessionmaker[Session]) -> None:
    engine = sessions.kw["bind"]
    tables = set(inspect(engine).get_table_names())
    assert {"tracks", "track_emotions", "external_ids", "track_sources"} <= tables
    indexes = {i["name"] for i in inspect(engine).get_indexes("track_emotions")}
    assert "ix_track_emotions_emotion" in indexes


def test_reimport_adds_no_duplicates_and_merge_keeps_curated_values(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        first = import_tracks(s, [record("Song A", "Band", valence=0.5, arousal=0.1),
                                  record("Song B", "Band")])
    assert (first.added, first.merged) == (2, 0)
    with sessions.begin() as s:
        again = import_tracks(s, [record("song  a", "BAND", valence=0.5, arousal=0.1)])
    assert (again.added, again.merged, again.unchanged) == (0, 0, 1)
    with sessions.begin() as s:
        other = import_tracks(s, [record("Song A", "Band", source="deezer:t.csv",
                                         valence=-0.9, arousal=0.9,
                                         external_ids=(("deezer", "123"),), year=1999)])
    assert other.merged == 1
    with sessions() as s:
        row = s.scalars(select(TrackRow).where(TrackRow.title == "Song A")).one()
        assert (row.valence, row.arousal) == (0.5, 0.1)  # the first source's estimate stays
        assert row.year == 1999 and row.ids() == {"deezer": "123"}
        assert {src.source: src.valence for src in row.sources} == {"pmemo": 0.5,
                                                                   "deezer": -0.9}
        assert s.scalar(select(TrackRow.id).where(TrackRow.title == "Song B")) is not None


def test_builtin_seed_stats_and_catalog(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        seeded = seed_builtin(s)
    with sessions.begin() as s:
        assert seed_builtin(s).added == 0  # idempotent
        import_tracks(s, [record("Unrated", "Nobody", valence=None, arousal=None)])
    with sessions() as s:
        stats = catalog_stats(s)
        catalog = load_catalog(s)
    assert stats["total"]["tracks"] == seeded.added + 1
    assert stats["sources"] == {"builtin": seeded.added, "pmemo": 1}
    assert min(stats["emotions"].values()) >= 40
    assert len(catalog) == seeded.added  # the untagged, unrated song is not recommendable
    assert len(catalog.tracks_for("sad")) == stats["emotions"]["sad"]


def test_catalog_commands_on_real_tables(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    pmemo = require_shared(SHARED_DATA / "music" / "pmemo" / "pmemo_static_va.csv")
    broken = tmp_path / "broken.csv"
    broken.write_text("what,is,this\n1,2,3\n")
    db = f"sqlite:///{tmp_path / 'm.db'}"
    assert main(["catalog", "import", str(broken), str(pmemo), "--database", db,
                 "--json"]) == 1
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert "broken.csv" in report[0]["file"] and report[0]["error"]
    assert report[1]["rows"] == 767 and report[1]["added"] + report[1]["merged"] > 700
    assert "line" in err  # PMEmo's duplicate rows are listed with their line numbers
    assert main(["catalog", "import", str(pmemo), "--database", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["added"] == 0
    assert main(["catalog", "stats", "--database", db, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["sources"]["pmemo"] >= 750 and stats["sources"]["builtin"] >= 300


def test_catalog_import_from_a_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import functools
    import http.server
    import threading

    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "sad.csv").write_text("Name,Album,Artist\nRainy Song,Grey,Somebody\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(tmp_path / "www"))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    db = f"sqlite:///{tmp_path / 'm.db'}"
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert main(["catalog", "import", f"{base}/sad.csv", "--database", db, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)[0]["added"] == 1
        assert main(["catalog", "import", f"{base}/missing.csv", "--database", db]) == 1
        assert "missing.csv" in capsys.readouterr().err
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_generic_csv_with_a_column_mapping(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "mine.csv"
    table.write_text("Song,Singer,V,A\nCalm Water,River Band,0.8,0.1\nNo Singer,,0.5,0.5\n")
    db = f"sqlite:///{tmp_path / 'm.db'}"
    assert main(["catalog", "import", str(table), "--database", db, "--json",
                 "--map", "title=Song", "--map", "artist=Singer", "--map", "valence=V",
                 "--map", "arousal=A", "--value-range", "unit"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)[0]["added"] == 1 and "line 3" in err
    assert main(["catalog", "import", str(table), "--database", db, "--format", "generic"]) == 2
    assert "--map" in capsys.readouterr().err
    assert main(["catalog", "import", str(table), "--database", db, "--map", "title"]) == 2
