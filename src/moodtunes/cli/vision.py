"""`moodtunes detect` (faces and emotions in images) and `moodtunes evaluate` (a model on
labelled faces). Neither needs torch."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from moodtunes.cli.errors import FAILED, OK, CommandFailed, UsageError


def run_detect(args: argparse.Namespace) -> int:
    from moodtunes.errors import MoodtunesError
    from moodtunes.vision.images import read_image
    from moodtunes.vision.recognizer import EmotionRecognizer

    recognizer = EmotionRecognizer.default(args.model, args.detector)
    results: list[dict[str, object]] = []
    failed = 0
    for path in args.images:
        try:
            faces = recognizer.analyze(read_image(path))
        except MoodtunesError as exc:  # one unreadable image; the others still count
            failed += 1
            results.append({"file": path, "error": exc.message})
            print(f"error: {exc.message}", file=sys.stderr)
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
    return FAILED if failed else OK


def run_evaluate(args: argparse.Namespace) -> int:
    from moodtunes.evaluation.fer2013 import load_faces
    from moodtunes.evaluation.metrics import evaluate, format_report
    from moodtunes.vision.classifier import EmotionClassifier

    if args.report and importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--report draws with matplotlib, part of the training extra; install "
                         "it with: pip install 'moodtunes[train]'")
    history = None
    if args.history:
        try:
            history = json.loads(Path(args.history).read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read training history {args.history}: {exc}") from None
    loaded = load_faces(args.data, usage=args.usage)
    for problem in loaded.problems:
        print(f"warning: {problem}", file=sys.stderr)
    classifier = EmotionClassifier(args.model, threads=args.threads)
    result = evaluate(classifier, loaded.faces)
    print(json.dumps(result.to_dict()) if args.json else format_report(result))
    if args.report:
        from moodtunes.evaluation.report import write_report

        try:
            written = write_report(result, args.report, history)
        except OSError as exc:
            raise CommandFailed(f"cannot write the report to {args.report}: {exc}") from None
        print("report: " + ", ".join(str(p) for p in written),
              file=sys.stderr if args.json else sys.stdout)
    return OK


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("detect", help="print the faces and emotions in image files")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--model", default=None, help="an .onnx emotion model (default: built-in)")
    p.add_argument("--detector", default="mtcnn", choices=("mtcnn", "haar", "whole"),
                   help="face detector (default mtcnn; haar is the fallback, whole takes each "
                   "image as one face crop)")
    p.set_defaults(run=run_detect)

    p = sub.add_parser("evaluate", help="score a model on labelled faces")
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
    p.set_defaults(run=run_evaluate)
