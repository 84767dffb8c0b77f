"""Where a playlist should go: each strategy turns the listener's mood point into a path of
target points through valence/arousal space, one per song.

A playlist is a path rather than a point because music is used to move a mood, not only to
mirror it. Music therapy's iso principle (Altshuler 1948; Heiderscheit & Madson 2015) says to
open at the listener's current state and then change the music step by step; jumping straight
to cheerful music from a sad or angry state tends to feel dismissive and is rejected.

Paths start at the mood point and ease in and out (smoothstep), so the first songs sit close to
where the listener is and the last ones settle at the goal. All points lie in -1..1.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import AffectPoint


def _check_length(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise ValueError(f"n must be a whole number, got {n!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")


def _ease(n: int) -> npt.NDArray[np.float64]:
    """n fractions from 0 to 1 along a smoothstep: slow to leave the start, slow to arrive."""
    if n == 1:
        return np.zeros(1)
    t = np.linspace(0.0, 1.0, n)
    return t * t * (3.0 - 2.0 * t)


def _line(start: tuple[float, float], end: tuple[float, float], n: int
          ) -> npt.NDArray[np.float64]:
    fractions = _ease(n)[:, None]
    begin = np.array(start)
    return begin + fractions * (np.array(end) - begin)


def _clip(path: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.clip(path, -1.0, 1.0)


class Strategy(ABC):
    """Makes the path of target points for a playlist of n songs."""

    name: ClassVar[str]
    # How the page and the why-lines speak of a song on this path after the first.
    phrase: ClassVar[str]

    @abstractmethod
    def _path(self, start: AffectPoint, n: int) -> npt.NDArray[np.float64]: ...

    def path(self, start: AffectPoint, n: int) -> npt.NDArray[np.float64]:
        """An (n, 2) array of (valence, arousal) targets, the first at (or next to) `start`."""
        _check_length(n)
        for name, value in (("valence", start.valence), ("arousal", start.arousal)):
            if not (np.isfinite(value) and -1.0 <= value <= 1.0):
                raise ValueError(f"start {name} must be in -1..1, got {value!r}")
        return _clip(self._path(start, n))

    def phrase_for(self, step: int) -> str:
        """The reason a song at `step` was picked, in the listener's words."""
        return "close to your mood" if step == 0 else self.phrase


@dataclass(frozen=True)
class MatchStrategy(Strategy):
    """Mood-congruent: every song near the detected point. People often choose music that
    matches a sad mood, and it can comfort; this is also the baseline the others move from."""

    name: ClassVar[str] = "match"
    phrase: ClassVar[str] = "close to your mood"

    def _path(self, start: AffectPoint, n: int) -> npt.NDArray[np.float64]:
        return np.tile([start.valence, start.arousal], (n, 1))


@dataclass(frozen=True)
class UpliftStrategy(Strategy):
    """The iso principle: open at the mood, then step towards pleasant music.

    A tense mood (unpleasant and aroused: anger, fear, disgust) is first brought down to
    `calm_arousal` at its own valence, and only then lifted: cheering up an agitated listener
    with energetic happy songs adds arousal to arousal, while calming first de-escalates.
    """

    name: ClassVar[str] = "uplift"
    phrase: ClassVar[str] = "a step towards brighter"

    goal_valence: float = 0.7
    # The end is at least this much more pleasant than the start, even from a happy mood.
    min_lift: float = 0.1
    # Arousal moves this share of the way to `goal_arousal` while valence rises.
    goal_arousal: float = 0.15
    arousal_pull: float = 0.5
    # Above this arousal an unpleasant mood counts as tense and is calmed first...
    tense_arousal: float = 0.1
    # ...down to this arousal, over this share of the playlist.
    calm_arousal: float = -0.2
    calm_share: float = 0.4

    def is_tense(self, start: AffectPoint) -> bool:
        return start.valence < 0.0 and start.arousal > self.tense_arousal

    def _path(self, start: AffectPoint, n: int) -> npt.NDArray[np.float64]:
        v0, a0 = start.valence, start.arousal
        end_valence = min(1.0, max(self.goal_valence, v0 + self.min_lift))
        if not self.is_tense(start):
            end_arousal = a0 + self.arousal_pull * (self.goal_arousal - a0)
            return _line((v0, a0), (end_valence, end_arousal), n)
        calm = min(a0, self.calm_arousal)
        if n < 3:
            # Too short for two phases; the last song is still calmer and brighter.
            return _line((v0, a0), (end_valence, calm), n)
        turn = int(np.clip(round(self.calm_share * (n - 1)), 1, n - 2))
        calming = _line((v0, a0), (v0, calm), turn + 1)
        lifting = _line((v0, calm), (end_valence, calm), n - turn)
        return np.vstack([calming, lifting[1:]])


@dataclass(frozen=True)
class CalmStrategy(Strategy):
    """Towards low arousal, for winding down. Valence is only ever nudged up (half way to
    `goal_valence`): calming a sad listener should not make the music sadder."""

    name: ClassVar[str] = "calm"
    phrase: ClassVar[str] = "a step towards calmer"

    goal_arousal: float = -0.6
    min_drop: float = 0.1
    goal_valence: float = 0.2
    valence_pull: float = 0.5

    def _path(self, start: AffectPoint, n: int) -> npt.NDArray[np.float64]:
        v0, a0 = start.valence, start.arousal
        end_arousal = max(-1.0, min(self.goal_arousal, a0 - self.min_drop))
        end_valence = v0 + self.valence_pull * max(0.0, self.goal_valence - v0)
        return _line((v0, a0), (end_valence, end_arousal), n)


@dataclass(frozen=True)
class EnergizeStrategy(Strategy):
    """Towards lively, pleasant music: for getting going. Valence rises to at least
    `goal_valence` because high arousal at negative valence is agitation, not energy."""

    name: ClassVar[str] = "energize"
    phrase: ClassVar[str] = "a step towards livelier"

    goal_arousal: float = 0.7
    min_rise: float = 0.1
    goal_valence: float = 0.5

    def _path(self, start: AffectPoint, n: int) -> npt.NDArray[np.float64]:
        v0, a0 = start.valence, start.arousal
        end_arousal = min(1.0, max(self.goal_arousal, a0 + self.min_rise))
        end_valence = max(v0, self.goal_valence)
        return _line((v0, a0), (end_valence, end_arousal), n)


STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls for cls in (MatchStrategy, UpliftStrategy, CalmStrategy, EnergizeStrategy)
}

# What the web app and the command line use until the listener chooses: music therapy's iso
# principle, which opens at the mood (as "match" would) before it moves towards pleasant music.
DEFAULT_STRATEGY = "uplift"


def create_strategy(name: str, **params: Any) -> Strategy:
    """The strategy called `name`, with its defaults overridden by `params`."""
    try:
        cls = STRATEGIES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown strategy {name!r}; expected one of: {', '.join(STRATEGIES)}"
        ) from None
    return cls(**params)
