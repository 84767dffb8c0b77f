from typing import Any

import numpy as np
import pytest

from moodtunes.music.catalog import Catalog, Track
from moodtunes.recommend.index import Index
from moodtunes.recommend.taste import FeedbackEvent, TasteModel, TasteSettings

DAY = 86_400.0


def track(title: str, artist: str, genres: tuple[str, ...] = ("pop",)) -> Track:
    return Track(title, artist, "", None, genres, 0.0, 0.0, (), ("happy",), "test")


@pytest.fixture
def index() -> Index:
    return Index.from_catalog([
        track("A1", "Abba"), track("A2", "Abba"), track("A3", "Abba"),
        track("B1", "Blur", ("rock",)), track("B2", "Blur", ("rock",)),
        track("C1", "Cher"), track("D1", "Dido", ("folk",)), track("D2", "Dido", ("folk",)),
        track("E1", "Enya", ("new age",)),
    ])


def event(title: str, artist: str, kind: str, value: float = 1.0, t: float = 0.0
          ) -> FeedbackEvent:
    return FeedbackEvent("p1", (title, artist), kind, value, t)


def scores(model: TasteModel, index: Index) -> dict[str, float]:
    return {index.titles[i]: float(s) for i, s in enumerate(model.score(index))}


def test_cold_start_is_neutral(index: Index) -> None:
    model = TasteModel().fit([])
    assert model.is_cold
    assert np.array_equal(model.score(index), np.zeros(len(index)))
    assert model.explain(index, 0) is None


def test_fit_returns_the_model_and_refits_from_scratch(index: Index) -> None:
    model = TasteModel()
    assert model.fit([event("A1", "Abba", "like")]) is model
    assert not model.is_cold
    model.fit([])
    assert model.is_cold
    assert not model.score(index).any()


def test_likes_of_an_artist_raise_their_other_songs(index: Index) -> None:
    s = scores(TasteModel().fit([event("A1", "Abba", "like"), event("A2", "Abba", "like")]),
               index)
    assert s["A3"] > 0.3
    assert s["A1"] > s["A3"]  # the liked song itself most
    assert s["A3"] > s["C1"] > s["B1"]  # C1 shares the genre pop, B1 nothing
    assert s["B1"] == 0.0


def test_dislikes_of_an_artist_lower_their_songs(index: Index) -> None:
    model = TasteModel().fit([event("B1", "Blur", "dislike")])
    s = scores(model, index)
    assert s["B2"] < -0.3
    assert s["B1"] < s["B2"]
    assert s["A1"] == 0.0
    assert model.assess(index).blocked.tolist() == [3]


def test_the_latest_explicit_verdict_counts(index: Index) -> None:
    model = TasteModel().fit([event("B1", "Blur", "dislike", t=1),
                              event("B1", "Blur", "like", t=2)])
    assert model.assess(index).blocked.size == 0
    assert ("b1", "blur") in model.liked


def test_implicit_feedback(index: Index) -> None:
    s = scores(TasteModel().fit([
        event("A1", "Abba", "play"), event("A1", "Abba", "play"),
        event("B1", "Blur", "skip"),
        event("D1", "Dido", "complete", 1.0), event("E1", "Enya", "complete", 0.05),
    ]), index)
    assert s["A1"] > 0 > s["B1"]
    assert s["D1"] > 0 > s["E1"]
    # Two plays are weaker evidence than one like.
    liked = scores(TasteModel().fit([event("A1", "Abba", "like")]), index)
    assert liked["A1"] > s["A1"]


def test_favourites_and_library(index: Index) -> None:
    model = TasteModel().fit([], favourite_artists=["  ENYA "], favourite_genres=["Rock"],
                             library=[("D1", "Dido")])
    s = scores(model, index)
    assert s["E1"] > 0.5 and s["B1"] > 0.2 and s["D1"] > 0.3 and s["D2"] > 0
    assert s["A1"] == 0.0
    assert model.assess(index).known.tolist() == [6]
    assert model.explain(index, 8) == "Enya is one of your favourite artists"
    assert model.explain(index, 3) == "you like rock"
    assert model.explain(index, 6) == "from your library"


def test_recent_feedback_outweighs_old(index: Index) -> None:
    model = TasteModel(TasteSettings(half_life_days=30)).fit([
        event("A1", "Abba", "like", t=0), event("B1", "Blur", "like", t=365 * DAY),
    ])
    s = scores(model, index)
    assert s["B1"] > s["A1"] > 0


def test_scores_are_bounded(index: Index) -> None:
    events = [event(f"A{i}", "Abba", "like", t=i) for i in (1, 2, 3)] * 20
    values = TasteModel().fit(events).score(index)
    assert values.max() < 1.0 + 1e-6 and values.min() > -1.0 - 1e-6


def test_score_takes_a_catalog_or_tracks_too(index: Index, catalog: Catalog) -> None:
    model = TasteModel().fit([FeedbackEvent("p", catalog.tracks[0].key, "like")])
    assert model.score(catalog).shape == (len(catalog),)
    assert model.score(list(catalog.tracks[:10]))[0] > 0.5


def test_why_lines(index: Index) -> None:
    model = TasteModel().fit([event(t, "Abba", "like") for t in ("A1", "A2")]
                             + [event("D1", "Dido", "play", t=3)])
    assert model.explain(index, 2) == "you liked 2 songs by Abba"
    assert model.explain(index, 0) == "you liked this song"
    assert model.explain(index, 6) == "you often listen to this"
    assert model.explain(index, 5) == "you liked 2 pop songs"
    assert model.explain(index, 8) is None


def test_the_view_of_an_index_is_kept_and_read_only(index: Index) -> None:
    model = TasteModel().fit([event("A1", "Abba", "like")])
    first = model.assess(index)
    assert model.assess(index) is first
    with pytest.raises(ValueError):
        first.scores[0] = 0.0
    model.fit([event("B1", "Blur", "like")])
    assert model.assess(index) is not first


def test_events_of_several_profiles_are_rejected() -> None:
    events = [FeedbackEvent("p1", ("a", "b"), "like"), FeedbackEvent("p2", ("c", "d"), "like")]
    with pytest.raises(ValueError, match="events of 2 profiles .* fit one TasteModel"):
        TasteModel().fit(events)
    with pytest.raises(ValueError, match="events are for profile 'p1', this model is 'p9'"):
        TasteModel(profile_id="p9").fit(events[:1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "love"}, "unknown feedback kind 'love'; expected one of: like, dislike, "
                           "play, skip, complete"),
        ({"kind": "complete", "value": 1.5}, r"completion value is a fraction in 0\.\.1"),
        ({"kind": "like", "value": -1.0}, "must not be negative"),
        ({"kind": "like", "timestamp": float("nan")}, "finite"),
        ({"kind": "like", "track_key": ("only title",)}, r"\(title, artist\) pair"),
    ],
)
def test_bad_events_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {"profile_id": "p", "track_key": ("t", "a")}
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        FeedbackEvent(**fields)


def test_event_keys_are_normalised() -> None:
    assert FeedbackEvent("p", ("  Hey  Jude ", "The BEATLES"), "like").track_key == (
        "hey jude", "the beatles")


def test_a_half_life_must_be_positive() -> None:
    with pytest.raises(ValueError, match="half_life_days must be positive, got 0"):
        TasteSettings(half_life_days=0)
