"""The mood over time: probabilities smoothed across frames, with hysteresis on the top emotion.

Kept as plain values and a pure function so the state can live anywhere (a browser's session
cookie, a camera thread) and the same frames always give the same mood.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import EMOTIONS


@dataclass(frozen=True)
class SmoothingSettings:
    # Weight of the newest frame: at 3 frames a second a change of expression shows within ~1 s.
    alpha: float = 0.35
    # The playlist emotion switches when another emotion leads it by this much...
    margin: float = 0.10
    # ...or has been on top for this many frames in a row.
    patience: int = 4


@dataclass(frozen=True)
class Mood:
    """Smoothed scores and the emotion the playlist follows (`emotion`), which moves slowly."""

    scores: tuple[float, ...]
    emotion: str
    challenger: str | None = None
    streak: int = 0
    changed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "emotion": self.emotion,
            "scores": {k: round(v, 4) for k, v in zip(EMOTIONS, self.scores, strict=True)},
            "changed": self.changed,
        }

    @classmethod
    def from_probs(cls, probs: npt.ArrayLike) -> Mood:
        p = np.asarray(probs, dtype=np.float64)
        return cls(tuple(float(v) for v in p), EMOTIONS[int(p.argmax())], changed=True)


def update_mood(previous: Mood | None, probs: npt.ArrayLike,
                settings: SmoothingSettings = SmoothingSettings()) -> Mood:
    """The mood after one more frame's probabilities."""
    p = np.asarray(probs, dtype=np.float64)
    if p.shape != (len(EMOTIONS),):
        raise ValueError(f"expected {len(EMOTIONS)} probabilities, got shape {p.shape}")
    if previous is None:
        return Mood.from_probs(p)
    scores = (1 - settings.alpha) * np.asarray(previous.scores) + settings.alpha * p
    top = EMOTIONS[int(scores.argmax())]
    current = previous.emotion
    if top == current:
        return Mood(tuple(float(v) for v in scores), current)
    streak = previous.streak + 1 if previous.challenger == top else 1
    lead = scores[EMOTIONS.index(top)] - scores[EMOTIONS.index(current)]
    if lead >= settings.margin or streak >= settings.patience:
        return Mood(tuple(float(v) for v in scores), top, changed=True)
    return Mood(tuple(float(v) for v in scores), current, challenger=top, streak=streak)


def set_mood(emotion: str) -> Mood:
    """A mood picked by hand: all weight on one emotion."""
    scores = tuple(1.0 if e == emotion else 0.0 for e in EMOTIONS)
    return replace(Mood.from_probs(scores), emotion=emotion)
