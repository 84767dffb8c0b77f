import json
from typing import Any

import numpy as np
import pytest

from moodtunes.emotions import AFFECT, EMOTIONS
from moodtunes.music.catalog import Catalog, Track
from moodtunes.recommend.engine import Recommendation, Weights, recommend, target_path
from moodtunes.recommend.index import Index, work_title
from moodtunes.recommend.strategies import STRATEGIES, create_strategy
from moodtunes.recommend.taste import FeedbackEvent, TasteModel

SAD = {"sad": 1.0}


def one_hot(emotion: str) -> list[float]:
    return [1.0 if e == emotion else 0.0 for e in EMOTIONS]


def track(title: str, artist: str, valence: float = 0.0, arousal: float = 0.0) -> Track:
    return Track(title, artist, "", None, ("pop",), valence, arousal, (), ("happy",), "test")


@pytest.fixture(scope="module")
def index() -> Index:
    return Index.from_catalog(Catalog.builtin())


def titles(recs: list[Recommendation]) -> list[str]:
    return [r.track.title for r in recs]


@pytest.mark.parametrize("strategy", list(STRATEGIES))
@pytest.mark.parametrize("emotion", EMOTIONS)
def test_every_strategy_fills_the_playlist_along_its_path(index: Index, strategy: str,
                                                          emotion: str) -> None:
    recs = recommend(None, one_hot(emotion), strategy, 10, index)
    assert len(recs) == 10
    assert [r.position for r in recs] == list(range(10))
    path = create_strategy(strategy).path(AFFECT[emotion], 10)
    assert np.allclose([[r.target.valence, r.target.arousal] for r in recs], path)
    assert target_path(one_hot(emotion), strategy, 10) == [r.target for r in recs]
    artists = [r.track.key[1] for r in recs]
    assert all(a != b for a, b in zip(artists, artists[1:], strict=False))
    assert len({work_title(r.track.title) for r in recs}) == 10


def test_picks_fit_the_mood(index: Index) -> None:
    recs = recommend(None, SAD, "match", 10, index)
    assert all(r.scores.distance < 0.25 for r in recs)
    assert np.mean([r.track.valence for r in recs]) < -0.3


def test_uplift_picks_climb(index: Index) -> None:
    for emotion in ("sad", "angry", "fear"):
        recs = recommend(None, one_hot(emotion), "uplift", 10, index)
        valence = [r.track.valence for r in recs]
        assert all(b >= a for a, b in zip(valence, valence[1:], strict=False)), emotion
        assert valence[-1] - valence[0] > 0.8


def test_calm_and_energize_picks_move_the_arousal(index: Index) -> None:
    calm = recommend(None, one_hot("happy"), "calm", 10, index)
    assert calm[-1].track.arousal < calm[0].track.arousal - 0.5
    energize = recommend(None, one_hot("neutral"), "energize", 10, index)
    assert energize[-1].track.arousal > energize[0].track.arousal + 0.5


def test_the_full_distribution_changes_the_playlist(index: Index) -> None:
    sure = recommend(None, {"sad": 0.95, "neutral": 0.05}, "match", 10, index)
    torn = recommend(None, {"sad": 0.55, "neutral": 0.45}, "match", 10, index)
    assert np.mean([r.track.valence for r in torn]) > np.mean([r.track.valence for r in sure])


def test_same_seed_same_playlist_other_seed_some_variety(index: Index) -> None:
    first = titles(recommend(None, SAD, "uplift", 10, index, seed=3))
    assert first == titles(recommend(None, SAD, "uplift", 10, index, seed=3))
    others = {tuple(titles(recommend(None, SAD, "uplift", 10, index, seed=s)))
              for s in range(5)}
    assert len(others) > 1


def test_a_catalog_and_its_index_give_the_same_playlist(index: Index) -> None:
    catalog = Catalog.builtin()
    assert titles(recommend(None, SAD, "calm", 8, catalog)) == titles(
        recommend(None, SAD, "calm", 8, index))


def test_recently_played_songs_and_their_versions_are_left_out() -> None:
    index = Index.from_catalog([
        track("Song", "A"), track("Song (Live)", "B"), track("Other", "C"),
        track("Third", "D"), track("Fourth", "E"),
    ])
    recs = recommend(None, {"neutral": 1.0}, "match", 5, index,
                     exclude_recent=[("SONG", "a")])
    assert sorted(titles(recs)) == ["Fourth", "Other", "Third"]


