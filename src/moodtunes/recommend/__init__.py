"""Choosing music for a detected emotion."""

from moodtunes.recommend.playlist import recommend_for_emotion

__all__ = ["recommend_for_emotion"]
