"""A first playlist for one detected emotion: best fits first, with seeded variety.

The songs come only from those tagged for the emotion, because the tags already encode the
music-therapy choice (calming songs for anger and fear, comforting ones for sadness, ...). The
emotion's own face-space point in `AFFECT` would be the wrong target: it would rank the most
agitated "angry" songs first. The target is instead the centre of the tagged songs, so the
songs most typical of what was chosen for that emotion lead.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable

from moodtunes.emotions import parse_emotion
from moodtunes.music.catalog import Catalog, Track, track_key

# How far, in valence/arousal units, a song may be pushed back by chance. The whole plane is
# 2 wide; 0.35 lets near neighbours trade places between seeds without letting a song from the
# far edge of the tagged set open the playlist.
VARIETY = 0.35


def recommend_for_emotion(
    catalog: Catalog,
    emotion: str,
    n: int = 10,
    seed: int = 0,
    exclude: Iterable[tuple[str, str]] = (),
) -> list[Track]:
    """Up to `n` tracks tagged for `emotion`, closest to those tracks' centre first.

    The same seed gives the same list; another seed reorders near neighbours. No artist plays
    twice in a row: if only one artist's songs are left, the list ends early. `exclude` holds
    (title, artist) pairs to leave out, matched like `track_key` (case and spacing ignored).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    name = parse_emotion(emotion).value
    tagged = catalog.tracks_for(name)
    if not tagged:
        return []
    centre_valence = sum(t.valence for t in tagged) / len(tagged)
    centre_arousal = sum(t.arousal for t in tagged) / len(tagged)
    skipped = {track_key(title, artist) for title, artist in exclude}

    rng = random.Random(seed)
    # One draw per tagged song, before excluding any, so that leaving a song out does not
    # reshuffle the others.
    jitter = [rng.uniform(0.0, VARIETY) for _ in tagged]
    ranked = sorted(
        (
            (math.hypot(t.valence - centre_valence, t.arousal - centre_arousal) + j, i, t)
            for i, (t, j) in enumerate(zip(tagged, jitter, strict=True))
            if t.key not in skipped
        ),
    )
    remaining = [track for _, _, track in ranked]

    playlist: list[Track] = []
    while remaining and len(playlist) < n:
        # key[1] is the artist, normalised like the rest of the key.
        last_artist = playlist[-1].key[1] if playlist else None
        pick = next((i for i, t in enumerate(remaining) if t.key[1] != last_artist), None)
        if pick is None:
            break
        playlist.append(remaining.pop(pick))
    return playlist