def test_near_duplicates_never_share_a_playlist() -> None:
    index = Index.from_catalog([
        track("Hallelujah", "Leonard Cohen"), track("Hallelujah", "Jeff Buckley"),
        track("Yesterday - Remastered 2009", "The Beatles"), track("Yesterday (Live)", "X"),
        track("Unique", "Y"),
    ])
    recs = recommend(None, {"neutral": 1.0}, "match", 5, index)
    assert len(recs) == 3
    assert len({work_title(t) for t in titles(recs)}) == 3


def test_no_artist_twice_in_a_row_and_the_list_ends_when_only_one_artist_is_left() -> None:
    index = Index.from_catalog([track(f"S{i}", "Solo", 0.0, -0.5) for i in range(6)]
                               + [track("Other", "Band", 0.9, 0.9)])
    recs = recommend(None, {"neutral": 1.0}, "match", 6, index)
    assert [r.track.artist for r in recs] == ["Solo", "Band", "Solo"]


def test_an_artist_already_played_is_held_back() -> None:
    tracks = [track(f"S{i}", "Solo", 0.0, -0.5) for i in range(4)]
    tracks += [track(f"O{i}", f"Other {i}", 0.0, -0.45) for i in range(4)]
    recs = recommend(None, {"neutral": 1.0}, "match", 4, Index.from_catalog(tracks),
                     weights=Weights(variety=0.0))
    assert sum(r.track.artist == "Solo" for r in recs) == 1


def test_taste_raises_a_liked_artist_and_says_so(index: Index) -> None:
    catalog = Catalog.builtin()
    coldplay = [t for t in catalog if t.artist == "Coldplay"]
    liked = coldplay[:3]
    model = TasteModel().fit([FeedbackEvent("p", t.key, "like", timestamp=i)
                              for i, t in enumerate(liked)])
    cold = recommend(None, SAD, "uplift", 10, index)
    warm = recommend(model, SAD, "uplift", 10, index,
                     exclude_recent=[t.key for t in liked])
    assert sum(r.track.artist == "Coldplay" for r in warm) > sum(
        r.track.artist == "Coldplay" for r in cold)
    lines = [r.why for r in warm if r.track.artist == "Coldplay"]
    assert lines and all(line == "you liked 3 songs by Coldplay" for line in lines)
    assert all(r.scores.taste > 0.5 for r in warm if r.track.artist == "Coldplay")


def test_why_lines_for_mood_and_for_something_new(index: Index) -> None:
    cold = recommend(None, SAD, "match", 3, index)
    assert cold[0].why == "close to your mood (calm, sad)"
    assert cold[0].reasons == ("close to your mood (calm, sad)",)
    lifted = recommend(None, SAD, "uplift", 10, index)
    assert lifted[-1].why.startswith("a step towards brighter (")
    model = TasteModel().fit([FeedbackEvent("p", ("Some Song", "Nobody Here"), "like")])
    new = recommend(model, SAD, "match", 3, index)
    assert new[0].why == "something new, close to your mood (calm, sad)"
    assert new[0].scores.novelty == 1.0


def test_a_disliked_song_is_never_offered(index: Index) -> None:
    best = recommend(None, SAD, "match", 1, index)[0].track
    model = TasteModel().fit([FeedbackEvent("p", best.key, "dislike")])
    assert best.key not in {r.track.key for r in recommend(model, SAD, "match", 10, index)}


def test_recommendations_serialise_to_json(index: Index) -> None:
    recs = recommend(None, SAD, "uplift", 3, index)
    data = json.loads(json.dumps([r.to_dict() for r in recs]))
    assert set(data[0]) == {"position", "track", "target", "scores", "why", "reasons"}
    assert set(data[0]["scores"]) == {"distance", "taste", "novelty", "backtrack", "total"}


def test_a_small_or_empty_catalog_gives_what_it_has() -> None:
    assert recommend(None, SAD, "match", 5, Index.from_arrays([], [], [], [])) == []
    assert len(recommend(None, SAD, "match", 5, Index.from_catalog([track("A", "B")]))) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strategy": "cheer"}, "unknown strategy 'cheer'; expected one of: match, uplift, "
                                "calm, energize"),
        ({"emotion_probs": [0.5, 0.5]}, "expected 7 probabilities"),
        ({"emotion_probs": [0.3] * 7}, "must sum to 1"),
        ({"n": 0}, "n must be at least 1, got 0"),
        ({"n": 2.5}, "n must be a whole number"),
    ],
)
def test_bad_inputs_are_rejected_precisely(index: Index, kwargs: dict[str, Any],
                                           message: str) -> None:
    args: dict[str, Any] = {"profile_taste": None, "emotion_probs": SAD,
                               "strategy": "match", "n": 5, "catalog": index}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        recommend(**args)


def test_negative_weights_are_rejected() -> None:
    with pytest.raises(ValueError, match="weight taste must be a finite number >= 0"):
        Weights(taste=-1.0)
