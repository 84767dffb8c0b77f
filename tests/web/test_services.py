from pathlib import Path

import pytest

from moodtunes.config import Settings
from moodtunes.errors import CatalogError
from moodtunes.web.services import build_services


def test_paper_playlists_join_the_builtin_catalog(tmp_path: Path) -> None:
    (tmp_path / "Sad.csv").write_text(
        "Name,Album,Artist\nMy Rainy Day,Grey Skies,Nobody Famous\nbroken row\n"
    )
    services = build_services(Settings(playlists=str(tmp_path)))
    sad = [t.title for t in services.catalog.tracks_for("sad")]
    assert "My Rainy Day" in sad
    assert len(services.catalog) > 300  # the built-in songs are still there
    assert services.camera is None


def test_unreadable_playlists_stop_the_start(tmp_path: Path) -> None:
    (tmp_path / "elated.csv").write_text("Name,Album,Artist\nA,B,C\n")
    with pytest.raises(CatalogError, match="elated.csv"):
        build_services(Settings(playlists=str(tmp_path / "elated.csv")))


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
