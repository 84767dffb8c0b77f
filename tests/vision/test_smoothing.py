import numpy as np
import pytest

from moodtunes.emotions import EMOTIONS
from moodtunes.vision.smoothing import Mood, SmoothingSettings, set_mood, update_mood


def onehot(name: str, p: float = 0.9) -> list[float]:
    rest = (1 - p) / (len(EMOTIONS) - 1)
    return [p if e == name else rest for e in EMOTIONS]


def test_first_frame_sets_the_mood() -> None:
    mood = update_mood(None, onehot("sad"))
    assert mood.emotion == "sad" and mood.changed


def test_one_noisy_frame_does_not_flip_the_playlist() -> None:
    mood = update_mood(None, onehot("happy"))
    for _ in range(5):
        mood = update_mood(mood, onehot("happy"))
    noisy = update_mood(mood, onehot("angry"))
    assert noisy.emotion == "happy" and not noisy.changed
    back = update_mood(noisy, onehot("happy"))
    assert back.emotion == "happy"


def test_a_lasting_change_switches_within_a_few_frames() -> None:
    mood = update_mood(None, onehot("happy"))
    switched_at = None
    for i in range(1, 10):
        mood = update_mood(mood, onehot("sad"))
        if mood.changed:
            switched_at = i
            break
    assert mood.emotion == "sad"
    assert switched_at is not None and switched_at <= 4


def test_close_race_waits_for_patience() -> None:
    settings = SmoothingSettings(alpha=0.5, margin=0.5, patience=3)
    a = [0.5 if e == "neutral" else 0.5 / 6 for e in EMOTIONS]
    b = [0.45 if e == "neutral" else (0.55 if e == "sad" else 0.0) for e in EMOTIONS]
    mood = update_mood(None, a, settings)
    emotions = [(mood := update_mood(mood, b, settings)).emotion for _ in range(6)]
    # sad leads the smoothed scores from frame 3 on, by less than the margin: it takes over
    # after three frames on top
    assert emotions == ["neutral"] * 4 + ["sad"] * 2


def test_wrong_length_is_an_error() -> None:
    with pytest.raises(ValueError, match="7 probabilities"):
        update_mood(None, [1.0, 0.0])


def test_manual_mood() -> None:
    mood = set_mood("fear")
    assert mood.emotion == "fear" and mood.scores[EMOTIONS.index("fear")] == 1.0
    assert Mood.from_probs(np.eye(7)[3]).emotion == "happy"
