"""Training: the only part of moodtunes that imports torch (install the `train` extra)."""
