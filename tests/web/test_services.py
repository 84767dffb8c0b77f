"""The app's parts as `build_services` makes them from a database that `moodtunes db
upgrade` (`moodtunes.prepare.prepare`) prepared, or could not."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from moodtunes.config import Settings
from moodtunes.errors import CatalogError
from moodtunes.prepare import prepare
from moodtunes.web import create_app
from moodtunes.web.services import build_services


def test_paper_playlists_are_imported_by_the_upgrade(tmp_path: Path) -> None:
    (tmp_path / "Sad.csv").write_text(
        "Name,Album,Artist\nMy Rainy Day,Grey Skies,Nobody Famous\nbroken row\n"
    )
    settings = Settings(playlists=str(tmp_path))
    report = prepare(settings)
    assert report.playlists is not None and report.playlists.added == 1
    (problem,) = report.problems
    assert "Sad.csv" in problem and "line 3" in problem
    services = build_services(settings)
    sad = [t.title for t in services.catalog.tracks_for("sad")]
    assert "My Rainy Day" in sad
    assert len(services.catalog) > 300  # the built-in songs are still there
    assert services.camera is None
    # Upgrading again adds nothing twice.
    again = prepare(settings)
    assert again.playlists is not None and again.playlists.added == 0


def test_unreadable_playlists_stop_the_upgrade(tmp_path: Path) -> None:
    (tmp_path / "elated.csv").write_text("Name,Album,Artist\nA,B,C\n")
    with pytest.raises(CatalogError, match="elated.csv"):
        prepare(Settings(playlists=str(tmp_path / "elated.csv")))


def test_imported_playlists_reach_the_app_through_the_database(tmp_path: Path) -> None:
    from moodtunes.cli import main

    db = f"sqlite:///{tmp_path / 'm.db'}"
    (tmp_path / "fearful.csv").write_text("Name,Album,Artist\nQuiet Harbour,Safe,Calm Person\n")
    assert main(["catalog", "import", str(tmp_path / "fearful.csv"), "--database", db]) == 0
    services = build_services(Settings(database_url=db))
    assert "Quiet Harbour" in [t.title for t in services.catalog.tracks_for("fear")]


def test_an_unusable_database_falls_back_to_the_builtin_catalog(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    services = build_services(Settings(database_url=f"sqlite:///{blocker}/sub/m.db"))
    assert len(services.catalog) > 300


def test_an_unprepared_database_is_never_migrated_by_the_app(tmp_path: Path) -> None:
    """A worker only connects: before `moodtunes db upgrade` it serves the built-in catalog
    and answers writes with 503 and what to run, without touching the database."""
    db = tmp_path / "m.db"
    settings = Settings(database_url=f"sqlite:///{db}")
    services = build_services(settings)
    assert services.sessions is None and len(services.catalog) > 300
    app = create_app({"TESTING": True, "SECRET_KEY": "t"}, settings=settings,
                     services=services)
    client = app.test_client()
    client.post("/api/mood", json={"emotion": "sad"})
    assert len(client.get("/t").get_json()) == 10  # recommending needs no database
    res = client.post("/api/feedback", json={"title": "Hello", "artist": "Adele",
                                             "kind": "like"})
    assert res.status_code == 503 and "moodtunes db upgrade" in res.get_json()["message"]
    # Connecting may make the file (SQLite's WAL header) but never a table.
    engine = create_engine(f"sqlite:///{db}")
    assert inspect(engine).get_table_names() == []
    engine.dispose()
