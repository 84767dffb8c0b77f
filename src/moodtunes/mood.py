"""The mood over time and the playlist that follows it: one state machine for every source.

Frames of a camera (the browser's or the server's) are smoothed once, and one hysteresis on
the top emotion decides both what is shown and when the playlist changes: the playlist is
remade exactly when the shown emotion switches, never in between, so a change of expression
gives one new playlist, not a blend first and the real one later.

Why the new playlist is made from the frames that confirmed the switch, not from the smoothed
scores: at the moment of the switch the smoothed scores still remember the old mood (happy
0.42, sad 0.58 after two sad frames with the defaults), and a playlist for that blend would
open with songs for neither mood. The raw frames since the new emotion took the lead say what
the face shows now.

A photo or a mood picked by hand stands on its own: it replaces the scores and makes a new
playlist at once. The state is an immutable value with pure transitions, so it can live in a
session cookie (`to_dict`/`from_dict`) or a camera thread, and the same frames always give the
same decisions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import EMOTIONS

# Digits kept of every probability, so that a state read back from a cookie is the very state
# that was saved, and the same playlist gets the same songs on every request.
DIGITS = 5
# How far probabilities may be off summing to 1 (classifier softmaxes are float32).
SUM_TOLERANCE = 0.01


@dataclass(frozen=True)
class MoodSettings:
    # Weight of the newest frame: at 3 frames a second a change of expression shows within ~1 s.
    alpha: float = 0.35
    # The shown emotion switches when another emotion has led it by this much for `confirm`
    # frames in a row (one misread frame can put a challenger ahead, never two)...
    margin: float = 0.10
    confirm: int = 2
    # ...or has been on top, by any lead, for this many frames in a row.
    patience: int = 4

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {self.alpha!r}")
        if not 0.0 <= self.margin < 1.0:
            raise ValueError(f"margin must be in [0, 1), got {self.margin!r}")
        if not 1 <= self.confirm <= self.patience:
            raise ValueError(f"confirm must be from 1 to patience, got {self.confirm!r}")
        if self.patience < 1:
            raise ValueError(f"patience must be at least 1, got {self.patience!r}")


def probabilities(probs: Sequence[float] | npt.ArrayLike) -> tuple[float, ...]:
    """`probs` checked (one finite value in 0..1 per emotion, summing to 1), normalised and
    rounded to `DIGITS`; ValueError otherwise."""
    p = np.asarray(probs, dtype=np.float64)
    if p.shape != (len(EMOTIONS),):
        raise ValueError(f"expected {len(EMOTIONS)} probabilities ({', '.join(EMOTIONS)}), "
                         f"got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0.0) or np.any(p > 1.0):
        raise ValueError("probabilities must be finite numbers in 0..1")
    total = float(p.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"probabilities must sum to 1, got {total:.4f}")
    return tuple(round(float(v), DIGITS) for v in p / total)


def top_emotion(scores: Sequence[float]) -> str:
    return EMOTIONS[int(np.argmax(np.asarray(scores)))]


def picked(emotion: str) -> tuple[float, ...]:
    """The probabilities of a mood picked by hand: all weight on `emotion`."""
    if emotion not in EMOTIONS:
        raise ValueError(f"unknown emotion {emotion!r}; expected one of: {', '.join(EMOTIONS)}")
    return tuple(1.0 if e == emotion else 0.0 for e in EMOTIONS)


@dataclass(frozen=True)
class Playlist:
    """What the playlist on screen was made for: the probabilities, their top emotion, its
    number (each new playlist has the next one, which also seeds its variety) and when it was
    made (POSIX seconds: plays and skips after that count from the next playlist on)."""

    probs: tuple[float, ...]
    emotion: str
    generation: int
    made_at: float

    @classmethod
    def made(cls, probs: Sequence[float], generation: int, now: float) -> Playlist:
        p = probabilities(probs)
        return cls(p, top_emotion(p), generation, float(now))

    def to_dict(self) -> dict[str, Any]:
        return {"probs": list(self.probs), "generation": self.generation,
                "made_at": self.made_at}

    @classmethod
    def from_dict(cls, data: object) -> Playlist:
        """What `to_dict` wrote; ValueError for anything else (an old or tampered cookie)."""
        if not isinstance(data, Mapping):
            raise ValueError("not a saved playlist")
        try:
            generation, made_at = data["generation"], float(data["made_at"])
            probs = data["probs"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a saved playlist: {exc}") from None
        if (isinstance(generation, bool) or not isinstance(generation, int)
                or not 1 <= generation < 2**31 or not math.isfinite(made_at)):
            raise ValueError("not a saved playlist: bad generation or time")
        return cls.made(probs, generation, made_at)


@dataclass(frozen=True)
class MoodState:
    """The smoothed scores, the emotion shown, and the playlist made for it.

    `challenger` is the emotion on top of the smoothed scores when it is not yet shown,
    `streak` how many frames in a row it has been, and `evidence` the sum of those frames' raw
    probabilities, from which the next playlist is made when the challenger wins.
    """

    scores: tuple[float, ...]
    emotion: str
    playlist: Playlist
    challenger: str | None = None
    streak: int = 0
    evidence: tuple[float, ...] | None = None

    @classmethod
    def start(cls, probs: Sequence[float] | npt.ArrayLike, now: float,
              generation: int = 1) -> MoodState:
        """A state that takes `probs` as they are (a first frame, a photo, a picked mood),
        with a new playlist for them."""
        p = probabilities(probs)
        return cls(p, top_emotion(p), Playlist.made(p, generation, now))

    def observe(self, probs: Sequence[float] | npt.ArrayLike, now: float,
                settings: MoodSettings = MoodSettings()) -> MoodState:
        """The state after one more camera frame; its playlist is new (`generation` + 1)
        exactly when the shown emotion switches."""
        p = np.asarray(probabilities(probs))
        smoothed = (1.0 - settings.alpha) * np.asarray(self.scores) + settings.alpha * p
        scores = tuple(round(float(v), DIGITS) for v in smoothed)
        top = top_emotion(scores)
        if top == self.emotion:
            return replace(self, scores=scores, challenger=None, streak=0, evidence=None)
        if top == self.challenger and self.evidence is not None:
            streak = self.streak + 1
            evidence = np.asarray(self.evidence) + p
        else:
            streak, evidence = 1, p
        lead = smoothed[EMOTIONS.index(top)] - smoothed[EMOTIONS.index(self.emotion)]
        if (lead >= settings.margin and streak >= settings.confirm) \
                or streak >= settings.patience:
            made_for = evidence / streak
            if top_emotion(made_for) != top:  # noisy frames: the smoothed scores lead to `top`
                made_for = smoothed
            playlist = Playlist.made(made_for / made_for.sum(), self.playlist.generation + 1,
                                     now)
            return MoodState(scores, top, playlist)
        return replace(self, scores=scores, challenger=top, streak=streak,
                       evidence=tuple(round(float(v), DIGITS) for v in evidence))

    def restart(self, probs: Sequence[float] | npt.ArrayLike, now: float) -> MoodState:
        """A photo or a picked mood: the scores become `probs` and a new playlist is made."""
        return MoodState.start(probs, now, self.playlist.generation + 1)

    def remade(self, now: float) -> MoodState:
        """The same mood with a new playlist (another strategy, say)."""
        old = self.playlist
        return replace(self, playlist=Playlist(old.probs, old.emotion, old.generation + 1,
                                               float(now)))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, for a session cookie."""
        return {"scores": list(self.scores), "emotion": self.emotion,
                "playlist": self.playlist.to_dict(), "challenger": self.challenger,
                "streak": self.streak,
                "evidence": list(self.evidence) if self.evidence is not None else None}

    @classmethod
    def from_dict(cls, data: object) -> MoodState:
        """What `to_dict` wrote; ValueError for anything else (an old or tampered cookie)."""
        if not isinstance(data, Mapping):
            raise ValueError("not a saved mood")
        try:
            scores = probabilities(data["scores"])
            emotion, challenger = data["emotion"], data.get("challenger")
            streak = data.get("streak", 0)
            playlist = Playlist.from_dict(data["playlist"])
            raw_evidence = data.get("evidence")
            evidence = (None if raw_evidence is None
                        else tuple(float(v) for v in raw_evidence))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a saved mood: {exc}") from None
        if emotion not in EMOTIONS or (challenger is not None and challenger not in EMOTIONS):
            raise ValueError("not a saved mood: unknown emotion")
        if isinstance(streak, bool) or not isinstance(streak, int) or not 0 <= streak < 2**31:
            raise ValueError("not a saved mood: bad streak")
        if evidence is not None and (len(evidence) != len(EMOTIONS)
                                     or not all(math.isfinite(v) and v >= 0 for v in evidence)
                                     or not 0 < sum(evidence) <= streak + 1):
            raise ValueError("not a saved mood: bad evidence")
        if (challenger is None) != (evidence is None) or (challenger is None) != (streak == 0):
            raise ValueError("not a saved mood: a challenger needs a streak and evidence")
        return cls(scores, emotion, playlist, challenger, streak, evidence)

    def to_public(self) -> dict[str, Any]:
        """The emotion shown and the smoothed scores, as the API gives them."""
        return {"emotion": self.emotion,
                "scores": {k: round(v, 4) for k, v in zip(EMOTIONS, self.scores, strict=True)}}
