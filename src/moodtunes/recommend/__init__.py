"""Choosing music for a detected emotion.

The engine in `engine`, which the web app and `moodtunes recommend` use, follows a path
through valence/arousal space from the detector's whole probability distribution, with a
per-profile taste model; docs/RECOMMENDER.md describes it. When a playlist changes is the mood's
business (`moodtunes.mood`).
"""

from moodtunes.recommend.engine import Recommendation, Scores, Weights, recommend, target_path
from moodtunes.recommend.index import Index, work_title
from moodtunes.recommend.strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    Strategy,
    create_strategy,
)
from moodtunes.recommend.targets import describe_point, emotion_probabilities, mood_point
from moodtunes.recommend.taste import (
    EVENT_KINDS,
    FeedbackEvent,
    TasteModel,
    TasteSettings,
    TasteView,
)

__all__ = [
    "DEFAULT_STRATEGY",
    "EVENT_KINDS",
    "STRATEGIES",
    "FeedbackEvent",
    "Index",
    "Recommendation",
    "Scores",
    "Strategy",
    "TasteModel",
    "TasteSettings",
    "TasteView",
    "Weights",
    "create_strategy",
    "describe_point",
    "emotion_probabilities",
    "mood_point",
    "recommend",
    "target_path",
    "work_title",
]
