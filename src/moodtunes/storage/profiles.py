"""What the recommender knows of a stored profile: its taste and what it played lately.

One loader for every caller (the web app, `moodtunes recommend --profile`), so that they
all learn from the same evidence: feedback, the personal library and the favourites.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from moodtunes.recommend.taste import TasteModel
from moodtunes.storage.feedback import feedback_events, recently_played
from moodtunes.storage.library import Key, favourites, library_tracks

# Verdicts that change a playlist at once; plays, skips and completions count from the next
# playlist on, so that previewing a song does not reshuffle the list it is in.
EXPLICIT_KINDS = ("like", "dislike")


@dataclass(frozen=True)
class ProfileTaste:
    """The taste of one profile for one playlist, and the songs it played before the
    playlist was made (left out of it)."""

    taste: TasteModel
    recent: tuple[Key, ...]


def load_taste(db: Session, profile_id: str, made_at: float | None = None) -> ProfileTaste:
    """The profile's taste for a playlist made at `made_at` (POSIX seconds; None: now).

    Likes and dislikes count whenever they came; plays, skips and completions only from
    before `made_at`, as do the recently played songs. An unknown profile has a cold taste."""
    made = datetime.now(UTC) if made_at is None else datetime.fromtimestamp(made_at, UTC)
    cutoff = made.timestamp()
    events = [e for e in feedback_events(db, profile_id)
              if e.kind in EXPLICIT_KINDS or e.timestamp < cutoff]
    library = [(t.title_key, t.artist_key) for t in library_tracks(db, profile_id)]
    artists, genres = favourites(db, profile_id)
    taste = TasteModel(profile_id=profile_id).fit(
        events, library=library, favourite_artists=artists, favourite_genres=genres)
    return ProfileTaste(taste, tuple(recently_played(db, profile_id, before=made)))
