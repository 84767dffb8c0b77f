import csv

import pytest

from moodtunes.emotions import AFFECT, EMOTIONS, Emotion, parse_emotion
from tests.support import SHARED_DATA, require_shared


def test_labels_are_the_fer2013_order() -> None:
    assert EMOTIONS == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    assert list(Emotion) == [Emotion(e) for e in EMOTIONS]


def test_affect_is_the_mean_of_the_published_word_norms() -> None:
    path = require_shared(SHARED_DATA / "music" / "emotion_va_word_norms.csv")
    with path.open() as f:
        for row in csv.DictReader(f):
            point = AFFECT[row["fer"]]
            assert point.valence == pytest.approx(
                (float(row["w_v"]) + float(row["n_v"])) / 2, abs=1e-3)
            assert point.arousal == pytest.approx(
                (float(row["w_a"]) + float(row["n_a"])) / 2, abs=1e-3)


def test_happy_is_pleasant_and_sad_is_calm_and_unpleasant() -> None:
    assert AFFECT["happy"].valence > 0.5 > AFFECT["sad"].valence
    assert AFFECT["sad"].arousal < 0 < AFFECT["angry"].arousal


def test_parse_emotion_accepts_case_and_space_and_lists_valid_names() -> None:
    assert parse_emotion(" Happy ") is Emotion.HAPPY
    with pytest.raises(ValueError, match="angry, disgust, fear"):
        parse_emotion("joyful")
