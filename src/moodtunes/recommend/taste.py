"""What one listener likes, learnt from what they did, as a score per track in -1..1.

The model is deliberately small and explainable rather than a matrix factorisation: one
profile has tens to hundreds of events, not the millions a latent-factor model needs, and the
page must be able to say why a song was chosen ("you liked 3 songs by X"). Every signal is
summed at three levels, the track itself, its artist and its genres, and squashed with tanh:

    score(track) = tanh(track_signal + artist_share * artist_signal
                        + genre_share * mean(genre_signals))

Signals decay with a half-life counted back from the profile's newest event (not from the
clock, so that the same events always give the same model).
"""

from __future__ import annotations

import math
import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from moodtunes.music.catalog import Catalog, Track
from moodtunes.music.matching import name_key, track_key
from moodtunes.recommend.index import Index

EVENT_KINDS: tuple[str, ...] = ("like", "dislike", "play", "skip", "complete")

_DAY = 86_400.0


@dataclass(frozen=True)
class FeedbackEvent:
    """One thing a listener did with a track; plain values so a storage layer can feed them.

    `kind` is one of `EVENT_KINDS`. `value` scales the event (1 for a plain like); for
    "complete" it is the fraction of the track listened to, 0..1. `timestamp` is POSIX
    seconds. The key is normalised like `track_key`.
    """

    profile_id: str
    track_key: tuple[str, str]
    kind: str
    value: float = 1.0
    timestamp: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(
                f"unknown feedback kind {self.kind!r}; expected one of: {', '.join(EVENT_KINDS)}"
            )
        if len(self.track_key) != 2 or not all(isinstance(p, str) for p in self.track_key):
            raise ValueError(f"track_key must be a (title, artist) pair, got {self.track_key!r}")
        if not (math.isfinite(self.value) and math.isfinite(self.timestamp)):
            raise ValueError(f"value and timestamp must be finite numbers in {self!r}")
        if self.kind == "complete" and not 0.0 <= self.value <= 1.0:
            raise ValueError(f"a completion value is a fraction in 0..1, got {self.value!r}")
        if self.kind != "complete" and self.value < 0.0:
            raise ValueError(
                f"{self.kind} value must not be negative (use the opposite kind), "
                f"got {self.value!r}"
            )
        object.__setattr__(self, "track_key", track_key(*self.track_key))


@dataclass(frozen=True)
class TasteSettings:
    """How much each kind of evidence counts, in units of one explicit like."""

    like: float = 1.0
    dislike: float = -1.5
    # A play is weak evidence (autoplay, a song left running), a skip somewhat stronger.
    play: float = 0.1
    skip: float = -0.3
    # A completion fraction f counts complete * (f - 0.5): finishing is good, bailing early bad.
    complete: float = 0.6
    # A track in the personal library (saved, top, playlist) counts as half a like.
    library: float = 0.5
    favourite_artist: float = 1.5
    favourite_genre: float = 0.8
    # How much of a track's signal spreads to its artist and to its genres.
    artist_share: float = 0.6
    genre_share: float = 0.3
    half_life_days: float = 180.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.half_life_days) and self.half_life_days > 0):
            raise ValueError(f"half_life_days must be positive, got {self.half_life_days!r}")


@dataclass(frozen=True)
class TasteView:
    """A taste model applied to one index: a score per row, -1..1 (0: no opinion); the rows
    the listener has met (events or library); and the rows whose latest explicit verdict was
    a dislike, which are never offered again until the listener likes them again."""

    scores: npt.NDArray[np.float32]
    known: npt.NDArray[np.int64]
    blocked: npt.NDArray[np.int64]
    liked: npt.NDArray[np.int64]


