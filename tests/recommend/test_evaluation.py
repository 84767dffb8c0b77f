import json
import math
from typing import Any

import pytest

from moodtunes.emotions import EMOTIONS
from moodtunes.music.catalog import Catalog
from moodtunes.recommend.evaluation import (
    EvaluationSettings,
    evaluate,
    format_report,
    main,
    simulate_listeners,
)
from moodtunes.recommend.index import Index
from moodtunes.recommend.strategies import STRATEGIES

SMALL = EvaluationSettings(seeds=2, mixed_moods=20, listeners=12)


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return evaluate(settings=SMALL)


def test_every_measure_is_there_for_every_strategy_and_emotion(results: dict[str, Any]) -> None:
    assert results["catalog_tracks"] == len(Catalog.builtin())
    assert set(results["mood_fit"]) == set(STRATEGIES)
    for row in results["mood_fit"].values():
        assert set(row) == {*EMOTIONS, "all"}
        assert all(0.0 <= value < 1.5 for value in row.values())
    assert set(results["uplift_progress"]) == set(EMOTIONS)
    for emotion in ("angry", "fear"):
        assert "calms_before_lifting" in results["uplift_progress"][emotion]
    assert "calms_before_lifting" not in results["uplift_progress"]["sad"]
    assert 0.0 < results["coverage"]["together"] <= 1.0


def test_the_playlist_rules_hold_in_every_evaluated_list(results: dict[str, Any]) -> None:
    for row in results["diversity"].values():
        assert row["same_artist_adjacent"] == 0
        assert row["repeated_tracks"] == 0
        assert row["artist_uniqueness"] > 0.9


def test_uplift_picks_climb_and_taste_helps(results: dict[str, Any]) -> None:
    for emotion in ("sad", "angry", "fear", "neutral"):
        assert results["uplift_progress"][emotion]["valence_gain"] > 0.5
    assert results["uplift_progress"]["angry"]["calms_before_lifting"] == 1.0
    p = results["personalisation"]
    assert p["hit_rate_with_taste"] > p["hit_rate_mood_only"]


def test_the_evaluation_is_reproducible(results: dict[str, Any]) -> None:
    again = evaluate(settings=SMALL)
    assert json.dumps(again, sort_keys=True) == json.dumps(results, sort_keys=True)
    assert "hit rate at 10" in format_report(results)


def test_simulated_listeners_like_their_artists_and_hold_out_a_fifth() -> None:
    index = Index.from_catalog(Catalog.builtin())
    listeners = simulate_listeners(index, EvaluationSettings(listeners=20))
    assert len(listeners) == 20
    for listener in listeners:
        assert 2 <= len(listener.genres) <= 4 and 3 <= len(listener.artists) <= 6
        total = len(listener.train) + len(listener.held_out)
        assert len(listener.held_out) == max(1, round(0.2 * total))
        assert not listener.held_out.intersection(listener.train)


def test_main_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--json", "--listeners", "2", "--seeds", "1"])
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["listeners"] == 2
    assert not math.isnan(data["personalisation"]["hit_rate_with_taste"])


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="settings need n >= 2"):
        evaluate(settings=EvaluationSettings(n=1))
