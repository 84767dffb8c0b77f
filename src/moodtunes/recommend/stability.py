"""When to make a new playlist: only when the mood has really moved.

A face's probabilities flicker from frame to frame; rebuilding the playlist on every flicker
would replace the song list under the listener's cursor several times a second. The state
below smooths the probabilities and keeps the playlist until the smoothed mood's point has
stayed more than `threshold` away from the one the playlist was made for during `confirm`
updates in a row, or another emotion has led for `patience` updates in a row (a drift between
two emotions with nearby points would otherwise never count). `locked` freezes the playlist
whatever the face does.

Why `confirm`: smoothing alone does not stop a glitch. One misread frame (a sad face read as
100% happy) moves the smoothed point by alpha times the distance between the emotions, up to
0.62 with the defaults, and that decays only over the following frames (0.40, 0.26, 0.17).
Three updates above 0.3 are out of its reach, while a real change from sad to happy passes
after three updates, one second at the web page's three frames a second.

Like `moodtunes.vision.smoothing`, it is an immutable value with a pure `update`, so it can
live in a session cookie (`to_dict`/`from_dict`) and the same frames always give the same
decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from moodtunes.emotions import EMOTIONS, AffectPoint
from moodtunes.recommend.targets import EmotionProbs, distance, emotion_probabilities, mood_point


@dataclass(frozen=True)
class StabilitySettings:
    # Weight of the newest probabilities; 1.0 when they come already smoothed (e.g. the
    # `scores` of `moodtunes.vision.smoothing.Mood`).
    alpha: float = 0.35
    # About the distance between neighbouring emotions' points (neutral to sad is 0.69): a
    # move shorter than this is a shade of the same mood, not a new one.
    threshold: float = 0.3
    confirm: int = 3
    patience: int = 4

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {self.alpha!r}")
        if not self.threshold > 0.0:
            raise ValueError(f"threshold must be positive, got {self.threshold!r}")
        if self.confirm < 1:
            raise ValueError(f"confirm must be at least 1, got {self.confirm!r}")
        if self.patience < 1:
            raise ValueError(f"patience must be at least 1, got {self.patience!r}")


@dataclass(frozen=True)
class PlaylistState:
    """The mood a playlist was made for, the smoothed mood now, and whether to remake it.

    `changed` is True on the update that asks for a new playlist; `generation` counts the
    playlists made, which also makes a handy seed so each new playlist differs.
    """

    scores: tuple[float, ...]
    target: AffectPoint
    emotion: str
    generation: int = 1
    challenger: str | None = None
    streak: int = 0
    # Updates in a row that the smoothed point has been further than `threshold` away.
    drift: int = 0
    locked: bool = False
    changed: bool = True

    @classmethod
    def start(cls, probs: EmotionProbs) -> PlaylistState:
        """The state for the first probabilities seen: a first playlist is due."""
        p = emotion_probabilities(probs)
        return cls(tuple(float(x) for x in p), mood_point(p), EMOTIONS[int(p.argmax())])

    @property
    def mood(self) -> AffectPoint:
        """The smoothed mood's point now (the playlist may still follow `target`)."""
        return mood_point(self.scores)

    def update(self, probs: EmotionProbs,
               settings: StabilitySettings | None = None) -> PlaylistState:
        """The state after one more set of probabilities."""
        s = settings if settings is not None else StabilitySettings()
        p = emotion_probabilities(probs)
        smoothed = (1.0 - s.alpha) * np.asarray(self.scores) + s.alpha * p
        scores = tuple(float(x) for x in smoothed)
        now = mood_point(smoothed)
        top = EMOTIONS[int(smoothed.argmax())]
        # Counted while locked too, so that unlocking after the face has changed follows it
        # at once instead of waiting `confirm` more updates.
        drift = self.drift + 1 if distance(now, self.target) > s.threshold else 0
        challenger = None if top == self.emotion else top
        streak = 0 if challenger is None else (
            self.streak + 1 if self.challenger == challenger else 1
        )
        if not self.locked and (drift >= s.confirm or streak >= s.patience):
            return PlaylistState(scores, now, top, self.generation + 1)
        return replace(self, scores=scores, challenger=challenger, streak=streak, drift=drift,
                       changed=False)

    def lock(self) -> PlaylistState:
        """Freezes the playlist: updates still smooth the mood but never remake it."""
        return replace(self, locked=True, changed=False)

    def unlock(self) -> PlaylistState:
        """Lets the mood drive the playlist again, from the next update on."""
        return replace(self, locked=False, changed=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, for a session cookie."""
        return {
            "scores": list(self.scores),
            "target": [self.target.valence, self.target.arousal],
            "emotion": self.emotion,
            "generation": self.generation,
            "challenger": self.challenger,
            "streak": self.streak,
            "drift": self.drift,
            "locked": self.locked,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlaylistState:
        """The state `to_dict` wrote; ValueError when it is not one (a tampered cookie)."""
        try:
            emotion_probabilities(data["scores"])
            scores = tuple(float(x) for x in data["scores"])
            valence, arousal = (float(x) for x in data["target"])
            emotion = str(data["emotion"])
            challenger = data.get("challenger")
            state = cls(
                scores,
                AffectPoint(valence, arousal),
                emotion,
                generation=int(data["generation"]),
                challenger=None if challenger is None else str(challenger),
                streak=int(data.get("streak", 0)),
                drift=int(data.get("drift", 0)),
                locked=bool(data.get("locked", False)),
                changed=False,
            )
        except (KeyError, TypeError) as err:
            raise ValueError(f"not a saved playlist state: {err}") from None
        if emotion not in EMOTIONS or (challenger is not None and challenger not in EMOTIONS):
            raise ValueError(f"not a saved playlist state: unknown emotion in {data!r}")
        return state
