"""The seven FER2013 emotions and where they sit in valence/arousal space."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Emotion(StrEnum):
    """The FER2013 classes, in the label order the models are trained with."""

    ANGRY = "angry"
    DISGUST = "disgust"
    FEAR = "fear"
    HAPPY = "happy"
    SAD = "sad"
    SURPRISE = "surprise"
    NEUTRAL = "neutral"


EMOTIONS: tuple[str, ...] = tuple(e.value for e in Emotion)


@dataclass(frozen=True)
class AffectPoint:
    """A point in the circumplex: valence (unpleasant..pleasant) and arousal, both in -1..1."""

    valence: float
    arousal: float


# Mean of the two published word norms, each rescaled to -1..1: Warriner, Kuperman & Brysbaert
# (2013), (x - 5) / 4 on the 1..9 scale, and NRC-VAD (Mohammad 2018), 2x - 1 on 0..1. The words
# are angry, disgusted, afraid, happy, sad, surprised, neutral. tests/test_emotions.py checks
# these against ../shared/data/music/emotion_va_word_norms.csv.
AFFECT: dict[str, AffectPoint] = {
    "angry": AffectPoint(-0.687, 0.480),
    "disgust": AffectPoint(-0.739, 0.259),
    "fear": AffectPoint(-0.834, 0.290),
    "happy": AffectPoint(0.934, 0.366),
    "sad": AffectPoint(-0.637, -0.356),
    "surprise": AffectPoint(0.480, 0.474),
    "neutral": AffectPoint(0.032, -0.510),
}


def parse_emotion(name: str) -> Emotion:
    """The emotion called `name` (case-insensitive); ValueError listing the valid names."""
    try:
        return Emotion(name.strip().lower())
    except ValueError:
        raise ValueError(
            f"unknown emotion {name!r}; expected one of: {', '.join(EMOTIONS)}"
        ) from None
