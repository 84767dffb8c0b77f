import json
from typing import Any

import pytest

from moodtunes.emotions import EMOTIONS
from moodtunes.recommend.stability import PlaylistState, StabilitySettings
from moodtunes.recommend.targets import mood_point

SAD = {"sad": 1.0}
HAPPY = {"happy": 1.0}
FLICKER = {"sad": 0.8, "neutral": 0.2}
# Two emotions close in valence/arousal space, swapping the lead.
HAPPY_LEADS = {"happy": 0.5, "surprise": 0.45, "neutral": 0.05}
SURPRISE_LEADS = {"happy": 0.42, "surprise": 0.53, "neutral": 0.05}


def test_the_first_probabilities_ask_for_a_playlist() -> None:
    state = PlaylistState.start(SAD)
    assert state.changed and state.generation == 1 and state.emotion == "sad"
    assert state.target == mood_point(SAD)


def test_flicker_keeps_the_playlist() -> None:
    state = PlaylistState.start(SAD)
    for probs in [FLICKER, SAD, FLICKER, FLICKER, SAD] * 4:
        state = state.update(probs)
        assert not state.changed
    assert state.generation == 1
    assert state.target == mood_point(SAD)


def test_a_real_move_makes_a_new_playlist_after_confirm_updates() -> None:
    state = PlaylistState.start(SAD)
    changes = []
    for _ in range(12):
        state = state.update(HAPPY)
        changes.append(state.changed)
    assert changes[:3] == [False, False, True]
    # While the smoothed mood settles it may be refined once more, not on every frame.
    assert sum(changes) <= 2
    assert state.emotion == "happy"
    assert state.generation == 1 + sum(changes)


@pytest.mark.parametrize("glitch", [HAPPY, {"fear": 1.0}, {"surprise": 1.0}])
def test_one_misread_frame_changes_nothing(glitch: dict[str, float]) -> None:
    state = PlaylistState.start(SAD)
    for probs in [glitch, SAD, SAD, SAD, SAD, SAD]:
        state = state.update(probs)
        assert not state.changed
    assert state.drift == 0 and state.streak == 0


def test_a_new_top_emotion_wins_after_patience_updates() -> None:
    settings = StabilitySettings(alpha=1.0, threshold=0.3, patience=3)
    state = PlaylistState.start(HAPPY_LEADS)
    state = state.update(SURPRISE_LEADS, settings)
    assert not state.changed and state.challenger == "surprise" and state.streak == 1
    state = state.update(SURPRISE_LEADS, settings)
    assert not state.changed and state.streak == 2
    state = state.update(SURPRISE_LEADS, settings)
    assert state.changed and state.emotion == "surprise" and state.generation == 2


def test_a_challenger_that_drops_back_starts_over() -> None:
    settings = StabilitySettings(alpha=1.0, patience=3)
    state = PlaylistState.start(HAPPY_LEADS)
    for probs in (SURPRISE_LEADS, SURPRISE_LEADS, HAPPY_LEADS, SURPRISE_LEADS, SURPRISE_LEADS):
        state = state.update(probs, settings)
        assert not state.changed
    assert state.streak == 2


def test_a_locked_playlist_stays_whatever_the_face_does() -> None:
    state = PlaylistState.start(SAD).lock()
    for _ in range(20):
        state = state.update(HAPPY)
        assert not state.changed
    assert state.locked and state.emotion == "sad" and state.generation == 1
    # The mood kept being tracked, so unlocking follows the face at the next update.
    assert state.mood.valence > 0.8
    state = state.unlock().update(HAPPY)
    assert state.changed and state.emotion == "happy"


def test_the_state_survives_a_cookie() -> None:
    state = PlaylistState.start(SAD).update(FLICKER).lock()
    data = json.loads(json.dumps(state.to_dict()))
    assert PlaylistState.from_dict(data) == state


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"scores": [1 / 7] * 7, "target": [0, 0], "emotion": "joy", "generation": 1},
        {"scores": [0.5] * 7, "target": [0, 0], "emotion": "sad", "generation": 1},
        {"scores": [1 / 7] * 7, "target": [0, 0], "emotion": "sad", "generation": 1,
         "challenger": "bored"},
    ],
)
def test_a_tampered_cookie_is_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        PlaylistState.from_dict(data)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"alpha": 0.0}, "alpha"), ({"threshold": 0.0}, "threshold"), ({"confirm": 0}, "confirm"),
     ({"patience": 0}, "patience")],
)
def test_bad_settings_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StabilitySettings(**kwargs)


def test_bad_probabilities_are_rejected() -> None:
    with pytest.raises(ValueError, match="expected 7 probabilities"):
        PlaylistState.start(SAD).update([1.0])
    assert len(EMOTIONS) == 7
