"""Choosing the songs along a strategy's path: mood fit, taste and a little novelty, with
the rules that make a list feel like a playlist (no artist twice in a row, no second version
of a song, nothing just played).

For each target point of the path, in order, every track gets

    score = -mood * distance(track, target) + taste * taste_score + novelty * is_new
            - repeat_artist * (earlier songs by its artist)
            - backtrack * (how far it steps back against the path's direction)
            + seeded jitter in [0, variety)

and the best allowed track is taken. Because the mood term is a plain distance, the other
weights read as distances too: with `taste=0.3` a track the listener loves (score 1) may sit
0.3 further from the target than one they have no opinion of. All of it is a few passes of
float32 numpy over the `Index`, so a playlist of 10 costs about ten passes over the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import AffectPoint
from moodtunes.music.catalog import Catalog, Track
from moodtunes.recommend.index import Index
from moodtunes.recommend.strategies import Strategy, create_strategy
from moodtunes.recommend.targets import EmotionProbs, describe_point, mood_point
from moodtunes.recommend.taste import TasteModel


@dataclass(frozen=True)
class Weights:
    """The terms of a track's score, in units of valence/arousal distance (see module doc)."""

    mood: float = 1.0
    taste: float = 0.3
    novelty: float = 0.05
    repeat_artist: float = 0.1
    variety: float = 0.04
    backtrack: float = 2.0

    def __post_init__(self) -> None:
        for name in ("mood", "taste", "novelty", "repeat_artist", "variety", "backtrack"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0.0):
                raise ValueError(f"weight {name} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True)
class Scores:
    """What chose a track: its distance to the target, the listener's taste score (-1..1),
    whether it is new to them (1 or 0), how far it steps back against the path's direction
    from the previous song, and the weighted total it won with."""

    distance: float
    taste: float
    novelty: float
    backtrack: float
    total: float


@dataclass(frozen=True)
class Recommendation:
    """One song of a playlist, with the target it was chosen for and why."""

    position: int
    track: Track
    target: AffectPoint
    scores: Scores
    why: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, for the web API (the targets draw the playlist's path)."""
        return {
            "position": self.position,
            "track": self.track.to_dict(),
            "target": {"valence": round(self.target.valence, 4),
                       "arousal": round(self.target.arousal, 4)},
            "scores": {k: round(v, 4) for k, v in vars(self.scores).items()},
            "why": self.why,
            "reasons": list(self.reasons),
        }


def _check_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise ValueError(f"n must be a whole number, got {n!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")


def _strategy(strategy: str | Strategy) -> Strategy:
    return strategy if isinstance(strategy, Strategy) else create_strategy(strategy)


def target_path(emotion_probs: EmotionProbs, strategy: str | Strategy, n: int
                ) -> list[AffectPoint]:
    """The n target points a playlist would follow, for a page to draw before (or without)
    choosing songs."""
    _check_n(n)
    return _as_points(_strategy(strategy).path(mood_point(emotion_probs), n))


def recommend(
    profile_taste: TasteModel | None,
    emotion_probs: EmotionProbs,
    strategy: str | Strategy,
    n: int,
    catalog: Catalog | Index,
    *,
    exclude_recent: Iterable[tuple[str, str]] = (),
    seed: int = 0,
    weights: Weights | None = None,
) -> list[Recommendation]:
    """Up to `n` songs along `strategy`'s path from the mood of `emotion_probs` (the
    detector's full distribution, as a sequence in `EMOTIONS` order or a mapping).

    Pass an `Index` rather than a `Catalog` when recommending more than once: a catalog is
    indexed on every call. `profile_taste` None (or an unfitted model) recommends on mood
    alone. `exclude_recent` holds (title, artist) keys: those songs, and other versions of
    them, are left out. The list ends early when the allowed songs run out. The same inputs
    and seed give the same list.
    """
    _check_n(n)
    chosen = _strategy(strategy)
    path = chosen.path(mood_point(emotion_probs), n)
    index = catalog if isinstance(catalog, Index) else Index.from_catalog(catalog)
    w = weights if weights is not None else Weights()
    size = len(index)
    if size == 0:
        return []

    taste = profile_taste if profile_taste is not None and not profile_taste.is_cold else None
    view = taste.assess(index) if taste is not None else None
    taste_scores = view.scores if view is not None else np.zeros(size, dtype=np.float32)
    novelty = np.zeros(size, dtype=np.float32)
    if view is not None:
        novelty[:] = 1.0
        novelty[view.known] = 0.0

    rng = np.random.default_rng(seed)
    base = rng.random(size, dtype=np.float32)
    base *= np.float32(w.variety)
    base += np.float32(w.taste) * taste_scores
    base += np.float32(w.novelty) * novelty
    for row in index.rows_of(exclude_recent):
        base[index.rows_of_work(int(index.work_codes[row]))] = -np.inf
    if view is not None:
        base[view.blocked] = -np.inf

    # The way the path goes along each axis (+1, -1, or 0 where it barely moves): a pick that
    # steps back against it (a sadder song on the way up) is penalised, so the songs climb
    # even where the catalog is sparse and the nearest song to each target zigzags.
    directions = [
        (column, float(np.sign(path[-1, c] - path[0, c])))
        for c, column in enumerate((index.valence, index.arousal))
        if abs(path[-1, c] - path[0, c]) > 0.05
    ]
    dv = np.empty(size, dtype=np.float32)
    da = np.empty(size, dtype=np.float32)
    back = np.zeros(size, dtype=np.float32)
    step_back = np.empty(size, dtype=np.float32)
    score = np.empty(size, dtype=np.float32)
    picks: list[Recommendation] = []
    previous: int | None = None
    previous_artist: int | None = None
    for step, (tv, ta) in enumerate(path):
        np.subtract(index.valence, np.float32(tv), out=dv)
        np.subtract(index.arousal, np.float32(ta), out=da)
        # Spelled out: np.hypot is several times slower than these four passes.
        np.multiply(dv, dv, out=dv)
        np.multiply(da, da, out=da)
        np.add(dv, da, out=dv)
        np.sqrt(dv, out=dv)
        np.multiply(dv, np.float32(w.mood), out=score)
        np.subtract(base, score, out=score)
        back[:] = 0.0
        if previous is not None and w.backtrack > 0.0 and directions:
            for column, sign in directions:
                # How far this track would step back: sign * (previous - track), if > 0.
                np.subtract(column[previous], column, out=step_back)
                if sign < 0:
                    np.negative(step_back, out=step_back)
                np.maximum(step_back, 0.0, out=step_back)
                back += step_back
            np.multiply(back, np.float32(w.backtrack), out=step_back)
            score -= step_back
        if previous_artist is not None:
            score[index.rows_of_artist(previous_artist)] = -np.inf
        row = int(np.argmax(score))
        if not np.isfinite(score[row]):
            break
        target = AffectPoint(float(tv), float(ta))
        picks.append(
            _recommendation(
                index, row, step, target, chosen, taste,
                Scores(float(dv[row]), float(taste_scores[row]), float(novelty[row]),
                       float(back[row]), float(score[row])),
                w,
            )
        )
        previous = row
        previous_artist = int(index.artist_codes[row])
        base[index.rows_of_work(int(index.work_codes[row]))] = -np.inf
        base[index.rows_of_artist(previous_artist)] -= np.float32(w.repeat_artist)
    return picks


def _recommendation(
    index: Index,
    row: int,
    step: int,
    target: AffectPoint,
    strategy: Strategy,
    taste: TasteModel | None,
    scores: Scores,
    weights: Weights,
) -> Recommendation:
    mood_reason = f"{strategy.phrase_for(step)} ({describe_point(target)})"
    reasons = [mood_reason]
    why = mood_reason
    # Taste is named only where it moved the pick by a noticeable distance: 0.05 is several
    # times the gap between neighbouring songs of the built-in catalog.
    taste_reason = (
        taste.explain(index, row)
        if taste is not None and weights.taste * scores.taste >= 0.05
        else None
    )
    if taste_reason is not None:
        reasons.append(taste_reason)
        why = taste_reason
    elif taste is not None and scores.novelty > 0.0:
        reasons.append("something new")
        why = f"something new, {mood_reason}"
    return Recommendation(step, index.track(row), target, scores, why, tuple(reasons))


def _as_points(path: npt.NDArray[np.float64]) -> list[AffectPoint]:
    return [AffectPoint(float(v), float(a)) for v, a in path]
