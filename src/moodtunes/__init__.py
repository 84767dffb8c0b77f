"""moodtunes: recognise the emotion on a face and recommend music that fits it."""

from moodtunes.emotions import EMOTIONS, Emotion

__all__ = ["EMOTIONS", "Emotion", "__version__"]
__version__ = "0.1.0"
