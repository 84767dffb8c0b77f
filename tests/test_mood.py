"""The mood state machine: one smoothing pass and one hysteresis for what is shown and when the
playlist changes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from moodtunes.emotions import EMOTIONS
from moodtunes.mood import MoodSettings, MoodState, Playlist, picked, probabilities


def probs(**weights: float) -> list[float]:
    return [weights.get(e, 0.0) for e in EMOTIONS]


HAPPY = probs(happy=0.9, surprise=0.05, neutral=0.05)
SAD = probs(sad=0.85, neutral=0.1, fear=0.05)


def run(state: MoodState, frames: list[list[float]], start: float = 100.0
        ) -> tuple[MoodState, list[int]]:
    """The state after the frames, and the frames (0-based) after which the playlist changed."""
    changes = []
    for i, frame in enumerate(frames):
        before = state.playlist.generation
        state = state.observe(frame, start + i)
        if state.playlist.generation != before:
            changes.append(i)
    return state, changes


def test_a_first_frame_makes_the_first_playlist() -> None:
    state = MoodState.start(SAD, 5.0)
    assert state.emotion == "sad" and state.playlist.emotion == "sad"
    assert state.playlist.generation == 1 and state.playlist.made_at == 5.0


def test_a_switch_of_expression_changes_the_playlist_exactly_once_for_the_new_mood() -> None:
    state, changes = run(MoodState.start(HAPPY, 0.0), [HAPPY] * 10)
    assert changes == [] and state.emotion == "happy"
    state, changes = run(state, [SAD] * 20)
    assert len(changes) == 1 and changes[0] <= 3  # about a second at three frames a second
    assert state.emotion == "sad" and state.playlist.emotion == "sad"
    # The playlist is made from the frames that confirmed the switch: sad, with nothing of
    # the happy mood that the smoothed scores still remembered at that moment.
    made_for = dict(zip(EMOTIONS, state.playlist.probs, strict=True))
    assert made_for["sad"] == pytest.approx(0.85, abs=1e-4) and made_for["happy"] == 0.0


def test_the_shown_emotion_and_the_playlist_switch_together() -> None:
    state = MoodState.start(HAPPY, 0.0)
    for i in range(12):
        state = state.observe(SAD, float(i))
        # Never an emotion shown that the playlist is not made for (the lock aside).
        assert state.emotion == state.playlist.emotion


def test_one_misread_frame_changes_nothing() -> None:
    rng = np.random.default_rng(3)
    noisy = [list(0.6 * np.array(SAD) + 0.4 * rng.dirichlet(np.ones(7))) for _ in range(30)]
    frames = noisy[:15] + [probs(happy=1.0)] + noisy[15:]
    state, changes = run(MoodState.start(SAD, 0.0), frames)
    assert changes == [] and state.emotion == "sad"


def test_two_moods_close_together_switch_by_patience() -> None:
    # Neither leads by the margin, but sad has been on top for `patience` frames.
    blend = probs(sad=0.46, neutral=0.44, fear=0.1)
    state = MoodState.start(probs(neutral=0.5, sad=0.42, fear=0.08), 0.0)
    state, changes = run(state, [blend] * 12)
    assert len(changes) == 1 and state.emotion == "sad"
    lead = state.scores[EMOTIONS.index("sad")] - state.scores[EMOTIONS.index("neutral")]
    assert lead < MoodSettings().margin


def test_restart_and_remade_give_new_playlists() -> None:
    state = MoodState.start(HAPPY, 0.0)
    photo = state.restart(SAD, 1.0)
    assert photo.emotion == "sad" and photo.playlist.generation == 2
    assert photo.scores == probabilities(SAD)  # a photo stands on its own
    again = photo.remade(2.0)
    assert again.playlist.probs == photo.playlist.probs
    assert again.playlist.generation == 3 and again.playlist.made_at == 2.0
    assert picked("angry") == tuple(probs(angry=1.0))


def test_the_state_survives_a_cookie_exactly() -> None:
    state = MoodState.start(HAPPY, 0.0)
    state, _ = run(state, [SAD, SAD])  # mid-switch: a challenger with evidence
    assert state.challenger == "sad" and state.evidence is not None
    back = MoodState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert back == state
    # ... and the next frame gives the same decision either way
    assert back.observe(SAD, 9.0) == state.observe(SAD, 9.0)


@pytest.mark.parametrize("change", [
    {"scores": [2, 0]}, {"scores": "x"}, {"emotion": "joy"}, {"streak": -1}, {"streak": True},
    {"playlist": {"probs": SAD, "generation": 0, "made_at": 1.0}},
    {"playlist": {"probs": SAD, "generation": 1, "made_at": "never"}},
    {"playlist": None}, {"challenger": "sad", "streak": 0, "evidence": None},
    {"challenger": None, "streak": 2, "evidence": SAD},
    {"challenger": "sad", "streak": 1, "evidence": [1e9] * 7},
])
def test_a_tampered_state_is_refused(change: dict[str, object]) -> None:
    data = MoodState.start(HAPPY, 0.0).to_dict() | change
    with pytest.raises(ValueError):
        MoodState.from_dict(data)


@pytest.mark.parametrize("bad", [[1.0], [0.5] * 7, [-0.1, 1.1, 0, 0, 0, 0, 0],
                                 [float("nan")] + [0.0] * 6])
def test_bad_probabilities_are_refused(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        MoodState.start(bad, 0.0)
    with pytest.raises(ValueError):
        MoodState.start(HAPPY, 0.0).observe(bad, 1.0)


def test_bad_settings_are_refused() -> None:
    for kw in ({"alpha": 0.0}, {"margin": 1.0}, {"patience": 0}, {"confirm": 5}):
        with pytest.raises(ValueError):
            MoodSettings(**kw)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Playlist.from_dict("not a playlist")
