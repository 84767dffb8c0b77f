import math
from typing import Any

import numpy as np
import pytest

from moodtunes.emotions import AFFECT, EMOTIONS, AffectPoint
from moodtunes.recommend.targets import (
    describe_point,
    emotion_probabilities,
    mood_point,
    top_emotion,
)


def one_hot(emotion: str) -> list[float]:
    return [1.0 if e == emotion else 0.0 for e in EMOTIONS]


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_a_certain_face_sits_on_its_emotions_point(emotion: str) -> None:
    point = mood_point(one_hot(emotion))
    assert point.valence == pytest.approx(AFFECT[emotion].valence)
    assert point.arousal == pytest.approx(AFFECT[emotion].arousal)


def test_the_point_is_the_probability_weighted_mean_of_all_emotions() -> None:
    probs = [0.05, 0.05, 0.1, 0.1, 0.45, 0.05, 0.2]
    point = mood_point(probs)
    expected_v = sum(p * AFFECT[e].valence for p, e in zip(probs, EMOTIONS, strict=True))
    expected_a = sum(p * AFFECT[e].arousal for p, e in zip(probs, EMOTIONS, strict=True))
    assert point.valence == pytest.approx(expected_v)
    assert point.arousal == pytest.approx(expected_a)


def test_the_runner_up_moves_the_point_while_the_top_label_stays() -> None:
    """Only the full distribution tells a sure sad face from one that is nearly neutral."""
    sure = mood_point({"sad": 0.95, "neutral": 0.05})
    torn = mood_point({"sad": 0.55, "neutral": 0.45})
    assert top_emotion({"sad": 0.95, "neutral": 0.05}) == top_emotion({"sad": 0.55,
                                                                       "neutral": 0.45})
    assert torn.valence > sure.valence + 0.2
    assert torn.arousal < sure.arousal - 0.05


def test_a_mapping_may_leave_emotions_out() -> None:
    assert mood_point({"happy": 0.5, "surprise": 0.5}) == mood_point(
        [0, 0, 0, 0.5, 0, 0.5, 0]
    )


def test_probabilities_within_tolerance_are_renormalised() -> None:
    probs = emotion_probabilities(np.full(7, 1 / 7, dtype=np.float32) * 1.005)
    assert probs.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("probs", "message"),
    [
        ([0.5, 0.5], r"expected 7 probabilities \(angry, disgust"),
        ([[1 / 7] * 7], r"expected 7 probabilities"),
        ([0.2] * 7, r"must sum to 1 .* got 1\.4000"),
        ([0.1] * 7, r"must sum to 1 .* got 0\.7000"),
        ([1.5, -0.5, 0, 0, 0, 0, 0], r"each be in 0\.\.1"),
        ([math.nan, 1, 0, 0, 0, 0, 0], r"finite"),
        ({"joy": 1.0}, r"unknown emotion\(s\) 'joy'; expected some of: angry, disgust"),
        ({"happy": 0.5}, r"must sum to 1"),
    ],
)
def test_bad_probabilities_are_rejected_precisely(probs: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mood_point(probs)


@pytest.mark.parametrize(
    ("point", "words"),
    [
        (AFFECT["sad"], "calm, sad"),
        (AffectPoint(-0.3, -0.3), "calm, slightly sad"),
        (AFFECT["angry"], "lively, tense"),
        (AFFECT["happy"], "lively, happy"),
        (AFFECT["neutral"], "very calm, neutral"),
        (AffectPoint(0.3, -0.4), "calm, slightly content"),
        (AffectPoint(0.0, 0.0), "neutral"),
        (AffectPoint(0.6, 0.8), "energetic, happy"),
    ],
)
def test_points_are_described_in_words(point: AffectPoint, words: str) -> None:
    assert describe_point(point) == words