@dataclass
class TasteModel:
    """One profile's taste. `fit` learns it; `score` rates tracks; cold, it is neutral (0)."""

    settings: TasteSettings = field(default_factory=TasteSettings)
    profile_id: str | None = None
    track_signal: dict[tuple[str, str], float] = field(default_factory=dict)
    favourite_artists: frozenset[str] = frozenset()
    favourite_genres: frozenset[str] = frozenset()
    # Tracks explicitly liked or disliked, by the latest word on each, for why-lines and blocks.
    liked: frozenset[tuple[str, str]] = frozenset()
    disliked: frozenset[tuple[str, str]] = frozenset()
    # Tracks the listener has met at all (any event or the library): not "something new".
    known: frozenset[tuple[str, str]] = frozenset()
    library: frozenset[tuple[str, str]] = frozenset()
    # The view of the last index scored: a profile is fitted once and then asked for many
    # playlists from the same index, and resolving its keys to rows is the costly part.
    _view: tuple[weakref.ref[Index], TasteView] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _liked_by_artist: Counter[str] = field(
        default_factory=Counter, init=False, repr=False, compare=False
    )

    def fit(
        self,
        events: Iterable[FeedbackEvent],
        *,
        library: Iterable[tuple[str, str]] = (),
        favourite_artists: Iterable[str] = (),
        favourite_genres: Iterable[str] = (),
    ) -> TasteModel:
        """Learns from scratch from one profile's events, library keys and favourites."""
        events = sorted(events, key=lambda e: e.timestamp)
        profiles = {e.profile_id for e in events}
        if len(profiles) > 1:
            raise ValueError(
                f"events of {len(profiles)} profiles ({', '.join(sorted(profiles))}); "
                "fit one TasteModel per profile"
            )
        if profiles:
            (profile,) = profiles
            if self.profile_id is not None and profile != self.profile_id:
                raise ValueError(
                    f"events are for profile {profile!r}, this model is {self.profile_id!r}"
                )
            self.profile_id = profile
        s = self.settings
        newest = events[-1].timestamp if events else 0.0
        signal: dict[tuple[str, str], float] = defaultdict(float)
        verdict: dict[tuple[str, str], str] = {}
        for event in events:
            decay = 0.5 ** ((newest - event.timestamp) / (s.half_life_days * _DAY))
            if event.kind == "complete":
                amount = s.complete * (event.value - 0.5)
            else:
                amount = getattr(s, event.kind) * event.value
            signal[event.track_key] += decay * amount
            if event.kind in ("like", "dislike"):
                verdict[event.track_key] = event.kind
        library_keys = {track_key(*key) for key in library}
        for key in library_keys:
            signal[key] += s.library
        self.track_signal = dict(signal)
        self.liked = frozenset(k for k, v in verdict.items() if v == "like")
        self.disliked = frozenset(k for k, v in verdict.items() if v == "dislike")
        self.known = frozenset(signal)
        self.library = frozenset(library_keys)
        self.favourite_artists = frozenset(name_key(a) for a in favourite_artists if a.strip())
        self.favourite_genres = frozenset(name_key(g) for g in favourite_genres if g.strip())
        self._liked_by_artist = Counter(artist for _, artist in self.liked)
        self._view = None
        return self

    @property
    def is_cold(self) -> bool:
        """No evidence at all: scores are all 0 and nothing is "new" to this listener."""
        return not (self.track_signal or self.favourite_artists or self.favourite_genres)

    def _as_index(self, tracks: Index | Catalog | Sequence[Track]) -> Index:
        return tracks if isinstance(tracks, Index) else Index.from_catalog(tracks)

    def assess(self, tracks: Index | Catalog | Sequence[Track]) -> TasteView:
        """Scores, known, blocked and liked rows for every track of `tracks`. The result for
        the last index is kept (read-only), so asking again for the same index is free."""
        index = self._as_index(tracks)
        if self._view is not None and self._view[0]() is index:
            return self._view[1]
        view = self._assess(index)
        for array in (view.scores, view.known, view.blocked, view.liked):
            array.setflags(write=False)
        self._view = (weakref.ref(index), view)
        return view

    def _assess(self, index: Index) -> TasteView:
        size = len(index)
        empty = np.zeros(0, dtype=np.int64)
        if self.is_cold:
            return TasteView(np.zeros(size, dtype=np.float32), empty, empty, empty)
        s = self.settings
        rows = index.lookup(self.track_signal)
        track = np.zeros(size, dtype=np.float32)
        artist = np.zeros(len(index.artist_keys), dtype=np.float32)
        # One slot more than there are genres: the -1 padding of `genre_codes` reads it.
        genre = np.zeros(len(index.genre_names) + 1, dtype=np.float32)
        for key, amount in self.track_signal.items():
            code = index.artist_lookup.get(key[1])
            if code is not None:
                artist[code] += s.artist_share * amount
            row = rows.get(key)
            if row is None:
                continue
            track[row] += amount
            codes = index.genre_codes[row]
            codes = codes[codes >= 0]
            if len(codes):
                # A track's signal is split over its genres, so a many-genre song counts once.
                genre[codes] += s.genre_share * amount / len(codes)
        for name in self.favourite_artists:
            code = index.artist_lookup.get(name)
            if code is not None:
                artist[code] += s.favourite_artist
        for name in self.favourite_genres:
            code = index.genre_lookup.get(name)
            if code is not None:
                genre[code] += s.favourite_genre
        total = track
        total += artist[index.artist_codes]
        if index.genre_codes.shape[1]:
            genre_sum = genre[index.genre_codes].sum(axis=1)
            genre_sum /= np.maximum(index.genre_counts, 1.0)
            total += genre_sum
        np.tanh(total, out=total)

        def found(keys: frozenset[tuple[str, str]]) -> npt.NDArray[np.int64]:
            return np.array(sorted(r for k in keys if (r := rows.get(k)) is not None),
                            dtype=np.int64)

        return TasteView(total, found(self.known), found(self.disliked), found(self.liked))

    def score(self, tracks: Index | Catalog | Sequence[Track]) -> npt.NDArray[np.float32]:
        """How much the listener should like each track, -1..1; 0 means no opinion."""
        return self.assess(tracks).scores

    def explain(self, index: Index, row: int) -> str | None:
        """The strongest taste reason for the track in `row`, or None when taste had no say."""
        key = index.key(row)
        code = int(index.artist_codes[row])
        artist_key = index.artist_keys[code]
        artist_name = index.artist_names[code]
        if key in self.liked:
            return "you liked this song"
        liked = self._liked_by_artist.get(artist_key, 0)
        if liked:
            songs = "song" if liked == 1 else "songs"
            return f"you liked {liked} {songs} by {artist_name}"
        if artist_key in self.favourite_artists:
            return f"{artist_name} is one of your favourite artists"
        if key in self.library:
            return "from your library"
        if self.track_signal.get(key, 0.0) > 0.0:
            return "you often listen to this"
        genres = [index.genre_names[g] for g in index.genre_codes[row] if g >= 0]
        favourite = next((g for g in genres if g in self.favourite_genres), None)
        if favourite is not None:
            return f"you like {favourite}"
        # Two liked songs of a genre make a pattern worth naming; one is a coincidence.
        liked_rows = self.assess(index).liked
        if genres and len(liked_rows):
            liked_codes = index.genre_codes[liked_rows]
            counts = {g: int((liked_codes == index.genre_lookup[g]).any(axis=1).sum())
                      for g in genres}
            genre, count = max(counts.items(), key=lambda item: item[1])
            if count >= 2:
                return f"you liked {count} {genre} songs"
        return None
