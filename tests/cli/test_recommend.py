"""`moodtunes recommend`: a playlist for a mood from the command line, on a real SQLite
catalog, and `moodtunes recommend evaluate`."""

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from moodtunes.cli import main
from moodtunes.music.catalog import Catalog, track_key
from moodtunes.storage.db import open_database
from moodtunes.storage.feedback import record_feedback
from moodtunes.storage.library import ensure_profile
from moodtunes.web.browser import PROFILE_KEY, STATE_KEY


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'm.db'}"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["recommend", *args, "--json"]) == 0
    answer: dict[str, Any] = json.loads(capsys.readouterr().out)
    return answer


def test_a_table_with_a_why_line_under_every_song(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", "--emotion", "sad", "--strategy", "uplift", "-n", "10",
                 "--database", db]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("uplift: from calm, sad")
    assert f"10 of {len(Catalog.builtin())} songs" in lines[0]
    rows = [i for i, line in enumerate(lines) if line[:3].strip().isdigit()]
    assert [int(lines[i][:3]) for i in rows] == list(range(1, 11))
    whys = [lines[i + 1].strip() for i in rows]
    assert whys[0] == "close to your mood (calm, sad)"
    assert all(why.startswith("a step towards brighter") for why in whys[1:])
    assert err == ""


def test_json_follows_the_strategy_and_the_seed(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    up = run_json(capsys, "--emotion", "sad", "--strategy", "uplift", "--database", db)
    assert (up["strategy"], up["emotion"], len(up["path"])) == ("uplift", "sad", 10)
    songs = up["recommendations"]
    assert len(songs) == 10 and all(song["why"] for song in songs)
    valence = [song["track"]["valence"] for song in songs]
    assert valence[-1] - valence[0] > 1.0  # from sad music to bright music
    assert [song["target"]["valence"] for song in songs] == [p[0] for p in up["path"]]

    # --probs with all the weight on sad is --emotion sad; another seed reorders a little.
    same = run_json(capsys, "--probs", "sad=1", "--strategy", "uplift", "--database", db)
    assert same == up
    match = run_json(capsys, "--probs", "sad=0.6, neutral=0.4", "--strategy", "match",
                     "-n", "5", "--seed", "3", "--database", db)
    assert match["emotion"] == "sad" and len(match["recommendations"]) == 5
    assert len({tuple(p) for p in match["path"]}) == 1  # match stays at the mood


@pytest.mark.parametrize("args, message", [
    ([], "--emotion NAME or --probs"),
    (["--emotion", "joy"], "angry, disgust, fear, happy, sad, surprise, neutral"),
    (["--emotion", "sad", "--strategy", "cheer"], "match, uplift, calm, energize"),
    (["--probs", "sad=0.5"], "sum to 1"),
    (["--probs", "sad"], "EMOTION=P"),
    (["--probs", "sad=lots"], "not a number"),
    (["--probs", "sad=0.5,sad=0.5"], "twice"),
    (["--emotion", "sad", "-n", "0"], "at least 1"),
])
def test_bad_input_is_a_clear_error_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ") and message in err


def test_the_database_catalog_is_used_and_a_broken_one_falls_back(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "fearful.csv").write_text("Name,Album,Artist\nQuiet Harbour,Safe,Calm Person\n")
    assert main(["catalog", "import", str(tmp_path / "fearful.csv"), "--database", db]) == 0
    capsys.readouterr()
    fear = run_json(capsys, "--emotion", "fear", "--strategy", "match", "--database", db)
    # Imported for fear, it sits on fear's point: the closest song there is.
    assert fear["recommendations"][0]["track"]["title"] == "Quiet Harbour"

    blocker = tmp_path / "file"
    blocker.write_text("")
    broken = f"sqlite:///{blocker}/sub/m.db"
    fallback = run_json(capsys, "--emotion", "fear", "--strategy", "match", "--database", broken)
    assert len(fallback["recommendations"]) == 10
    assert "Quiet Harbour" not in {s["track"]["title"] for s in fallback["recommendations"]}
    assert main(["recommend", "--emotion", "fear", "--database", broken]) == 0
    assert "warning: cannot open the database" in capsys.readouterr().err
    assert main(["recommend", "--emotion", "fear", "--database", broken,
                 "--profile", "someone"]) == 2
    assert "--profile needs the database" in capsys.readouterr().err


def test_a_profile_brings_its_taste_and_leaves_out_what_it_played(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--emotion", "happy", "--strategy", "match", "--database", db)
    plain = run_json(capsys, *args)["recommendations"]
    first, second = plain[0]["track"], plain[1]["track"]
    with open_database(db).begin() as s:
        profile = ensure_profile(s, None).id
        record_feedback(s, profile, (first["title"], first["artist"]), "play")
        record_feedback(s, profile, (second["title"], second["artist"]), "dislike")

    mine = run_json(capsys, *args, "--profile", profile)["recommendations"]

    keys = {track_key(s["track"]["title"], s["track"]["artist"]) for s in mine}
    assert track_key(first["title"], first["artist"]) not in keys  # played just now
    assert track_key(second["title"], second["artist"]) not in keys  # disliked
    assert any(s["why"].startswith("something new") for s in mine)  # a profile with history
    assert main(["recommend", *args, "--profile", "nobody"]) == 2
    assert "no profile 'nobody'" in capsys.readouterr().err


def test_evaluate_runs_the_offline_evaluation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", "evaluate", "--json", "--listeners", "3", "--seeds", "1"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["settings"]["listeners"] == 3
    assert results["catalog_tracks"] == len(Catalog.builtin())
    assert {"mood_fit", "uplift_progress", "personalisation"} <= set(results)
    assert main(["recommend", "evaluate", "--listeners", "0"]) == 2
    assert "listeners >= 1" in capsys.readouterr().err


def test_favourite_artists_change_the_picks_as_they_change_the_web_s(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    # the app and the command share the test's data folder, so one database
    args = ("--emotion", "happy", "--strategy", "match")
    longer = run_json(capsys, *args, "-n", "40")["recommendations"]
    shown = {song["track"]["artist"] for song in longer[:10]}
    artist = next(song["track"]["artist"] for song in longer[10:]
                  if song["track"]["artist"] not in shown)
    assert client.post("/api/profile", json={"favourite_artists": [artist]}).status_code == 200
    assert client.post("/api/mood", json={"emotion": "happy", "strategy": "match"}).status_code \
        == 200
    web = client.get("/api/recommendations").get_json()
    with client.session_transaction() as cookie:
        profile, seed = cookie[PROFILE_KEY], cookie[STATE_KEY]["seed"]
    seed = seed * 1_000_003 + web["generation"]  # this playlist's seed (web/playlists.py)

    mine = run_json(capsys, *args, "--profile", profile, "--seed", str(seed))
    plain = run_json(capsys, *args, "--seed", str(seed))

    def songs(picks: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(p["track"]["title"], p["track"]["artist"]) for p in picks]

    assert songs(mine["recommendations"]) == [(s["title"], s["artist"])
                                              for s in web["recommendations"]]
    assert songs(mine["recommendations"]) != songs(plain["recommendations"])
    assert artist in {a for _, a in songs(mine["recommendations"])}
