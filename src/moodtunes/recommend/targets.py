"""Where a face's mood sits in valence/arousal space, from the detector's whole distribution.

Taking only the top label throws away what the classifier is unsure about: a face that is 45%
sad and 40% neutral is not the same mood as one that is 95% sad, and a playlist that jumps from
the sad corner to the neutral one whenever the two swap places is jarring. The probability-
weighted mean of the emotions' `AFFECT` points (Warriner et al. 2013 and NRC-VAD 2018 word
norms, see `moodtunes.emotions`) moves smoothly as the probabilities do.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import AFFECT, EMOTIONS, AffectPoint

# Classifier outputs are float32 softmaxes, often rounded for JSON; 1% is loose enough for
# both and still catches raw logits or a list that lost an entry.
SUM_TOLERANCE = 0.01

EmotionProbs = Mapping[str, float] | npt.ArrayLike


def emotion_probabilities(probs: EmotionProbs) -> npt.NDArray[np.float64]:
    """`probs` as an array in `EMOTIONS` order, checked: one value per emotion, each in 0..1,
    summing to 1 (within `SUM_TOLERANCE`). A mapping may leave emotions out (they count as
    0) but may not name unknown ones."""
    if isinstance(probs, Mapping):
        unknown = [name for name in probs if name not in EMOTIONS]
        if unknown:
            raise ValueError(
                f"unknown emotion(s) {', '.join(map(repr, unknown))}; "
                f"expected some of: {', '.join(EMOTIONS)}"
            )
        values = np.array([float(probs.get(name, 0.0)) for name in EMOTIONS])
    else:
        values = np.asarray(probs, dtype=np.float64)
        if values.shape != (len(EMOTIONS),):
            raise ValueError(
                f"expected {len(EMOTIONS)} probabilities ({', '.join(EMOTIONS)}), "
                f"got shape {values.shape}"
            )
    if not np.all(np.isfinite(values)):
        raise ValueError("probabilities must be finite numbers")
    if np.any(values < 0.0) or np.any(values > 1.0):
        raise ValueError(f"probabilities must each be in 0..1, got {values.round(4).tolist()}")
    total = float(values.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(
            f"probabilities must sum to 1 (within {SUM_TOLERANCE}), got {total:.4f}; "
            "pass the classifier's softmax, not logits"
        )
    return values / total


def affect_matrix() -> npt.NDArray[np.float64]:
    """`AFFECT` as a (7, 2) array of (valence, arousal) rows in `EMOTIONS` order."""
    return np.array([[AFFECT[e].valence, AFFECT[e].arousal] for e in EMOTIONS])


def mood_point(probs: EmotionProbs) -> AffectPoint:
    """The mood's point: the probability-weighted mean of the emotions' `AFFECT` points."""
    valence, arousal = emotion_probabilities(probs) @ affect_matrix()
    return AffectPoint(float(valence), float(arousal))


def top_emotion(probs: EmotionProbs) -> str:
    """The most probable emotion (the first in `EMOTIONS` order on a tie)."""
    return EMOTIONS[int(np.argmax(emotion_probabilities(probs)))]


def distance(a: AffectPoint, b: AffectPoint) -> float:
    return math.hypot(a.valence - b.valence, a.arousal - b.arousal)


def describe_point(point: AffectPoint) -> str:
    """A few words for a point, for the page and the why-lines: "calm, slightly sad".

    Negative valence reads as "tense" when aroused and "sad" when not, positive as "happy" or
    "content": the circumplex quadrants, which is how listeners describe music too.
    """
    v, a = point.valence, point.arousal
    if a < -0.5:
        energy = "very calm"
    elif a < -0.15:
        energy = "calm"
    elif a <= 0.15:
        energy = ""
    elif a <= 0.5:
        energy = "lively"
    else:
        energy = "energetic"
    if abs(v) <= 0.15:
        feeling = "neutral"
    else:
        if v < 0:
            word = "tense" if a > 0.15 else "sad"
        else:
            word = "happy" if a > -0.15 else "content"
        feeling = word if abs(v) >= 0.5 else f"slightly {word}"
    return f"{energy}, {feeling}" if energy else feeling
