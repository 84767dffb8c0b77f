"""Two app instances on one database, as two server processes would be: what one changes
(a like, a dislike, a favourite, an import) the other honours on its next request, because
every cache is keyed by a version kept in the database."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from moodtunes.config import Settings
from moodtunes.music.catalog import Catalog, track_key
from moodtunes.music.importers import ImportedTrack
from moodtunes.prepare import prepare
from moodtunes.storage.tracks import import_tracks
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.services import Services, build_services


def instance(settings: Settings) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "shared"}, settings=settings,
                      services=build_services(settings))


def same_browser(source: FlaskClient, target: FlaskClient) -> None:
    """The browser's cookie, as a load balancer would hand the next request to `target`."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


def keys(songs: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [track_key(s["title"], s["artist"]) for s in songs]


def services_of(app: Flask) -> Services:
    found: Services = app.extensions["moodtunes"]
    return found


def test_two_instances_on_one_database_agree(tmp_path: Path,
                                             recognizer: EmotionRecognizer) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'shared.db'}")
    prepare(settings)
    one, two = instance(settings).test_client(), instance(settings).test_client()

    one.post("/api/mood", json={"strategy": "match", "emotion": "sad"})
    first = one.get("/t").get_json()
    liked, disliked = first[0], first[1]
    assert one.post("/api/feedback", json=liked | {"kind": "like"}).status_code == 201
    same_browser(one, two)
    # The other process has the same list, and now keeps this profile's taste in memory.
    shown = two.get("/t").get_json()
    assert keys(shown) == keys(one.get("/t").get_json())

    # A dislike through the first process...
    assert one.post("/api/feedback", json=disliked | {"kind": "dislike"}).status_code == 201
    # ...is honoured by the second on its next request.
    assert keys([disliked])[0] not in keys(two.get("/t").get_json())

    # Favourites set through one are the other's too.
    one.post("/api/profile", json={"favourite_artists": ["Adele"]})
    assert two.get("/api/profile").get_json()["favourite_artists"] == ["Adele"]

    # An import through a third writer (`moodtunes catalog import`, say) reaches both.
    song = ImportedTrack(title="Rain On Two Servers", artist="Shared Band", album="",
                         year=None, genres=(), valence=-0.6, arousal=-0.4, moods=(),
                         source="test", external_ids=(), explicit=None, emotions=("sad",))
    key = track_key(song.title, song.artist)
    sessions = services_of(two.application).database()
    with sessions.begin() as db:
        assert import_tracks(db, [song]).added == 1
    for client in (one, two):
        client.get("/t")
        assert services_of(client.application).index.row_of(key) is not None


def test_a_cache_is_kept_while_nothing_changed(tmp_path: Path, catalog: Catalog) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'shared.db'}")
    prepare(settings)
    app = instance(settings)
    client = app.test_client()
    client.post("/api/mood", json={"emotion": "happy"})
    song = client.get("/t").get_json()[0]
    client.post("/api/feedback", json=song | {"kind": "like"})
    found = services_of(app)
    index = found.current_index()
    client.get("/t")
    profile = client.get_cookie("session")
    assert profile is not None
    assert found.current_index() is index  # no import: the same index, not rebuilt
    (kept,) = found._tastes.values()
    client.get("/t")
    assert next(iter(found._tastes.values())) is kept  # no feedback: the same taste
