"""The `moodtunes` command: serve, detect, train, evaluate, recommend."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

PACKAGE_MODEL = Path(__file__).parent / "models" / "emotion.onnx"


def _no_training_extra(command: str, exc: ImportError) -> int:
    print(f"moodtunes {command} needs the training extra ({exc}); "
          "install it with: pip install 'moodtunes[train]'", file=sys.stderr)
    return 2


def _cmd_train(args: argparse.Namespace) -> int:
    try:
        from moodtunes.training.pipeline import run_training
        from moodtunes.training.train import TrainConfig
    except ImportError as exc:
        return _no_training_extra("train", exc)
    config = TrainConfig(
        arch=args.arch, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
        seed=args.seed, augment=not args.no_augment, train_data=args.train_data,
        val_data=args.val_data, train_usage=args.train_usage, val_usage=args.val_usage,
        limit=args.limit, threads=args.threads, device=args.device,
        out_dir=args.out, pct_start=args.pct_start, ema_decay=args.ema,
        init_from=args.init_from, label_smoothing=args.label_smoothing,
        optimizer=args.optimizer, schedule=args.schedule, weight_decay=args.weight_decay,
        erase=args.erase, soft_targets=args.soft_targets, ferplus=args.ferplus,
    )
    for path in (config.train_data, config.val_data):
        if not Path(path).exists():
            print(f"error: data not found: {path} (FER2013 as an npz, Kaggle's fer2013.csv or "
                  "a train/test image folder; see docs/MODEL.md)", file=sys.stderr)
            return 2
    if args.ship and args.no_export:
        print("error: --ship needs the export; drop --no-export", file=sys.stderr)
        return 2
    ship_to = PACKAGE_MODEL if args.ship else None
    try:
        run_training(config, resume=not args.fresh, ship_to=ship_to, progress=not args.quiet,
                     quantize=not args.no_quantize, recalibrate=not args.no_recalibrate,
                     export=not args.no_export)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    try:
        from moodtunes.training.pipeline import package_model
    except ImportError as exc:
        return _no_training_extra("export", exc)
    missing = [str(path) for path in args.checkpoints if not path.is_file()]
    if missing:
        print(f"error: checkpoint not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        package_model(args.checkpoints, args.out, mirror=not args.no_mirror,
                      quantize=not args.no_quantize, recalibrate=not args.no_recalibrate,
                      ship_to=PACKAGE_MODEL if args.ship else None)
    except (ValueError, RuntimeError, OSError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from moodtunes.config import load_settings
    from moodtunes.errors import MoodtunesError
    from moodtunes.web import create_app

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:  # a line per camera frame (3 a second per viewer) drowns the rest
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config, camera=args.camera, model=args.model,
                                 playlists=args.playlists)
        app = create_app(settings=settings)
    except (ValueError, OSError, MoodtunesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"moodtunes is running on http://{args.host}:{args.port} (Ctrl+C stops it)", flush=True)
    app.run(host=args.host, port=args.port, threaded=True, debug=False, use_reloader=False)
    return 0


def _cmd_detect(args: argparse.Namespace) -> int:
    from moodtunes.errors import MoodtunesError
    from moodtunes.vision.images import read_image
    from moodtunes.vision.recognizer import EmotionRecognizer

    try:
        recognizer = EmotionRecognizer.default(args.model, args.detector)
    except (ValueError, MoodtunesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results: list[dict[str, object]] = []
    failed = 0
    for path in args.images:
        try:
            faces = recognizer.analyze(read_image(path))
        except MoodtunesError as exc:
            failed += 1
            results.append({"file": path, "error": exc.message})
            print(f"{exc.message}", file=sys.stderr)
            continue
        results.append({"file": path, "faces": [face.to_dict() for face in faces]})
        if not args.json:
            if not faces:
                print(f"{path}: no face found")
            for face in faces:
                top = ", ".join(f"{k} {v:.0%}" for k, v in
                                sorted(face.scores.items(), key=lambda kv: -kv[1])[:3])
                print(f"{path}: {face.emotion:<9} box {list(face.box)}  ({top})")
    if args.json:
        print(json.dumps(results, indent=2))
    return 1 if failed else 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from moodtunes.errors import MoodtunesError
    from moodtunes.training.data import load_faces
    from moodtunes.training.evaluate import evaluate, format_report
    from moodtunes.vision.classifier import EmotionClassifier

    try:
        loaded = load_faces(args.data, usage=args.usage)
        for problem in loaded.problems:
            print(f"warning: {problem}", file=sys.stderr)
        faces = loaded.faces
        classifier = EmotionClassifier(args.model, threads=args.threads)
    except (ValueError, FileNotFoundError, MoodtunesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = evaluate(classifier, faces)
    print(json.dumps(result.to_dict()) if args.json else format_report(result))
    if args.report:
        try:
            from moodtunes.training.report import write_report
        except ImportError as exc:
            print(f"--report needs the training extra ({exc})", file=sys.stderr)
            return 2
        history = None
        if args.history:
            try:
                history = json.loads(Path(args.history).read_text())
            except (OSError, ValueError) as exc:
                print(f"error: cannot read training history {args.history}: {exc}",
                      file=sys.stderr)
                return 2
        try:
            written = write_report(result, args.report, history)
        except OSError as exc:
            print(f"error: cannot write the report to {args.report}: {exc}", file=sys.stderr)
            return 1
        print("report: " + ", ".join(str(p) for p in written),
              file=sys.stderr if args.json else sys.stdout)
    return 0


def _fetch(url: str, folder: Path) -> Path:
    """Download `url` into `folder` (for `catalog import URL`), at most 200 MB."""
    import requests

    name = Path(url.split("?", 1)[0]).name or "download.csv"
    target = folder / name
    try:
        with requests.get(url, stream=True, timeout=30) as res:
            res.raise_for_status()
            size = 0
            with target.open("wb") as out:
                for chunk in res.iter_content(1 << 16):
                    size += len(chunk)
                    if size > 200 * 1024 * 1024:
                        raise OSError(f"{url} is larger than 200 MB")
                    out.write(chunk)
    except requests.RequestException as exc:
        raise OSError(f"cannot download {url}: {exc}") from exc
    return target


def _field_mapping(item: str) -> tuple[str, str]:
    field, sep, column = item.partition("=")
    if not sep or not field.strip() or not column.strip():
        raise ValueError(f"--map takes FIELD=COLUMN, got {item!r}")
    return field.strip(), column.strip()


def _cmd_catalog_import(args: argparse.Namespace) -> int:
    import tempfile

    from sqlalchemy.exc import SQLAlchemyError

    from moodtunes.errors import CatalogError
    from moodtunes.music.importers import read_any
    from moodtunes.storage.db import open_database
    from moodtunes.storage.tracks import import_tracks

    try:
        sessions = open_database(args.database)
    except (SQLAlchemyError, OSError) as exc:
        print(f"error: cannot open the database: {exc}", file=sys.stderr)
        return 2
    generic_options: dict[str, object] = {}
    if args.map:
        if args.format not in (None, "generic"):
            print("error: --map is for --format generic", file=sys.stderr)
            return 2
        args.format = "generic"
        try:
            generic_options["mapping"] = dict(_field_mapping(item) for item in args.map)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        generic_options["value_range"] = args.value_range
    elif args.format == "generic":
        print("error: --format generic needs --map FIELD=COLUMN (at least title and artist)",
              file=sys.stderr)
        return 2
    failed = 0
    report = []
    with tempfile.TemporaryDirectory() as tmp:
        for source in args.paths:
            try:
                path = _fetch(source, Path(tmp)) if source.startswith(("http://", "https://")) \
                    else Path(source)
                result = read_any(path, args.format, **generic_options)
                with sessions.begin() as session:  # one file, one transaction
                    counts = import_tracks(session, result.tracks)
            except (CatalogError, ValueError, OSError, SQLAlchemyError) as exc:
                failed += 1
                message = getattr(exc, "message", None) or str(exc)
                report.append({"file": source, "error": message})
                print(f"error: {source}: {message}", file=sys.stderr)
                continue
            for problem in result.problems[: args.max_problems]:
                print(f"skipped: {problem}", file=sys.stderr)
            if len(result.problems) > args.max_problems:
                print(f"skipped: ... {len(result.problems) - args.max_problems} more in {source}",
                      file=sys.stderr)
            entry = {"file": source, "rows": result.rows, "skipped": len(result.problems),
                     **counts.to_dict()}
            report.append(entry)
            if not args.json:
                print(f"{source}: {result.rows} rows; {counts.added} added, {counts.merged} "
                      f"merged, {counts.unchanged} already known, {len(result.problems)} skipped")
    if args.json:
        print(json.dumps(report, indent=2))
    return 1 if failed else 0


def _cmd_catalog_stats(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from moodtunes.storage.db import open_database
    from moodtunes.storage.tracks import catalog_stats

    try:
        sessions = open_database(args.database)
        with sessions() as session:
            stats = catalog_stats(session)
    except (SQLAlchemyError, OSError) as exc:
        print(f"error: cannot read the database: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"{stats['total']['tracks']} tracks")
    print("\nper emotion they are recommended for:")
    for name, count in stats["emotions"].items():
        print(f"  {name:<10}{count:>8}")
    print("\nper source:")
    for name, count in stats["sources"].items():
        print(f"  {name:<18}{count:>8}")
    return 0


def _parse_probs(text: str) -> dict[str, float]:
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


def _cmd_recommend(args: argparse.Namespace) -> int:
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
    from moodtunes.storage.feedback import feedback_events, recently_played
    from moodtunes.storage.library import Key, library_tracks
    from moodtunes.storage.models import ProfileRow
    from moodtunes.storage.tracks import load_catalog

    if args.emotion is None and args.probs is None:
        print("error: name the mood with --emotion NAME or --probs EMOTION=P,...",
              file=sys.stderr)
        return 2
    try:
        probs = ({parse_emotion(args.emotion).value: 1.0} if args.emotion is not None
                 else _parse_probs(args.probs))
        emotion_probabilities(probs)
        strategy = create_strategy(args.strategy)
        if args.n < 1:
            raise ValueError(f"-n must be at least 1, got {args.n}")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    taste: TasteModel | None = None
    recent: list[Key] = []
    try:
        with open_database(args.database)() as db:
            catalog = load_catalog(db)
            if args.profile is not None:
                if db.get(ProfileRow, args.profile) is None:
                    print(f"error: no profile {args.profile!r} in the database", file=sys.stderr)
                    return 2
                library = [(t.title_key, t.artist_key) for t in library_tracks(db, args.profile)]
                taste = TasteModel(profile_id=args.profile).fit(
                    feedback_events(db, args.profile), library=library)
                recent = recently_played(db, args.profile)
    except (SQLAlchemyError, OSError) as exc:
        if args.profile is not None:
            print(f"error: --profile needs the database, which cannot be opened: {exc}",
                  file=sys.stderr)
            return 2
        print(f"warning: cannot open the database ({exc}); using the built-in catalog",
              file=sys.stderr)
        catalog = Catalog.builtin()

    picks = recommend(taste, probs, strategy, args.n, Index.from_catalog(catalog),
                      exclude_recent=recent, seed=args.seed)
    path = target_path(probs, strategy, args.n)
    if args.json:
        print(json.dumps({
            "strategy": strategy.name,
            "emotion": top_emotion(probs),
            "path": [[round(p.valence, 4), round(p.arousal, 4)] for p in path],
            "recommendations": [pick.to_dict() for pick in picks],
        }, indent=2))
        return 0
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
    return 0


def _cmd_recommend_evaluate(args: argparse.Namespace) -> int:
    from moodtunes.recommend import evaluation

    argv = ["--json"] if args.evaluation_json else []
    for flag, value in (("--listeners", args.listeners), ("--seeds", args.seeds),
                        ("--seed", args.evaluation_seed)):
        if value is not None:
            argv += [flag, str(value)]
    try:
        evaluation.main(argv)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


NO_RECALIBRATE_HELP = ("export BatchNorm statistics as trained (on augmented faces), without "
                       "re-estimating them on the unaugmented training faces")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moodtunes", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train an emotion model on FER2013 and export it to ONNX")
    p.add_argument("--arch", default="vgg_small", help="architecture (registry name)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (one-cycle)")
    p.add_argument("--optimizer", choices=("adamw", "adam"), default="adamw")
    p.add_argument("--schedule", choices=("onecycle", "constant"), default="onecycle",
                   help="one-cycle (warm-up then cosine decay) or a constant learning rate")
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--pct-start", type=float, default=0.2,
                   help="share of the one-cycle schedule spent warming up")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--ema", type=float, default=0.0, metavar="DECAY",
                   help="keep an exponential moving average of the weights (e.g. 0.998) and "
                   "select/export it; 0 turns it off")
    p.add_argument("--init-from", metavar="CHECKPOINT",
                   help="start from this checkpoint's weights with a new schedule (warm restart)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--erase", type=float, default=0.0, metavar="P",
                   help="random erasing: blank a rectangle in this share of faces (e.g. 0.5)")
    p.add_argument("--soft-targets", type=float, default=0.0, metavar="W",
                   help="blend the FER+ votes into each face's target with this weight "
                   "(e.g. 0.5; the label keeps 1 - W); 0 trains on the labels alone")
    p.add_argument("--ferplus", metavar="CSV",
                   help="fer2013new.csv with the FER+ votes, for a fer2013.csv --train-data "
                   "(an npz file carries its own)")
    p.add_argument("--train-data", default="../shared/data/fer2013/train.npz")
    p.add_argument("--val-data", default="../shared/data/fer2013/publictest.npz")
    p.add_argument("--train-usage", default="Training",
                   help="split to train on, for a fer2013.csv or an image folder")
    p.add_argument("--val-usage", default="PublicTest", help="split to select the model on")
    p.add_argument("--limit", type=int, default=None, help="use only the first N training faces")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--out", default="runs/latest", help="run folder (checkpoints, model.onnx)")
    p.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    p.add_argument("--ship", action="store_true",
                   help=f"copy the exported model to {PACKAGE_MODEL}")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--no-export", action="store_true",
                   help="keep the checkpoints only (a stage that a warm restart continues)")
    p.add_argument("--no-quantize", action="store_true",
                   help="ship the float model even when its int8 copy is as accurate")
    p.add_argument("--no-recalibrate", action="store_true", help=NO_RECALIBRATE_HELP)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("export", help="package checkpoints (one, or several averaged as an "
                       "ensemble) as a checked, quantized ONNX model")
    p.add_argument("checkpoints", nargs="+", type=Path, metavar="CHECKPOINT",
                   help="best.ckpt or last.ckpt of `moodtunes train` runs")
    p.add_argument("--out", type=Path, required=True,
                   help="folder for model.onnx, model.fp32.onnx and model.int8.onnx")
    p.add_argument("--no-mirror", action="store_true",
                   help="no mirror-image test-time augmentation (half the time per face)")
    p.add_argument("--no-quantize", action="store_true", help="ship the float model")
    p.add_argument("--no-recalibrate", action="store_true", help=NO_RECALIBRATE_HELP)
    p.add_argument("--ship", action="store_true",
                   help=f"copy the exported model to {PACKAGE_MODEL}")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("serve", help="run the web app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--camera", default=None,
                   help="camera index or video file streamed at /video_feed")
    p.add_argument("--model", default=None, help="an .onnx emotion model (default: built-in)")
    p.add_argument("--playlists", default=None,
                   help="the paper's per-emotion CSV files (a folder or one file) to add")
    p.add_argument("--config", default=None, help="a TOML settings file")
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("detect", help="print the faces and emotions in image files")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--model", default=None)
    p.add_argument("--detector", default="haar")
    p.set_defaults(func=_cmd_detect)

    p = sub.add_parser("evaluate", help="score a model on an npz of labelled faces")
    p.add_argument("data", help="npz with images (N,48,48) uint8 and labels (N,), "
                   "Kaggle's fer2013.csv, or a train/test image folder")
    p.add_argument("--usage", default=None,
                   help="split of a csv or folder: Training, PublicTest or PrivateTest")
    p.add_argument("--model", default=None, help="an .onnx model (default: built-in)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--report", metavar="DIR", default=None,
                   help="also write metrics.json and PNG plots (confusion, reliability) to DIR")
    p.add_argument("--history", default=None,
                   help="a run's history.json, drawn as training curves in the report")
    p.set_defaults(func=_cmd_evaluate)

    catalog = sub.add_parser("catalog", help="the music catalog in the database")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    p = catalog_sub.add_parser("import", help="import music tables (csv files or URLs)")
    p.add_argument("paths", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--format", default=None,
                   help="deezer, pmemo, spotify_features, moodylyrics4q, paper, moodtunes, "
                   "generic (detected from the header when not given)")
    p.add_argument("--database", default=None, help="SQLAlchemy URL (default: DATABASE_URL "
                   "or SQLite in the data folder)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN",
                   help="for a generic CSV: which column holds title, artist, album, year, "
                   "valence, arousal, genres, moods, spotify_id, ... (repeat)")
    p.add_argument("--value-range", default="signed",
                   help="scale of a generic CSV's valence/arousal: signed (-1..1), unit (0..1), "
                   "percent or nine_point")
    p.add_argument("--max-problems", type=int, default=20,
                   help="how many skipped rows to list per file")
    p.set_defaults(func=_cmd_catalog_import)
    p = catalog_sub.add_parser("stats", help="tracks per emotion and per source")
    p.add_argument("--database", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_catalog_stats)

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
    p.add_argument("--database", default=None, help="SQLAlchemy URL (default: DATABASE_URL "
                   "or SQLite in the data folder)")
    p.add_argument("--profile", default=None,
                   help="a profile id from the database: its taste counts, and the songs it "
                   "played last are left out")
    p.set_defaults(func=_cmd_recommend)
    recommend_sub = p.add_subparsers(dest="recommend_command", metavar="{evaluate}")
    e = recommend_sub.add_parser(
        "evaluate", help="offline evaluation of the recommender on the built-in catalog")
    e.add_argument("--json", dest="evaluation_json", action="store_true",
                   help="print JSON instead of tables")
    e.add_argument("--listeners", type=int, default=None, help="simulated listeners (200)")
    e.add_argument("--seeds", type=int, default=None, help="seeds per emotion and strategy (10)")
    e.add_argument("--seed", dest="evaluation_seed", type=int, default=None)
    e.set_defaults(func=_cmd_recommend_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `moodtunes ... | head` closed the pipe: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
