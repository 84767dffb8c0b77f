"""Offline evaluation of the recommendation engine on the built-in catalog.

    python -m moodtunes.recommend.evaluation [--json] [--listeners 200] [--seeds 10]

What it measures, and why each number matters:

* mood fit: the mean valence/arousal distance of each pick to the target point it was chosen
  for, per strategy and emotion. It says how well the catalog can follow a path, and where
  it has holes (there is little unpleasant, aroused music in a family-friendly catalog).
* uplift progress: whether the picks of `uplift` really climb: the share of consecutive
  picks whose valence does not fall, and for tense moods (anger, fear, disgust) whether
  the arousal comes down before the valence goes up.
* personalisation lift: hit rate at 10 on held-out likes of simulated listeners, against
  the same engine without taste (mood only). Listeners like 2-4 of the catalog's genres and
  3-6 of its artists, plus noise; 20% of each listener's likes are held out, the rest are
  feedback, and (as `implicit` does) the songs fed back are not recommended again.
* diversity: mean pairwise valence/arousal distance within a playlist and the share of
  distinct artists in it.
* coverage: the share of the catalog that is ever recommended.

Everything is seeded: the same arguments print the same numbers.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt

from moodtunes.emotions import EMOTIONS
from moodtunes.music.catalog import Catalog
from moodtunes.recommend.engine import Recommendation, recommend
from moodtunes.recommend.index import Index
from moodtunes.recommend.strategies import STRATEGIES, UpliftStrategy
from moodtunes.recommend.targets import mood_point
from moodtunes.recommend.taste import FeedbackEvent, TasteModel


@dataclass(frozen=True)
class EvaluationSettings:
    n: int = 10
    # Seeds per (emotion, strategy) for mood fit, progress, diversity and coverage.
    seeds: int = 10
    # Random mixed moods (Dirichlet draws) for the coverage of realistic, uncertain faces.
    mixed_moods: int = 200
    listeners: int = 200
    holdout: float = 0.2
    seed: int = 0


def _one_hot(emotion: str) -> npt.NDArray[np.float64]:
    probs = np.zeros(len(EMOTIONS))
    probs[EMOTIONS.index(emotion)] = 1.0
    return probs


def _rows(index: Index, picks: Sequence[Recommendation]) -> list[int]:
    found = index.lookup(pick.track.key for pick in picks)
    return [found[pick.track.key] for pick in picks]


def _va(picks: Sequence[Recommendation]) -> npt.NDArray[np.float64]:
    return np.array([[p.track.valence, p.track.arousal] for p in picks])


def _targets(picks: Sequence[Recommendation]) -> npt.NDArray[np.float64]:
    return np.array([[p.target.valence, p.target.arousal] for p in picks])


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def playlists(index: Index, settings: EvaluationSettings
              ) -> dict[tuple[str, str], list[list[Recommendation]]]:
    """Mood-only playlists for every (strategy, emotion), one per seed."""
    return {
        (strategy, emotion): [
            recommend(None, _one_hot(emotion), strategy, settings.n, index, seed=seed)
            for seed in range(settings.seeds)
        ]
        for strategy in STRATEGIES
        for emotion in EMOTIONS
    }


def mood_fit(runs: dict[tuple[str, str], list[list[Recommendation]]]
             ) -> dict[str, dict[str, float]]:
    """Mean distance of picks to their targets, per strategy, per emotion and overall."""
    table: dict[str, dict[str, float]] = {}
    for (strategy, emotion), lists in runs.items():
        distances = [d for picks in lists for d in np.linalg.norm(_va(picks) - _targets(picks),
                                                                   axis=1)]
        table.setdefault(strategy, {})[emotion] = _mean(distances)
    for row in table.values():
        row["all"] = _mean([row[e] for e in EMOTIONS])
    return table


def uplift_progress(runs: dict[tuple[str, str], list[list[Recommendation]]]
                    ) -> dict[str, dict[str, float]]:
    """Per emotion: how monotone the uplift targets and picks are, and for tense moods
    whether the picks calm down before they brighten."""
    uplift = UpliftStrategy()
    table: dict[str, dict[str, float]] = {}
    for emotion in EMOTIONS:
        lists = runs[("uplift", emotion)]
        steps_target, steps_strict, steps_loose, gains = [], [], [], []
        calming_steps: list[bool] = []
        calms_first: list[bool] = []
        for picks in lists:
            va, targets = _va(picks), _targets(picks)
            steps_target += list(np.diff(targets[:, 0]) >= -1e-9)
            steps_strict += list(np.diff(va[:, 0]) >= 0.0)
            steps_loose += list(np.diff(va[:, 0]) >= -0.05)
            gains.append(float(va[-1, 0] - va[0, 0]))
            if uplift.is_tense(mood_point(_one_hot(emotion))) and len(picks) >= 3:
                # The turn is the last step whose target is still at the starting valence.
                turn = int(np.flatnonzero(np.isclose(targets[:, 0], targets[0, 0]))[-1])
                calming_steps += list(np.diff(va[: turn + 1, 1]) <= 0.0)
                lift_before = va[turn, 0] - va[0, 0]
                lift_total = va[-1, 0] - va[0, 0]
                calms_first.append(
                    bool(va[turn, 1] < va[0, 1] and lift_before < 0.5 * lift_total)
                )
        row = {
            "targets_valence_nondecreasing": _mean(steps_target),
            "picks_valence_nondecreasing": _mean(steps_strict),
            "picks_valence_nondecreasing_within_0.05": _mean(steps_loose),
            "valence_gain": _mean(gains),
        }
        if calming_steps:
            row["calming_phase_arousal_nonincreasing"] = _mean(calming_steps)
            row["calms_before_lifting"] = _mean(calms_first)
        table[emotion] = row
    return table


def diversity(runs: dict[tuple[str, str], list[list[Recommendation]]]
              ) -> dict[str, dict[str, float]]:
    """Per strategy: mean pairwise valence/arousal distance within a playlist, share of
    distinct artists, and the rule breaks that must stay at 0."""
    table: dict[str, dict[str, float]] = {}
    for strategy in STRATEGIES:
        spread, unique, adjacent, duplicates = [], [], 0, 0
        for emotion in EMOTIONS:
            for picks in runs[(strategy, emotion)]:
                va = _va(picks)
                spread.append(_mean([float(np.linalg.norm(a - b))
                                     for a, b in combinations(va, 2)]))
                artists = [p.track.key[1] for p in picks]
                unique.append(len(set(artists)) / len(artists))
                adjacent += sum(a == b for a, b in zip(artists, artists[1:], strict=False))
                duplicates += len(picks) - len({p.track.key for p in picks})
        table[strategy] = {
            "mean_pairwise_distance": _mean(spread),
            "artist_uniqueness": _mean(unique),
            "same_artist_adjacent": float(adjacent),
            "repeated_tracks": float(duplicates),
        }
    return table


def coverage(index: Index, runs: dict[tuple[str, str], list[list[Recommendation]]],
             settings: EvaluationSettings) -> dict[str, float]:
    """Share of the catalog recommended: for the seven pure emotions (all strategies and
    seeds), and for random mixed moods, which is what real, uncertain faces give."""
    pure = {row for lists in runs.values() for picks in lists for row in _rows(index, picks)}
    rng = np.random.default_rng(settings.seed)
    moods = rng.dirichlet(np.full(len(EMOTIONS), 0.5), settings.mixed_moods)
    strategies = list(STRATEGIES)
    mixed: set[int] = set()
    for i, probs in enumerate(moods):
        picks = recommend(None, probs, strategies[i % len(strategies)], settings.n, index,
                          seed=i)
        mixed.update(_rows(index, picks))
    return {
        "pure_emotions": len(pure) / len(index),
        "mixed_moods": len(mixed) / len(index),
        "together": len(pure | mixed) / len(index),
    }


@dataclass(frozen=True)
class Listener:
    genres: tuple[str, ...]
    artists: tuple[str, ...]
    train: tuple[int, ...]
    held_out: frozenset[int]


def simulate_listeners(index: Index, settings: EvaluationSettings) -> list[Listener]:
    """Listeners whose likes come from real genres and artists of the catalog, with noise:
    each song by a chosen artist is liked with p=0.7, each song of a chosen genre with
    p=0.15, any other song with p=0.005."""
    rng = np.random.default_rng(settings.seed + 1)
    genre_sizes = np.bincount(index.genre_codes[index.genre_codes >= 0],
                              minlength=len(index.genre_names))
    genres = np.flatnonzero(genre_sizes >= 8)
    artist_sizes = np.bincount(index.artist_codes, minlength=len(index.artist_keys))
    artists = np.flatnonzero(artist_sizes >= 3)
    listeners: list[Listener] = []
    while len(listeners) < settings.listeners:
        chosen_genres = rng.choice(genres, int(rng.integers(2, 5)), replace=False)
        chosen_artists = rng.choice(artists, int(rng.integers(3, 7)), replace=False)
        by_artist = np.isin(index.artist_codes, chosen_artists)
        by_genre = np.isin(index.genre_codes, chosen_genres).any(axis=1)
        chance = np.where(by_artist, 0.7, np.where(by_genre, 0.15, 0.005))
        liked = np.flatnonzero(rng.random(len(index)) < chance)
        if len(liked) < 5:
            continue
        liked = rng.permutation(liked)
        held = max(1, round(settings.holdout * len(liked)))
        listeners.append(Listener(
            tuple(index.genre_names[g] for g in chosen_genres),
            tuple(index.artist_names[a] for a in chosen_artists),
            tuple(int(r) for r in liked[held:]),
            frozenset(int(r) for r in liked[:held]),
        ))
    return listeners


def personalisation(index: Index, settings: EvaluationSettings) -> dict[str, float]:
    """Hit rate at n on held-out likes, with taste and mood only, over every listener,
    emotion and strategy; and what taste costs in mood fit."""
    hits: dict[str, list[bool]] = {"mood_only": [], "with_taste": []}
    found: dict[str, list[int]] = {"mood_only": [], "with_taste": []}
    distance: dict[str, list[float]] = {"mood_only": [], "with_taste": []}
    likes = []
    for number, listener in enumerate(simulate_listeners(index, settings)):
        train_keys = [index.key(row) for row in listener.train]
        events = [FeedbackEvent(f"listener-{number}", key, "like", timestamp=float(t))
                  for t, key in enumerate(train_keys)]
        taste = TasteModel().fit(events)
        likes.append(len(listener.train) + len(listener.held_out))
        for emotion in EMOTIONS:
            for strategy in STRATEGIES:
                for name, model in (("mood_only", None), ("with_taste", taste)):
                    picks = recommend(model, _one_hot(emotion), strategy, settings.n, index,
                                      exclude_recent=train_keys, seed=number)
                    hit = len(listener.held_out.intersection(_rows(index, picks)))
                    hits[name].append(hit > 0)
                    found[name].append(hit)
                    distance[name].append(_mean([p.scores.distance for p in picks]))
    base, personal = _mean(hits["mood_only"]), _mean(hits["with_taste"])
    return {
        "listeners": float(settings.listeners),
        "mean_likes": _mean(likes),
        "hit_rate_mood_only": base,
        "hit_rate_with_taste": personal,
        "lift": personal / base if base else float("inf"),
        "held_out_found_per_list_mood_only": _mean(found["mood_only"]),
        "held_out_found_per_list_with_taste": _mean(found["with_taste"]),
        "mood_distance_mood_only": _mean(distance["mood_only"]),
        "mood_distance_with_taste": _mean(distance["with_taste"]),
    }


def evaluate(catalog: Catalog | None = None,
             settings: EvaluationSettings | None = None) -> dict[str, Any]:
    """All the measures, as plain JSON types."""
    s = settings if settings is not None else EvaluationSettings()
    if s.n < 2 or s.seeds < 1 or s.listeners < 1 or not 0.0 < s.holdout < 1.0:
        raise ValueError(f"settings need n >= 2, seeds >= 1, listeners >= 1 and a holdout "
                         f"in (0, 1), got {s}")
    source = catalog if catalog is not None else Catalog.builtin()
    index = Index.from_catalog(source)
    runs = playlists(index, s)
    return {
        "settings": asdict(s),
        "catalog_tracks": len(index),
        "mood_fit": mood_fit(runs),
        "uplift_progress": uplift_progress(runs),
        "diversity": diversity(runs),
        "coverage": coverage(index, runs, s),
        "personalisation": personalisation(index, s),
    }


def format_report(results: dict[str, Any]) -> str:
    """The results as the plain-text tables that docs/RECOMMENDER.md quotes."""
    lines = [f"catalog: {results['catalog_tracks']} tracks; settings: {results['settings']}", ""]
    lines.append("mood fit: mean valence/arousal distance of picks to their targets (lower "
                 "is better)")
    lines.append(f"{'strategy':<10}" + "".join(f"{e:>9}" for e in (*EMOTIONS, "all")))
    for strategy, row in results["mood_fit"].items():
        lines.append(f"{strategy:<10}" + "".join(f"{row[e]:>9.3f}" for e in (*EMOTIONS, "all")))
    lines += ["", "uplift progress (share of consecutive steps; gain = last pick's valence "
              "minus the first's)"]
    for emotion, row in results["uplift_progress"].items():
        text = (f"  {emotion:<9} targets {row['targets_valence_nondecreasing']:.2f}  "
                f"picks {row['picks_valence_nondecreasing']:.2f}  "
                f"picks within 0.05 {row['picks_valence_nondecreasing_within_0.05']:.2f}  "
                f"gain {row['valence_gain']:+.2f}")
        if "calms_before_lifting" in row:
            text += (f"  calming-phase arousal non-increasing "
                     f"{row['calming_phase_arousal_nonincreasing']:.2f}  calms before "
                     f"lifting {row['calms_before_lifting']:.2f}")
        lines.append(text)
    lines += ["", "diversity per strategy"]
    for strategy, row in results["diversity"].items():
        lines.append(
            f"  {strategy:<9} pairwise distance {row['mean_pairwise_distance']:.3f}  "
            f"artist uniqueness {row['artist_uniqueness']:.3f}  same artist adjacent "
            f"{row['same_artist_adjacent']:.0f}  repeated tracks {row['repeated_tracks']:.0f}"
        )
    c = results["coverage"]
    lines += ["", f"coverage: pure emotions {c['pure_emotions']:.1%}, mixed moods "
              f"{c['mixed_moods']:.1%}, together {c['together']:.1%}"]
    p = results["personalisation"]
    lines += [
        "",
        f"personalisation ({p['listeners']:.0f} simulated listeners, "
        f"{p['mean_likes']:.1f} likes each on average, 20% held out):",
        f"  hit rate at {results['settings']['n']}: mood only {p['hit_rate_mood_only']:.3f}, "
        f"with taste {p['hit_rate_with_taste']:.3f} (lift x{p['lift']:.2f})",
        f"  held-out likes per list: mood only {p['held_out_found_per_list_mood_only']:.3f}, "
        f"with taste {p['held_out_found_per_list_with_taste']:.3f}",
        f"  mood distance: mood only {p['mood_distance_mood_only']:.3f}, with taste "
        f"{p['mood_distance_with_taste']:.3f}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m moodtunes.recommend.evaluation",
        description="Offline evaluation of the recommender on the built-in catalog.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    defaults = EvaluationSettings()
    parser.add_argument("--listeners", type=int, default=defaults.listeners)
    parser.add_argument("--seeds", type=int, default=defaults.seeds)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    args = parser.parse_args(argv)
    settings = EvaluationSettings(seeds=args.seeds, listeners=args.listeners, seed=args.seed)
    results = evaluate(settings=settings)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
