"""`moodtunes recommend`: a playlist for a mood, with why each song is in it; and
`moodtunes recommend evaluate`, the recommender's offline evaluation."""

from __future__ import annotations

import argparse
import json
import sys

from moodtunes.cli.catalog import DATABASE_HELP
from moodtunes.cli.errors import OK, UsageError


def parse_probs(text: str) -> dict[str, float]:
    """"angry=0.1,sad=0.7,neutral=0.2" as a mapping; emotions left out count as 0."""
    from moodtunes.emotions import parse_emotion

    probs: dict[str, float] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--probs takes EMOTION=P pairs separated by commas, got {item!r}")
        emotion = parse_emotion(name).value
        if emotion in probs:
            raise ValueError(f"--probs names {emotion} twice")
        try:
            probs[emotion] = float(value)
        except ValueError:
            raise ValueError(f"--probs: {value.strip()!r} for {emotion} is not a number") from None
    if not probs:
        raise ValueError("--probs is empty; give EMOTION=P pairs such as sad=0.7,neutral=0.3")
    return probs


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run_recommend(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from moodtunes.emotions import parse_emotion
    from moodtunes.music.catalog import Catalog
    from moodtunes.recommend import (
        Index,
        TasteModel,
        create_strategy,
        describe_point,
        emotion_probabilities,
        recommend,
        target_path,
    )
    from moodtunes.recommend.targets import top_emotion
    from moodtunes.storage.db import open_database
    from moodtunes.storage.library import Key
    from moodtunes.storage.models import ProfileRow
    from moodtunes.storage.profiles import load_taste
    from moodtunes.storage.tracks import load_catalog

    if args.emotion is None and args.probs is None:
        raise UsageError("name the mood with --emotion NAME or --probs EMOTION=P,...")
    probs = ({parse_emotion(args.emotion).value: 1.0} if args.emotion is not None
             else parse_probs(args.probs))
    emotion_probabilities(probs)  # raises ValueError unless it is a distribution
    strategy = create_strategy(args.strategy)
    if args.n < 1:
        raise UsageError(f"-n must be at least 1, got {args.n}")

    taste: TasteModel | None = None
    recent: tuple[Key, ...] = ()
    try:
        with open_database(args.database)() as db:
            catalog = load_catalog(db)
            if args.profile is not None:
                if db.get(ProfileRow, args.profile) is None:
                    raise UsageError(f"no profile {args.profile!r} in the database")
                profile = load_taste(db, args.profile)  # what the web app learns from too
                taste, recent = profile.taste, profile.recent
    except (SQLAlchemyError, OSError) as exc:
        if args.profile is not None:
            raise UsageError("--profile needs the database, which cannot be opened: "
                             f"{exc}") from None
        print(f"warning: cannot open the database ({exc}); using the built-in catalog",
              file=sys.stderr)
        catalog = Catalog.builtin()

    picks = recommend(taste, probs, strategy, args.n, Index.from_catalog(catalog),
                      exclude_recent=list(recent), seed=args.seed)
    path = target_path(probs, strategy, args.n)
    if args.json:
        print(json.dumps({
            "strategy": strategy.name,
            "emotion": top_emotion(probs),
            "path": [[round(p.valence, 4), round(p.arousal, 4)] for p in path],
            "recommendations": [pick.to_dict() for pick in picks],
        }, indent=2))
        return OK
    start, end = path[0], path[-1]
    print(f"{strategy.name}: from {describe_point(start)} ({start.valence:+.2f}, "
          f"{start.arousal:+.2f}) to {describe_point(end)} ({end.valence:+.2f}, "
          f"{end.arousal:+.2f}); {len(picks)} of {len(catalog)} songs\n")
    print(f"{'#':>3}  {'title':<34} {'artist':<24} {'valence':>7} {'arousal':>7}")
    for pick in picks:
        track = pick.track
        print(f"{pick.position + 1:>3}  {_shorten(track.title, 34):<34} "
              f"{_shorten(track.artist, 24):<24} {track.valence:>+7.2f} {track.arousal:>+7.2f}")
        print(f"     {pick.why}")
    if len(picks) < args.n:
        print(f"\n(only {len(picks)} songs fit the playlist's rules)")
    return OK


def run_evaluation(args: argparse.Namespace) -> int:
    from moodtunes.recommend import evaluation

    argv = ["--json"] if args.evaluation_json else []
    for flag, value in (("--listeners", args.listeners), ("--seeds", args.seeds),
                        ("--seed", args.evaluation_seed)):
        if value is not None:
            argv += [flag, str(value)]
    evaluation.main(argv)
    return OK


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from moodtunes.recommend.strategies import DEFAULT_STRATEGY, STRATEGIES

    p = sub.add_parser(
        "recommend", help="a playlist for a mood, with why each song was chosen",
        description="A playlist for a mood from the catalog in the database (the built-in "
        "songs and what `moodtunes catalog import` added). `moodtunes recommend evaluate` runs "
        "the recommender's offline evaluation instead.")
    mood = p.add_mutually_exclusive_group()
    mood.add_argument("--emotion", help="one emotion, all the probability on it")
    mood.add_argument("--probs", metavar="EMOTION=P,...",
                      help="the detector's distribution, e.g. sad=0.6,neutral=0.3,fear=0.1 "
                      "(summing to 1; emotions left out are 0)")
    p.add_argument("--strategy", default=DEFAULT_STRATEGY,
                   help=f"{', '.join(STRATEGIES)} (default {DEFAULT_STRATEGY})")
    p.add_argument("-n", type=int, default=10, help="how many songs (default 10)")
    p.add_argument("--seed", type=int, default=0, help="another seed reorders near neighbours")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--database", default=None, help=DATABASE_HELP)
    p.add_argument("--profile", default=None,
                   help="a profile id from the database: its taste (feedback, library, "
                   "favourites) counts, and the songs it played last are left out")
    p.set_defaults(run=run_recommend)
    recommend_sub = p.add_subparsers(dest="recommend_command", metavar="{evaluate}")
    e = recommend_sub.add_parser(
        "evaluate", help="offline evaluation of the recommender on the built-in catalog")
    e.add_argument("--json", dest="evaluation_json", action="store_true",
                   help="print JSON instead of tables")
    e.add_argument("--listeners", type=int, default=None, help="simulated listeners (200)")
    e.add_argument("--seeds", type=int, default=None, help="seeds per emotion and strategy (10)")
    e.add_argument("--seed", dest="evaluation_seed", type=int, default=None)
    e.set_defaults(run=run_evaluation)
